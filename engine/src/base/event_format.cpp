#include "smtpwb/event_format.hpp"

#include <cstdio>

#include "smtpwb/printable.hpp"

namespace smtpwb {

std::string format_time(std::int64_t t_us, TimeColumn column) {
  char buf[40];
  switch (column) {
    case TimeColumn::None: return {};
    case TimeColumn::Milliseconds: std::snprintf(buf, sizeof buf, "[%9.3f]", static_cast<double>(t_us) / 1e3); break;
    case TimeColumn::Seconds: std::snprintf(buf, sizeof buf, "%8.3f s", static_cast<double>(t_us) / 1e6); break;
  }
  return buf;
}

std::string format_line(const Event& e, const LineStyle& style) {
  std::string line;
  if (style.time != TimeColumn::None) {
    line += style.time_color;
    line += format_time(e.t_us, style.time);
    line += style.reset;
    line += style.time == TimeColumn::Seconds ? "  " : " ";
  }
  if (style.phase) {
    char phase[16];
    std::snprintf(phase, sizeof phase, "%-8s ", std::string(to_string(e.phase)).c_str());
    line += phase;
  }
  line += style.line_color;
  line += marker(e);
  line += ' ';
  line += style.escape ? visible_text(e.text) : e.text;
  line += style.reset;
  return line;
}

}  // namespace smtpwb

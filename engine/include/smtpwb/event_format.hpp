#pragma once
// One transcript line as text, for every place that writes one: the terminal (`check`), the log file,
// the exported reports and the window's copy/save. Only the decoration differs, chosen by LineStyle.
#include <cstdint>
#include <string>
#include <string_view>

#include "smtpwb/event.hpp"

namespace smtpwb {

enum class TimeColumn : std::uint8_t {
  None,
  Milliseconds,  // "[    1.234] ": since the session started, in ms (terminal, log, reports)
  Seconds,       // "   1.234 s  ": in seconds, as the window's time column shows it
};

struct LineStyle {
  TimeColumn time = TimeColumn::Milliseconds;
  bool phase = false;   // the phase name in a column of 8 after the time (the log file)
  bool escape = true;   // the text through visible_text; false where the caller escapes (Markdown, HTML)
  // Around the time column and around marker and text: a terminal's colour codes, empty elsewhere.
  std::string_view time_color, line_color, reset;
};

// The time column alone, without separator: "[    1.234]" or "   1.234 s"; empty for None.
std::string format_time(std::int64_t t_us, TimeColumn column);

// [time] [phase] marker text, no line break. The marker is swaks-style (see marker()).
std::string format_line(const Event& e, const LineStyle& style = {});

}  // namespace smtpwb

#include "model/transcript.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "smtpwb/base64.hpp"
#include "smtpwb/event_format.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"

namespace smtpwb::gui {

// The window shows, copies and saves the lines as visible_text: the server's control characters and
// bytes outside UTF-8 as \xNN (pasted into a terminal, a raw ESC would act there).
void TranscriptStore::append(const Event& e) {
  const std::string shown = visible_text(e.text);
  if (chunks_.empty() || chunks_.back().text.capacity() - chunks_.back().text.size() < shown.size()) {
    chunks_.push_back({std::string(), lines_.size()});
    chunks_.back().text.reserve(std::max(kChunkBytes, shown.size()));
  }
  std::string& chunk = chunks_.back().text;
  LineMeta m;
  m.t_us = e.t_us;
  m.position = static_cast<std::uint32_t>(chunk.size());
  m.dir = e.dir;
  m.phase = e.phase;
  m.in_tls = e.in_tls;
  chunk += shown;
  lines_.push_back(m);
}

const TranscriptStore::Chunk& TranscriptStore::chunk_of(std::size_t line) const {
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), line,
                             [](std::size_t l, const Chunk& c) { return l < c.first_line; });
  return *(it - 1);
}

std::string_view TranscriptStore::text(std::size_t i) const {
  const Chunk& chunk = chunk_of(i);
  const std::size_t begin = lines_[i].position;
  const bool next_in_chunk = i + 1 < lines_.size() && (&chunk == &chunks_.back() || i + 1 < (&chunk + 1)->first_line);
  const std::size_t end = next_in_chunk ? lines_[i + 1].position : chunk.text.size();
  return {chunk.text.data() + begin, end - begin};
}

void TranscriptStore::clear() {
  chunks_.clear();
  lines_.clear();
}

Event TranscriptStore::event(std::size_t i) const {
  const auto& m = lines_[i];
  return Event{m.t_us, m.dir, m.phase, m.in_tls, std::string(text(i))};
}

std::string format_relative(std::int64_t t_us) { return format_time(t_us, TimeColumn::Seconds); }

std::string format_absolute(std::int64_t start_unix_ms, std::int64_t t_us) {
  std::int64_t ms = start_unix_ms + t_us / 1000;
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm = platform::local_time(secs);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string format_line(const Event& e, bool with_time) {
  LineStyle style;
  style.time = with_time ? TimeColumn::Seconds : TimeColumn::None;
  style.escape = false;  // the store holds visible_text already
  return smtpwb::format_line(e, style);
}

std::string decoded_sasl_challenge(std::string_view text) {
  if (text.size() < 5 || text.substr(0, 4) != "334 ") return {};
  auto decoded = base64_decode(text.substr(4));
  return decoded ? printable(*decoded) : std::string();
}

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

void FilterIndex::set_filter(std::string filter) {
  if (filter == filter_) return;
  filter_ = std::move(filter);
  filter_lower_ = lower(filter_);
  reset();
}

bool FilterIndex::matches(std::string_view text) const {
  auto it = std::search(text.begin(), text.end(), filter_lower_.begin(), filter_lower_.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != text.end();
}

std::size_t FilterIndex::update(const TranscriptStore& store) {
  if (store.size() < scanned_) reset();  // the store was cleared
  const std::size_t from = scanned_;
  if (active())
    for (std::size_t i = from; i < store.size(); ++i)
      if (matches(store.text(i))) rows_.push_back(static_cast<std::uint32_t>(i));
  scanned_ = store.size();
  return scanned_ - from;
}

std::size_t FilterIndex::row_of(std::size_t line) const {
  if (!active()) return line;
  return static_cast<std::size_t>(std::lower_bound(rows_.begin(), rows_.end(), line) - rows_.begin());
}

}  // namespace smtpwb::gui

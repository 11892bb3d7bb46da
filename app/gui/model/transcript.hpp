#pragma once
// The transcript of one run as the view needs it: one text buffer plus per-line facts, and an index of
// the lines that pass the filter, updated with only the new lines each frame (a million lines stay cheap).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/event.hpp"

namespace smtpwb::gui {

struct LineMeta {  // 16 bytes: a million lines cost 16 MB of facts beside their text
  std::int64_t t_us = 0;
  std::uint32_t position = 0;  // in its chunk; the length is where the next line (or the chunk) starts
  Dir dir = Dir::Info;
  Phase phase = Phase::Resolve;
  bool in_tls = false;
};

static_assert(sizeof(LineMeta) == 16, "keep the per-line facts small");

class TranscriptStore {
 public:
  void append(const Event& e);
  void clear();
  std::size_t size() const { return lines_.size(); }
  std::string_view text(std::size_t i) const;
  const LineMeta& meta(std::size_t i) const { return lines_[i]; }
  Event event(std::size_t i) const;

 private:
  // Text lives in chunks of at least 1 MiB that never move or grow past what was reserved, so memory
  // is what the lines need (no doubling of one huge buffer). A line never spans two chunks.
  struct Chunk {
    std::string text;
    std::size_t first_line = 0;
  };
  static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
  const Chunk& chunk_of(std::size_t line) const;
  std::vector<Chunk> chunks_;
  std::vector<LineMeta> lines_;
};

// "   1.234 s" relative to the session start, or "21:04:05.123" wall-clock given the start time.
std::string format_relative(std::int64_t t_us);
std::string format_absolute(std::int64_t start_unix_ms, std::int64_t t_us);
// A transcript line as text, with its swaks-style marker (for copy and save).
std::string format_line(const Event& e, bool with_time);
// A server SASL challenge "334 <base64>" shown decoded; empty when the line is not one.
std::string decoded_sasl_challenge(std::string_view text);

class FilterIndex {
 public:
  // Changing the filter marks the index for a rebuild; update() then scans everything once.
  void set_filter(std::string filter);
  const std::string& filter() const { return filter_; }
  bool active() const { return !filter_.empty(); }
  // Scans only lines added since the last update; returns how many lines it examined.
  std::size_t update(const TranscriptStore& store);
  std::size_t size(const TranscriptStore& store) const { return active() ? rows_.size() : store.size(); }
  std::size_t line_at(std::size_t row) const { return active() ? rows_[row] : row; }
  // The row showing `line`, or the nearest following row; for jumping to a line.
  std::size_t row_of(std::size_t line) const;
  void reset() { scanned_ = 0; rows_.clear(); }

 private:
  bool matches(std::string_view text) const;
  std::string filter_;        // as typed
  std::string filter_lower_;  // for case-insensitive matching
  std::vector<std::uint32_t> rows_;
  std::size_t scanned_ = 0;
};

}  // namespace smtpwb::gui

#pragma once
// One hint: a likely cause of a failure, in plain words, with its fix (see smtpwb/hints.hpp).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "smtpwb/event.hpp"

namespace smtpwb {

enum class HintSeverity { Error, Warning, Info };
std::string_view to_string(HintSeverity s);  // "error" | "warning" | "info"

struct Hint {
  std::string id;           // stable id, e.g. "gmail-app-password"
  HintSeverity severity = HintSeverity::Error;
  std::string title;        // one line
  std::string explanation;  // plain words, may contain facts filled in (e.g. both mechanism sets)
  std::string fix;          // concrete steps
  Phase phase = Phase::Done;                    // phase that triggered it
  std::optional<std::size_t> transcript_index;  // index into SessionResult::transcript of the triggering line
};

}  // namespace smtpwb

#pragma once
// Hints must not depend on how our own failure messages are worded: a result with every failure message
// and error line rephrased must raise the same hint ids (issue 14). Shared by the unit and fault suites.
#include <string>
#include <vector>

#include "smtpwb/hints.hpp"
#include "smtpwb/result.hpp"

namespace smtpwb::hint_test {

inline SessionResult reworded(SessionResult r) {
  if (r.failure) r.failure->message = "Reworded: " + std::string(r.failure->message.rbegin(), r.failure->message.rend());
  for (auto& e : r.transcript)
    if (e.dir == Dir::Error) e.text = "Reworded error line";
  return r;
}

inline std::vector<std::string> hint_ids(const std::vector<Hint>& hints) {
  std::vector<std::string> out;
  for (const auto& h : hints) out.push_back(h.id);
  return out;
}

}  // namespace smtpwb::hint_test

#pragma once
// The hint catalogue: rules and texts (assets/hints.json) that name the likely cause of a failure and
// its fix. Matching is a pure function from (settings, session result) to hints.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/event.hpp"
#include "smtpwb/hint.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb {

class HintCatalogue {  // loaded from assets JSON; parse errors name the rule index/field
 public:
  // Throws std::runtime_error with a message naming the rule (index and id) and the field.
  static HintCatalogue from_json(std::string_view text);
  // The catalogue compiled into the binary from assets/hints.json.
  static const HintCatalogue& builtin();

  // Pure. Hints for a finished session, errors first; a healthy session gets none.
  std::vector<Hint> match(const ConnectionSettings& settings, const SessionResult& result) const;
  // Pure. Warnings about the settings alone, shown before connecting (e.g. port-mode-mismatch).
  std::vector<Hint> match_settings(const ConnectionSettings& settings) const;
  // Pure. An OAuth sign-in that failed before any connection (the token endpoint's error, e.g.
  // "AADSTS7000218 ..."): matched as an auth failure with that message and no reply.
  std::vector<Hint> match_sign_in_failure(const ConnectionSettings& settings, const std::string& message) const;
  // Pure. The plain-text probe's hints (server-allows-plaintext-submission): only the rules written for it.
  std::vector<Hint> match_plaintext_probe(const ConnectionSettings& settings, const PlaintextProbeFacts& probe) const;
  std::size_t size() const;
  std::vector<std::string> ids() const;  // every distinct id, in catalogue order

  struct Rule;

 private:
  std::shared_ptr<const std::vector<Rule>> rules_;
};

}  // namespace smtpwb

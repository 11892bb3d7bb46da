#pragma once
// What an SMTP reply code means: the enhanced status codes of the IANA registry (RFC 3463 and its
// updates) and the basic reply codes of RFC 5321 section 4.2, from assets/enhanced-status-codes.json.
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb {

struct StatusMeaning {
  std::string code;         // "X.1.1", "X.7" (subject only, when the detail is not registered) or "550"
  std::string title;        // "Bad destination mailbox address"
  std::string description;  // plain words
  std::vector<std::string> references;  // "RFC 3463", ...
};

struct ReplyMeaning {
  bool transient = false;  // 4xx: the same command may succeed later
  bool permanent = false;  // 5xx: something must change first
  StatusMeaning class_meaning;          // of the reply's class (enhanced class, else the first digit)
  std::vector<StatusMeaning> meanings;  // most specific first: the enhanced code, its subject; or the basic code
};

class StatusCodes {
 public:
  // Throws std::runtime_error naming the entry and field that are wrong.
  static StatusCodes from_json(std::string_view text);
  static const StatusCodes& builtin();  // compiled in from assets/enhanced-status-codes.json

  // reply_code 421..599; enhanced "5.1.1" or "" when the reply has none.
  ReplyMeaning explain(int reply_code, const std::string& enhanced) const;
  std::size_t enhanced_count() const { return enhanced_.size(); }  // registered subject.detail codes

 private:
  std::vector<StatusMeaning> classes_, subjects_, enhanced_;  // "2"/"4"/"5", "X.1", "X.1.1"
  std::vector<StatusMeaning> first_digit_, second_digit_, basic_;  // "4yz", "x5z", "550"
};

}  // namespace smtpwb

#pragma once
// SMTP replies (RFC 5321 4.2): parsed incrementally from the bytes a server sends.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/result.hpp"

namespace smtpwb::smtp {

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // text after "NNN-" / "NNN ", one per line
  std::string enhanced;            // "5.7.8" when the first line carries an enhanced status code (RFC 3463)

  bool positive() const { return code >= 200 && code < 400; }
  bool is(int c) const { return code == c; }
  int kind() const { return code / 100; }
  std::string text() const;          // lines joined by "\n"
  std::string first_line() const;    // "535 5.7.8 Error: authentication failed"
};

// Parses the enhanced status code at the start of a reply text, or returns empty.
std::string parse_enhanced_code(std::string_view text, int reply_code);

// The protocol whose greeting (or answer) starts `first_bytes` where SMTP was expected; None when it is
// none of those we know.
ForeignProtocol foreign_protocol(std::string_view first_bytes);

class ReplyParser {
 public:
  static constexpr std::size_t kMaxLineBytes = 4096;     // RFC 5321 says 512; servers exceed it
  static constexpr std::size_t kMaxReplyLines = 1000;

  enum class Status { Incomplete, Complete, Malformed };

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // Takes the next complete reply out of the buffer. On Malformed, error() says why; the parser is
  // then unusable (the stream has lost its framing).
  Status next(Reply& out);
  const std::string& error() const { return error_; }
  // The raw lines of the reply returned last, as received (for the transcript).
  const std::vector<std::string>& raw_lines() const { return raw_; }
  // Bytes received but not yet part of a returned reply.
  std::size_t buffered() const { return buffer_.size() - consumed_; }
  std::string take_buffered();

 private:
  Status fail(std::string why);

  std::string buffer_;
  std::size_t consumed_ = 0;  // bytes of buffer_ already returned
  std::string error_;
  std::vector<std::string> raw_;
};

}  // namespace smtpwb::smtp

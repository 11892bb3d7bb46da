#include "smtpwb/smtp/reply.hpp"

#include <cctype>

namespace smtpwb::smtp {

std::string Reply::text() const {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

std::string Reply::first_line() const {
  return std::to_string(code) + (lines.empty() ? std::string() : " " + lines.front());
}

namespace {
bool digits(std::string_view s, std::size_t min, std::size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}
}  // namespace

std::string parse_enhanced_code(std::string_view text, int reply_code) {
  // class.subject.detail, class 2/4/5 matching the reply's first digit (RFC 3463, RFC 2034).
  auto end = text.find_first_of(" \t");
  std::string_view token = text.substr(0, end);
  auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return {};
  auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return {};
  auto cls = token.substr(0, d1), subject = token.substr(d1 + 1, d2 - d1 - 1), detail = token.substr(d2 + 1);
  if (!digits(cls, 1, 1) || !digits(subject, 1, 3) || !digits(detail, 1, 3)) return {};
  if (cls[0] != '2' && cls[0] != '4' && cls[0] != '5') return {};
  if (reply_code / 100 != cls[0] - '0') return {};
  return std::string(token);
}

ForeignProtocol foreign_protocol(std::string_view first_bytes) {
  using P = ForeignProtocol;
  static constexpr std::pair<std::string_view, P> kGreetings[] = {
      {"SSH-", P::Ssh},        {"HTTP/1.", P::Http}, {"HTTP/2", P::Http}, {"* OK", P::Imap},
      {"* PREAUTH", P::Imap}, {"* BYE", P::Imap},   {"+OK", P::Pop3},    {"-ERR", P::Pop3},
  };
  for (const auto& [start, protocol] : kGreetings)
    if (first_bytes.substr(0, start.size()) == start) return protocol;
  return P::None;
}

ReplyParser::Status ReplyParser::fail(std::string why) {
  error_ = std::move(why);
  return Status::Malformed;
}

std::string ReplyParser::take_buffered() {
  std::string rest = buffer_.substr(consumed_);
  buffer_.clear();
  consumed_ = 0;
  return rest;
}

ReplyParser::Status ReplyParser::next(Reply& out) {
  if (!error_.empty()) return Status::Malformed;
  Reply reply;
  std::vector<std::string> raw;
  std::size_t pos = consumed_;
  while (true) {
    auto nl = buffer_.find('\n', pos);
    if (nl == std::string::npos) {
      std::size_t pending = buffer_.size() - pos;
      if (pending > 0 && buffer_.back() == '\r') --pending;  // the LF may simply be in the next read
      if (pending > kMaxLineBytes)
        return fail("reply line longer than " + std::to_string(kMaxLineBytes) + " bytes without a line end");
      return Status::Incomplete;
    }
    std::string_view line(buffer_.data() + pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLineBytes) return fail("reply line longer than " + std::to_string(kMaxLineBytes) + " bytes");
    pos = nl + 1;
    raw.emplace_back(line);

    if (line.size() < 3 || !digits(line.substr(0, 3), 3, 3))
      return fail("reply line does not start with a three-digit code: \"" + std::string(line.substr(0, 80)) + "\"");
    int code = std::stoi(std::string(line.substr(0, 3)));
    if (code < 200 || code > 599) return fail("reply code " + std::to_string(code) + " is outside 2xx-5xx");
    char sep = line.size() > 3 ? line[3] : ' ';
    if (sep != ' ' && sep != '-') return fail("reply line has '" + std::string(1, sep) + "' after the code, not ' ' or '-'");
    if (reply.code == 0) {
      reply.code = code;
    } else if (code != reply.code) {
      return fail("continuation line has code " + std::to_string(code) + ", the reply started with " +
                  std::to_string(reply.code));
    }
    reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    if (reply.lines.size() > kMaxReplyLines) return fail("reply has more than " + std::to_string(kMaxReplyLines) + " lines");
    if (sep == ' ') break;
  }
  consumed_ = pos;
  if (consumed_ > 65536 && consumed_ * 2 > buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  reply.enhanced = parse_enhanced_code(reply.lines.front(), reply.code);
  out = std::move(reply);
  raw_ = std::move(raw);
  return Status::Complete;
}

}  // namespace smtpwb::smtp

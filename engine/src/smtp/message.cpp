#include "smtpwb/smtp/message.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

#include "smtpwb/base64.hpp"
#include "smtpwb/platform.hpp"

#include "text.hpp"

namespace smtpwb::smtp {

namespace {

using text::upper;

}  // namespace

bool is_ascii(std::string_view text) {
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  return true;
}


std::string mime_charset(const std::string& code_page) {
  std::string u = upper(code_page);
  std::string compact;
  for (char c : u)
    if (c != '-' && c != '_' && c != ' ') compact += c;
  if (compact == "UTF8") return "UTF-8";
  if (compact == "ASCII" || compact == "USASCII" || compact == "ANSIX3.41968") return "US-ASCII";
  if (compact == "LATIN1" || compact == "L1") return "ISO-8859-1";
  if (compact.rfind("ISO8859", 0) == 0 && compact.size() > 7) return "ISO-8859-" + compact.substr(7);
  if (compact.rfind("CP125", 0) == 0 || compact.rfind("WINDOWS125", 0) == 0)
    return "windows-" + compact.substr(compact.size() - 4);
  if (compact == "SJIS" || compact == "SHIFTJIS") return "Shift_JIS";
  if (compact == "BIG5") return "Big5";
  if (compact == "KOI8R") return "KOI8-R";
  if (compact == "KOI8U") return "KOI8-U";
  if (compact == "EUCJP") return "EUC-JP";
  if (compact == "EUCKR") return "EUC-KR";
  return code_page;
}

std::string normalize_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

std::string dot_stuff(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool line_start = true;
  for (char c : text) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t col = 0;
  auto encoded = [](unsigned char c) { return std::string{'=', kHex[c >> 4], kHex[c & 15]}; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += "\r\n";
      col = 0;
      ++i;
      continue;
    }
    bool at_line_end = i + 1 == text.size() || text[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    std::string piece = literal ? std::string(1, static_cast<char>(c)) : encoded(c);
    if (col + piece.size() > 75) {  // soft line break first, so the rule below sees the real column
      out += "=\r\n";
      col = 0;
    }
    // A leading "." is encoded so that no line of the body is ever a lone dot, whatever the relay does.
    if (c == '.' && col == 0) piece = encoded(c);
    out += piece;
    col += piece.size();
  }
  return out;
}

std::string encode_header_value(std::string_view raw, const std::string& charset) {
  if (is_ascii(raw)) return std::string(raw);
  const bool utf8 = charset == "UTF-8";
  std::string out;
  std::size_t i = 0;
  // RFC 2047: an encoded word is at most 75 characters, "=?" charset "?B?" base64 "?=".
  const std::size_t chunk = std::max<std::size_t>(3, (75 - 7 - std::min<std::size_t>(charset.size(), 60)) / 4 * 3);
  while (i < raw.size()) {
    std::size_t end = std::min(raw.size(), i + chunk);
    if (utf8) {
      while (end < raw.size() && end > i && (static_cast<unsigned char>(raw[end]) & 0xC0) == 0x80) --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?" + charset + "?B?" + base64_encode(raw.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

BuiltMessage build_message(const MessageSpec& spec, const std::string& code_page, std::string_view ehlo_domain,
                           bool use_8bit) {
  BuiltMessage msg;
  msg.charset = mime_charset(code_page);
  std::string body = convert_from_utf8(normalize_crlf(spec.body_utf8), code_page);
  std::string subject = convert_from_utf8(spec.subject, code_page);

  if (is_ascii(body)) {
    msg.transfer_encoding = "7bit";
  } else if (use_8bit) {
    msg.transfer_encoding = "8bit";
    msg.needs_8bitmime = true;
  } else {
    msg.transfer_encoding = "quoted-printable";
    body = quoted_printable(body);
  }

  char date[64];
  std::time_t now = std::time(nullptr);
  std::tm tm = platform::utc_time(now);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string id_domain(ehlo_domain);
  if (id_domain.empty() || id_domain.front() == '[') id_domain = "smtp-workbench.invalid";
  std::random_device rd;
  char id[40];
  std::snprintf(id, sizeof id, "%08x%08x.%lld", rd(), rd(), static_cast<long long>(now));

  std::string to_list;
  for (const auto& t : spec.to) to_list += (to_list.empty() ? "" : ", ") + t;
  std::string& d = msg.data;
  d += "Date: " + std::string(date) + "\r\n";
  d += "From: " + spec.from + "\r\n";
  d += "To: " + to_list + "\r\n";
  // RFC 6532: an SMTPUTF8 message carries its headers in UTF-8 as they are.
  d += "Subject: " + (spec.smtputf8 ? spec.subject : encode_header_value(subject, msg.charset)) + "\r\n";
  d += "Message-ID: <" + std::string(id) + "@" + id_domain + ">\r\n";
  d += "MIME-Version: 1.0\r\n";
  d += "Content-Type: text/plain; charset=" + msg.charset + "\r\n";
  d += "Content-Transfer-Encoding: " + msg.transfer_encoding + "\r\n";
  d += "X-Mailer: SMTP Workbench\r\n";
  d += "\r\n";
  d += body;
  return msg;
}

std::vector<BdatChunk> bdat_chunks(std::string_view message, std::size_t chunk_size) {
  std::vector<BdatChunk> chunks;
  std::size_t at = 0;
  do {
    std::size_t n = std::min(chunk_size, message.size() - at);
    const bool last = at + n == message.size();
    chunks.push_back({"BDAT " + std::to_string(n) + (last ? " LAST" : ""), message.substr(at, n)});
    at += n;
  } while (at < message.size());
  return chunks;
}

std::string mail_parameters(const MessageSpec& spec) {
  std::string out;
  if (spec.smtputf8) out += " SMTPUTF8";
  if (auto ret = parse_dsn_ret(spec.dsn_ret)) out += " RET=" + *ret;
  if (!spec.dsn_envid.empty()) out += " ENVID=" + xtext_encode(spec.dsn_envid);
  return out;
}

std::string utf8_addr_unitext(std::string_view address) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : address) {
    if (c >= 0x80 || (c > ' ' && c < 0x7F && c != '\\' && c != '+' && c != '=')) {
      out += static_cast<char>(c);
    } else {
      out += "\\x{";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      out += '}';
    }
  }
  return out;
}

std::string rcpt_parameters(const MessageSpec& spec, const std::string& to) {
  std::string out;
  if (auto notify = parse_dsn_notify(spec.dsn_notify); notify && !spec.dsn_notify.empty()) out += " NOTIFY=" + *notify;
  if (!spec.wants_dsn()) return out;
  // ORCPT's rfc822 type is ASCII only. A UTF-8 address takes RFC 6533's utf-8 type; its unitext form
  // (UTF-8 as it is) needs SMTPUTF8, without which a UTF-8 recipient cannot be sent at all.
  if (is_ascii(to)) out += " ORCPT=rfc822;" + xtext_encode(to);
  else if (spec.smtputf8) out += " ORCPT=utf-8;" + utf8_addr_unitext(to);
  return out;
}

}  // namespace smtpwb::smtp

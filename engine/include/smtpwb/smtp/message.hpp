#pragma once
// Building a test message: code-page conversion, MIME headers, dot-stuffing.
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtpwb/charset.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::smtp {

// Charset conversion lives in the base layer (SASL's NTLM needs it too); the SMTP names stay.
using smtpwb::ConversionError;
using smtpwb::convert_from_utf8;

// The MIME charset name for an iconv code page ("ISO_8859-1" -> "ISO-8859-1", "CP1252" -> "windows-1252").
std::string mime_charset(const std::string& code_page);

// Every line ending becomes CRLF; a missing final line break is added.
std::string normalize_crlf(std::string_view text);
// RFC 5321 4.5.2: a line that starts with "." gets another "." in front. Input must be CRLF-normalized.
std::string dot_stuff(std::string_view crlf_text);
// RFC 2045 quoted-printable of CRLF text (soft breaks at 76 columns).
std::string quoted_printable(std::string_view crlf_text);
// RFC 2047 "B" encoded-word for a header value in charset, or the value as is when it is ASCII.
std::string encode_header_value(std::string_view raw, const std::string& charset);
bool is_ascii(std::string_view text);

struct BuiltMessage {
  std::string data;  // headers + body, CRLF, not yet dot-stuffed
  std::string charset;
  std::string transfer_encoding;  // "7bit" | "8bit" | "quoted-printable"
  bool needs_8bitmime = false;
};

// use_8bit: the server offers 8BITMIME, so 8-bit text goes as it is; otherwise quoted-printable.
BuiltMessage build_message(const MessageSpec& spec, const std::string& code_page, std::string_view ehlo_domain,
                           bool use_8bit);

}  // namespace smtpwb::smtp

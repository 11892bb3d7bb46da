#pragma once
// Building a test message: code-page conversion, MIME headers, dot-stuffing.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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
// With spec.smtputf8 the headers are raw UTF-8 (RFC 6532) instead of RFC 2047 encoded words.
BuiltMessage build_message(const MessageSpec& spec, const std::string& code_page, std::string_view ehlo_domain,
                           bool use_8bit);

// RFC 3030: the message as BDAT chunks of at most chunk_size bytes, sent as they are (no dot-stuffing);
// the last one says LAST. An empty message is one "BDAT 0 LAST".
struct BdatChunk {
  std::string command;  // "BDAT 65536" or "BDAT 120 LAST"
  std::string_view payload;  // a view into the message
};
inline constexpr std::size_t kBdatChunkSize = 64 * 1024;
std::vector<BdatChunk> bdat_chunks(std::string_view message, std::size_t chunk_size = kBdatChunkSize);

// The envelope's extension parameters (RFC 6531, RFC 3461), each with its leading space; the spec is valid.
std::string mail_parameters(const MessageSpec& spec);        // " SMTPUTF8 RET=HDRS ENVID=..."
std::string rcpt_parameters(const MessageSpec& spec, const std::string& to);  // " NOTIFY=... ORCPT=rfc822;..."

// RFC 6533 3 utf-8-addr-unitext, for "ORCPT=utf-8;" with SMTPUTF8: UTF-8 stays as it is; space, controls,
// DEL, '\', '+' and '=' become "\x{HEX}" (two upper-case hex digits, the ASCII code point).
std::string utf8_addr_unitext(std::string_view address);

}  // namespace smtpwb::smtp

// smtp/message.hpp: dot-stuffing, CRLF, code pages, quoted-printable, RFC 2047 headers, build_message.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/base64.hpp"
#include "smtpwb/smtp/message.hpp"

using namespace smtpwb::smtp;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

std::vector<std::string> split_crlf(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find("\r\n", start);
    if (pos == std::string::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, pos - start));
    start = pos + 2;
  }
}

// Every CR is followed by LF and every LF preceded by CR.
bool only_crlf(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // RFC 2045: upper case only in what we produce
}

// A strict RFC 2045 quoted-printable decoder for the round trips.
std::optional<std::string> qp_decode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '=') {
      out += c;
      continue;
    }
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {  // soft line break
      i += 2;
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

struct EncodedWord {
  std::string charset;
  std::string bytes;
};

// Parses "=?charset?B?...?=" exactly.
std::optional<EncodedWord> parse_encoded_word(const std::string& w) {
  if (w.size() < 8 || w.rfind("=?", 0) != 0 || w.compare(w.size() - 2, 2, "?=") != 0) return std::nullopt;
  auto q1 = w.find('?', 2);
  if (q1 == std::string::npos || w.compare(q1, 3, "?B?") != 0) return std::nullopt;
  auto payload = w.substr(q1 + 3, w.size() - 2 - (q1 + 3));
  auto decoded = smtpwb::base64_decode(payload);
  if (!decoded) return std::nullopt;
  return EncodedWord{w.substr(2, q1 - 2), *decoded};
}

// Splits a folded header value "w1\r\n w2\r\n w3" into words.
std::vector<std::string> split_folded(const std::string& value) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (true) {
    auto pos = value.find("\r\n ", start);
    words.push_back(value.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return words;
    start = pos + 3;
  }
}

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

// The value of header `name` (first occurrence, unfolded lines kept as is), or nullopt.
std::optional<std::string> header(const std::string& data, const std::string& name) {
  auto end = data.find("\r\n\r\n");
  std::string head = data.substr(0, end);
  std::string key = name + ": ";
  std::size_t pos = head.rfind(key, 0) == 0 ? 0 : head.find("\r\n" + key);
  if (pos == std::string::npos) return std::nullopt;
  if (pos != 0) pos += 2;
  pos += key.size();
  std::string value;
  while (true) {
    auto eol = head.find("\r\n", pos);
    value += head.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (eol == std::string::npos || eol + 2 >= head.size() || head[eol + 2] != ' ') return value;
    value += "\r\n";
    pos = eol + 2;
  }
}

std::string body_of(const std::string& data) {
  auto end = data.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  return data.substr(end + 4);
}

}  // namespace

TEST_CASE("dot_stuff", "[message][dot]") {
  CHECK(dot_stuff(".hidden\r\n") == "..hidden\r\n");                 // first line of the text
  CHECK(dot_stuff("a\r\n.\r\nb\r\n") == "a\r\n..\r\nb\r\n");         // a lone "."
  CHECK(dot_stuff("a\r\n..\r\n") == "a\r\n...\r\n");                 // ".."
  CHECK(dot_stuff("a.b\r\nc. d.\r\n") == "a.b\r\nc. d.\r\n");        // not at line start
  CHECK(dot_stuff("x\r\n.a\r\n.b\r\n") == "x\r\n..a\r\n..b\r\n");    // several lines
  CHECK(dot_stuff(" .indented\r\n") == " .indented\r\n");
  CHECK(dot_stuff("") == "");
  CHECK(dot_stuff("no dots\r\n") == "no dots\r\n");
}

TEST_CASE("normalize_crlf", "[message][crlf]") {
  CHECK(normalize_crlf("a\nb\n") == "a\r\nb\r\n");
  CHECK(normalize_crlf("a\rb\r") == "a\r\nb\r\n");
  CHECK(normalize_crlf("a\r\nb\r\n") == "a\r\nb\r\n");  // already CRLF: no double CRLF
  CHECK(normalize_crlf("a\r\nb\nc\rd") == "a\r\nb\r\nc\r\nd\r\n");
  CHECK(normalize_crlf("last line") == "last line\r\n");  // adds the final CRLF
  CHECK(normalize_crlf("a\n\nb") == "a\r\n\r\nb\r\n");     // empty lines kept
  CHECK(normalize_crlf("a\r\r\nb") == "a\r\n\r\nb\r\n");   // CR then CRLF: two line ends
  CHECK(normalize_crlf("a\n\r") == "a\r\n\r\n");            // LF then CR: two line ends
  CHECK(normalize_crlf("") == "\r\n");
  CHECK(only_crlf(normalize_crlf("x\ry\nz\r\n\n\r\r\n")));
}

TEST_CASE("convert_from_utf8: exact bytes", "[message][codepage]") {
  CHECK(convert_from_utf8("Gr\xC3\xBC\xC3\x9F" "e", "ISO-8859-1") == "Gr\xFC\xDF" "e");
  CHECK(convert_from_utf8("Gr\xC3\xBC\xC3\x9F" "e", "ISO_8859-1") == "Gr\xFC\xDF" "e");
  CHECK(convert_from_utf8("\xE2\x82\xAC 5", "WINDOWS-1252") == "\x80 5");  // euro sign
  CHECK(convert_from_utf8("\xE2\x82\xAC\xE2\x80\x9A", "CP1252") == "\x80\x82");
  // "Привет"
  CHECK(convert_from_utf8("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", "KOI8-R") == "\xF0\xD2\xC9\xD7\xC5\xD4");
  // "テスト" in Shift_JIS
  CHECK(convert_from_utf8("\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88", "SHIFT_JIS") == "\x83\x65\x83\x58\x83\x67");
  CHECK(convert_from_utf8("plain ascii\r\n", "ISO-8859-1") == "plain ascii\r\n");
  CHECK(convert_from_utf8("", "ISO-8859-1").empty());
}

TEST_CASE("convert_from_utf8: UTF-8 passes through", "[message][codepage]") {
  const std::string text = "Gr\xC3\xBC\xC3\x9F" "e \xE4\xB8\xAD \xF0\x9F\x98\x80";
  CHECK(convert_from_utf8(text, "UTF-8") == text);
  CHECK(convert_from_utf8(text, "utf8") == text);
}

TEST_CASE("convert_from_utf8: errors", "[message][codepage]") {
  SECTION("a character the code page cannot represent is named") {
    try {
      convert_from_utf8("ab \xE4\xB8\xAD cd", "ISO-8859-1");  // U+4E2D
      FAIL("expected ConversionError");
    } catch (const ConversionError& e) {
      CHECK_THAT(e.what(), ContainsSubstring("U+4E2D"));
      CHECK_THAT(e.what(), ContainsSubstring("ISO-8859-1"));
    }
  }
  SECTION("the first unrepresentable character is named") {
    try {
      convert_from_utf8("\xC3\xBC ok \xE2\x82\xAC then \xE4\xB8\xAD", "ISO-8859-1");  // U+20AC comes first
      FAIL("expected ConversionError");
    } catch (const ConversionError& e) {
      CHECK_THAT(e.what(), ContainsSubstring("U+20AC"));
    }
  }
  SECTION("a 4-byte character") {
    try {
      convert_from_utf8("\xF0\x9F\x98\x80", "WINDOWS-1252");
      FAIL("expected ConversionError");
    } catch (const ConversionError& e) {
      CHECK_THAT(e.what(), ContainsSubstring("U+1F600"));
    }
  }
  SECTION("invalid UTF-8 input") {
    for (const char* bad : {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "ab\xE2\x82", "\xFF", "\x80"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(convert_from_utf8(bad, "ISO-8859-1"), ConversionError);
      CHECK_THROWS_AS(convert_from_utf8(bad, "UTF-8"), ConversionError);  // even without conversion
    }
  }
  SECTION("unknown code page") {
    try {
      convert_from_utf8("abc", "NOPE-1");
      FAIL("expected ConversionError");
    } catch (const ConversionError& e) {
      CHECK_THAT(e.what(), ContainsSubstring("NOPE-1"));
    }
  }
}

TEST_CASE("mime_charset", "[message][codepage]") {
  CHECK(mime_charset("ISO_8859-1") == "ISO-8859-1");
  CHECK(mime_charset("iso8859-15") == "ISO-8859-15");
  CHECK(mime_charset("latin1") == "ISO-8859-1");
  CHECK(mime_charset("LATIN-1") == "ISO-8859-1");
  CHECK(mime_charset("CP1252") == "windows-1252");
  CHECK(mime_charset("WINDOWS-1251") == "windows-1251");
  CHECK(mime_charset("UTF8") == "UTF-8");
  CHECK(mime_charset("utf-8") == "UTF-8");
  CHECK(mime_charset("SJIS") == "Shift_JIS");
  CHECK(mime_charset("SHIFT_JIS") == "Shift_JIS");
  CHECK(mime_charset("koi8-r") == "KOI8-R");
  CHECK(mime_charset("KOI8U") == "KOI8-U");
  CHECK(mime_charset("BIG5") == "Big5");
  CHECK(mime_charset("EUC-JP") == "EUC-JP");
  CHECK(mime_charset("ascii") == "US-ASCII");
  CHECK(mime_charset("ANSI_X3.4-1968") == "US-ASCII");
  CHECK(mime_charset("GB18030") == "GB18030");  // unknown to the table: unchanged
}

TEST_CASE("quoted_printable: encoding rules", "[message][qp]") {
  CHECK(quoted_printable("a=b\r\n") == "a=3Db\r\n");
  CHECK(quoted_printable("trailing \r\n") == "trailing=20\r\n");
  CHECK(quoted_printable("tab\t\r\n") == "tab=09\r\n");
  CHECK(quoted_printable("mid space\r\n") == "mid space\r\n");
  CHECK(quoted_printable("end space ") == "end space=20");  // end of text is a line end too
  CHECK(quoted_printable("Gr\xFC\xDF" "e\r\n") == "Gr=FC=DFe\r\n");
  CHECK(quoted_printable("\x7F\x01\r\n") == "=7F=01\r\n");
  CHECK(quoted_printable("a\r\n\r\nb\r\n") == "a\r\n\r\nb\r\n");
  CHECK(quoted_printable(".\r\n") == "=2E\r\n");  // a leading dot is encoded
  CHECK(quoted_printable("a.b\r\n") == "a.b\r\n");
}

TEST_CASE("quoted_printable: line length and soft breaks", "[message][qp]") {
  const std::string text = std::string(200, 'a') + "\r\n" + std::string(100, '\xE9') + "\r\n" +
                           std::string(74, 'b') + "=c\r\n" + std::string(80, ' ') + "x\r\n";
  auto qp = quoted_printable(text);
  CHECK(only_crlf(qp));
  auto lines = split_crlf(qp);
  CHECK(lines.size() > 8);
  for (const auto& l : lines) {
    CAPTURE(l);
    CHECK(l.size() <= 76);
    CHECK(l.find_first_not_of("\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
                              "abcdefghijklmnopqrstuvwxyz{|}~") == std::string::npos);  // 7-bit printable only
    if (!l.empty()) {
      CHECK(l.back() != ' ');
      CHECK(l.back() != '\t');
    }
    // An '=' is a soft break only at the very end; elsewhere it starts =XX.
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] != '=') continue;
      if (i + 1 == l.size()) break;
      REQUIRE(i + 2 < l.size());
      CHECK(hex_value(l[i + 1]) >= 0);
      CHECK(hex_value(l[i + 2]) >= 0);
      i += 2;
    }
  }
  CHECK(lines.front() == std::string(75, 'a') + "=");
  auto decoded = qp_decode(qp);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == text);
}

TEST_CASE("quoted_printable: round trip of every byte value", "[message][qp]") {
  std::string text;
  for (int line = 0; line < 4; ++line) {
    for (int b = 0; b < 256; ++b) {
      if (b == '\r' || b == '\n') continue;
      text += static_cast<char>(b);
    }
    text += " \r\n";
  }
  auto qp = quoted_printable(text);
  for (const auto& l : split_crlf(qp)) CHECK(l.size() <= 76);
  auto decoded = qp_decode(qp);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == text);
}

// Regression test; the bug was in (engine/src/smtp/message.cpp:177): the leading-dot rule checks col == 0 before emit() decides
// on a soft line break, so a '.' that lands at the start of a line after a soft break stays literal
// and the encoded body can contain a line that is a lone ".".
TEST_CASE("quoted_printable: no encoded line starts with a dot, even after a soft break",
          "[message][qp]") {
  const std::string text = std::string(75, 'a') + ".\r\n";
  auto qp = quoted_printable(text);
  REQUIRE(qp_decode(qp) == text);
  for (const auto& l : split_crlf(qp)) {
    CAPTURE(l);
    CHECK(l != ".");
    CHECK_FALSE(l.rfind('.', 0) == 0);
  }
}

TEST_CASE("encode_header_value: ASCII stays as it is", "[message][header]") {
  CHECK(encode_header_value("SMTP Workbench test message", "UTF-8") == "SMTP Workbench test message");
  CHECK(encode_header_value("", "UTF-8") == "");
  CHECK(is_ascii("plain\r\n"));
  CHECK_FALSE(is_ascii("caf\xC3\xA9"));
}

TEST_CASE("encode_header_value: non-ASCII becomes an RFC 2047 B word", "[message][header]") {
  const std::string subject = "Gr\xC3\xBC\xC3\x9F" "e aus M\xC3\xBCnchen";
  auto enc = encode_header_value(subject, "UTF-8");
  CHECK_THAT(enc, StartsWith("=?UTF-8?B?"));
  CHECK(is_ascii(enc));
  auto words = split_folded(enc);
  REQUIRE(words.size() == 1);
  auto w = parse_encoded_word(words[0]);
  REQUIRE(w.has_value());
  CHECK(w->charset == "UTF-8");
  CHECK(w->bytes == subject);
}

TEST_CASE("encode_header_value: long values are split on character boundaries", "[message][header]") {
  // Mixed 1-, 2-, 3- and 4-byte characters so that the 45-byte chunks fall inside sequences.
  std::string subject;
  for (int i = 0; i < 12; ++i) subject += "a\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80 ";
  for (int shift = 0; shift < 4; ++shift) {
    std::string value = std::string(static_cast<std::size_t>(shift), 'x') + subject;
    CAPTURE(shift);
    auto enc = encode_header_value(value, "UTF-8");
    CHECK(is_ascii(enc));
    auto words = split_folded(enc);
    REQUIRE(words.size() >= 3);
    std::string joined;
    for (const auto& word : words) {
      CAPTURE(word);
      CHECK(word.size() <= 75);
      auto w = parse_encoded_word(word);
      REQUIRE(w.has_value());
      CHECK(w->charset == "UTF-8");
      CHECK_FALSE(w->bytes.empty());
      CHECK(valid_utf8(w->bytes));  // no UTF-8 sequence split across words
      joined += w->bytes;
    }
    CHECK(joined == value);
  }
}

// Regression test; the bug was in (engine/src/smtp/message.cpp:195): chunks are a fixed 45 bytes (60 base64 characters), which
// only fits the RFC 2047 limit of 75 characters per encoded-word for charset names of up to 6
// characters. With "ISO-8859-1" each full word is 77 characters, with "windows-1252" 79.
TEST_CASE("encode_header_value: words stay within 75 characters for longer charset names",
          "[message][header]") {
  const std::string latin1(60, '\xFC');
  auto enc = encode_header_value(latin1, "ISO-8859-1");
  std::string joined;
  for (const auto& word : split_folded(enc)) {
    CAPTURE(word);
    CHECK(word.size() <= 75);
    auto w = parse_encoded_word(word);
    REQUIRE(w.has_value());
    joined += w->bytes;
  }
  CHECK(joined == latin1);
}

TEST_CASE("build_message: ASCII body is 7bit with all headers", "[message][build]") {
  smtpwb::MessageSpec spec;
  spec.from = "alice@example.com";
  spec.to = {"bob@example.org", "carol@example.net"};
  spec.subject = "Hello";
  spec.body_utf8 = "Line one\nLine two\n.\nend";
  auto msg = build_message(spec, "UTF-8", "client.example.com", false);
  CHECK(msg.charset == "UTF-8");
  CHECK(msg.transfer_encoding == "7bit");
  CHECK_FALSE(msg.needs_8bitmime);
  CHECK(only_crlf(msg.data));

  auto date = header(msg.data, "Date");
  REQUIRE(date.has_value());
  CHECK_THAT(*date, ContainsSubstring("+0000"));
  CHECK(header(msg.data, "From") == "alice@example.com");
  CHECK(header(msg.data, "To") == "bob@example.org, carol@example.net");
  CHECK(header(msg.data, "Subject") == "Hello");
  auto id = header(msg.data, "Message-ID");
  REQUIRE(id.has_value());
  CHECK_THAT(*id, StartsWith("<") && Catch::Matchers::EndsWith("@client.example.com>"));
  CHECK(header(msg.data, "MIME-Version") == "1.0");
  CHECK(header(msg.data, "Content-Type") == "text/plain; charset=UTF-8");
  CHECK(header(msg.data, "Content-Transfer-Encoding") == "7bit");
  CHECK(body_of(msg.data) == "Line one\r\nLine two\r\n.\r\nend\r\n");  // not dot-stuffed yet
}

TEST_CASE("build_message: Message-ID domain for address literals", "[message][build]") {
  smtpwb::MessageSpec spec;
  spec.from = "a@example.com";
  spec.to = {"b@example.com"};
  spec.body_utf8 = "x";
  auto a = build_message(spec, "UTF-8", "[192.0.2.1]", false);
  CHECK_THAT(*header(a.data, "Message-ID"), Catch::Matchers::EndsWith("@smtp-workbench.invalid>"));
  auto b = build_message(spec, "UTF-8", "", false);
  CHECK_THAT(*header(b.data, "Message-ID"), Catch::Matchers::EndsWith("@smtp-workbench.invalid>"));
  // Two messages get different ids.
  auto c = build_message(spec, "UTF-8", "", false);
  CHECK(*header(b.data, "Message-ID") != *header(c.data, "Message-ID"));
  CHECK(header(a.data, "Subject") == "SMTP Workbench test message");  // the default subject
}

TEST_CASE("build_message: ISO-8859-1 body with 8BITMIME is 8bit in the code page", "[message][build]") {
  smtpwb::MessageSpec spec;
  spec.from = "a@example.com";
  spec.to = {"b@example.com"};
  spec.subject = "Gr\xC3\xBC\xC3\x9F" "e";
  spec.body_utf8 = "Gr\xC3\xBC\xC3\x9F" "e\nZeile 2";
  auto msg = build_message(spec, "ISO_8859-1", "h.example", true);
  CHECK(msg.charset == "ISO-8859-1");
  CHECK(msg.transfer_encoding == "8bit");
  CHECK(msg.needs_8bitmime);
  CHECK(only_crlf(msg.data));
  CHECK(header(msg.data, "Content-Type") == "text/plain; charset=ISO-8859-1");
  CHECK(header(msg.data, "Content-Transfer-Encoding") == "8bit");
  CHECK(body_of(msg.data) == "Gr\xFC\xDF" "e\r\nZeile 2\r\n");
  auto subject = header(msg.data, "Subject");
  REQUIRE(subject.has_value());
  auto w = parse_encoded_word(*subject);
  REQUIRE(w.has_value());
  CHECK(w->charset == "ISO-8859-1");
  CHECK(w->bytes == "Gr\xFC\xDF" "e");
  // The header part is pure ASCII.
  CHECK(is_ascii(msg.data.substr(0, msg.data.find("\r\n\r\n"))));
}

TEST_CASE("build_message: without 8BITMIME the body is quoted-printable", "[message][build]") {
  smtpwb::MessageSpec spec;
  spec.from = "a@example.com";
  spec.to = {"b@example.com"};
  spec.body_utf8 = "Gr\xC3\xBC\xC3\x9F" "e = 1 \n" + std::string(100, 'x');
  auto msg = build_message(spec, "ISO-8859-1", "h.example", false);
  CHECK(msg.transfer_encoding == "quoted-printable");
  CHECK_FALSE(msg.needs_8bitmime);
  CHECK(header(msg.data, "Content-Transfer-Encoding") == "quoted-printable");
  CHECK(is_ascii(msg.data));
  CHECK(only_crlf(msg.data));
  auto body = body_of(msg.data);
  for (const auto& l : split_crlf(body)) CHECK(l.size() <= 76);
  CHECK(qp_decode(body) == "Gr\xFC\xDF" "e = 1 \r\n" + std::string(100, 'x') + "\r\n");
}

TEST_CASE("build_message: UTF-8 body with 8BITMIME", "[message][build]") {
  smtpwb::MessageSpec spec;
  spec.from = "a@example.com";
  spec.to = {"b@example.com"};
  spec.body_utf8 = "\xE4\xB8\xAD\xE6\x96\x87\r\n";
  auto msg = build_message(spec, "UTF-8", "h.example", true);
  CHECK(msg.transfer_encoding == "8bit");
  CHECK(body_of(msg.data) == "\xE4\xB8\xAD\xE6\x96\x87\r\n");
}

TEST_CASE("build_message: an unrepresentable body is an error", "[message][build]") {
  smtpwb::MessageSpec spec;
  spec.from = "a@example.com";
  spec.to = {"b@example.com"};
  spec.body_utf8 = "\xE4\xB8\xAD";
  CHECK_THROWS_AS(build_message(spec, "ISO-8859-1", "h.example", true), ConversionError);
}

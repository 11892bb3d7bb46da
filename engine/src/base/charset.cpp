#include "smtpwb/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdio>

#include "text.hpp"

namespace smtpwb {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, char32_t* cp = nullptr) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t len;
  char32_t v;
  if (b < 0x80) { len = 1; v = b; }
  else if ((b & 0xE0) == 0xC0) { len = 2; v = b & 0x1F; }
  else if ((b & 0xF0) == 0xE0) { len = 3; v = b & 0x0F; }
  else if ((b & 0xF8) == 0xF0) { len = 4; v = b & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    v = (v << 6) | (c & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  if (cp) *cp = v;
  return len;
}

std::string describe_codepoint(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

bool is_utf8(const std::string& code_page) {
  auto u = text::upper(code_page);
  return u == "UTF-8" || u == "UTF8";
}

}  // namespace

std::string convert_from_utf8(std::string_view utf8, const std::string& code_page) {
  for (std::size_t i = 0; i < utf8.size();) {
    auto len = utf8_sequence_length(utf8, i);
    if (len == 0) throw ConversionError("the text is not valid UTF-8 at byte " + std::to_string(i));
    i += len;
  }
  if (is_utf8(code_page)) return std::string(utf8);

  iconv_t cd = iconv_open(code_page.c_str(), "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw ConversionError("Code page: \"" + code_page + "\" is not known to iconv");
  std::string out;
  out.resize(utf8.size() * 4 + 16);
  char* in_ptr = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) {
      auto used = static_cast<std::size_t>(out_ptr - out.data());
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    iconv_close(cd);
    char32_t cp = 0;
    utf8_sequence_length(utf8, static_cast<std::size_t>(in_ptr - utf8.data()), &cp);
    throw ConversionError("Code page: " + code_page + " cannot represent " + describe_codepoint(cp));
  }
  // Flush any shift state (stateful encodings such as ISO-2022-JP).
  if (iconv(cd, nullptr, nullptr, &out_ptr, &out_left) == static_cast<std::size_t>(-1)) {
    iconv_close(cd);
    throw ConversionError("Code page: " + code_page + " could not finish the conversion");
  }
  out.resize(static_cast<std::size_t>(out_ptr - out.data()));
  iconv_close(cd);
  return out;
}

}  // namespace smtpwb

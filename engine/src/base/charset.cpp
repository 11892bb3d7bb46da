#include "smtpwb/charset.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "base/code_pages.hpp"
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

// UTF-16 in a fixed byte order is the same on every OS (and Windows' converter does not offer it).
enum class Utf16Order { None, Little, Big };
Utf16Order utf16_order(const std::string& code_page) {
  auto u = text::upper(code_page);
  if (u == "UTF-16LE" || u == "UTF16LE") return Utf16Order::Little;
  if (u == "UTF-16BE" || u == "UTF16BE") return Utf16Order::Big;
  return Utf16Order::None;
}

std::string utf16_bytes(std::string_view utf8, Utf16Order order) {
  std::string out;
  for (char16_t unit : utf8_to_utf16(utf8)) {
    char lo = static_cast<char>(unit & 0xFF), hi = static_cast<char>(unit >> 8);
    out += order == Utf16Order::Little ? lo : hi;
    out += order == Utf16Order::Little ? hi : lo;
  }
  return out;
}


}  // namespace

std::u16string utf8_to_utf16(std::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0xFFFD;
    std::size_t len = utf8_sequence_length(utf8, i, &cp);
    if (len == 0) {
      cp = 0xFFFD;
      len = 1;
    }
    i += len;
    if (cp < 0x10000) {
      out += static_cast<char16_t>(cp);
    } else {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 | (cp >> 10));
      out += static_cast<char16_t>(0xDC00 | (cp & 0x3FF));
    }
  }
  return out;
}

std::string utf16_to_utf8(std::u16string_view utf16) {
  std::string out;
  out.reserve(utf16.size());
  for (std::size_t i = 0; i < utf16.size(); ++i) {
    char32_t unit = utf16[i];
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < utf16.size() && utf16[i + 1] >= 0xDC00 && utf16[i + 1] <= 0xDFFF) {
      append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (utf16[++i] - 0xDC00));
    } else {
      append_utf8(out, unit);  // an unpaired surrogate becomes U+FFFD
    }
  }
  return out;
}

std::string convert_from_utf8(std::string_view utf8, const std::string& code_page) {
  for (std::size_t i = 0; i < utf8.size();) {
    auto len = utf8_sequence_length(utf8, i);
    if (len == 0) throw ConversionError("the text is not valid UTF-8 at byte " + std::to_string(i));
    i += len;
  }
  if (is_utf8(code_page)) return std::string(utf8);
  if (auto order = utf16_order(code_page); order != Utf16Order::None) return utf16_bytes(utf8, order);

  using Status = detail::OsConversion::Status;
  auto result = detail::os_convert(utf8, code_page);
  switch (result.status) {
    case Status::Ok: return std::move(result.out);
    case Status::UnknownCodePage:
      throw ConversionError("Code page: \"" + code_page + "\" is not known to " + std::string(detail::kOsConverter));
    case Status::Unrepresentable: {
      char32_t cp = 0;
      utf8_sequence_length(utf8, result.failed_at, &cp);
      throw ConversionError("Code page: " + code_page + " cannot represent " + describe_codepoint(cp));
    }
    case Status::Unfinished: break;
  }
  throw ConversionError("Code page: " + code_page + " could not finish the conversion");
}

// The window validates its settings on every frame: ask the OS once per name.
bool code_page_supported(const std::string& name) {
  if (name.empty()) return false;
  if (is_utf8(name) || utf16_order(name) != Utf16Order::None) return true;
  static std::mutex mutex;
  static std::map<std::string, bool> known;
  std::lock_guard lock(mutex);
  if (auto it = known.find(name); it != known.end()) return it->second;
  return known.emplace(name, detail::os_supports(name)).first->second;
}

const std::vector<std::string>& available_code_pages() {
  static const std::vector<std::string> all = [] {
    std::set<std::string> names;
    for (auto& n : detail::os_code_pages())
      if (code_page_supported(n)) names.insert(std::move(n));
    return std::vector<std::string>(names.begin(), names.end());
  }();
  return all;
}

std::string_view code_page_converter() { return detail::kOsConverter; }

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace smtpwb

#pragma once
// ASCII case helpers shared by the protocol code (SMTP keywords and mechanism names are ASCII).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::text {

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline bool equals_ci(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

inline bool contains_ci(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

// "12.3 ms"
inline std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

// "a, b, c", or `empty` for an empty list.
inline std::string join(const std::vector<std::string>& items, std::string_view sep = ", ", std::string_view empty = "none") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out.empty() ? std::string(empty) : out;
}

}  // namespace smtpwb::text

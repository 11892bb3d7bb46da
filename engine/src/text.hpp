#pragma once
// ASCII case helpers shared by the protocol code (SMTP keywords and mechanism names are ASCII).
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

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

}  // namespace smtpwb::text

#pragma once
// Byte helpers for known-answer tests: hex from the specifications, UTF-16LE of ASCII names.
#include <string>
#include <string_view>

namespace test {

inline std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

inline std::string utf16(std::string_view ascii) {
  std::string out;
  for (char c : ascii) out += std::string{c, '\0'};
  return out;
}

}  // namespace test

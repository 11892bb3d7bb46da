#pragma once
// Searches an artefact (transcript, log, report, profile, connection file) for a secret in every form it
// could leak in: raw, UTF-16LE and UTF-16BE, and base64 at each of the three byte alignments (so a
// secret inside a longer base64 blob, such as AUTH PLAIN's "\0user\0password", is found as well).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "smtpwb/base64.hpp"

namespace test {

// UTF-16 of a UTF-8 string (code points above U+FFFF as surrogate pairs); little or big endian.
inline std::string utf16(const std::string& utf8, bool little_endian) {
  std::u16string units;
  for (std::size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    char32_t cp = extra ? c & (0x3F >> extra) : c;
    for (int k = 1; k <= extra && i + k < utf8.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    i += 1 + extra;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units += static_cast<char16_t>(0xD800 + (cp >> 10));
      units += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      units += static_cast<char16_t>(cp);
    }
  }
  std::string out;
  for (char16_t u : units) {
    char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    out += little_endian ? std::string{lo, hi} : std::string{hi, lo};
  }
  return out;
}

// The base64 characters that depend on `bytes` alone, when `bytes` starts `offset` (0-2) bytes into a
// longer encoded blob: whole 3-byte groups inside `bytes`. Empty when `bytes` is too short.
inline std::string base64_core(const std::string& bytes, int offset) {
  std::string padded = std::string(static_cast<std::size_t>(offset), '\0') + bytes;
  std::string encoded = smtpwb::base64_encode(padded);
  std::size_t first_group = (static_cast<std::size_t>(offset) + 2) / 3;
  std::size_t end_group = padded.size() / 3;
  if (end_group <= first_group) return {};
  return encoded.substr(first_group * 4, (end_group - first_group) * 4);
}

struct SecretForm {
  std::string name;
  std::string bytes;
};

inline std::vector<SecretForm> secret_forms(const std::string& secret) {
  std::vector<SecretForm> forms{{"raw", secret}, {"UTF-16LE", utf16(secret, true)}, {"UTF-16BE", utf16(secret, false)}};
  for (int offset = 0; offset < 3; ++offset)
    if (auto core = base64_core(secret, offset); !core.empty())
      forms.push_back({"base64 at byte offset " + std::to_string(offset), core});
  return forms;
}

// The names of the forms of `secret` found in `text`; for JSON text also in its decoded strings
// (a "\u00e4" escape must not hide a secret).
inline std::vector<std::string> leaks(const std::string& text, const std::string& secret) {
  std::vector<std::string> found;
  std::string decoded;
  if (auto j = nlohmann::json::parse(text, nullptr, false); !j.is_discarded()) decoded = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const auto& form : secret_forms(secret))
    if (text.find(form.bytes) != std::string::npos || decoded.find(form.bytes) != std::string::npos) found.push_back(form.name);
  return found;
}

}  // namespace test

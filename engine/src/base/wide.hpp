#pragma once
// UTF-8 <-> the UTF-16 of the Windows API (wchar_t is 16 bits there). Only the *_windows.cpp files use it.
#include <string>
#include <string_view>

#include "smtpwb/charset.hpp"

namespace smtpwb::wide {

static_assert(sizeof(wchar_t) == sizeof(char16_t), "for Windows, where wchar_t is UTF-16");

inline std::wstring from_utf8(std::string_view utf8) {
  std::u16string u = utf8_to_utf16(utf8);
  return std::wstring(u.begin(), u.end());
}

inline std::string to_utf8(std::wstring_view w) { return utf16_to_utf8(std::u16string(w.begin(), w.end())); }

// One argument as CommandLineToArgvW reads it back: quoted when it holds a space or a quote, with the
// backslashes before a quote doubled.
inline std::wstring quote_argument(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) return arg;
  std::wstring out = L"\"";
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, L'\\');
  return out + L"\"";
}

}  // namespace smtpwb::wide

// Code pages on Windows: WideCharToMultiByte with code page numbers. The settings keep the names iconv
// uses ("ISO-8859-1", "WINDOWS-1252", "SHIFT_JIS"), so a profile written on Linux means the same here;
// the list offered is what EnumSystemCodePages says is installed.
#include <windows.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "base/code_pages.hpp"
#include "smtpwb/charset.hpp"

namespace smtpwb::detail {

const std::string_view kOsConverter = "Windows";

namespace {

// Canonical names first: the list shows the first name of each number.
constexpr std::pair<const char*, unsigned> kNamed[] = {
    {"US-ASCII", 20127},    {"ASCII", 20127},        {"ANSI_X3.4-1968", 20127}, {"ISO-8859-1", 28591},
    {"LATIN1", 28591},      {"ISO-8859-2", 28592},   {"ISO-8859-3", 28593},     {"ISO-8859-4", 28594},
    {"ISO-8859-5", 28595},  {"ISO-8859-6", 28596},   {"ISO-8859-7", 28597},     {"ISO-8859-8", 28598},
    {"ISO-8859-9", 28599},  {"ISO-8859-13", 28603},  {"ISO-8859-15", 28605},    {"KOI8-R", 20866},
    {"KOI8-U", 21866},      {"SHIFT_JIS", 932},      {"SJIS", 932},             {"EUC-JP", 20932},
    {"ISO-2022-JP", 50220}, {"EUC-KR", 51949},       {"ISO-2022-KR", 50225},    {"GBK", 936},
    {"GB2312", 936},        {"EUC-CN", 936},         {"GB18030", 54936},        {"BIG5", 950},
    {"UTF-7", 65000},       {"MACINTOSH", 10000},    {"TIS-620", 874},          {"UTF-8", 65001},
};

// "ISO_8859-1", "iso8859-1" and "ISO-8859-1" are one name, as for iconv.
std::string compact(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != '-' && c != '_' && c != ' ') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<unsigned> number_after(const std::string& text, std::string_view prefix) {
  if (text.rfind(prefix, 0) != 0 || text.size() == prefix.size() || text.size() > prefix.size() + 5) return std::nullopt;
  unsigned n = 0;
  for (char c : text.substr(prefix.size())) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

// "WINDOWS-1252", "CP1252", "IBM850" and the names above; nullopt for anything else.
std::optional<unsigned> code_page_number(const std::string& name) {
  const std::string c = compact(name);
  for (auto [known, number] : kNamed)
    if (compact(known) == c) return number;
  for (std::string_view prefix : {"WINDOWS", "CP", "IBM", "MSCP"})
    if (auto n = number_after(c, prefix)) return n;
  return std::nullopt;
}

std::string code_page_name(unsigned number) {
  for (auto [known, n] : kNamed)
    if (n == number) return known;
  if (number >= 1250 && number <= 1258) return "WINDOWS-" + std::to_string(number);
  return "CP" + std::to_string(number);
}

// These code pages take no flags and cannot report a substituted character: a round trip tells.
bool reports_default_char(unsigned cp) {
  return !(cp == 42 || (cp >= 50220 && cp <= 50229) || cp == 52936 || cp == 54936 || (cp >= 57002 && cp <= 57011) ||
           cp == 65000 || cp == 65001);
}

std::optional<std::string> encode(unsigned cp, std::u16string_view text) {
  if (text.empty()) return std::string();
  const auto* wide = reinterpret_cast<const wchar_t*>(text.data());
  const int length = static_cast<int>(text.size());
  const bool strict = reports_default_char(cp);
  const DWORD flags = strict ? WC_NO_BEST_FIT_CHARS : 0;
  BOOL used_default = FALSE;
  int n = WideCharToMultiByte(cp, flags, wide, length, nullptr, 0, nullptr, strict ? &used_default : nullptr);
  if (n <= 0) return std::nullopt;
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(cp, flags, wide, length, out.data(), n, nullptr, strict ? &used_default : nullptr);
  if (strict) return used_default ? std::nullopt : std::optional<std::string>(out);
  int back = MultiByteToWideChar(cp, 0, out.data(), n, nullptr, 0);
  std::wstring round(static_cast<std::size_t>(std::max(back, 0)), L'\0');
  if (back > 0) MultiByteToWideChar(cp, 0, out.data(), n, round.data(), back);
  if (round != std::wstring_view(wide, text.size())) return std::nullopt;
  return out;
}

// The byte offset of the first character of utf8 that the code page cannot represent.
std::size_t first_unrepresentable(unsigned cp, std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    std::size_t len = 1;
    while (i + len < utf8.size() && (static_cast<unsigned char>(utf8[i + len]) & 0xC0) == 0x80) ++len;
    if (!encode(cp, utf8_to_utf16(utf8.substr(i, len)))) return i;
    i += len;
  }
  return 0;
}

}  // namespace

OsConversion os_convert(std::string_view utf8, const std::string& code_page) {
  OsConversion result;
  auto cp = code_page_number(code_page);
  if (!cp || !IsValidCodePage(*cp)) {
    result.status = OsConversion::Status::UnknownCodePage;
    return result;
  }
  if (auto out = encode(*cp, utf8_to_utf16(utf8))) {
    result.out = std::move(*out);
    return result;
  }
  result.status = OsConversion::Status::Unrepresentable;
  result.failed_at = first_unrepresentable(*cp, utf8);
  return result;
}

bool os_supports(const std::string& code_page) {
  auto cp = code_page_number(code_page);
  return cp && IsValidCodePage(*cp);
}

namespace {
std::vector<std::string>* g_listing = nullptr;  // EnumSystemCodePagesW's callback takes no context
BOOL CALLBACK add_code_page(LPWSTR number) {
  g_listing->push_back(code_page_name(static_cast<unsigned>(std::wcstoul(number, nullptr, 10))));
  return TRUE;
}
}  // namespace

std::vector<std::string> os_code_pages() {
  std::vector<std::string> names{"UTF-8"};
  g_listing = &names;
  EnumSystemCodePagesW(&add_code_page, CP_INSTALLED);
  g_listing = nullptr;
  return names;
}

}  // namespace smtpwb::detail

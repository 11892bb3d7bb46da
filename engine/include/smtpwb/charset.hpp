#pragma once
// Code-page conversion: the message body for a chosen code page, UTF-16LE for NTLM. The conversion
// itself is the OS's (iconv on Linux, the Windows code pages on Windows); UTF-8 and UTF-16 are done here.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb {

struct ConversionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Converts UTF-8 text to the code page (a name such as "ISO-8859-1", "WINDOWS-1252", "SHIFT_JIS").
// Throws ConversionError naming the first character the code page cannot represent, or the code page
// if this OS does not know it.
std::string convert_from_utf8(std::string_view utf8, const std::string& code_page);

// Whether this OS converts to the code page (asked once per name, then remembered).
bool code_page_supported(const std::string& name);
// The code pages this OS offers, sorted, by the names the settings use; what the window lists.
const std::vector<std::string>& available_code_pages();
// Who converts on this OS, for messages: "iconv" on Linux, "Windows" on Windows.
std::string_view code_page_converter();

// UTF-8 <-> UTF-16 (code points above U+FFFF as surrogate pairs). Invalid input becomes U+FFFD.
std::u16string utf8_to_utf16(std::string_view utf8);
std::string utf16_to_utf8(std::u16string_view utf16);
// One code point as UTF-8; a surrogate or a value beyond U+10FFFF becomes U+FFFD.
void append_utf8(std::string& out, char32_t code_point);

}  // namespace smtpwb

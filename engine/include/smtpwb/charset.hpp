#pragma once
// Code-page conversion (iconv): the message body for a chosen code page, UTF-16LE for NTLM.
#include <stdexcept>
#include <string>
#include <string_view>

namespace smtpwb {

struct ConversionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Converts UTF-8 text to the code page (an iconv name). Throws ConversionError naming the first
// character the code page cannot represent, or the code page if iconv does not know it.
std::string convert_from_utf8(std::string_view utf8, const std::string& code_page);

}  // namespace smtpwb

#pragma once
// The OS half of code-page conversion (engine/src/base/code_pages_posix.cpp, code_pages_windows.cpp).
// charset.cpp validates the UTF-8 first and words the errors.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::detail {

struct OsConversion {
  enum class Status { Ok, UnknownCodePage, Unrepresentable, Unfinished };
  Status status = Status::Ok;
  std::string out;
  std::size_t failed_at = 0;  // Unrepresentable: the byte offset in the UTF-8 input of the first such character
};

// utf8 is valid UTF-8.
OsConversion os_convert(std::string_view utf8, const std::string& code_page);
bool os_supports(const std::string& code_page);
std::vector<std::string> os_code_pages();  // any order, may repeat
extern const std::string_view kOsConverter;

}  // namespace smtpwb::detail

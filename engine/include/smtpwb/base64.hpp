#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace smtpwb {
std::string base64_encode(std::string_view bytes);
// nullopt on characters outside the alphabet or bad padding; whitespace is not allowed.
std::optional<std::string> base64_decode(std::string_view text);
}  // namespace smtpwb

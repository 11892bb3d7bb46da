#pragma once
// Text of command-line values and URLs, shared by `check` and the exporter.
#include <optional>
#include <string>
#include <string_view>

namespace smtpwb::app {

// The whole text as a decimal int; nothing else around it.
std::optional<int> parse_int(std::string_view text);
// %XX escapes decoded ('+' as a space in a query string); nullopt for a broken escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace smtpwb::app

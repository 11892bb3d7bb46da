#pragma once
#include <string>
#include <string_view>

namespace smtpwb {
// Bytes as one line of text: printable ASCII kept, anything else as \xNN (for decoded challenges, garbage).
std::string printable(std::string_view bytes);
}  // namespace smtpwb

#pragma once
#include <string>

namespace smtpwb::gui {
// Opens an http(s) URL in the user's browser without waiting (xdg-open; ShellExecute on Windows); false if it
// cannot start.
bool open_in_browser(const std::string& url);
}  // namespace smtpwb::gui

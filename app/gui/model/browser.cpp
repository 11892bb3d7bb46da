#include "model/browser.hpp"

#include "smtpwb/platform.hpp"

namespace smtpwb::gui {

bool open_in_browser(const std::string& url) { return platform::open_url(url); }

}  // namespace smtpwb::gui

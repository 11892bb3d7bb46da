#include "model/browser.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <thread>

extern char** environ;

namespace smtpwb::gui {

bool open_in_browser(const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
  pid_t pid = 0;
  char* const argv[] = {const_cast<char*>("xdg-open"), const_cast<char*>(url.c_str()), nullptr};
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv, environ) != 0) return false;
  // Reaped without blocking the UI: xdg-open returns at once after handing the URL to the browser.
  std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();
  return true;
}

}  // namespace smtpwb::gui

// smtp-workbench-gui: the workbench window. smtp-workbench execs it for the window's arguments, so that
// the headless commands never load the window's libraries.
#include <string>
#include <vector>

#include "gui/gui_main.hpp"
#include "smtpwb/platform.hpp"

int main(int argc, char** argv) {
  smtpwb::platform::init_console();
  auto args = smtpwb::platform::arguments(argc, argv);
  return smtpwb::gui::run_gui(std::vector<std::string>(args.begin() + (args.empty() ? 0 : 1), args.end()));
}

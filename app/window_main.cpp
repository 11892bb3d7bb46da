// smtp-workbench-gui: the workbench window. smtp-workbench execs it for the window's arguments, so that
// the headless commands never load the window's libraries.
#include <string>
#include <vector>

#include "gui/gui_main.hpp"

int main(int argc, char** argv) { return smtpwb::gui::run_gui(std::vector<std::string>(argv + 1, argv + argc)); }

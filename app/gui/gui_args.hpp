#pragma once
// `smtp-workbench [--config-dir DIR] [--run-test NAME] [--screenshot FILE]`
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace smtpwb::gui {

struct GuiArgs {
  std::string config_dir;  // empty: the XDG config directory
  std::optional<std::string> run_test;
  std::optional<std::string> screenshot;
  std::optional<std::string> password_env;  // with --run-test: the password, from this environment variable
  std::optional<std::string> proxy_password_env;  // with --run-test: the proxy password, likewise
  std::optional<std::string> ui_state;  // for tests: where the window drew its tabs and splitters, each frame
  bool help = false;
};

struct GuiUsageError {
  std::string message;
};

std::variant<GuiArgs, GuiUsageError> parse_gui_args(const std::vector<std::string>& args);
extern const char* kGuiUsage;

}  // namespace smtpwb::gui

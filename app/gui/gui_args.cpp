#include "gui_args.hpp"

namespace smtpwb::gui {

const char* kGuiUsage = R"(usage: smtp-workbench [--config-dir DIR] [--ui-state FILE] [--run-test NAME [--screenshot FILE] [--password-env VAR] [--proxy-password-env VAR]]
  --config-dir DIR    keep connections (DIR/connections/*.json) and window settings in DIR
                      instead of $XDG_CONFIG_HOME/smtp-workbench
  --run-test NAME     open the window, run the Test of the connection NAME, and exit with its status
  --screenshot FILE   with --run-test: save a PNG of the window when the test ends
  --password-env VAR  with --run-test: use the password in environment variable VAR
                      (saved passwords live in the desktop keyring, which scripts may not have)
  --proxy-password-env VAR
                      with --run-test: the proxy password, from environment variable VAR
  --ui-state FILE     for automated tests: after every frame, write to FILE (JSON) where the
                      window drew its tabs and splitters and which tabs are open
)";

std::variant<GuiArgs, GuiUsageError> parse_gui_args(const std::vector<std::string>& args) {
  GuiArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      if (i + 1 >= args.size() || args[i + 1].empty()) return std::nullopt;
      (void)flag;
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      out.help = true;
    } else if (a == "--config-dir" || a == "--run-test" || a == "--screenshot" || a == "--password-env" ||
               a == "--proxy-password-env" || a == "--ui-state") {
      auto v = value(a.c_str());
      if (!v) return GuiUsageError{a + ": needs a value"};
      if (a == "--config-dir") out.config_dir = *v;
      else if (a == "--run-test") out.run_test = *v;
      else if (a == "--password-env") out.password_env = *v;
      else if (a == "--proxy-password-env") out.proxy_password_env = *v;
      else if (a == "--ui-state") out.ui_state = *v;
      else out.screenshot = *v;
    } else {
      return GuiUsageError{"unknown option \"" + a + "\""};
    }
  }
  if (out.screenshot && !out.run_test) return GuiUsageError{"--screenshot needs --run-test"};
  if (out.password_env && !out.run_test) return GuiUsageError{"--password-env needs --run-test"};
  if (out.proxy_password_env && !out.run_test) return GuiUsageError{"--proxy-password-env needs --run-test"};
  return out;
}

}  // namespace smtpwb::gui

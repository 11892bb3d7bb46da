#pragma once
// The window's own state between runs (DIR/window.json): geometry, theme and the splitter positions,
// in unscaled pixels. imgui.ini keeps nothing of ours: the main window is NoSavedSettings.
#include <string>

namespace smtpwb::gui {

struct WindowPrefs {
  int width = 1280, height = 820;
  bool dark = true;
  float left_width = 280;      // the connection list
  float editor_height = 360;   // the connection editor above the results
};

// Defaults for what is missing or out of range; a damaged file gives the defaults.
WindowPrefs parse_window_prefs(const std::string& json_text);
std::string window_prefs_json(const WindowPrefs& prefs);

}  // namespace smtpwb::gui

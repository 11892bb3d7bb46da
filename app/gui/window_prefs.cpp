#include "window_prefs.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace smtpwb::gui {

WindowPrefs parse_window_prefs(const std::string& json_text) {
  WindowPrefs p;
  try {
    auto j = nlohmann::json::parse(json_text);
    p.width = std::clamp(j.value("width", p.width), 400, 10000);
    p.height = std::clamp(j.value("height", p.height), 300, 10000);
    p.dark = j.value("dark", p.dark);
    p.left_width = std::clamp(j.value("left_width", p.left_width), 150.0f, 900.0f);
    p.editor_height = std::clamp(j.value("editor_height", p.editor_height), 60.0f, 5000.0f);
  } catch (const std::exception&) {
    // Window geometry only: a damaged file falls back to defaults and is rewritten on exit.
    return WindowPrefs{};
  }
  return p;
}

std::string window_prefs_json(const WindowPrefs& p) {
  nlohmann::json j{{"width", p.width},           {"height", p.height},
                   {"dark", p.dark},             {"left_width", p.left_width},
                   {"editor_height", p.editor_height}};
  return j.dump(2) + "\n";
}

}  // namespace smtpwb::gui

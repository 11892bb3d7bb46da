#pragma once
// Presets: values that work against the real services, kept as data in assets/presets.json.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/settings.hpp"

namespace smtpwb::gui {

// The address that stands for the built-in demo server (started by the workbench on first use).
inline constexpr std::string_view kDemoAddress = "builtin-demo";
inline constexpr std::string_view kDemoUser = "demo";
inline constexpr std::string_view kDemoPassword = "demo-password";
inline bool is_demo(const ConnectionSettings& s) { return s.address == kDemoAddress; }

struct Preset {
  std::string id;
  std::string label;
  std::string notice;                  // shown in the editor while the preset's values are in use
  std::vector<std::string> regions;    // Amazon SES: the region picker
  std::string address_pattern;         // "email-smtp.{region}.amazonaws.com"
  ConnectionSettings settings;
};

const std::vector<Preset>& presets();  // parsed once from the embedded assets/presets.json
const Preset* find_preset(std::string_view id);
// A new connection from a preset; `region` fills address_pattern when the preset has regions.
ConnectionSettings make_from_preset(const Preset& preset, std::string_view region = {});
// The notice of the preset whose service these settings point at (Gmail, Office 365, SES, demo), if any.
const Preset* preset_for(const ConnectionSettings& s);
// Parses a presets document; throws std::runtime_error naming the preset and field.
std::vector<Preset> parse_presets(std::string_view json_text);

}  // namespace smtpwb::gui

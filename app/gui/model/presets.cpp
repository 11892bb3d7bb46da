#include "model/presets.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "smtpwb/report.hpp"

namespace smtpwb::assets {
extern const std::string_view presets_json;
}

namespace smtpwb::gui {

using json = nlohmann::ordered_json;

std::vector<Preset> parse_presets(std::string_view json_text) {
  json doc = json::parse(json_text);  // json::parse_error names the byte
  std::vector<Preset> out;
  for (const auto& p : doc.at("presets")) {
    Preset preset;
    preset.id = p.at("id").get<std::string>();
    preset.label = p.at("label").get<std::string>();
    preset.notice = p.value("notice", "");
    preset.regions = p.value("regions", std::vector<std::string>{});
    preset.address_pattern = p.value("address_pattern", "");
    if (auto err = apply_profile(p.at("settings"), preset.settings))
      throw std::runtime_error("preset \"" + preset.id + "\": " + err->message);
    out.push_back(std::move(preset));
  }
  return out;
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = parse_presets(assets::presets_json);
  return all;
}

const Preset* find_preset(std::string_view id) {
  for (const auto& p : presets())
    if (p.id == id) return &p;
  return nullptr;
}

const Preset* preset_for(const ConnectionSettings& s) {
  auto ends_with = [](const std::string& text, std::string_view tail) {
    return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (is_demo(s)) return find_preset("demo");
  if (s.address == "smtp.gmail.com") return find_preset("gmail");
  if (s.address == "smtp.office365.com")
    return find_preset(s.auth_type == AuthType::Microsoft365OAuth ? "office365-oauth" : "office365");
  if (s.address.rfind("email-smtp.", 0) == 0 && ends_with(s.address, ".amazonaws.com")) return find_preset("ses");
  return nullptr;
}

ConnectionSettings make_from_preset(const Preset& preset, std::string_view region) {
  ConnectionSettings s = preset.settings;
  if (!preset.address_pattern.empty()) {
    std::string r(region.empty() && !preset.regions.empty() ? std::string_view(preset.regions.front()) : region);
    std::string address = preset.address_pattern;
    if (auto at = address.find("{region}"); at != std::string::npos) address.replace(at, 8, r);
    s.address = address;
  }
  return s;
}

}  // namespace smtpwb::gui

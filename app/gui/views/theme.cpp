#include "views/theme.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace smtpwb::assets {
extern const std::string_view theme_json;
}

namespace smtpwb::gui {

namespace {
ImVec4 parse_colour(const nlohmann::json& j, const char* key) {
  std::string hex = j.at(key).get<std::string>();
  if (hex.size() != 7 || hex[0] != '#') throw std::runtime_error(std::string("theme: ") + key + ": expected #rrggbb");
  auto channel = [&](int i) { return static_cast<float>(std::stoi(hex.substr(1 + 2 * i, 2), nullptr, 16)) / 255.0f; };
  return ImVec4(channel(0), channel(1), channel(2), 1.0f);
}

Palette parse_palette(const nlohmann::json& j) {
  return Palette{parse_colour(j, "client"), parse_colour(j, "server"), parse_colour(j, "client_tls"),
                 parse_colour(j, "server_tls"), parse_colour(j, "tls"), parse_colour(j, "info"),
                 parse_colour(j, "error"), parse_colour(j, "warning"), parse_colour(j, "ok"),
                 parse_colour(j, "time"), parse_colour(j, "selection"), parse_colour(j, "bar"),
                 parse_colour(j, "bar_slow")};
}
}  // namespace

const Palette& palette(bool dark) {
  static const auto doc = nlohmann::json::parse(assets::theme_json);
  static const Palette dark_palette = parse_palette(doc.at("dark"));
  static const Palette light_palette = parse_palette(doc.at("light"));
  return dark ? dark_palette : light_palette;
}

ImVec4 line_colour(const Palette& p, Dir dir, bool in_tls) {
  switch (dir) {
    case Dir::Client: return in_tls ? p.client_tls : p.client;
    case Dir::Server: return in_tls ? p.server_tls : p.server;
    case Dir::Tls: return p.tls;
    case Dir::Info: return p.info;
    case Dir::Error: return p.error;
  }
  return p.info;
}

void apply_style(bool dark, float scale) {
  ImGuiStyle style;
  if (dark) ImGui::StyleColorsDark(&style);
  else ImGui::StyleColorsLight(&style);
  style.WindowRounding = 4;
  style.FrameRounding = 3;
  style.GrabRounding = 3;
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
}

}  // namespace smtpwb::gui

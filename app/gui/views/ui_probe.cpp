#include "views/ui_probe.hpp"

#include <imgui.h>

#include <map>

namespace smtpwb::gui::probe {
namespace {
bool enabled = false;
std::map<std::string, Rect>& rects() {
  static std::map<std::string, Rect> r;
  return r;
}
}  // namespace

void enable(bool on) {
  enabled = on;
  rects().clear();
}

void note(const std::string& key) {
  if (!enabled) return;
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  rects()[key] = {a.x, a.y, b.x, b.y};
}

std::optional<Rect> find(const std::string& key) {
  auto it = rects().find(key);
  if (it == rects().end()) return std::nullopt;
  return it->second;
}

const std::map<std::string, Rect>& all() { return rects(); }

bool tab_item(const char* label, bool select) {
  bool open = ImGui::BeginTabItem(label, nullptr, select ? ImGuiTabItemFlags_SetSelected : 0);
  std::string name(label);
  auto id = name.find("###");
  const std::string key = id == std::string::npos ? name : name.substr(id + 3);
  note("tab:" + key);
  if (open) note("open-tab:" + key);
  return open;
}

}  // namespace smtpwb::gui::probe

#pragma once
// Where the last frame drew selected widgets, so tests can click them through ImGui's input events.
// Off unless a test enables it; then each note() costs one map insert.
#include <map>
#include <optional>
#include <string>

namespace smtpwb::gui::probe {

struct Rect {
  float x0, y0, x1, y1;
  float cx() const { return (x0 + x1) / 2; }
  float cy() const { return (y0 + y1) / 2; }
};

void enable(bool on);
void note(const std::string& key);  // records ImGui's last item rectangle under `key`
std::optional<Rect> find(const std::string& key);
const std::map<std::string, Rect>& all();
// ImGui::BeginTabItem, noting the tab as "tab:<label>" (or the part after "###"), and as "open-tab:<label>"
// when it is the selected one; `select` brings it forward.
bool tab_item(const char* label, bool select = false);

}  // namespace smtpwb::gui::probe

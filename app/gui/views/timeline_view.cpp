// A bar per phase (DNS, connect, banner, EHLO, TLS, AUTH, ...) so a slow step shows at a glance.
#include <imgui.h>

#include <algorithm>

#include "views/views.hpp"

namespace smtpwb::gui {

std::vector<TimelineBar> timeline_bars(const std::vector<PhaseTiming>& phases) {
  std::vector<TimelineBar> bars;
  if (phases.empty()) return bars;
  double end = 0;
  for (const auto& ph : phases) end = std::max(end, ph.start_ms + ph.duration_ms);
  if (end <= 0) end = 1;
  std::size_t slowest = 0;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const auto& ph = phases[i];
    bars.push_back({ph.phase, static_cast<float>(ph.start_ms / end), static_cast<float>(ph.duration_ms / end), ph.duration_ms});
    if (ph.duration_ms > phases[slowest].duration_ms) slowest = i;
  }
  bars[slowest].slowest = true;
  return bars;
}

void draw_timeline(const Run& run, const Palette& p) {
  if (!run.finished) {
    ImGui::Text("Running: %s", std::string(to_string(run.phase())).c_str());
    return;
  }
  ImGui::Text("Total %.1f ms", run.result.total_ms);
  const float label_width = ImGui::GetFontSize() * 6;
  const float bar_area = std::max(50.0f, ImGui::GetContentRegionAvail().x - label_width - ImGui::GetFontSize() * 6);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (const auto& bar : timeline_bars(run.result.phases)) {
    ImGui::TextUnformatted(std::string(to_string(bar.phase)).c_str());
    ImGui::SameLine(label_width);
    ImVec2 origin = ImGui::GetCursorScreenPos();
    float h = ImGui::GetTextLineHeight();
    float x0 = origin.x + bar.x * bar_area;
    float x1 = x0 + std::max(2.0f, bar.width * bar_area);
    draw->AddRectFilled(ImVec2(x0, origin.y), ImVec2(x1, origin.y + h), ImGui::GetColorU32(bar.slowest ? p.bar_slow : p.bar), 2);
    ImGui::Dummy(ImVec2(bar_area, h));
    ImGui::SameLine();
    ImGui::Text("%.1f ms", bar.duration_ms);
  }
}

}  // namespace smtpwb::gui

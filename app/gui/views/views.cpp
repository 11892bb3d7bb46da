// The one list of views and how they share the window: connections on the left; the editor, the run
// toolbar and the run's tabs (Transcript, TLS, Timeline) on the right, the editor above a draggable
// splitter and the results below it; a status line at the bottom.
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <utility>

#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

namespace {
void menu_bar(Workbench& wb, ViewState& vs) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Dark theme", nullptr, vs.dark)) vs.dark = true;
    if (ImGui::MenuItem("Light theme", nullptr, !vs.dark)) vs.dark = false;
    ImGui::EndMenu();
  }
  ImGui::TextDisabled("%s", wb.secrets().description().c_str());
  ImGui::EndMenuBar();
}

void splitter(ViewState& vs, float height) {
  ImGui::SameLine(0, 0);
  ImGui::InvisibleButton("splitter", ImVec2(ImGui::GetFontSize() * 0.4f, height));
  if (ImGui::IsItemHovered() || ImGui::IsItemActive()) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
  if (ImGui::IsItemActive()) vs.left_width = std::clamp(vs.left_width + ImGui::GetIO().MouseDelta.x, 150.0f, 900.0f);
  ImGui::SameLine(0, 0);
}

// A horizontal grip the width of the pane, in the gap under the editor: dragging it moves the editor's
// lower edge. `shown` is the editor's height this frame, so a drag starts from what the user sees.
void editor_splitter(ViewState& vs, float shown, float min_editor, float max_editor) {
  const ImGuiStyle& style = ImGui::GetStyle();
  ImGui::SetCursorPosY(ImGui::GetCursorPosY() - style.ItemSpacing.y);
  ImGui::InvisibleButton("editor-splitter", ImVec2(-FLT_MIN, std::max(style.ItemSpacing.y * 2, ImGui::GetFontSize() * 0.4f)));
  probe::note("editor-splitter");
  const bool active = ImGui::IsItemActive();
  if (!active && !ImGui::IsItemHovered()) return;
  ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeNS);
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  const float y = (a.y + b.y) / 2;
  ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x, y), ImVec2(b.x, y),
                                      ImGui::GetColorU32(active ? ImGuiCol_SeparatorActive : ImGuiCol_SeparatorHovered), 2.0f);
  if (active) vs.editor_height = std::clamp(shown + ImGui::GetIO().MouseDelta.y, min_editor, std::max(min_editor, max_editor));
}

// The connection editor above the results, as high as the splitter says (and its content needs).
void editor_pane(Workbench& wb, ViewState& vs, std::vector<Command>& out) {
  const float line = ImGui::GetFrameHeightWithSpacing();
  const float min_editor = line * 3, min_results = line * 8;
  const float available = ImGui::GetContentRegionAvail().y;
  const float shown = editor_pane_height(vs.editor_height, vs.editor_content_height, available, min_editor, min_results);
  ImGui::BeginChild("editor", ImVec2(0, shown), true);
  draw_connection_editor(wb, vs, out);
  vs.editor_content_height = ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y;
  ImGui::EndChild();
  probe::note("editor");
  editor_splitter(vs, shown, min_editor, std::min(vs.editor_content_height, available - min_results));
}

void run_tabs(const Workbench& wb, Connection& c, ViewState& vs, const Palette& p, std::vector<Command>& out) {
  Run* run = c.current_run();
  if (run && run->finished && !std::exchange(run->outcome_shown, true))
    vs.show_hints = !run->result.ok && !run->result.hints.empty();  // a failure shows its hints first
  if (!ImGui::BeginTabBar("run-tabs")) return;
  auto no_run = [] { ImGui::TextDisabled("Press Test (Ctrl+Enter) to run connect, TLS, EHLO, AUTH and QUIT against this server."); };
  if (probe::tab_item("Transcript", std::exchange(vs.show_transcript, false))) {
    if (run) draw_transcript(wb, *run, vs, p, out);
    else no_run();
    ImGui::EndTabItem();
  }
  if (probe::tab_item("TLS")) {
    if (run) draw_tls(*run, p);
    else no_run();
    ImGui::EndTabItem();
  }
  if (probe::tab_item("Timeline")) {
    if (run) draw_timeline(*run, p);
    else no_run();
    ImGui::EndTabItem();
  }
  const std::string hints_label =
      run && run->finished && !run->result.hints.empty() ? "Hints (" + std::to_string(run->result.hints.size()) + ")###hints" : "Hints###hints";
  if (probe::tab_item(hints_label.c_str(), std::exchange(vs.show_hints, false))) {
    if (run) draw_hints(wb, *run, p, vs, out);
    else no_run();
    ImGui::EndTabItem();
  }
  if (probe::tab_item("Probe TLS")) {
    draw_tls_probe(c, p, out);
    ImGui::EndTabItem();
  }
  if (probe::tab_item("Find settings")) {
    draw_find_settings(c, p, out);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

void status_line(Workbench& wb, const Palette& p) {
  ImGui::Separator();
  if (wb.status().empty()) ImGui::TextDisabled("Ready");
  else ImGui::TextColored(wb.status_is_error() ? p.error : p.info, "%s", wb.status().c_str());
}
}  // namespace

float editor_pane_height(float wanted, float content, float available, float min_editor, float min_results) {
  const float floor = std::min(min_editor, content);
  return std::max(std::min({wanted, content, available - min_results}), floor);
}

void draw_workbench(Workbench& wb, ViewState& vs, std::vector<Command>& out) {
  const Palette& p = palette(vs.dark);
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_MenuBar | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("SMTP Workbench", nullptr, flags);
  menu_bar(wb, vs);
  const float status_height = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  ImGui::BeginChild("left", ImVec2(vs.left_width, -status_height), true);
  draw_connection_list(wb, vs, out);
  ImGui::EndChild();
  splitter(vs, ImGui::GetItemRectSize().y);
  ImGui::BeginChild("right", ImVec2(0, -status_height), false);
  editor_pane(wb, vs, out);
  draw_run_toolbar(wb, vs, out);
  if (Connection* c = wb.selected()) run_tabs(wb, *c, vs, p, out);
  ImGui::EndChild();
  status_line(wb, p);
  ImGui::End();
}

}  // namespace smtpwb::gui

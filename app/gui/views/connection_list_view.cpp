// The list of saved connections, grouped, with a filter box and add / duplicate / rename / delete.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <map>

#include "model/presets.hpp"
#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

namespace {
bool contains_ci(const std::string& text, const std::string& needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
  return it != text.end();
}

void new_connection_popup(ViewState& vs, std::vector<Command>& out) {
  if (!ImGui::BeginPopup("new-connection")) return;
  ImGui::TextDisabled("New connection from a preset");
  for (const auto& preset : presets()) {
    if (!preset.regions.empty()) {
      if (ImGui::BeginMenu(preset.label.c_str())) {
        for (const auto& region : preset.regions) {
          if (ImGui::MenuItem(region.c_str())) out.push_back(cmd::NewFromPreset{preset.id, region});
        }
        ImGui::EndMenu();
      }
      continue;
    }
    if (ImGui::MenuItem(preset.label.c_str())) out.push_back(cmd::NewFromPreset{preset.id});
    probe::note("preset:" + preset.id);
  }
  ImGui::Separator();
  if (ImGui::MenuItem("Empty connection")) out.push_back(cmd::NewFromPreset{});
  (void)vs;
  ImGui::EndPopup();
}

void rename_popup(Workbench& wb, ViewState& vs, std::vector<Command>& out) {
  if (!ImGui::BeginPopupModal("Rename connection", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  Connection* c = wb.selected();
  if (!c) {
    ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return;
  }
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  bool enter = ImGui::InputText("New name", &vs.rename_buffer, ImGuiInputTextFlags_EnterReturnsTrue);
  auto clash = wb.name_clash(vs.rename_buffer, c->id);
  if (clash) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", clash->c_str());
  ImGui::BeginDisabled(clash.has_value());
  if (ImGui::Button("Rename") || (enter && !clash)) {
    out.push_back(cmd::Rename{c->id, vs.rename_buffer});
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGuiKey_Escape)) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void delete_popup(Workbench& wb, std::vector<Command>& out) {
  if (!ImGui::BeginPopupModal("Delete connection", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  Connection* c = wb.selected();
  if (c) {
    ImGui::Text("Delete \"%s\"? Undo can restore it until you delete another one.", c->draft.name.c_str());
    if (ImGui::Button("Delete")) {
      out.push_back(cmd::Delete{c->id});
      ImGui::CloseCurrentPopup();
    }
    probe::note("confirm-delete");
    ImGui::SameLine();
  }
  if (ImGui::Button("Keep it") || ImGui::IsKeyPressed(ImGuiKey_Escape) || !c) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}
}  // namespace

std::vector<ListGroup> group_connections(const std::vector<std::unique_ptr<Connection>>& connections, const std::string& filter) {
  std::map<std::string, std::vector<const Connection*>> groups;
  for (const auto& c : connections) {
    const auto& s = c->draft;
    if (!filter.empty() && !contains_ci(s.name, filter) && !contains_ci(s.group, filter) && !contains_ci(s.address, filter))
      continue;
    groups[s.group].push_back(c.get());
  }
  std::vector<ListGroup> out;
  for (auto& [group, items] : groups) {
    std::sort(items.begin(), items.end(), [](const Connection* a, const Connection* b) { return a->draft.name < b->draft.name; });
    ListGroup g{group.empty() ? "Ungrouped" : group, {}};
    for (const auto* c : items) g.connection_ids.push_back(c->id);
    out.push_back(std::move(g));
  }
  // The unnamed group sorts first in the map; users expect it last.
  std::stable_partition(out.begin(), out.end(), [](const ListGroup& g) { return g.group != "Ungrouped"; });
  return out;
}

void draw_connection_list(Workbench& wb, ViewState& vs, std::vector<Command>& out) {
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##filter", "Filter connections", &vs.list_filter);
  probe::note("list-filter");
  if (ImGui::Button("New")) ImGui::OpenPopup("new-connection");
  probe::note("new");
  new_connection_popup(vs, out);
  Connection* selected = wb.selected();
  ImGui::BeginDisabled(!selected);
  ImGui::SameLine();
  if (ImGui::Button("Duplicate")) out.push_back(cmd::Duplicate{selected->id});
  probe::note("duplicate");
  ImGui::SameLine();
  if (ImGui::Button("Rename")) {
    vs.rename_buffer = selected->draft.name;
    ImGui::OpenPopup("Rename connection");
  }
  probe::note("rename");
  ImGui::SameLine();
  if (ImGui::Button("Delete")) ImGui::OpenPopup("Delete connection");
  probe::note("delete");
  ImGui::EndDisabled();
  rename_popup(wb, vs, out);
  delete_popup(wb, out);
  if (wb.can_undo_delete()) {
    if (ImGui::SmallButton("Undo delete")) out.push_back(cmd::UndoDelete{});
    probe::note("undo-delete");
  }
  ImGui::Separator();

  ImGui::BeginChild("connections");
  for (const auto& group : group_connections(wb.connections(), vs.list_filter)) {
    ImGui::SetNextItemOpen(true, ImGuiCond_Once);
    if (!ImGui::TreeNode(group.group.c_str())) continue;
    for (int id : group.connection_ids) {
      Connection* c = wb.find(id);
      Run* run = c->current_run();
      std::string label = c->draft.name + (c->dirty() ? " *" : "");
      if (run && !run->finished) label += "  (running)";
      else if (run) label += run->result.ok ? "  ok" : "  failed";
      ImGui::PushID(id);
      if (ImGui::Selectable(label.c_str(), wb.selected_id() == id)) out.push_back(cmd::SelectConnection{id});
      probe::note("connection:" + c->draft.name);
      if (ImGui::IsItemHovered() && !c->draft.address.empty())
        ImGui::SetTooltip("%s:%d", c->draft.address.c_str(), c->draft.port);
      ImGui::PopID();
    }
    ImGui::TreePop();
  }
  ImGui::EndChild();
}

}  // namespace smtpwb::gui

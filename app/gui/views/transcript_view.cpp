// The live transcript: colour by direction, swaks markers, relative or absolute time, a filter kept as
// an incremental index, selection and copy, save as text, and autoscroll that yields to the user.
#include <imgui.h>
#include <imgui_stdlib.h>

#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

std::string transcript_text(const TranscriptStore& store, const FilterIndex& index, std::size_t first_row,
                            std::size_t last_row, bool with_time) {
  std::string out;
  const std::size_t rows = index.size(store);
  for (std::size_t row = first_row; row <= last_row && row < rows; ++row) {
    out += format_line(store.event(index.line_at(row)), with_time);
    out += '\n';
  }
  return out;
}

namespace {
constexpr const char* kSaveTag = "transcript";

void save_popup(const Workbench& wb, Run& run, ViewState& vs, std::vector<Command>& out) {
  if (!ImGui::BeginPopup("save-transcript")) return;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
  ImGui::InputText("File", &vs.save_path);
  probe::note("save-transcript:file");
  if (ImGui::Button("Save"))
    out.push_back(cmd::WriteFile{vs.save_path, transcript_text(run.transcript, run.filter, 0, run.filter.size(run.transcript), true),
                                 kSaveTag});
  probe::note("save-transcript:save");
  std::string message = save_popup_message(wb.last_write(), kSaveTag, vs.save_outcome_seen, "");
  if (!message.empty()) ImGui::TextWrapped("%s", message.c_str());
  ImGui::EndPopup();
}

void toolbar(const Workbench& wb, Run& run, ViewState& vs, std::vector<Command>& out) {
  auto& o = vs.transcript;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  ImGui::InputTextWithHint("##transcript-filter", "Filter lines", &o.filter);  // applied by draw_transcript
  probe::note("transcript-filter");
  ImGui::SameLine();
  ImGui::Checkbox("Clock time", &o.absolute_time);
  ImGui::SameLine();
  ImGui::Checkbox("Decode SASL", &o.decode_sasl);
  ImGui::SameLine();
  ImGui::Checkbox("Autoscroll", &o.autoscroll);
  ImGui::SameLine();
  const std::size_t rows = run.filter.size(run.transcript);
  if (ImGui::Button("Copy all")) ImGui::SetClipboardText(transcript_text(run.transcript, run.filter, 0, rows, true).c_str());
  ImGui::SameLine();
  ImGui::BeginDisabled(!run.selection_begin);
  if (ImGui::Button("Copy selection")) {
    auto [a, b] = std::minmax(*run.selection_begin, *run.selection_end);
    ImGui::SetClipboardText(transcript_text(run.transcript, run.filter, a, b, true).c_str());
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Save as text...")) {
    vs.save_outcome_seen = wb.last_write().serial;
    ImGui::OpenPopup("save-transcript");
  }
  probe::note("save-transcript");
  save_popup(wb, run, vs, out);
  if (run.dropped) {
    ImGui::SameLine();
    ImGui::TextDisabled("(%zu lines arrived too fast; complete when the test ends)", run.dropped);
  }
}

void row(Run& run, ViewState& vs, const Palette& p, std::size_t r) {
  const std::size_t line = run.filter.line_at(r);
  const LineMeta& m = run.transcript.meta(line);
  const bool selected = run.selection_begin && r >= std::min(*run.selection_begin, *run.selection_end) &&
                        r <= std::max(*run.selection_begin, *run.selection_end);
  ImGui::PushID(static_cast<int>(r));
  if (ImGui::Selectable("##row", selected, ImGuiSelectableFlags_AllowOverlap)) {
    if (ImGui::GetIO().KeyShift && run.selection_begin) run.selection_end = r;
    else run.selection_begin = run.selection_end = r;
  }
  ImGui::PopID();
  ImGui::SameLine(0, 0);
  std::string time = vs.transcript.absolute_time ? format_absolute(run.start_unix_ms, m.t_us) : format_relative(m.t_us);
  ImGui::TextColored(p.time, "%s", time.c_str());
  ImGui::SameLine();
  Event e{m.t_us, m.dir, m.phase, m.in_tls, {}};
  std::string_view mark = marker(e);
  std::string_view text = run.transcript.text(line);
  ImGui::PushStyleColor(ImGuiCol_Text, line_colour(p, m.dir, m.in_tls));
  ImGui::TextUnformatted(mark.data(), mark.data() + mark.size());
  ImGui::SameLine();
  ImGui::TextUnformatted(text.data(), text.data() + text.size());
  ImGui::PopStyleColor();
  if (vs.transcript.decode_sasl && m.dir == Dir::Server) {
    if (auto decoded = decoded_sasl_challenge(text); !decoded.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(p.info, "  [%s]", decoded.c_str());
    }
  }
}
}  // namespace

void draw_transcript(const Workbench& wb, Run& run, ViewState& vs, const Palette& p, std::vector<Command>& out) {
  if (run.filter.filter() != vs.transcript.filter) run.filter.set_filter(vs.transcript.filter);
  run.filter.update(run.transcript);
  toolbar(wb, run, vs, out);
  ImGui::BeginChild("transcript-lines", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  if (vs.mono) ImGui::PushFont(vs.mono);
  const float line_height = ImGui::GetTextLineHeightWithSpacing();
  if (run.scroll_to_line) {
    ImGui::SetScrollY(static_cast<float>(run.filter.row_of(*run.scroll_to_line)) * line_height);
    run.selection_begin = run.selection_end = run.filter.row_of(*run.scroll_to_line);
    run.scroll_to_line.reset();
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(run.filter.size(run.transcript)), line_height);
  while (clipper.Step())
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) row(run, vs, p, static_cast<std::size_t>(r));
  clipper.End();
  if (ImGui::IsWindowFocused() && ImGui::GetIO().KeyCtrl && ImGui::IsKeyPressed(ImGuiKey_C) && run.selection_begin) {
    auto [a, b] = std::minmax(*run.selection_begin, *run.selection_end);
    ImGui::SetClipboardText(transcript_text(run.transcript, run.filter, a, b, true).c_str());
  }
  if (vs.transcript.autoscroll && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - line_height) ImGui::SetScrollHereY(1.0f);
  if (vs.mono) ImGui::PopFont();
  ImGui::EndChild();
}

}  // namespace smtpwb::gui

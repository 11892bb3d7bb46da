// The hints the engine matched for a run: severity, title, explanation and fix, each linked to the
// transcript line that triggered it; plus the export of the run as a report or as other tools' commands.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>

#include "smtpwb/export.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/report.hpp"
#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

std::string export_report(const Run& run, ReportFormat format) {
  switch (format) {
    case ReportFormat::Markdown: return report_markdown(run.settings, run.request, run.result);
    case ReportFormat::Html: return report_html(run.settings, run.request, run.result);
    case ReportFormat::Json: return report_text(report_json(run.settings, run.request, run.result));
  }
  return {};
}

std::string export_extension(ReportFormat format) {
  switch (format) {
    case ReportFormat::Markdown: return ".md";
    case ReportFormat::Html: return ".html";
    case ReportFormat::Json: return ".json";
  }
  return {};
}

std::string save_popup_message(const WriteOutcome& last, const std::string& tag, int seen, const std::string& own) {
  return last.tag == tag && last.serial > seen ? last.message : own;
}

namespace {
constexpr const char* kExportTag = "report";

ImVec4 severity_colour(const Palette& p, HintSeverity s) {
  return s == HintSeverity::Error ? p.error : s == HintSeverity::Warning ? p.warning : p.info;
}

void hint_card(Run& run, const Hint& h, std::size_t i, const Palette& p, ViewState& vs) {
  ImGui::PushID(static_cast<int>(i));
  ImGui::TextColored(severity_colour(p, h.severity), "%s", h.title.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("[%s]", h.id.c_str());
  ImGui::Indent();
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(h.explanation.c_str());
  ImGui::TextColored(p.ok, "Fix:");
  ImGui::SameLine();
  ImGui::TextUnformatted(h.fix.c_str());
  ImGui::PopTextWrapPos();
  if (h.transcript_index && *h.transcript_index < run.transcript.size()) {
    if (ImGui::SmallButton("Show in transcript")) {
      run.scroll_to_line = *h.transcript_index;
      vs.show_transcript = true;
    }
    probe::note("hint-link:" + h.id);
    ImGui::SameLine();
    ImGui::TextDisabled("line %zu, %s", *h.transcript_index + 1, std::string(to_string(h.phase)).c_str());
  }
  ImGui::Unindent();
  ImGui::Separator();
  ImGui::PopID();
}

void export_popup(const Workbench& wb, const Run& run, ViewState& vs, std::vector<Command>& out) {
  if (!ImGui::BeginPopup("export-report")) return;
  const char* names[] = {"Markdown", "HTML", "JSON"};
  int format = static_cast<int>(vs.export_format);
  ImGui::Combo("Format", &format, names, 3);
  vs.export_format = static_cast<ReportFormat>(format);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
  ImGui::InputText("File", &vs.export_path);
  probe::note("export:file");
  // A failing export is reported here; it must never take the window, and the tests running in it, down.
  try {
    if (ImGui::Button("Save")) {
      vs.export_message.clear();
      out.push_back(cmd::WriteFile{vs.export_path, export_report(run, vs.export_format), kExportTag});
    }
    probe::note("export:save");
    ImGui::SameLine();
    if (ImGui::Button("Copy to clipboard")) {
      ImGui::SetClipboardText(export_report(run, vs.export_format).c_str());
      vs.export_message = std::string(names[format]) + " report copied";
      vs.export_outcome_seen = wb.last_write().serial;
    }
  } catch (const std::exception& e) {
    vs.export_message = "Export failed (internal error, please report it): " + visible_text(e.what());
    vs.export_outcome_seen = wb.last_write().serial;
  }
  std::string message = save_popup_message(wb.last_write(), kExportTag, vs.export_outcome_seen, vs.export_message);
  if (!message.empty()) ImGui::TextWrapped("%s", message.c_str());
  ImGui::EndPopup();
}

void commands_popup(const Run& run) {
  if (!ImGui::BeginPopup("copy-as-command")) return;
  for (const auto& c : equivalent_commands(run.settings, run.request)) {
    ImGui::PushID(c.tool.c_str());
    ImGui::TextDisabled("%s: %s", c.tool.c_str(), c.note.c_str());
    ImGui::BeginDisabled(c.command.empty());  // refused: the note says why
    if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(c.command.c_str());
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::TextUnformatted(c.command.c_str());
    ImGui::PopID();
  }
  ImGui::EndPopup();
}
}  // namespace

void draw_hints(const Workbench& wb, Run& run, const Palette& p, ViewState& vs, std::vector<Command>& out) {
  if (!run.finished) {
    ImGui::TextDisabled("Hints appear when the test ends.");
    return;
  }
  ImGui::BeginDisabled(false);
  if (ImGui::Button("Export report...")) {
    vs.export_message.clear();
    vs.export_outcome_seen = wb.last_write().serial;
    if (vs.export_path.empty() || std::filesystem::path(vs.export_path).extension() != export_extension(vs.export_format))
      vs.export_path = "smtp-workbench-report" + export_extension(vs.export_format);
    ImGui::OpenPopup("export-report");
  }
  probe::note("export-report");
  ImGui::SameLine();
  if (ImGui::Button("Copy as command...")) ImGui::OpenPopup("copy-as-command");
  probe::note("copy-as-command");
  ImGui::EndDisabled();
  export_popup(wb, run, vs, out);
  commands_popup(run);
  ImGui::Separator();
  if (run.result.hints.empty()) {
    ImGui::TextColored(p.ok, run.result.ok ? "No hints: the test went as it should." : "No hint matches this failure; the transcript shows the server's own words.");
    return;
  }
  for (std::size_t i = 0; i < run.result.hints.size(); ++i) hint_card(run, run.result.hints[i], i, p, vs);
}

}  // namespace smtpwb::gui

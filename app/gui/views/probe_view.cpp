// "Probe TLS" (which versions the server accepts) and "Find settings" (which port and mode work):
// both run in the background with per-row progress, can be cancelled, and never block the window.
#include <imgui.h>

#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

std::string probe_state_text(ProbeRowState state) {
  switch (state) {
    case ProbeRowState::Waiting: return "waiting";
    case ProbeRowState::Running: return "trying...";
    case ProbeRowState::Done: return "done";
  }
  return "";
}

namespace {
void progress_line(const ProbeProgress& p, bool finished) {
  float fraction = p.total ? static_cast<float>(p.done) / static_cast<float>(p.total) : 0.0f;
  std::string label = std::to_string(p.done) + " / " + std::to_string(p.total) + (finished ? " done" : "");
  ImGui::ProgressBar(fraction, ImVec2(ImGui::GetFontSize() * 12, 0), label.c_str());
}
}  // namespace

void draw_tls_probe(Connection& c, const Palette& p, std::vector<Command>& out) {
  const bool running = c.tls_probe && c.tls_probe->running();
  ImGui::BeginDisabled(running);
  if (ImGui::Button("Probe TLS")) out.push_back(cmd::ProbeTls{c.id});
  probe::note("probe-tls");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!running);
  if (ImGui::Button("Cancel##probe")) out.push_back(cmd::CancelProbeTls{c.id});
  ImGui::EndDisabled();
  if (!c.tls_probe) {
    ImGui::SameLine();
    ImGui::TextDisabled("Tries SSL 2 to TLS 1.3, one fresh connection each, in parallel.");
    return;
  }
  ImGui::SameLine();
  progress_line(c.tls_probe->progress(), !running);
  ImGui::TextDisabled("%s", c.tls_probe_target.c_str());
  auto rows = c.tls_probe->engine().results();
  if (!ImGui::BeginTable("tls-probe", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp))
    return;
  ImGui::TableSetupColumn("Version");
  ImGui::TableSetupColumn("Result");
  ImGui::TableSetupColumn("Cipher suite");
  ImGui::TableSetupColumn("Detail");
  ImGui::TableHeadersRow();
  for (const auto& row : rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(std::string(display_name(row.version)).c_str());
    ImGui::TableNextColumn();
    auto state = c.tls_probe->engine().state(row.version);
    if (state != ProbeRowState::Done) ImGui::TextDisabled("%s", probe_state_text(state).c_str());
    else if (row.offered()) ImGui::TextColored(row.risk() ? p.error : p.ok, row.risk() ? "offered (risk)" : "offered");
    else if (row.outcome == TlsProbeRow::Outcome::NotOffered) ImGui::TextColored(p.info, "not offered");
    else ImGui::TextColored(p.warning, "error");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.cipher.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.detail.c_str());
  }
  ImGui::EndTable();
}

void draw_find_settings(Connection& c, const Palette& p, std::vector<Command>& out) {
  const bool running = c.port_finder && c.port_finder->running();
  ImGui::BeginDisabled(running);
  if (ImGui::Button("Find settings")) out.push_back(cmd::FindSettings{c.id});
  probe::note("find-settings");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!running);
  if (ImGui::Button("Cancel##finder")) out.push_back(cmd::CancelFindSettings{c.id});
  ImGui::EndDisabled();
  if (!c.port_finder) {
    ImGui::SameLine();
    ImGui::TextDisabled("Tries ports 25, 465, 587 and 2525 with plain SMTP, STARTTLS and implicit TLS.");
    return;
  }
  ImGui::SameLine();
  progress_line(c.port_finder->progress(), !running);
  auto rows = c.port_finder->engine().results();
  if (!running) {
    if (auto best = recommend(rows)) {
      ImGui::TextColored(p.ok, "Recommended: port %d, %s. %s", best->port, std::string(display_name(best->mode)).c_str(), best->reason.c_str());
      ImGui::SameLine();
      if (ImGui::Button("Apply")) out.push_back(cmd::ApplyFoundSettings{c.id, best->port, best->mode});
      probe::note("apply-found");
    } else {
      ImGui::TextColored(p.error, "Nothing answered on %s: check the name, a firewall, or whether port 25 is blocked by the ISP.",
                         c.port_finder_host.c_str());
    }
  }
  if (!ImGui::BeginTable("finder", 6, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) return;
  for (const char* h : {"Port", "Mode", "Result", "STARTTLS", "AUTH (before / after TLS)", "Banner or error"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s.empty() ? std::string("-") : s;
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%d", row.port);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(std::string(display_name(row.mode)).c_str());
    ImGui::TableNextColumn();
    auto state = c.port_finder->engine().state(i);
    if (state != ProbeRowState::Done) ImGui::TextDisabled("%s", probe_state_text(state).c_str());
    else if (row.works()) ImGui::TextColored(p.ok, "works%s%s", row.tls_version.empty() ? "" : ", ", row.tls_version.c_str());
    else ImGui::TextColored(row.reachable ? p.warning : p.info, row.reachable ? "fails" : "no answer");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.mode == Security::None ? (row.starttls ? "offered" : "-") : "");
    ImGui::TableNextColumn();
    ImGui::Text("%s / %s", join(row.auth_before_tls).c_str(), join(row.auth_after_tls).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.works() ? row.banner.c_str() : row.error.c_str());
  }
  ImGui::EndTable();
}

namespace {
void draw_plaintext_findings(const PlaintextProbeState& state, const Palette& p) {
  const auto& f = *state.facts;
  if (!f.error.empty()) {
    ImGui::TextColored(p.warning, "The probe did not get through EHLO: %s", f.error.c_str());
    return;
  }
  std::string mechanisms;
  for (const auto& m : f.auth_mechanisms) mechanisms += (mechanisms.empty() ? "" : " ") + m;
  if (f.auth_advertised) ImGui::TextColored(p.warning, "AUTH advertised before TLS: %s", mechanisms.c_str());
  else ImGui::TextColored(p.ok, "AUTH not advertised before TLS");
  if (f.mail_accepted) ImGui::TextColored(p.warning, "MAIL FROM:<%s> accepted: %s", f.sender.c_str(), f.mail_reply.c_str());
  else ImGui::TextColored(p.ok, "MAIL FROM:<%s> refused: %s", f.sender.c_str(), f.mail_reply.c_str());
  for (const auto& h : state.hints) {
    ImGui::TextColored(p.warning, "Hint [%s]: %s", h.id.c_str(), h.title.c_str());
    ImGui::TextWrapped("%s", h.explanation.c_str());
    ImGui::TextWrapped("Fix: %s", h.fix.c_str());
  }
}
}  // namespace

// Beside Probe TLS: what the port allows before TLS, without credentials (AUTH advertised? MAIL FROM accepted?).
void draw_plaintext_probe(Connection& c, const Palette& p, std::vector<Command>& out) {
  const bool running = c.plaintext_probe && c.plaintext_probe->running();
  ImGui::BeginDisabled(running || c.draft.security == Security::Implicit);
  if (ImGui::Button("Probe plain text")) out.push_back(cmd::ProbePlaintext{c.id});
  probe::note("probe-plaintext");
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (c.draft.security == Security::Implicit) {
    ImGui::TextDisabled("Needs STARTTLS or no encryption: an implicit-TLS port has no plain-text phase.");
    return;
  }
  if (!c.plaintext_probe) {
    ImGui::TextDisabled("Before any TLS, without credentials: is AUTH advertised, is MAIL FROM accepted (then RSET)?");
    return;
  }
  ImGui::TextDisabled("%s%s", c.plaintext_probe_target.c_str(), running ? ": probing..." : "");
  auto state = c.plaintext_probe->snapshot();
  if (!running && state.facts) draw_plaintext_findings(state, p);
}

}  // namespace smtpwb::gui

// Test / Test email / Stop after / Step mode / Cancel, the step bar, and the run history.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "model/editor_rules.hpp"
#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

TestRequest test_request(StopAfter stop_after) {
  TestRequest r;
  r.stop_after = stop_after;
  return r;
}

std::vector<std::string> split_addresses(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    auto b = current.find_first_not_of(" \t");
    auto e = current.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(current.substr(b, e - b + 1));
    current.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ';') flush();
    else current += c;
  }
  flush();
  return out;
}

MessageSpec test_email_message(const ViewState& vs) {
  MessageSpec m{vs.email_from, split_addresses(vs.email_to), vs.email_subject, {}};
  m.smtputf8 = vs.email_smtputf8;
  m.bdat = vs.email_bdat && vs.stop_after != StopAfter::Rcpt;
  std::vector<std::string> notify;
  if (vs.email_notify_never) notify = {"NEVER"};
  else
    for (auto [on, name] : {std::pair{vs.email_notify_success, "SUCCESS"}, {vs.email_notify_failure, "FAILURE"},
                            {vs.email_notify_delay, "DELAY"}})
      if (on) notify.emplace_back(name);
  for (const auto& n : notify) m.dsn_notify += (m.dsn_notify.empty() ? "" : ",") + n;
  static const char* kRet[] = {"", "FULL", "HDRS"};
  m.dsn_ret = kRet[std::clamp(vs.email_dsn_ret, 0, 2)];
  m.dsn_envid = vs.email_dsn_envid;
  return m;
}

void load_test_email_fields(ViewState& vs, const MessageDefaults& d) {
  vs.email_from = d.from;
  vs.email_to = d.to;
  vs.email_subject = d.subject;
  vs.email_smtputf8 = d.smtputf8;
  vs.email_bdat = d.bdat;
  auto has = [&](const char* word) { return ("," + d.dsn_notify + ",").find("," + std::string(word) + ",") != std::string::npos; };
  vs.email_notify_never = has("NEVER");
  vs.email_notify_success = has("SUCCESS");
  vs.email_notify_failure = has("FAILURE");
  vs.email_notify_delay = has("DELAY");
  vs.email_dsn_ret = d.dsn_ret == "FULL" ? 1 : d.dsn_ret == "HDRS" ? 2 : 0;
  vs.email_dsn_envid = d.dsn_envid;
}

namespace {
const ImVec4 kErrorColour(1.0f, 0.45f, 0.4f, 1.0f);

// The problems of one field, under it (as the connection editor shows them).
void show_errors(const std::vector<FieldError>& errors, Field field) {
  for (const auto& e : errors)
    if (e.field == field) ImGui::TextColored(kErrorColour, "%s", describe(e, ConnectionSettings{}).c_str());
}

// SMTPUTF8, BDAT and DSN: each fails the test before MAIL FROM when the server does not offer it.
void test_email_extensions(ViewState& vs, const std::vector<FieldError>& errors) {
  ImGui::Checkbox("SMTPUTF8 (UTF-8 addresses and headers)", &vs.email_smtputf8);
  probe::note("email:smtputf8");
  // Stopping after RCPT sends no message, so there is nothing to chunk.
  ImGui::BeginDisabled(vs.stop_after == StopAfter::Rcpt);
  ImGui::Checkbox("BDAT (send in chunks, CHUNKING)", &vs.email_bdat);
  probe::note("email:bdat");
  ImGui::EndDisabled();
  ImGui::TextUnformatted("Delivery status notification (DSN)");
  ImGui::Checkbox("Never", &vs.email_notify_never);
  probe::note("email:notify-never");
  ImGui::BeginDisabled(vs.email_notify_never);  // NEVER stands alone (RFC 3461)
  ImGui::SameLine();
  ImGui::Checkbox("Success", &vs.email_notify_success);
  probe::note("email:notify-success");
  ImGui::SameLine();
  ImGui::Checkbox("Failure", &vs.email_notify_failure);
  probe::note("email:notify-failure");
  ImGui::SameLine();
  ImGui::Checkbox("Delay", &vs.email_notify_delay);
  probe::note("email:notify-delay");
  ImGui::EndDisabled();
  show_errors(errors, Field::DsnNotify);
  const char* ret_names[] = {"server default", "FULL (whole message)", "HDRS (headers only)"};
  ImGui::Combo("Return", &vs.email_dsn_ret, ret_names, 3);
  probe::note("email:dsn-ret");
  show_errors(errors, Field::DsnRet);
  ImGui::InputText("Envelope id", &vs.email_dsn_envid);
  probe::note("email:dsn-envid");
  show_errors(errors, Field::DsnEnvid);
}

void test_email_popup(Workbench& wb, ViewState& vs, std::vector<Command>& out, int connection) {
  if (!ImGui::BeginPopupModal("Test email", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  if (ImGui::IsWindowAppearing()) load_test_email_fields(vs, wb.message_defaults());
  TestRequest request;
  request.stop_after = vs.stop_after;
  request.message = test_email_message(vs);
  auto errors = validate(request);  // of the values drawn last frame: shown under each field
  ImGui::InputText("From", &vs.email_from);
  probe::note("email:from");
  show_errors(errors, Field::From);
  ImGui::InputText("To (comma-separated)", &vs.email_to);
  probe::note("email:to");
  show_errors(errors, Field::To);
  ImGui::InputText("Subject", &vs.email_subject);
  show_errors(errors, Field::Subject);
  test_email_extensions(vs, errors);
  request.message = test_email_message(vs);
  errors = validate(request);
  const auto& to = request.message->to;
  bool ready = !vs.email_from.empty() && !to.empty() && errors.empty();
  if (vs.email_from.empty() || to.empty()) ImGui::TextDisabled("From and To are needed");
  ImGui::BeginDisabled(!ready);
  if (ImGui::Button("Send")) {
    out.push_back(cmd::RunTest{connection, request, vs.step_mode});
    ImGui::CloseCurrentPopup();
  }
  probe::note("email:send");
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGuiKey_Escape)) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void step_bar(Run& run, ViewState& vs, std::vector<Command>& out, int connection) {
  if (!run.gate || run.finished) return;
  if (!run.gate->waiting()) {
    ImGui::TextDisabled("Step mode: waiting for the server...");
    return;
  }
  ImGui::Text("Next: %s", run.gate->pending().c_str());
  ImGui::SameLine();
  if (ImGui::Button("Step")) out.push_back(cmd::Step{connection});
  probe::note("step");
  ImGui::SameLine();
  if (ImGui::Button("Continue")) out.push_back(cmd::Continue{connection});
  probe::note("continue");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
  bool enter = ImGui::InputTextWithHint("##command", "type a command, e.g. NOOP, VRFY user, HELP", &vs.command_line,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  probe::note("command-line");
  ImGui::SameLine();
  if ((ImGui::Button("Send line") || enter) && !vs.command_line.empty()) {
    out.push_back(cmd::SendLine{connection, vs.command_line});
    vs.command_line.clear();
  }
}
}  // namespace

void draw_run_toolbar(Workbench& wb, ViewState& vs, std::vector<Command>& out) {
  Connection* c = wb.selected();
  if (!c) return;
  Run* run = c->current_run();
  const bool running = run && !run->finished;
  auto refusal = test_refusal(c->draft);

  ImGui::BeginDisabled(refusal.has_value());
  bool shortcut = ImGui::IsKeyDown(ImGuiMod_Ctrl) && ImGui::IsKeyPressed(ImGuiKey_Enter, false);
  if (ImGui::Button("Test") || (shortcut && !refusal)) {
    // Stopping after RCPT needs a sender and a recipient: that is Test email's form.
    if (vs.stop_after == StopAfter::Rcpt) ImGui::OpenPopup("Test email");
    else out.push_back(cmd::RunTest{c->id, test_request(vs.stop_after), vs.step_mode});
  }
  probe::note("test");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Connect, TLS, EHLO, AUTH, QUIT (Ctrl+Enter)");
  ImGui::SameLine();
  if (ImGui::Button("Test email...")) ImGui::OpenPopup("Test email");
  probe::note("test-email");
  ImGui::EndDisabled();
  test_email_popup(wb, vs, out, c->id);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  const char* stop_names[] = {"connect", "TLS", "AUTH", "RCPT", "QUIT (all)"};
  int stop = static_cast<int>(vs.stop_after);
  if (ImGui::Combo("Stop after", &stop, stop_names, 5)) vs.stop_after = static_cast<StopAfter>(stop);
  ImGui::SameLine();
  ImGui::Checkbox("Step mode", &vs.step_mode);
  probe::note("step-mode");
  ImGui::SameLine();
  ImGui::BeginDisabled(!running);
  if (ImGui::Button("Cancel")) out.push_back(cmd::CancelTest{c->id});
  probe::note("cancel");
  ImGui::EndDisabled();
  if (!c->runs.empty()) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo("Run", run ? run->label().c_str() : "")) {
      for (int i = static_cast<int>(c->runs.size()) - 1; i >= 0; --i)
        if (ImGui::Selectable(c->runs[i]->label().c_str(), i == c->shown_run)) out.push_back(cmd::ShowRun{c->id, i});
      ImGui::EndCombo();
    }
  }
  if (refusal) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", refusal->c_str());
  if (run) step_bar(*run, vs, out, c->id);
}

}  // namespace smtpwb::gui

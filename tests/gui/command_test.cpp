// Commands as a variant: how the model dispatches each, and the views that hand the outside world (files,
// the browser) to the model instead of touching it themselves.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include "gui_harness.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/oauth.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
using guitest::Harness;
namespace fs = std::filesystem;

TEST_CASE("Commands about a connection that is gone are refused with the reason; the others still apply", "[gui][commands]") {
  guitest::TempDir dir;
  Workbench wb(dir.path, std::make_unique<MemorySecretStore>(), [] {});
  wb.load();
  const int gone = 4711;
  const std::vector<Command> about_gone{cmd::Duplicate{gone}, cmd::Rename{gone, "x"}, cmd::Delete{gone}, cmd::Save{gone},
                                        cmd::Revert{gone}, cmd::ApplyFoundSettings{gone, 25}, cmd::RunTest{gone},
                                        cmd::CancelTest{gone}, cmd::Step{gone}, cmd::Continue{gone},
                                        cmd::SendLine{gone, "NOOP"}, cmd::ShowRun{gone, 0}, cmd::ProbeTls{gone},
                                        cmd::CancelProbeTls{gone}, cmd::FindSettings{gone}, cmd::CancelFindSettings{gone},
                                        cmd::SignIn{gone}, cmd::CancelSignIn{gone}};
  for (const auto& command : about_gone) {
    wb.apply(cmd::NewFromPreset{});  // a fresh status
    REQUIRE_FALSE(wb.status_is_error());
    wb.apply(command);
    INFO("command #" << command.index());
    CHECK(wb.status_is_error());
    CHECK(wb.status() == "That connection no longer exists");
  }
  const int before = wb.selected_id();
  wb.apply(cmd::SelectConnection{gone});  // a stale click selects nothing, silently
  CHECK(wb.selected_id() == before);
  wb.apply(cmd::SelectConnection{wb.connections().front()->id});
  CHECK(wb.selected_id() == wb.connections().front()->id);
}

TEST_CASE("A run is shown only when it exists; Revert goes back to the saved settings", "[gui][commands]") {
  guitest::TempDir dir;
  Workbench wb(dir.path, std::make_unique<MemorySecretStore>(), [] {});
  wb.load();
  Connection& demo = *wb.selected();
  wb.apply(cmd::ShowRun{demo.id, 3});
  CHECK(demo.shown_run == -1);
  demo.draft.port = 2999;
  REQUIRE(demo.dirty());
  wb.apply(cmd::Revert{demo.id});
  CHECK_FALSE(demo.dirty());
  CHECK(wb.status().find("discarded") != std::string::npos);
}

TEST_CASE("WriteFile writes a new file, never over one, and answers with a serial and its tag", "[gui][commands]") {
  guitest::TempDir dir;
  Workbench wb(dir.path, std::make_unique<MemorySecretStore>(), [] {});
  CHECK(wb.last_write().serial == 0);
  const fs::path file = dir.path / "report.md";
  wb.apply(cmd::WriteFile{file.string(), "# Report\n", "report"});
  CHECK(wb.last_write().serial == 1);
  CHECK(wb.last_write().ok);
  CHECK(wb.last_write().tag == "report");
  CHECK(wb.last_write().message == "Saved to " + file.string());
  CHECK(read_file(file.string()) == "# Report\n");

  wb.apply(cmd::WriteFile{file.string(), "other", "transcript"});
  CHECK(wb.last_write().serial == 2);
  CHECK_FALSE(wb.last_write().ok);
  CHECK(wb.last_write().tag == "transcript");
  CHECK(wb.last_write().message.find("already exists") != std::string::npos);
  CHECK(read_file(file.string()) == "# Report\n");

  wb.apply(cmd::WriteFile{"", "x", "report"});
  CHECK(wb.last_write().message == "File: enter a path");

  // A popup shows the model's answer only when it is newer than what the popup last showed.
  CHECK(save_popup_message(wb.last_write(), "report", 2, "copied") == "File: enter a path");
  CHECK(save_popup_message(wb.last_write(), "report", 3, "copied") == "copied");
  CHECK(save_popup_message(wb.last_write(), "transcript", 0, "").empty());
}

TEST_CASE("OpenUrl goes to the model's URL opener", "[gui][commands]") {
  guitest::TempDir dir;
  Workbench wb(dir.path, std::make_unique<MemorySecretStore>(), [] {});
  std::vector<std::string> opened;
  wb.set_url_opener([&](const std::string& url) { opened.push_back(url); });
  wb.apply(cmd::OpenUrl{"https://example.com/console"});
  CHECK(opened == std::vector<std::string>{"https://example.com/console"});
}

TEST_CASE("Setup app emits OpenUrl with the provider's console; the view opens nothing itself", "[gui][commands][views]") {
  Harness h;
  std::vector<std::string> opened;
  h.wb.set_url_opener([&](const std::string& url) { opened.push_back(url); });
  h.wb.load();
  h.wb.apply(cmd::NewFromPreset{"gmail"});
  h.wb.selected()->draft.auth_type = AuthType::GmailOAuth;
  h.frames(2);
  REQUIRE(h.click("tab:Connection settings"));
  h.apply_commands = false;
  REQUIRE(h.click("oauth-setup"));
  REQUIRE(h.count<cmd::OpenUrl>() == 1);
  CHECK(opened.empty());  // not applied: nothing opened
  h.apply_commands = true;
  REQUIRE(h.click("oauth-setup"));
  REQUIRE(opened.size() == 1);
  CHECK(opened[0] == oauth::find_provider("gmail")->console_url);
}

TEST_CASE("Save as text and Export report write through the model and show its answer", "[gui][commands][views]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("test"));
  Connection& demo = *h.wb.selected();
  REQUIRE(h.frames_until([&] { return demo.current_run()->finished; }));
  REQUIRE(h.click("tab:Transcript"));

  const fs::path text = h.dir.path / "transcript.txt";
  REQUIRE(h.click("save-transcript"));
  REQUIRE(h.click("save-transcript:file"));
  h.type(text.string());
  REQUIRE(h.click("save-transcript:save"));
  REQUIRE(h.count<cmd::WriteFile>() == 1);
  CHECK(std::get<cmd::WriteFile>(h.emitted.back()).tag == "transcript");
  auto saved = read_file(text.string());
  REQUIRE(saved);
  CHECK(saved->find("EHLO") != std::string::npos);
  CHECK(h.wb.last_write().message == "Saved to " + text.string());
  REQUIRE(h.click("save-transcript:save"));  // again: refused, the file stays
  CHECK(h.wb.last_write().message.find("already exists") != std::string::npos);
  REQUIRE(h.click("tab:hints"));  // the click outside closes the popup

  const fs::path report = h.dir.path / "report.json";
  h.vs.export_format = ReportFormat::Json;
  h.vs.export_path = report.string();
  REQUIRE(h.click("tab:hints"));
  REQUIRE(h.click("export-report"));
  REQUIRE(h.click("export:save"));
  REQUIRE(h.count<cmd::WriteFile>() == 3);
  CHECK(std::get<cmd::WriteFile>(h.emitted.back()).tag == "report");
  CHECK(read_file(report.string()) == export_report(*demo.current_run(), ReportFormat::Json));
}

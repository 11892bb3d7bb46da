// Commands as a variant: how the model dispatches each.
#include <catch2/catch_test_macros.hpp>

#include "gui_harness.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;

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

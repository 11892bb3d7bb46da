#pragma once
// What the views ask the model to do: one small struct per command, carried as one std::variant. Views
// only draw and emit these; the model applies them between frames (Workbench::apply). Every member has a
// default, so a command names only what it needs: cmd::Save{id}, cmd::RunTest{id, request}.
#include <string>
#include <variant>

#include "smtpwb/settings.hpp"

namespace smtpwb::gui {

namespace cmd {
// The list of connections
struct SelectConnection { int connection = -1; };
struct NewFromPreset { std::string preset{}; std::string region{}; };  // "" is an empty connection
struct Duplicate { int connection = -1; };
struct Rename { int connection = -1; std::string name{}; };
struct Delete { int connection = -1; };
struct UndoDelete {};
// The editor
struct Save { int connection = -1; };
struct Revert { int connection = -1; };
struct ApplyFoundSettings { int connection = -1; int port = 0; Security security = Security::None; };
// Runs
struct RunTest { int connection = -1; TestRequest request{}; bool step_mode = false; };
struct CancelTest { int connection = -1; };
struct Step { int connection = -1; };
struct Continue { int connection = -1; };
struct SendLine { int connection = -1; std::string line{}; };
struct ShowRun { int connection = -1; int run = -1; };  // index into the connection's runs
// Background jobs
struct ProbeTls { int connection = -1; };
struct CancelProbeTls { int connection = -1; };
struct FindSettings { int connection = -1; };
struct CancelFindSettings { int connection = -1; };
struct ProbePlaintext { int connection = -1; };  // AUTH and MAIL FROM before TLS (--probe-plaintext)
struct SignIn { int connection = -1; };  // OAuth: Authenticate
struct CancelSignIn { int connection = -1; };
// The outside world
struct OpenUrl { std::string url{}; };
// Writes a new file (never over an existing one); the outcome is Workbench::last_write(), under `tag`.
struct WriteFile { std::string path{}; std::string contents{}; std::string tag{}; };
}  // namespace cmd

using Command = std::variant<cmd::SelectConnection, cmd::NewFromPreset, cmd::Duplicate, cmd::Rename, cmd::Delete,
                             cmd::UndoDelete, cmd::Save, cmd::Revert, cmd::ApplyFoundSettings, cmd::RunTest,
                             cmd::CancelTest, cmd::Step, cmd::Continue, cmd::SendLine, cmd::ShowRun, cmd::ProbeTls,
                             cmd::CancelProbeTls, cmd::FindSettings, cmd::CancelFindSettings, cmd::SignIn,
                             cmd::CancelSignIn, cmd::OpenUrl, cmd::WriteFile, cmd::ProbePlaintext>;

}  // namespace smtpwb::gui

#pragma once
// The workbench's model: saved connections with their edited drafts, and each connection's runs
// (sessions on their own threads, streamed into transcripts), and the background jobs. Views read it and
// emit Commands (commands.hpp); the main loop applies them. Nothing here calls ImGui.
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/commands.hpp"
#include "model/connection_store.hpp"
#include "model/job.hpp"
#include "model/oauth_sign_in.hpp"
#include "model/secret_store.hpp"
#include "model/transcript.hpp"
#include "smtpwb/demo_server.hpp"
#include "smtpwb/hint.hpp"
#include "smtpwb/port_finder.hpp"
#include "smtpwb/tls_probe.hpp"
#include "smtpwb/session.hpp"

namespace smtpwb::gui {

using SessionJob = EngineJob<Session>;
using TlsProbeJob = EngineJob<TlsProbe>;
using PortFinderJob = EngineJob<PortFinder>;

struct Run {
  int number = 0;
  ConnectionSettings settings;  // as tested (with secrets: memory only)
  TestRequest request;
  bool step_mode = false;
  std::shared_ptr<EventQueue> queue;
  std::shared_ptr<StepGate> gate;
  std::unique_ptr<SessionJob> session;
  TranscriptStore transcript;
  FilterIndex filter;
  bool finished = false;
  SessionResult result;  // valid once finished
  std::int64_t start_unix_ms = 0;
  std::size_t dropped = 0;
  std::optional<std::size_t> scroll_to_line;  // set by the hints view, consumed by the transcript view
  std::optional<std::size_t> selection_begin, selection_end;
  bool outcome_shown = false;  // the views brought the hints forward once, when it ended

  Phase phase() const { return finished ? Phase::Done : session->engine().current_phase(); }
  std::string label() const;
};

struct Connection {
  int id = 0;
  ConnectionSettings saved;  // on disk, plus secrets from the store
  ConnectionSettings draft;  // what the editor changes
  std::optional<std::filesystem::path> file;
  std::vector<std::unique_ptr<Run>> runs;
  int shown_run = -1;  // index into runs
  std::unique_ptr<TlsProbeJob> tls_probe;      // "Probe TLS": the latest, running or done
  std::string tls_probe_target;                // "host:port (STARTTLS)" it probed
  std::unique_ptr<PortFinderJob> port_finder;  // "Find settings": the latest
  std::string port_finder_host;
  // Gmail / Microsoft 365 OAuth: the sign-in or refresh in progress, the access token (memory only) and a Test that
  // waits for a fresh token. The refresh token lives in the SecretStore.
  std::unique_ptr<SignInJob> oauth;
  bool oauth_url_opened = false;  // the sign-in's authorization URL went to the browser
  std::string oauth_access_token;
  std::chrono::steady_clock::time_point oauth_expires{};
  bool refresh_token_stored = false;  // known without asking the keyring each frame
  std::string oauth_status;
  std::vector<Hint> oauth_hints;  // why the last sign-in failed (e.g. the provider's AADSTS error)
  struct PendingTest {
    TestRequest request;
    bool step_mode = false;
  };
  std::optional<PendingTest> pending_test;
  bool has_access_token() const {
    return !oauth_access_token.empty() && std::chrono::steady_clock::now() + std::chrono::seconds(60) < oauth_expires;
  }
  bool dirty() const { return !file || !(saved == draft); }
  Run* current_run() { return shown_run >= 0 && shown_run < static_cast<int>(runs.size()) ? runs[shown_run].get() : nullptr; }
};

// The model's answer to the latest cmd::WriteFile; `serial` grows with each, so a view can tell it from
// an answer it has already shown.
struct WriteOutcome {
  int serial = 0;
  std::string tag;  // the command's
  std::string message;
  bool ok = false;
};

struct MessageDefaults {  // "Test email" fields, remembered between runs and restarts
  std::string from, to, subject = "SMTP Workbench test message";
  // The SMTP extensions, as MessageSpec has them.
  bool smtputf8 = false, bdat = false;
  std::string dsn_notify, dsn_ret, dsn_envid;
};

class Workbench {
 public:
  Workbench(std::filesystem::path config_dir, std::unique_ptr<SecretStore> secrets, std::function<void()> wake);
  ~Workbench();

  void load();  // connections from disk; creates the demo connection on first start
  void apply(const Command& command);
  bool poll();  // drains every running session's events; true if anything changed

  std::vector<std::unique_ptr<Connection>>& connections() { return connections_; }
  Connection* find(int id);
  Connection* find_by_name(const std::string& name);
  Connection* selected() { return find(selected_); }
  int selected_id() const { return selected_; }
  bool any_running() const;  // sessions, probes or sign-ins
  // A running test shows the phase it is in, which changes without an event (a slow greeting, a TLS
  // handshake): the window redraws twice a second meanwhile. Probes and sign-ins wake it themselves.
  bool test_running() const;

  const std::string& status() const { return status_; }
  bool status_is_error() const { return status_error_; }
  const std::vector<LoadProblem>& load_problems() const { return problems_; }
  bool can_undo_delete() const { return last_deleted_ != nullptr; }
  const WriteOutcome& last_write() const { return last_write_; }
  const SecretStore& secrets() const { return *secrets_; }
  MessageDefaults& message_defaults() { return message_defaults_; }
  const std::filesystem::path& config_dir() const { return config_dir_; }
  // The OAuth provider for Gmail OAuth connections (Google's endpoints unless a test points elsewhere),
  // the authority of Microsoft 365 OAuth's endpoints (https://login.microsoftonline.com unless a test
  // points elsewhere), and how cmd::OpenUrl and the sign-in open the browser.
  void set_oauth_provider(oauth::Provider provider, std::string extra_ca_file);
  void set_microsoft_authority(std::string authority, std::string extra_ca_file);
  oauth::Provider oauth_provider_for(const ConnectionSettings& s) const;
  void set_url_opener(std::function<void(const std::string&)> open_url) { open_url_ = std::move(open_url); }
  bool has_refresh_token(const Connection& c) const { return c.refresh_token_stored; }
  std::vector<std::string> names(int except_id = -1) const;
  std::optional<std::string> name_clash(const std::string& name, int except_id) const;

 private:
  struct Dispatch;  // applies each kind of command (workbench.cpp)

  void select(int id);
  void new_from_preset(const std::string& preset_id, const std::string& region);
  void duplicate(Connection& c);
  void rename(Connection& c, const std::string& name);
  void remove(Connection& c);
  void undo_delete();
  bool save(Connection& c);
  void run_test(Connection& c, const TestRequest& request, bool step_mode);
  void probe_tls(Connection& c);
  void find_settings(Connection& c);
  void apply_found_settings(Connection& c, int port, Security mode);
  oauth::Client oauth_client(const Connection& c) const;
  void oauth_sign_in(Connection& c);
  bool poll_oauth(Connection& c);
  bool finish_oauth(Connection& c);
  bool poll_run(Connection& c, Run& r);
  void write_file(const cmd::WriteFile& w);
  ConnectionSettings settings_for_run(const Connection& c, SessionOptions& options);
  Connection& add(ConnectionSettings settings, std::optional<std::filesystem::path> file);
  void store_secrets(const ConnectionSettings& s);
  void load_secrets(ConnectionSettings& s);
  void forget_secrets(const ConnectionSettings& s);
  void give_id(StoredConnection& stored);
  void set_status(std::string text, bool error = false);
  void remember_message_extensions(const MessageSpec& m);
  void save_message_defaults();
  void load_message_defaults();

  std::filesystem::path config_dir_;
  ConnectionStore store_;
  std::unique_ptr<SecretStore> secrets_;
  std::function<void()> wake_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::unique_ptr<Connection> last_deleted_;
  std::unique_ptr<DemoServer> demo_;
  std::vector<LoadProblem> problems_;
  MessageDefaults message_defaults_;
  int selected_ = -1;
  int next_id_ = 1;
  std::string status_;
  bool status_error_ = false;
  WriteOutcome last_write_;
  std::vector<Event> batch_;
  oauth::Provider oauth_provider_;
  std::string microsoft_authority_{oauth::kMicrosoftAuthority};
  std::string oauth_ca_file_;
  std::function<void(const std::string&)> open_url_;
};

}  // namespace smtpwb::gui

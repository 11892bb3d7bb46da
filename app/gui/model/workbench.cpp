#include "model/workbench.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "model/browser.hpp"
#include "model/editor_rules.hpp"
#include "model/presets.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/plaintext_probe.hpp"

namespace fs = std::filesystem;

namespace smtpwb::gui {

namespace {
// Every secret a connection may keep in the store.
constexpr const char* kSecretKinds[] = {"password", "proxy-password", "oauth-refresh-token", "client-key-password"};
constexpr std::size_t kRunsKept = 20;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

std::string Run::label() const {
  std::string text = "#" + std::to_string(number) + " " + format_absolute(start_unix_ms, 0).substr(0, 8);
  if (!finished) return text + " running";
  if (result.ok) return text + " ok";
  return text + " " + std::string(to_string(result.failure->category));
}

Workbench::Workbench(fs::path config_dir, std::unique_ptr<SecretStore> secrets, std::function<void()> wake)
    : config_dir_(std::move(config_dir)),
      store_(config_dir_),
      secrets_(std::move(secrets)),
      wake_(std::move(wake)),
      oauth_provider_(*oauth::find_provider("gmail")),
      open_url_([](const std::string& url) { open_in_browser(url); }) {}

void Workbench::set_oauth_provider(oauth::Provider provider, std::string extra_ca_file) {
  oauth_provider_ = std::move(provider);
  oauth_ca_file_ = std::move(extra_ca_file);
}

void Workbench::set_microsoft_authority(std::string authority, std::string extra_ca_file) {
  microsoft_authority_ = std::move(authority);
  oauth_ca_file_ = std::move(extra_ca_file);
}

oauth::Provider Workbench::oauth_provider_for(const ConnectionSettings& s) const {
  if (s.auth_type == AuthType::Microsoft365OAuth) return oauth::microsoft365_provider(s.oauth_tenant, microsoft_authority_);
  return oauth_provider_;
}

Workbench::~Workbench() {
  for (auto& c : connections_)
    for (auto& r : c->runs)
      if (r->session) r->session->cancel();
  // Sessions and probes end (and join) before the demo server they may be talking to goes away.
  connections_.clear();
  last_deleted_.reset();
  demo_.reset();
}

void Workbench::load() {
  problems_.clear();
  for (auto& stored : store_.load(problems_)) {
    if (stored.settings.id.empty()) give_id(stored);
    load_secrets(stored.settings);
    Connection& c = add(std::move(stored.settings), stored.file);
    if (is_oauth(c.draft.auth_type))
      c.refresh_token_stored = secrets_->get(secret_key(c.draft, "oauth-refresh-token")).has_value();
  }
  if (connections_.empty() && problems_.empty() && !fs::exists(store_.directory())) {
    new_from_preset("demo", {});
    save(*selected());
  }
  if (!problems_.empty())
    set_status(std::to_string(problems_.size()) + " connection file(s) could not be loaded: " +
                   problems_.front().message, true);
  if (selected_ < 0 && !connections_.empty()) select(connections_.front()->id);
  load_message_defaults();
}

Connection* Workbench::find(int id) {
  for (auto& c : connections_)
    if (c->id == id) return c.get();
  return nullptr;
}

Connection* Workbench::find_by_name(const std::string& name) {
  for (auto& c : connections_)
    if (c->saved.name == name || c->draft.name == name) return c.get();
  return nullptr;
}

std::vector<std::string> Workbench::names(int except_id) const {
  std::vector<std::string> out;
  for (const auto& c : connections_)
    if (c->id != except_id) out.push_back(c->draft.name);
  return out;
}

std::optional<std::string> Workbench::name_clash(const std::string& name, int except_id) const {
  if (name.empty()) return "Name: is empty";
  for (const auto& c : connections_)
    if (c->id != except_id && (c->draft.name == name || c->saved.name == name))
      return "Name: \"" + name + "\" is already used by another connection";
  return std::nullopt;
}

bool Workbench::any_running() const {
  for (const auto& c : connections_) {
    if ((c->tls_probe && c->tls_probe->running()) || (c->port_finder && c->port_finder->running()) || c->oauth) return true;
    if (c->plaintext_probe && c->plaintext_probe->running()) return true;
  }
  return test_running();
}

bool Workbench::test_running() const {
  for (const auto& c : connections_)
    for (const auto& r : c->runs)
      if (!r->finished) return true;
  return false;
}

// A file written before connections had ids (or by hand) gets one, written back to it. Secrets an older
// version stored under its name move to the id, bound to its server and user, but only when no other
// file claimed that name: then nobody can tell which server they were for.
void Workbench::give_id(StoredConnection& stored) {
  ConnectionSettings& s = stored.settings;
  s.id = new_connection_id();
  if (auto err = store_.rewrite(stored.file, s); !err.empty()) {
    problems_.push_back({stored.file, {}, platform::utf8_from_path(stored.file) + ": its new id could not be written: " + err});
    return;  // the old secrets stay where they are
  }
  if (stored.name_contested) return;
  for (const char* kind : kSecretKinds) {
    auto legacy = secrets_->get(legacy_secret_key(s.name, kind));
    if (!legacy) continue;
    if (secrets_->set(secret_key(s, kind), *legacy)) secrets_->remove(legacy_secret_key(s.name, kind));
  }
}

Connection& Workbench::add(ConnectionSettings settings, std::optional<fs::path> file) {
  if (settings.id.empty()) settings.id = new_connection_id();
  auto c = std::make_unique<Connection>();
  c->id = next_id_++;
  c->saved = settings;
  c->draft = std::move(settings);
  c->file = std::move(file);
  connections_.push_back(std::move(c));
  return *connections_.back();
}

void Workbench::set_status(std::string text, bool error) {
  status_ = std::move(text);
  status_error_ = error;
}

// One overload per command; those about a connection first find it (it may have gone since the frame).
struct Workbench::Dispatch {
  Workbench& wb;

  Connection* target(int id) const {
    Connection* c = wb.find(id);
    if (!c) wb.set_status("That connection no longer exists", true);
    return c;
  }
  Run* current_run(int id) const {
    Connection* c = target(id);
    return c ? c->current_run() : nullptr;
  }
  StepGate* gate(int id) const {
    Run* r = current_run(id);
    return r ? r->gate.get() : nullptr;
  }

  void operator()(const cmd::SelectConnection& c) const { wb.select(c.connection); }
  void operator()(const cmd::NewFromPreset& c) const { wb.new_from_preset(c.preset, c.region); }
  void operator()(const cmd::UndoDelete&) const { wb.undo_delete(); }
  void operator()(const cmd::Duplicate& c) const {
    if (auto* con = target(c.connection)) wb.duplicate(*con);
  }
  void operator()(const cmd::Rename& c) const {
    if (auto* con = target(c.connection)) wb.rename(*con, c.name);
  }
  void operator()(const cmd::Delete& c) const {
    if (auto* con = target(c.connection)) wb.remove(*con);
  }
  void operator()(const cmd::Save& c) const {
    if (auto* con = target(c.connection)) wb.save(*con);
  }
  void operator()(const cmd::Revert& c) const {
    if (auto* con = target(c.connection)) {
      con->draft = con->saved;
      wb.set_status("Changes to \"" + con->saved.name + "\" discarded");
    }
  }
  void operator()(const cmd::ApplyFoundSettings& c) const {
    if (auto* con = target(c.connection)) wb.apply_found_settings(*con, c.port, c.security);
  }
  void operator()(const cmd::RunTest& c) const {
    if (auto* con = target(c.connection)) wb.run_test(*con, c.request, c.step_mode);
  }
  void operator()(const cmd::CancelTest& c) const {
    if (auto* r = current_run(c.connection)) r->session->cancel();
  }
  void operator()(const cmd::Step& c) const {
    if (auto* g = gate(c.connection)) g->step();
  }
  void operator()(const cmd::Continue& c) const {
    if (auto* g = gate(c.connection)) g->continue_all();
  }
  void operator()(const cmd::SendLine& c) const {
    if (auto* g = gate(c.connection); g && g->waiting()) g->send_line(c.line);
  }
  void operator()(const cmd::ShowRun& c) const {
    auto* con = target(c.connection);
    if (con && c.run >= 0 && c.run < static_cast<int>(con->runs.size())) con->shown_run = c.run;
  }
  void operator()(const cmd::ProbeTls& c) const {
    if (auto* con = target(c.connection)) wb.probe_tls(*con);
  }
  void operator()(const cmd::ProbePlaintext& c) const {
    if (auto* con = target(c.connection)) wb.probe_plaintext(*con);
  }
  void operator()(const cmd::CancelProbeTls& c) const {
    if (auto* con = target(c.connection); con && con->tls_probe) con->tls_probe->cancel();
  }
  void operator()(const cmd::FindSettings& c) const {
    if (auto* con = target(c.connection)) wb.find_settings(*con);
  }
  void operator()(const cmd::CancelFindSettings& c) const {
    if (auto* con = target(c.connection); con && con->port_finder) con->port_finder->cancel();
  }
  void operator()(const cmd::SignIn& c) const {
    if (auto* con = target(c.connection)) wb.oauth_sign_in(*con);
  }
  void operator()(const cmd::CancelSignIn& c) const {
    auto* con = target(c.connection);
    if (!con) return;
    if (con->oauth) con->oauth->cancel();
    con->pending_test.reset();
  }
  void operator()(const cmd::OpenUrl& c) const {
    if (wb.open_url_) wb.open_url_(c.url);
  }
  void operator()(const cmd::WriteFile& c) const { wb.write_file(c); }
};

void Workbench::apply(const Command& command) { std::visit(Dispatch{*this}, command); }

void Workbench::write_file(const cmd::WriteFile& w) {
  std::error_code ec;
  std::string error;
  if (w.path.empty()) error = "File: enter a path";
  else if (fs::exists(w.path, ec)) error = w.path + " already exists; choose another name";
  else error = write_file_atomically(w.path, w.contents);
  last_write_ = {last_write_.serial + 1, w.tag, error.empty() ? "Saved to " + w.path : error, error.empty()};
}

void Workbench::select(int id) {
  if (find(id)) selected_ = id;
}

void Workbench::new_from_preset(const std::string& preset_id, const std::string& region) {
  const Preset* preset = find_preset(preset_id);
  ConnectionSettings s;
  if (preset) s = make_from_preset(*preset, region);
  else s.name = "New connection";
  if (s.name.empty()) s.name = "New connection";
  s.name = unique_name(s.name, names());
  if (is_demo(s)) s.password = std::string(kDemoPassword);
  Connection& c = add(std::move(s), std::nullopt);
  c.saved = ConnectionSettings{};  // not on disk yet: dirty until saved
  select(c.id);
  set_status("New connection \"" + c.draft.name + "\": edit it, then Save");
}

void Workbench::duplicate(Connection& c) {
  ConnectionSettings s = c.draft;
  s.id.clear();  // another connection: its own id, its own secrets
  s.name = unique_name(s.name + " copy", names());
  Connection& copy = add(std::move(s), std::nullopt);
  copy.saved = ConnectionSettings{};
  select(copy.id);
  set_status("Duplicated as \"" + copy.draft.name + "\" (not saved yet)");
}

void Workbench::rename(Connection& c, const std::string& name) {
  if (auto clash = name_clash(name, c.id)) return set_status(*clash, true);
  c.draft.name = name;
  if (c.file) save(c);
}

void Workbench::remove(Connection& c) {
  if (c.file) {
    if (auto err = store_.remove(*c.file); !err.empty()) return set_status("Delete failed: " + err, true);
  }
  forget_secrets(c.saved);
  auto it = std::find_if(connections_.begin(), connections_.end(), [&](const auto& p) { return p.get() == &c; });
  std::string name = c.draft.name;
  last_deleted_ = std::move(*it);
  for (auto& r : last_deleted_->runs) r->session->cancel();
  connections_.erase(it);
  selected_ = connections_.empty() ? -1 : connections_.front()->id;
  set_status("Deleted \"" + name + "\" (Undo restores it)");
}

void Workbench::undo_delete() {
  if (!last_deleted_) return;
  std::unique_ptr<Connection> c = std::move(last_deleted_);
  c->draft.name = unique_name(c->draft.name, names());
  bool was_saved = c->file.has_value();
  c->file.reset();
  int id = c->id;
  connections_.push_back(std::move(c));
  select(id);
  if (was_saved && !save(*find(id))) return;
  set_status("Restored \"" + find(id)->draft.name + "\"");
}

bool Workbench::save(Connection& c) {
  if (auto clash = name_clash(c.draft.name, c.id)) {
    set_status(*clash, true);
    return false;
  }
  if (c.draft.id.empty()) c.draft.id = new_connection_id();
  std::vector<fs::path> taken;
  for (const auto& other : connections_)
    if (other.get() != &c && other->file) taken.push_back(*other->file);
  auto result = store_.save(c.draft, c.file, taken);
  if (!result.error.empty()) {
    set_status("Not saved: " + result.error, true);
    return false;
  }
  // A rename keeps the keys (they name the id); another server or user drops the secrets kept for the
  // old one (a refresh token for another account is of no use either).
  if (c.file)
    for (const char* kind : kSecretKinds)
      if (secret_key(c.saved, kind) != secret_key(c.draft, kind)) secrets_->remove(secret_key(c.saved, kind));
  store_secrets(c.draft);
  c.file = result.file;
  c.saved = c.draft;
  bool has_secret = !c.draft.password.empty() || !c.draft.proxy.password.empty() || !c.draft.client_key_password.empty();
  set_status("Saved \"" + c.draft.name + "\" to " + platform::utf8_from_path(result.file) +
             (has_secret && !secrets_->persistent() ? ". " + secrets_->description() : ""));
  return true;
}

void Workbench::store_secrets(const ConnectionSettings& s) {
  auto keep = [&](const char* kind, const std::string& secret) {
    if (secret.empty()) secrets_->remove(secret_key(s, kind));
    else secrets_->set(secret_key(s, kind), secret);
  };
  keep("password", s.password);
  keep("proxy-password", s.proxy.password);
  keep("client-key-password", s.client_key_password);
}

void Workbench::load_secrets(ConnectionSettings& s) {
  if (auto p = secrets_->get(secret_key(s, "password"))) s.password = *p;
  if (auto p = secrets_->get(secret_key(s, "proxy-password"))) s.proxy.password = *p;
  if (auto p = secrets_->get(secret_key(s, "client-key-password"))) s.client_key_password = *p;
  if (is_demo(s) && s.password.empty() && s.username == kDemoUser) s.password = std::string(kDemoPassword);
}

void Workbench::forget_secrets(const ConnectionSettings& s) {
  for (const char* kind : kSecretKinds) secrets_->remove(secret_key(s, kind));
}

oauth::Client Workbench::oauth_client(const Connection& c) const {
  return {oauth_provider_for(c.draft), c.draft.username, c.draft.password, oauth_ca_file_, std::clamp(c.draft.timeout_s, 1, 120)};
}

void Workbench::oauth_sign_in(Connection& c) {
  if (c.draft.username.empty()) return set_status("Application Id: is empty; enter the OAuth client id (Setup app creates one)", true);
  if (auto errors = field_errors(c.draft); errors.count("Tenant")) return set_status(errors["Tenant"], true);
  c.oauth.reset();
  c.oauth_hints.clear();
  c.oauth = start_sign_in(oauth_client(c), wake_);
  c.oauth_url_opened = false;
  c.oauth_status = "Waiting for the sign-in in the browser...";
  set_status("Signing in to " + oauth_provider_for(c.draft).display_name + " for \"" + c.draft.name + "\": finish in the browser");
}

// The sign-in's URL goes to the browser from here, the UI thread, once it has arrived (its arrival woke the
// window); a finished sign-in or refresh is taken in. True if anything changed.
bool Workbench::poll_oauth(Connection& c) {
  if (!c.oauth) return false;
  bool opened = false;
  if (!c.oauth_url_opened) {
    if (std::string url = c.oauth->read([](const SignInState& s) { return s.url; }); !url.empty()) {
      c.oauth_url_opened = opened = true;
      if (open_url_) open_url_(url);
    }
  }
  return (c.oauth->finished() && finish_oauth(c)) || opened;
}

// Keeps the tokens of a finished sign-in or refresh and runs the Test that waited for them.
bool Workbench::finish_oauth(Connection& c) {
  const std::unique_ptr<SignInJob> ended = std::exchange(c.oauth, nullptr);
  SignInState job = ended->snapshot();
  auto pending = std::exchange(c.pending_test, std::nullopt);
  if (job.step != SignInState::Step::Done) {
    if (job.error.empty()) job.error = ended->failure();  // the work threw past its own handlers
    c.oauth_status = (job.refresh ? "Refreshing the access token failed: " : "Sign-in failed: ") + job.error;
    c.oauth_hints = HintCatalogue::builtin().match_sign_in_failure(c.draft, job.error);
    set_status("\"" + c.draft.name + "\": " + c.oauth_status + (job.refresh ? "; press Authenticate to sign in again" : ""), true);
    return true;
  }
  c.oauth_hints.clear();
  const oauth::Tokens& tokens = job.tokens;
  c.oauth_access_token = tokens.access_token;
  c.oauth_expires = std::chrono::steady_clock::now() + std::chrono::seconds(tokens.expires_in_s > 0 ? tokens.expires_in_s : 3600);
  bool kept = tokens.refresh_token.empty() || secrets_->set(secret_key(c.draft, "oauth-refresh-token"), tokens.refresh_token);
  c.refresh_token_stored = c.refresh_token_stored || (kept && !tokens.refresh_token.empty());
  c.oauth_status = std::string(job.refresh ? "Access token refreshed" : "Signed in") +
                   (tokens.refresh_token.empty() ? " (no refresh token issued: sign in again when it expires)"
                    : !kept                       ? " (the refresh token could not be stored)"
                    : secrets_->persistent()      ? "; the refresh token is in the keyring"
                                                  : "; the refresh token is kept for this session only");
  set_status("\"" + c.draft.name + "\": " + c.oauth_status);
  if (pending) run_test(c, pending->request, pending->step_mode);
  return true;
}

ConnectionSettings Workbench::settings_for_run(const Connection& c, SessionOptions& options) {
  ConnectionSettings s = c.draft;
  if (!is_demo(s)) return s;
  if (!demo_) {
    demo_ = std::make_unique<DemoServer>(DemoServerConfig{std::string(kDemoUser), std::string(kDemoPassword), DemoFault::None});
    demo_->start();
  }
  s.address = "localhost";
  s.port = s.security == Security::Implicit ? demo_->implicit_port() : demo_->port();
  options.extra_ca_file = demo_->ca_file();
  return s;
}

void Workbench::run_test(Connection& c, const TestRequest& request, bool step_mode) {
  if (auto refusal = test_refusal(c.draft)) return set_status(*refusal, true);
  if (request.message) {
    message_defaults_.from = request.message->from;
    message_defaults_.to.clear();
    for (const auto& to : request.message->to) message_defaults_.to += (message_defaults_.to.empty() ? "" : ", ") + to;
    message_defaults_.subject = request.message->subject;
    remember_message_extensions(*request.message);
    save_message_defaults();
  }
  auto run = std::make_unique<Run>();
  run->number = c.runs.empty() ? 1 : c.runs.back()->number + 1;
  run->request = request;
  run->step_mode = step_mode;
  run->queue = std::make_shared<EventQueue>(wake_);
  SessionOptions options;
  try {
    run->settings = settings_for_run(c, options);
  } catch (const std::exception& e) {
    return set_status(std::string("The demo server could not start: ") + e.what(), true);
  }
  if (is_oauth(c.draft.auth_type)) {
    if (!c.has_access_token()) {
      auto refresh_token = secrets_->get(secret_key(c.draft, "oauth-refresh-token"));
      if (!refresh_token)
        return set_status(std::string(oauth_provider_name(c.draft.auth_type)) +
                              " OAuth: press Authenticate to sign in first", true);
      c.pending_test = Connection::PendingTest{request, step_mode};
      c.oauth = start_refresh(oauth_client(c), *refresh_token, wake_);
      c.oauth_status = "Refreshing the access token...";
      return set_status("\"" + c.draft.name + "\": refreshing the OAuth access token, then the test starts");
    }
    options.oauth_access_token = c.oauth_access_token;
    options.oauth_user = c.draft.oauth_account;
  }
  if (step_mode) {
    run->gate = std::make_shared<StepGate>();
    options.step_gate = run->gate;
  }
  run->start_unix_ms = unix_ms_now();
  run->session = std::make_unique<SessionJob>(wake_, run->settings, request, run->queue, options);
  run->session->start();
  c.runs.push_back(std::move(run));
  while (c.runs.size() > kRunsKept && c.runs.front()->finished) c.runs.erase(c.runs.begin());
  c.shown_run = static_cast<int>(c.runs.size()) - 1;
  set_status("Testing \"" + c.draft.name + "\"" + (step_mode ? " step by step" : ""));
}

void Workbench::probe_tls(Connection& c) {
  if (!c.draft.encrypted()) return set_status("Probe TLS needs a connection with encryption (SSL/TLS)", true);
  if (auto errors = field_errors(c.draft); errors.count("Address") || errors.count("Port"))
    return set_status(errors.count("Address") ? errors["Address"] : errors["Port"], true);
  SessionOptions unused;
  ConnectionSettings target_settings;
  try {
    target_settings = settings_for_run(c, unused);
  } catch (const std::exception& e) {
    return set_status(std::string("The demo server could not start: ") + e.what(), true);
  }
  ProbeTarget target = ProbeTarget::from(target_settings);
  c.tls_probe_target = target.route.host + ":" + std::to_string(target.port) +
                       " (" + std::string(display_name(target.security)) + ")";
  c.tls_probe.reset();  // cancels and joins a previous probe
  c.tls_probe = std::make_unique<TlsProbeJob>(wake_, target);
  c.tls_probe->start();
  set_status("Probing TLS versions of " + c.tls_probe_target);
}

// The plain-text probe on its own thread: the connection's settings (proxy, family, source address) as a
// test would use them; the hint is matched there too, so the view only draws.
void Workbench::probe_plaintext(Connection& c) {
  if (c.draft.security == Security::Implicit)
    return set_status("Probe plain text needs STARTTLS or no encryption: an implicit-TLS port has no plain-text phase", true);
  if (auto errors = field_errors(c.draft); errors.count("Address") || errors.count("Port"))
    return set_status(errors.count("Address") ? errors["Address"] : errors["Port"], true);
  SessionOptions unused;
  ConnectionSettings settings;
  try {
    settings = settings_for_run(c, unused);
  } catch (const std::exception& e) {
    return set_status(std::string("The demo server could not start: ") + e.what(), true);
  }
  c.plaintext_probe_target = settings.address + ":" + std::to_string(settings.port);
  c.plaintext_probe.reset();  // cancels and joins a previous probe
  c.plaintext_probe = std::make_unique<PlaintextProbeJob>(wake_, [settings](PlaintextProbeJob& job) {
    auto facts = smtpwb::probe_plaintext(settings, plaintext_probe_sender(settings, TestRequest{}), job.cancel_flag());
    auto hints = HintCatalogue::builtin().match_plaintext_probe(settings, facts);
    job.update([&](PlaintextProbeState& s) {
      s.facts = std::move(facts);
      s.hints = std::move(hints);
    });
  });
  c.plaintext_probe->start();
  set_status("Probing " + c.plaintext_probe_target + " in plain text (no credentials)");
}

void Workbench::find_settings(Connection& c) {
  if (auto errors = field_errors(c.draft); errors.count("Address")) return set_status(errors["Address"], true);
  if (is_demo(c.draft)) return set_status("Find settings tries the standard ports; the demo server runs on free local ports", true);
  FinderTarget target = FinderTarget::from(c.draft);
  target.timeout = std::chrono::seconds(std::clamp(c.draft.timeout_s, 1, 10));
  c.port_finder_host = target.route.host;
  c.port_finder.reset();
  c.port_finder = std::make_unique<PortFinderJob>(wake_, target);
  c.port_finder->start();
  set_status("Trying ports 25, 465, 587 and 2525 of " + target.route.host);
}

void Workbench::apply_found_settings(Connection& c, int port, Security security) {
  c.draft.port = port;
  c.draft.security = security;
  set_status("Applied port " + std::to_string(port) + " with " + std::string(display_name(security)) + " (not saved yet)");
}

bool Workbench::poll() {
  bool changed = false;
  for (auto& c : connections_) {
    changed |= poll_oauth(*c);
    for (auto& r : c->runs)
      if (!r->finished) changed |= poll_run(*c, *r);
  }
  return changed;
}

// Drains a running session's events; takes its result once it ended. True if anything changed.
bool Workbench::poll_run(Connection& c, Run& r) {
  bool done = r.session->finished();  // read before draining, so no event is left behind
  r.dropped += r.queue->drain(batch_);
  for (const auto& e : batch_) r.transcript.append(e);
  if (!done) return !batch_.empty();
  r.result = r.session->engine().take_result();
  diag::finish(r.settings, r.result);
  if (r.dropped) {  // the queue overflowed: the session's own transcript has every line
    r.transcript.clear();
    for (const auto& e : r.result.transcript) r.transcript.append(e);
  }
  r.finished = true;
  set_status("\"" + c.draft.name + "\": " + (r.result.ok ? "test succeeded" : r.result.failure->message), !r.result.ok);
  return true;
}

void Workbench::remember_message_extensions(const MessageSpec& m) {
  message_defaults_.smtputf8 = m.smtputf8;
  message_defaults_.bdat = m.bdat;
  message_defaults_.dsn_notify = m.dsn_notify;
  message_defaults_.dsn_ret = m.dsn_ret;
  message_defaults_.dsn_envid = m.dsn_envid;
}

void Workbench::save_message_defaults() {
  const auto& d = message_defaults_;
  nlohmann::json j{{"from", d.from}, {"to", d.to}, {"subject", d.subject}};
  j.update({{"smtputf8", d.smtputf8}, {"bdat", d.bdat}, {"dsn_notify", d.dsn_notify}, {"dsn_ret", d.dsn_ret},
            {"dsn_envid", d.dsn_envid}});
  std::error_code ec;
  fs::create_directories(config_dir_, ec);
  write_file_atomically(platform::utf8_from_path(config_dir_ / "test-email.json"), j.dump(2) + "\n");
}

void Workbench::load_message_defaults() {
  auto text = read_file(platform::utf8_from_path(config_dir_ / "test-email.json"));
  if (!text) return;
  try {
    auto j = nlohmann::json::parse(*text);
    message_defaults_.from = j.value("from", "");
    message_defaults_.to = j.value("to", "");
    message_defaults_.subject = j.value("subject", message_defaults_.subject);
    message_defaults_.smtputf8 = j.value("smtputf8", false);
    message_defaults_.bdat = j.value("bdat", false);
    message_defaults_.dsn_notify = j.value("dsn_notify", "");
    message_defaults_.dsn_ret = j.value("dsn_ret", "");
    message_defaults_.dsn_envid = j.value("dsn_envid", "");
  } catch (const std::exception&) {
    // Only remembered form values: a damaged file is ignored and rewritten on the next Test email.
  }
}

}  // namespace smtpwb::gui

#include "check/check_command.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "check/check_args.hpp"
#include "check/check_setup.hpp"
#include "check/nagios.hpp"
#include "check/probe_output.hpp"
#include "exit_status.hpp"
#include "smtpwb/demo_server.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/event_format.hpp"
#include "smtpwb/export.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/log.hpp"
#include "smtpwb/plaintext_probe.hpp"
#include "smtpwb/probe_report.hpp"
#include "smtpwb/oauth.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/report.hpp"
#include "smtpwb/session.hpp"

namespace smtpwb::app {

namespace {

constexpr int kUsageExit = 2;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "smtp-workbench check: %s\n", message.c_str());
  return kUsageExit;
}

struct Palette {
  const char *client = "", *server = "", *tls_client = "", *tls_server = "", *tls = "", *info = "", *error = "",
             *reset = "", *bold = "";
  static Palette colored() {
    Palette p;
    p.client = "\033[36m";        // cyan
    p.server = "\033[32m";        // green
    p.tls_client = "\033[96m";    // bright cyan
    p.tls_server = "\033[92m";    // bright green
    p.tls = "\033[35m";           // magenta
    p.info = "\033[2m";           // dim
    p.error = "\033[1;31m";       // bold red
    p.reset = "\033[0m";
    p.bold = "\033[1m";
    return p;
  }
  const char* of(const Event& e) const {
    switch (e.dir) {
      case Dir::Client: return e.in_tls ? tls_client : client;
      case Dir::Server: return e.in_tls ? tls_server : server;
      case Dir::Tls: return tls;
      case Dir::Info: return info;
      case Dir::Error: return error;
    }
    return "";
  }
};

bool use_color(ColorMode mode, FILE* stream) {
  if (mode == ColorMode::Always) return true;
  if (mode == ColorMode::Never) return false;
  return !platform::env("NO_COLOR") && platform::colour_terminal(stream);
}

void print_event(FILE* out, const Palette& p, const Event& e, bool timestamps) {
  if (e.text.empty()) return;
  LineStyle style;
  style.time = timestamps ? TimeColumn::Milliseconds : TimeColumn::None;
  style.time_color = p.info;
  style.line_color = p.of(e);
  style.reset = p.reset;
  std::fprintf(out, "%s\n", format_line(e, style).c_str());
}

void print_summary(FILE* out, const Palette& p, const SessionResult& r) {
  std::string timeline;
  for (const auto& ph : r.phases) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.1f", timeline.empty() ? "" : ", ", std::string(to_string(ph.phase)).c_str(), ph.duration_ms);
    timeline += buf;
  }
  std::fprintf(out, "%s=== Timeline (ms): %s%s\n", p.info, timeline.c_str(), p.reset);
  if (r.tls.used && !r.tls.version.empty())
    std::fprintf(out, "%s=== TLS: %s, %s%s%s, certificate %s%s\n", p.tls, visible_text(r.tls.version).c_str(),
                 visible_text(r.tls.cipher).c_str(), r.tls.group.empty() ? "" : ", ", visible_text(r.tls.group).c_str(),
                 r.tls.verified ? "verified" : "NOT verified", p.reset);
  if (r.ok) std::fprintf(out, "%sResult: ok (%.1f ms)%s\n", p.bold, r.total_ms, p.reset);
  else
    std::fprintf(out, "%sResult: failed, %s: %s%s\n", p.error, std::string(to_string(r.failure->category)).c_str(),
                 visible_text(r.failure->message).c_str(), p.reset);
}

// Writes the JSON text to stdout ("-") or atomically to the file; returns false after printing an error.
bool write_json(const std::string& target, const nlohmann::ordered_json& report) {
  std::string text = report_text(report);
  if (target == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return true;
  }
  if (auto err = write_file_atomically(target, text); !err.empty()) {
    std::fprintf(stderr, "smtp-workbench check: --json %s\n", err.c_str());
    return false;
  }
  return true;
}

// --find-settings: no test, only the port finder. Exit 0 when some combination works, else 4 (connect).
int run_find_settings(const CheckArgs& args, const ConnectionSettings& settings, FILE* out) {
  FinderTarget target = FinderTarget::from(settings);
  if (!args.find_ports.empty()) target.ports = args.find_ports;
  if (args.timeout) target.timeout = std::chrono::seconds(*args.timeout);
  auto rows = find_settings(target);
  auto rec = recommend(rows);
  if (!args.quiet) std::fputs(format_find_settings(target, rows, rec).c_str(), out);
  if (!args.json_file.empty()) {
    nlohmann::ordered_json report = {{"host", target.route.host},
                                     {"find_settings", find_settings_json(rows)},
                                     {"recommended", recommendation_json(rec)}};
    if (!write_json(args.json_file, report)) return 1;
  }
  return rec ? 0 : exit_status(FailureCategory::Connect);
}

// "Hint [id]: title" and the fix, indented; warnings before connecting use the same shape.
void print_hints(FILE* out, const Palette& p, const std::vector<Hint>& hints, const char* label) {
  for (const auto& h : hints) {
    const char* color = h.severity == HintSeverity::Error ? p.error : p.bold;
    std::fprintf(out, "%s%s [%s]: %s%s\n", color, label, visible_text(h.id).c_str(), visible_text(h.title).c_str(), p.reset);
    std::fprintf(out, "    Fix: %s\n", visible_text(h.fix).c_str());
  }
}

void print_commands(FILE* out, const ConnectionSettings& settings, const TestRequest& request) {
  for (const auto& c : equivalent_commands(settings, request)) {
    std::fprintf(out, "# %s: %s\n", c.tool.c_str(), c.note.c_str());
    if (!c.command.empty()) std::fprintf(out, "%s\n", c.command.c_str());
  }
}

// Writes the Markdown and HTML reports that were asked for, from the same model as the JSON; returns an
// error message or empty.
std::string write_reports(const CheckArgs& args, const nlohmann::ordered_json& report) {
  if (!args.report_md.empty())
    if (auto err = write_file_atomically(args.report_md, report_markdown(report)); !err.empty()) return "--report-md " + err;
  if (!args.report_html.empty())
    if (auto err = write_file_atomically(args.report_html, report_html(report)); !err.empty()) return "--report-html " + err;
  return {};
}

// The provider of the --auth type (Gmail's unless Microsoft 365), then the flags' overrides.
oauth::Provider oauth_provider(const CheckArgs& a, const ConnectionSettings& s) {
  const bool microsoft = s.auth_type == AuthType::Microsoft365OAuth;
  oauth::Provider p = microsoft ? oauth::microsoft365_provider(s.oauth_tenant, a.oauth_authority.value_or(
                                                                                  std::string(oauth::kMicrosoftAuthority)))
                                : *oauth::find_provider("gmail");
  if (a.oauth_auth_url) {
    std::string scope = p.scope;
    p = {"custom", "OAuth provider", *a.oauth_auth_url, *a.oauth_token_url, scope, "", "", ""};
  }
  if (a.oauth_scope) p.scope = *a.oauth_scope;
  return p;
}

// The OAuth sign-in on the command line: print the URL, wait for the browser's loopback redirect,
// exchange the code. Returns the access token, or sets error.
std::optional<std::string> oauth_sign_in(const CheckArgs& a, const ConnectionSettings& s, std::string& error) {
  oauth::Client client{oauth_provider(a, s), *a.oauth_client_id, {}, s.ca_file, 30};
  if (a.oauth_client_secret_env) {
    auto secret = env_value("--oauth-client-secret-env", *a.oauth_client_secret_env, error);
    if (!secret) return std::nullopt;
    client.client_secret = *secret;
  }
  oauth::Flow flow(client);
  net::CancelFlag never{false};
  try {
    std::fprintf(stderr, "Open this URL in a browser to sign in (waiting up to 5 minutes):\n%s\n", flow.start().c_str());
    std::fflush(stderr);
    std::string code = flow.wait_for_redirect(never, net::Deadline::in(std::chrono::minutes(5)));
    auto tokens = flow.exchange(code, never);
    std::fprintf(stderr, "Signed in: access token valid for %d s%s\n", tokens.expires_in_s,
                 tokens.refresh_token.empty() ? "" : " (a refresh token was issued; check does not store it)");
    return tokens.access_token;
  } catch (const oauth::OAuthError& e) {  // may quote the token endpoint's answer
    error = "OAuth sign-in failed: " + visible_text(e.what());
  } catch (const net::TimedOut&) {
    error = "OAuth sign-in failed: no redirect from the browser within 5 minutes";
  } catch (const net::NetError& e) {
    error = "OAuth sign-in failed: " + visible_text(e.what());
  }
  return std::nullopt;
}

}  // namespace

int report_internal_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    log::note(std::string("internal error: ") + e.what());
    log::close();
    std::fprintf(stderr, "smtp-workbench check: internal error (please report it): %s\n", visible_text(e.what()).c_str());
  } catch (...) {
    log::close();
    std::fprintf(stderr, "smtp-workbench check: internal error (please report it): unknown exception\n");
  }
  std::fflush(stdout);
  return 1;
}

namespace {

// The steps between the settings and the run: the profile to save, the outputs to open, the OAuth
// sign-in. Returns an exit status when the command ends here.
std::optional<int> before_run(const CheckArgs& args, CheckSetup& setup) {
  const auto& settings = setup.settings;
  if (!args.save_profile.empty()) {
    if (auto err = save_profile_file(args.save_profile, settings); !err.empty()) return usage_error("--save-profile " + err);
  }
  if (!args.json_file.empty() && args.json_file != "-") {  // known before the run, not after it
    if (auto err = check_writable(args.json_file); !err.empty()) return usage_error("--json " + err);
  }
  if (!args.log_file.empty()) {
    if (auto err = log::open_file(args.log_file); !err.empty()) return usage_error("--log-file: " + err);
  }
  if (args.oauth_flow()) {
    std::string error;
    auto token = oauth_sign_in(args, settings, error);
    if (!token) {
      std::fprintf(stderr, "smtp-workbench check: %s\n", error.c_str());
      // The provider's refusal (e.g. AADSTS7000218) explained, as a refused AUTH would be.
      print_hints(stderr, use_color(args.color, stderr) ? Palette::colored() : Palette{},
                  HintCatalogue::builtin().match_sign_in_failure(settings, error), "Hint");
      return exit_status(FailureCategory::Auth);
    }
    setup.options.oauth_access_token = *token;
  }
  return std::nullopt;
}

// Runs the session, printing its transcript as it comes (unless --quiet); returns the diagnosed result.
SessionResult run_printing(const CheckArgs& args, const CheckSetup& setup, FILE* out, const Palette& palette) {
  std::mutex mutex;
  std::condition_variable wake;
  bool woken = false;
  auto queue = std::make_shared<EventQueue>([&] {
    std::lock_guard lock(mutex);
    woken = true;
    wake.notify_one();
  });
  Session session(setup.settings, setup.request, queue, setup.options);
  session.start();
  std::vector<Event> batch;
  auto drain = [&] {
    queue->drain(batch);
    if (!args.quiet)
      for (const auto& e : batch) print_event(out, palette, e, args.timestamps);
    std::fflush(out);
  };
  while (!session.finished()) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, std::chrono::milliseconds(100), [&] { return woken; });
    woken = false;
    lock.unlock();
    drain();
  }
  session.wait();
  drain();
  return diag::finished(setup.settings, session.take_result());
}

// --probe-plaintext: a connection of its own after the test; its findings and hint join the result.
void probe_plaintext_into(const CheckArgs& args, const CheckSetup& setup, SessionResult& result, FILE* out) {
  const auto& settings = setup.settings;
  std::atomic<bool> never{false};
  auto probe = probe_plaintext(settings, plaintext_probe_sender(settings, setup.request), never);
  if (!args.quiet) std::fputs(format_plaintext_probe(settings, probe).c_str(), out);
  for (auto& hint : HintCatalogue::builtin().match_plaintext_probe(settings, probe)) result.hints.push_back(std::move(hint));
  result.plaintext_probe = std::move(probe);
}

// After the run: the summary, hints, commands, the TLS probe and the reports; returns the exit status.
int after_run(const CheckArgs& args, const CheckSetup& setup, SessionResult result, FILE* out, const Palette& palette) {
  const auto& settings = setup.settings;
  print_summary(out, palette, result);
  if (args.probe_plaintext) probe_plaintext_into(args, setup, result, out);
  print_hints(out, palette, result.hints, "Hint");
  if (args.print_commands) print_commands(out, settings, setup.request);

  // The probe runs after the test, so the test's transcript stays that of one ordinary session.
  std::optional<std::vector<TlsProbeRow>> probe_rows;
  if (args.probe_tls) {
    auto target = ProbeTarget::from(settings);
    probe_rows = probe_tls(target);
    if (!args.quiet) std::fputs(format_tls_probe(target, *probe_rows).c_str(), out);
  }

  // One report model for the three formats: the Markdown and HTML show the probe as the JSON does.
  auto report = report_json(settings, setup.request, result);
  if (probe_rows) report["tls_probe"] = tls_probe_json(*probe_rows);
  if (auto err = write_reports(args, report); !err.empty()) {
    std::fprintf(stderr, "smtp-workbench check: %s\n", err.c_str());
    return 1;
  }
  if (!args.json_file.empty() && !write_json(args.json_file, report)) return 1;
  log::close();
  return result.ok ? 0 : exit_status(result.failure->category);
}

}  // namespace

int run_check(const std::vector<std::string>& argv) {
  if (wants_plugin_output(argv)) return run_nagios_check(argv);
  CheckArgs args;
  if (auto err = parse_check_args(argv, args)) return usage_error(err->message);
  if (args.help) {
    std::fputs(check_usage(), stdout);
    return 0;
  }
  CheckSetup setup;
  if (auto err = prepare_check(args, setup)) {
    for (const auto& line : err->lines) std::fprintf(stderr, "smtp-workbench check: %s\n", line.c_str());
    return err->status;
  }
  if (auto status = before_run(args, setup)) return *status;

  const bool json_to_stdout = args.json_file == "-";
  FILE* out = json_to_stdout ? stderr : stdout;
  Palette palette = use_color(args.color, out) ? Palette::colored() : Palette{};
  if (args.find_settings) {
    int status = run_find_settings(args, setup.settings, out);
    log::close();
    return status;
  }
  if (!args.quiet) print_hints(out, palette, HintCatalogue::builtin().match_settings(setup.settings), "Warning");
  return after_run(args, setup, run_printing(args, setup, out, palette), out, palette);
}

}  // namespace smtpwb::app

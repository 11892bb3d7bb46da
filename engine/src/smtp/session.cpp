#include "smtpwb/session.hpp"

#include <algorithm>

#include "smtp/connector.hpp"
#include "smtp/dialogue.hpp"
#include "smtpwb/log.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"
#include "text.hpp"
#include "tls/answers_tls.hpp"

namespace smtpwb {

namespace smtp {

void Dialogue::note_foreign_protocol(std::string_view first_bytes) {
  auto protocol = foreign_protocol(first_bytes);
  auto& server = res.server;
  if (protocol == ForeignProtocol::None || server.foreign_protocol != ForeignProtocol::None) return;
  server.foreign_protocol = protocol;
  server.foreign_greeting = printable(first_bytes.substr(0, std::min<std::size_t>(first_bytes.find_first_of("\r\n"), 120)));
  rec.error("This is not an SMTP server: the port answered like " + text::upper(to_string(protocol)) + " (\"" + server.foreign_greeting + "\")");
}

Failure Dialogue::explain(const WireError& e) {
  const bool greeting = rec.phase() == Phase::Banner;
  const FailureCause cause = cause_of(e.kind);
  const std::string within = std::to_string(s.timeout_s) + " s";
  switch (e.kind) {
    case Breakdown::Closed:
      return rec.failure(greeting ? FailureCategory::Connect : FailureCategory::Smtp,
                         std::string("The server closed the connection") + (e.mid_reply ? " in the middle of a reply" : ""), nullptr, cause);
    case Breakdown::Reset:
      return rec.failure(greeting ? FailureCategory::Connect : FailureCategory::Smtp, std::string("The connection was lost: ") + e.what(),
                         nullptr, cause);
    case Breakdown::NoReply:
    case Breakdown::SlowReply:
      return rec.failure(FailureCategory::Timeout, "No complete reply from the server within " + within +
                                                       (greeting ? " (no greeting: if this port uses implicit TLS, e.g. 465, choose Implicit)" : ""),
                         nullptr, cause);
    case Breakdown::Malformed:
      if (greeting) note_foreign_protocol(e.sample);
      return rec.failure(FailureCategory::Smtp, std::string("The server sent a malformed reply: ") + e.what(), nullptr, cause);
    case Breakdown::Unsolicited:
      return rec.failure(FailureCategory::Smtp, "The server sent a reply to a command never sent (\"" + e.sample +
                                                    "\"): the dialogue is out of step, so the test stops here", nullptr, cause);
    case Breakdown::SendTimeout:
      return rec.failure(FailureCategory::Timeout, "Sending to the server did not finish within " + within);
    case Breakdown::SendReset:
      return rec.failure(FailureCategory::Smtp, std::string("The connection was lost while sending: ") + e.what(), nullptr, cause);
  }
  return rec.failure(FailureCategory::Internal, e.what());
}

}  // namespace smtp

namespace {

using smtp::Failed;
using smtp::Reply;
using text::format_ms;
using text::join;

// One test: the dialogue's steps in order, and its outcome recorded in the result.
class Runner {
 public:
  Runner(const ConnectionSettings& s, const TestRequest& r, const SessionOptions& o, EventQueue& q,
         const net::CancelFlag& cancel, std::atomic<Phase>& phase, SessionResult& result)
      : queue_(q), rec_(result, &phase), d_(s, r, o, cancel, rec_) {
    std::string log_id = s.name.empty() ? s.address : s.name;
    rec_.add_sink([log_id](const Event& e) { log::event(log_id, e); });
    rec_.add_sink([&q](const Event& e) { q.push(e); });
    rec_.on_phase([&q] { q.wake(); });
  }

  void run() {
    auto& res = d_.res;
    try {
      steps();
      res.ok = true;
    } catch (const Failed& f) {
      res.failure = f.failure;
    } catch (const smtp::WireError& e) {
      res.failure = d_.explain(e);
    } catch (const net::Cancelled&) {
      res.failure = rec_.failure(FailureCategory::Cancelled, "Cancelled by the user");
    } catch (const std::exception& e) {
      res.failure = rec_.failure(FailureCategory::Internal, std::string("Internal error: ") + e.what());
    }
    if (d_.client) d_.client->close();
    d_.client.reset();
    rec_.end_phase();
    res.total_ms = rec_.elapsed_ms();  // the dialogue's: a slow DNS server below is not the SMTP server's time
    collect_dns_facts();
    rec_.mark_done();
    if (res.ok) rec_.info("Test succeeded in " + format_ms(res.total_ms));
    else rec_.error("Test failed (" + std::string(to_string(res.failure->category)) + "): " + res.failure->message);
  }

 private:
  const ConnectionSettings& s() const { return d_.s; }

  // Informational DNS facts (PTR, MX), looked up in the background; never a reason to fail.
  void collect_dns_facts() {
    auto grace = std::min<std::chrono::milliseconds>(std::chrono::seconds(s().timeout_s), std::chrono::seconds(2));
    for (auto& line : dns_.collect(d_.res.server, net::Deadline::in(grace), d_.cancel)) rec_.info(std::move(line));
  }

  void steps() {
    if (auto errors = validate(s(), d_.req); !errors.empty()) {
      std::vector<std::string> messages;
      for (const auto& e : errors) messages.push_back(std::string(to_string(e.field)) + ": " + e.problem);
      rec_.fail(FailureCategory::Config, join(messages, "; "));
    }
    smtp::check_tls_versions(d_);
    const auto stop = d_.req.stop_after;
    connect();
    read_banner();
    if (stop == StopAfter::Connect) return quit();
    ehlo();
    if (s().security == Security::StartTls) {
      starttls();
      ehlo();
    }
    if (stop == StopAfter::Tls) return quit();
    smtp::authenticate(d_);
    if (stop == StopAfter::Auth) return quit();
    if (d_.req.message || stop == StopAfter::Rcpt) smtp::send_message(d_);
    quit();
  }

  void connect() {
    const bool facts = d_.opt.look_up_dns_facts;
    if (facts) dns_.start_mx(net::mail_domain(d_.req.message ? d_.req.message->from : std::string(), s().username));
    auto connection = smtp::Connector(s(), rec_, d_.cancel, facts ? &dns_ : nullptr).connect();
    d_.local_address = connection.local_address;
    d_.client = std::make_unique<smtp::Client>(std::move(connection.stream), d_.cancel, std::chrono::seconds(s().timeout_s));
    d_.client->observe([this](Dir dir, const std::string& line, bool in_tls) { rec_.emit(dir, line, in_tls); });
    if (d_.opt.step_gate)
      d_.client->gate([this](const std::string& display, bool commands_allowed) { pause_before(display, commands_allowed); });
  }

  // Step mode: wait for Step/Continue; run any command the user types meanwhile through the same client.
  void pause_before(const std::string& display, bool commands_allowed) {
    const auto& cancel = d_.cancel;
    while (auto typed = d_.opt.step_gate->wait(display, [&cancel] { return cancel.load(); }, [this] { queue_.wake(); })) {
      if (!commands_allowed) {
        rec_.error("A command cannot be sent while the message body is pending; Step sends the body");
        continue;
      }
      d_.client->write_now(*typed + "\r\n", *typed);
      d_.client->read_reply();
    }
    if (cancel.load()) throw net::Cancelled();
  }

  void read_banner() {
    if (s().security == Security::Implicit) smtp::tls_handshake(d_);
    rec_.begin_phase(Phase::Banner);
    Reply r;
    try {
      r = d_.client->read_reply();
    } catch (const smtp::WireError& e) {
      if (e.kind == smtp::Breakdown::NoReply || e.kind == smtp::Breakdown::SlowReply) check_silent_port();
      throw;
    }
    d_.res.server.banner = r.text();
    if (r.code == 554 || r.kind() != 2) rec_.fail(FailureCategory::Smtp, "The server refused the session: " + r.first_line(), &r);
    if (r.code != 220) rec_.fail(FailureCategory::Smtp, "Unexpected greeting: " + r.first_line(), &r);
  }

  // Silent: does the port answer a TLS ClientHello instead (implicit TLS expected)? Briefly, so that the
  // timeout stays the bound the user set, give or take a quarter.
  void check_silent_port() {
    auto& stream = d_.client->stream();
    if (stream.tls()) return;
    auto wait = std::clamp(std::chrono::milliseconds(s().timeout_s * 250), std::chrono::milliseconds(250), std::chrono::milliseconds(2000));
    std::string text_answer;
    if (net::answers_tls(stream, net::probe_tls_config(s().address, net::ClientCertificate::from(s())), wait, &text_answer)) {
      d_.res.server.tls_on_silent_port = true;
      rec_.error("No greeting, but the port answered a TLS handshake: it expects implicit TLS from the first byte");
    }
    d_.note_foreign_protocol(text_answer);  // e.g. an HTTP server answers our ClientHello with "HTTP/1.1 400"
  }

  std::string ehlo_name() const {
    if (!s().ehlo_name.empty()) return s().ehlo_name;
    const std::string host = platform::host_name();
    if (host.find('.') != std::string::npos && is_valid_ehlo_name(host)) return host;
    return "[" + d_.local_address + "]";
  }

  void ehlo() {
    rec_.begin_phase(Phase::Ehlo);
    auto& server = d_.res.server;
    server.ehlo_name = ehlo_name();
    Reply r = d_.command("EHLO " + server.ehlo_name);
    if (r.code == 250) {
      d_.caps = smtp::Capabilities::from_ehlo(r, &d_.cancel);
      server.ehlo_domain = d_.caps.greeting_domain();
      if (d_.caps.auth_mechanisms_capped())
        rec_.info("The server lists more than " + std::to_string(smtp::Capabilities::kMaxAuthMechanisms) +
                  " AUTH mechanisms; only the first " + std::to_string(smtp::Capabilities::kMaxAuthMechanisms) + " are considered");
    } else if (r.code == 500 || r.code == 502 || r.code == 504 || r.code == 550) {
      rec_.info("The server does not understand EHLO; falling back to HELO (no extensions: no STARTTLS, no AUTH)");
      Reply h = d_.command("HELO " + server.ehlo_name);
      if (h.code != 250) rec_.fail(FailureCategory::Smtp, "The server rejected HELO: " + h.first_line(), &h);
      d_.caps = {};
    } else {
      rec_.fail(FailureCategory::Smtp, "The server rejected EHLO " + server.ehlo_name + ": " + r.first_line(), &r);
    }
    (d_.client->tls() ? server.capabilities_after_tls : server.capabilities_before_tls) = d_.caps.lines();
  }

  void starttls() {
    rec_.begin_phase(Phase::StartTls);
    if (!d_.caps.has("STARTTLS"))
      rec_.fail(FailureCategory::Tls,
                "The server does not offer STARTTLS, and explicit TLS is configured: stopping rather than continuing "
                "unencrypted. Choose implicit TLS if this port expects TLS from the first byte, or No encryption.");
    Reply r = d_.command("STARTTLS");
    if (r.code != 220) rec_.fail(FailureCategory::Tls, "The server refused STARTTLS: " + r.first_line(), &r);
    // Nothing may come before our ClientHello: what is buffered or already waiting was injected.
    auto injected = d_.client->take_injected();
    if (!injected.empty()) {
      d_.res.tls.starttls_injection = true;
      rec_.error("The server sent " + std::to_string(injected.size()) +
                 " bytes after \"220\" to STARTTLS, before the TLS handshake; they were discarded (the "
                 "STARTTLS command-injection pattern, CVE-2011-0411)");
    }
    smtp::tls_handshake(d_);
  }

  void quit() {
    rec_.begin_phase(Phase::Quit);
    try {
      if (!d_.quit_sent) d_.client->send_line("QUIT", "QUIT");
      auto until = net::Deadline::in(std::min<std::chrono::milliseconds>(std::chrono::seconds(s().timeout_s), std::chrono::seconds(5)));
      Reply r = d_.client->read_reply(until);
      if (r.code != 221) rec_.info("Unexpected reply to QUIT: " + r.first_line());
    } catch (const smtp::WireError& e) {
      rec_.info("No proper answer to QUIT (" + d_.explain(e).message + "); closing");
    }
  }

  EventQueue& queue_;
  smtp::Recorder rec_;
  smtp::Dialogue d_;
  net::DnsFactsLookup dns_;
};

}  // namespace

Session::Session(ConnectionSettings settings, TestRequest request, std::shared_ptr<EventQueue> events, SessionOptions options)
    : settings_(std::move(settings)), request_(std::move(request)), events_(std::move(events)), options_(std::move(options)) {
  if (!events_) events_ = std::make_shared<EventQueue>();
}

Session::~Session() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

void Session::start() {
  thread_ = std::thread([this] { run(); });
}

void Session::wait() {
  if (thread_.joinable()) thread_.join();
}

void Session::run() {
  Runner runner(settings_, request_, options_, *events_, cancel_, phase_, result_);
  runner.run();
  finished_.store(true);
  // The last event may have been drained before finished() turned true: wake the consumer once more, so
  // that it never waits out a timeout to notice the end.
  events_->wake();
}

SessionResult run_session(const ConnectionSettings& settings, const TestRequest& request, SessionOptions options) {
  Session session(settings, request, std::make_shared<EventQueue>(), std::move(options));
  session.start();
  session.wait();
  return session.take_result();
}

}  // namespace smtpwb

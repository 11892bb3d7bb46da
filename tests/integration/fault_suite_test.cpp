// The fault suite (issue 7): one case per misbehaving server, from the demo server's scripted faults.
// Each case checks the failure category, that the session ended within its timeout + 1 s, and that no
// thread or file descriptor outlived it; then cancel is checked in every phase a session can wait in.
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#include <optional>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/session.hpp"
#include "resources.hpp"

#if __has_include("smtpwb/hints.hpp")
#include "smtpwb/hints.hpp"
#include "../hint_rewording.hpp"
#define SMTPWB_HAVE_HINTS 1
#endif

using namespace smtpwb;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kTimeoutS = 2;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

enum class Port { Plain, Implicit, Closed };

struct FaultCase {
  const char* name;
  DemoFault fault;
  Port port;
  Security mode;
  std::optional<FailureCategory> category;  // nullopt: the session must succeed regardless
  const char* message_part;                 // a phrase of the failure message (or of the transcript)
  // The hint the session must raise (issue 6 ids). Asserted once smtpwb/hints.hpp exists; "" for none fixed.
  const char* hint;
};

using enum DemoFault;
using enum FailureCategory;
constexpr auto kExplicit = Security::StartTls, kImplicit = Security::Implicit;

const FaultCase kCases[] = {
    {"banner never sent", NoBanner, Port::Plain, kExplicit, Timeout, "No complete reply", "no-greeting"},
    {"closed right after accept", CloseOnConnect, Port::Plain, kExplicit, Connect, "closed the connection", "closed-before-greeting"},
    {"nothing listening", None, Port::Closed, kExplicit, Connect, "Cannot connect", "connection-refused"},
    {"closed in the middle of a multi-line EHLO reply", EhloCut, Port::Plain, kExplicit, Smtp, "in the middle of a reply", "connection-closed"},
    {"1 MiB reply line without CRLF", HugeLine, Port::Plain, kExplicit, Smtp, "longer than 4096 bytes", "malformed-reply"},
    {"continuation line with a different code", MixedCodes, Port::Plain, kExplicit, Smtp, "continuation line has code 250", "malformed-reply"},
    {"binary garbage", Garbage, Port::Plain, kExplicit, Smtp, "does not start with a three-digit code", "malformed-reply"},
    {"1 byte per second: the timeout bounds the whole reply", Trickle, Port::Plain, kExplicit, Timeout, "No complete reply", "greeting-too-slow"},
    {"STARTTLS accepted, then plain text instead of a ServerHello", StartTlsPlaintext, Port::Plain, kExplicit, Tls, "plain text", "starttls-answered-in-plaintext"},
    {"extra reply injected after 220 to STARTTLS", StartTlsInjection, Port::Plain, kExplicit, std::nullopt, "CVE-2011-0411", "starttls-injection"},
    {"AUTH advertised with no mechanisms", AuthEmpty, Port::Plain, kExplicit, Auth, "offers no authentication", "auth-no-common-mechanism"},
    {"421 on connect", Greet421, Port::Plain, kExplicit, Smtp, "421", "server-busy"},
    {"TLS handshake, then reset", TlsReset, Port::Implicit, kImplicit, Connect, "connection", "closed-before-greeting"},
    {"plain SMTP where implicit TLS was expected", PlaintextOnImplicit, Port::Implicit, kImplicit, Tls, "answered in plain text", "mode-implicit-on-plain-port"},
    {"TLS where plain SMTP was expected", TlsOnPlain, Port::Plain, kExplicit, Timeout, "no greeting", "mode-plain-on-tls-port"},
    {"STARTTLS not offered", NoStartTls, Port::Plain, kExplicit, Tls, "does not offer STARTTLS", "starttls-not-offered"},
    {"STARTTLS answered 454", StartTls454, Port::Plain, kExplicit, Tls, "454", "tls-unavailable"},
    {"a reply to a command never sent", Unsolicited, Port::Plain, kExplicit, Smtp, "command never sent", "reply-out-of-step"},
    {"a certificate chain of 20 certificates", LongChain, Port::Implicit, kImplicit, Certificate, "not trusted", "cert-untrusted"},
    {"server never closes after QUIT", QuitHang, Port::Plain, kExplicit, std::nullopt, "221", ""},
    {"closed right after the greeting", CloseAfterBanner, Port::Plain, kExplicit, Smtp, "closed the connection", "connection-closed"},
    {"reset during the TLS handshake", TlsHandshakeReset, Port::Implicit, kImplicit, Tls, "TLS handshake", "tls-handshake-reset"},
    {"554 instead of a greeting", Greet554, Port::Plain, kExplicit, Smtp, "refused the session", "session-refused"},
    {"an SSH server on the port", SshService, Port::Plain, kExplicit, Smtp, "three-digit code", "non-smtp-service"},
    {"an IMAP server on the port", ImapService, Port::Plain, kExplicit, Smtp, "three-digit code", "non-smtp-service"},
    {"a POP3 server on the port", Pop3Service, Port::Plain, kExplicit, Smtp, "three-digit code", "non-smtp-service"},
    {"a web server on the port", HttpService, Port::Plain, kExplicit, Timeout, "No complete reply", "non-smtp-service"},
};

int closed_port() {
  int port = 0;
  net::listen_loopback(port);  // bound, then closed again at once: nothing listens there now
  return port;
}

ConnectionSettings settings_for(const FaultCase& c, const DemoServer& server) {
  ConnectionSettings s;
  s.address = "127.0.0.1";  // a literal: no resolver thread lingers after the case
  s.port = c.port == Port::Implicit ? server.implicit_port() : c.port == Port::Plain ? server.port() : closed_port();
  s.security = c.mode;
  s.anonymous = false;
  s.username = "demo";
  s.password = "demo-password";
  s.timeout_s = kTimeoutS;
  return s;
}

bool transcript_has(const SessionResult& r, const std::string& phrase) {
  for (const auto& e : r.transcript)
    if (e.text.find(phrase) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("Fault suite: every misbehaving server ends in its failure category, in time, leaking nothing", "[fault]") {
  const FaultCase& c = GENERATE(from_range(kCases));
  INFO("case: " << c.name << " (demo fault " << to_string(c.fault) << ")");
  const test::Resources before;
  SessionResult r;
  double elapsed_ms = 0;
  ConnectionSettings settings;
  {
    DemoServer server(DemoServerConfig{"demo", "demo-password", c.fault});
    server.start();
    settings = settings_for(c, server);
    SessionOptions options;
    options.extra_ca_file = server.ca_file();
    auto t0 = Clock::now();
    r = diag::diagnose_session(settings, {}, options);
    elapsed_ms = ms_since(t0);
  }
  INFO("failure: " << (r.failure ? r.failure->message : std::string("none")) << " after " << elapsed_ms << " ms");
  CHECK(elapsed_ms < (kTimeoutS + 1) * 1000.0);
  if (c.category) {
    REQUIRE(r.failure);
    CHECK(r.failure->category == *c.category);
    CHECK(r.failure->message.find(c.message_part) != std::string::npos);
  } else {
    CHECK(r.ok);
    CHECK(transcript_has(r, c.message_part));
  }
#ifdef SMTPWB_HAVE_HINTS
  if (*c.hint) {
    bool raised = false;
    for (const auto& h : HintCatalogue::builtin().match(settings, r)) raised |= h.id == c.hint;
    CHECK(raised);
  }
#endif
  const test::Resources after = test::settled(before);
  CHECK(after.threads <= before.threads);
  INFO("open descriptors:\n" << test::open_fds());
  CHECK(after.fds <= before.fds);
}

// Issue 18: no failure is left without a hint. Every demo fault, played to the end with a message.
TEST_CASE("Fault suite: every demo fault that fails the session ends with at least one hint", "[fault][hints]") {
#ifdef SMTPWB_HAVE_HINTS
  int failed = 0;
  for (DemoFault fault : all_demo_faults()) {
    const bool implicit = fault == PlaintextOnImplicit || fault == TlsReset || fault == TlsHandshakeReset;
    FaultCase c{"walk", fault, implicit ? Port::Implicit : Port::Plain, implicit ? kImplicit : kExplicit, std::nullopt, "", ""};
    DemoServer server(DemoServerConfig{"demo", "demo-password", fault});
    server.start();
    auto settings = settings_for(c, server);
    SessionOptions options;
    options.extra_ca_file = server.ca_file();
    TestRequest request;
    request.message = MessageSpec{"demo@demo.test", {"nobody@demo.test"}, "walk", "body\n"};
    auto r = diag::diagnose_session(settings, request, options);
    if (!r.failure) continue;
    ++failed;
    INFO("demo fault " << to_string(fault) << ": " << r.failure->message);
    CHECK_FALSE(r.hints.empty());
    // Rephrasing any message of ours changes no hint: they match causes, categories and replies.
    CHECK(hint_test::hint_ids(HintCatalogue::builtin().match(settings, hint_test::reworded(r))) ==
          hint_test::hint_ids(HintCatalogue::builtin().match(settings, r)));
  }
  CHECK(failed >= 40);  // the walk did reach the faults
#endif
}

// ---- cancel in every phase a session can wait in ----

namespace {

// A listening socket whose accept queue is full: a further connect gets no answer (SYN dropped).
struct SilentListener {
  int port = 0;
  net::Fd listener;
  std::vector<net::Fd> fillers;
  SilentListener() {
    listener = net::listen_loopback(port);
    ::listen(listener.get(), 0);
    for (int i = 0; i < 3; ++i) {
      net::Fd f(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ::connect(f.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
      fillers.push_back(std::move(f));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
};

struct CancelCase {
  const char* name;
  Phase phase;                // where the session waits when cancelled
  DemoFault fault;
  const char* stall_on;       // the command the demo server never answers
  Security mode = Security::StartTls;
  bool with_message = false;
  bool silent_connect = false;
  bool through_silent_proxy = false;
};

const CancelCase kCancelCases[] = {
    {"connect (no SYN-ACK)", Phase::Connect, None, "", Security::StartTls, false, true},
    {"proxy handshake (silent proxy)", Phase::Proxy, NoBanner, "", Security::StartTls, false, false, true},
    {"banner", Phase::Banner, NoBanner, ""},
    {"TLS handshake (implicit)", Phase::TlsHandshake, NoBanner, "", Security::Implicit},
    {"EHLO", Phase::Ehlo, None, "EHLO"},
    {"STARTTLS", Phase::StartTls, None, "STARTTLS"},
    {"AUTH", Phase::Auth, None, "AUTH"},
    {"MAIL", Phase::Mail, None, "MAIL", Security::StartTls, true},
    {"RCPT", Phase::Rcpt, None, "RCPT", Security::StartTls, true},
    {"DATA (end of message)", Phase::Data, None, ".", Security::StartTls, true},
    {"QUIT", Phase::Quit, None, "QUIT"},
};

}  // namespace

TEST_CASE("Fault suite: cancel ends the session within 200 ms in every phase", "[fault][cancel]") {
  const CancelCase& c = GENERATE(from_range(kCancelCases));
  INFO("cancel during " << c.name);
  const test::Resources before;
  {
    DemoServerConfig config{"demo", "demo-password", c.fault};
    config.stall_on = c.stall_on;
    DemoServer server(config);
    server.start();
    std::optional<SilentListener> silent;
    ConnectionSettings s;
    s.address = "127.0.0.1";
    s.port = c.mode == Security::Implicit ? server.implicit_port() : server.port();
    s.security = c.mode;
    s.anonymous = false;
    s.username = "demo";
    s.password = "demo-password";
    s.timeout_s = 30;
    if (c.silent_connect) {
      silent.emplace();
      s.port = silent->port;
    }
    if (c.through_silent_proxy) {
      s.proxy.type = ProxyType::Socks5;
      s.proxy.address = "127.0.0.1";
      s.proxy.port = server.port();
    }
    TestRequest request;
    if (c.with_message) request.message = MessageSpec{"a@demo.test", {"b@demo.test"}, "cancel", "body\n"};
    SessionOptions options;
    options.extra_ca_file = server.ca_file();
    Session session(s, request, std::make_shared<EventQueue>(), options);
    session.start();
    auto until = Clock::now() + std::chrono::seconds(10);
    while (session.current_phase() != c.phase && !session.finished() && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(session.current_phase() == c.phase);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // well inside the wait, not at its start
    REQUIRE_FALSE(session.finished());
    auto cancelled_at = Clock::now();
    session.cancel();
    session.wait();
    CHECK(ms_since(cancelled_at) < 200);
    REQUIRE(session.result().failure);
    CHECK(session.result().failure->category == FailureCategory::Cancelled);
  }
  const test::Resources after = test::settled(before);
  CHECK(after.threads <= before.threads);
  INFO("open descriptors:\n" << test::open_fds());
  CHECK(after.fds <= before.fds);
}

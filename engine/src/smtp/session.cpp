#include "smtpwb/session.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "net/proxy.hpp"
#include "sasl/ntlm.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/log.hpp"
#include "smtpwb/net/dns.hpp"
#include "smtpwb/net/search_domains.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "smtpwb/sasl/token_claims.hpp"
#include "smtpwb/smtp/capabilities.hpp"
#include "smtpwb/smtp/message.hpp"
#include "smtpwb/smtp/reply.hpp"
#include "smtpwb/smtp/tls_version_probe.hpp"
#include "text.hpp"
#include "tls/answers_tls.hpp"

namespace smtpwb {

namespace {

using net::Clock;
using smtp::Reply;

struct Failed {
  Failure failure;
};

using text::format_ms;
using text::join;

class Runner {
 public:
  Runner(const ConnectionSettings& s, const TestRequest& r, const SessionOptions& o, EventQueue& q,
         const net::CancelFlag& cancel, std::atomic<Phase>& phase, SessionResult& result)
      : s_(s), req_(r), opt_(o), queue_(q), cancel_(cancel), live_phase_(phase), res_(result),
        t0_(Clock::now()), log_id_(s.name.empty() ? s.address : s.name) {}

  void run() {
    try {
      steps();
      res_.ok = true;
    } catch (const Failed& f) {
      res_.failure = f.failure;
    } catch (const net::Cancelled&) {
      res_.failure = failure(FailureCategory::Cancelled, "Cancelled by the user");
    } catch (const std::exception& e) {
      res_.failure = failure(FailureCategory::Internal, std::string("Internal error: ") + e.what());
    }
    if (stream_) stream_->close_notify();
    stream_.reset();
    end_phase();
    res_.total_ms = elapsed_ms();  // the dialogue's: a slow DNS server below is not the SMTP server's time
    // Informational DNS facts (PTR, MX), looked up in the background; never a reason to fail.
    auto grace = std::min<std::chrono::milliseconds>(std::chrono::seconds(s_.timeout_s), std::chrono::seconds(2));
    for (auto& line : dns_.collect(res_.server, net::Deadline::in(grace), cancel_)) info(std::move(line));
    phase_ = Phase::Done;
    if (res_.ok) {
      emit(Dir::Info, "Test succeeded in " + format_ms(res_.total_ms));
    } else {
      emit(Dir::Error, "Test failed (" + std::string(to_string(res_.failure->category)) + "): " + res_.failure->message);
    }
  }

 private:
  // ---- events and phases ----
  double elapsed_ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - t0_).count(); }
  // `as`: the phase a pipelined command belongs to, when it is sent before its phase begins.
  void emit(Dir dir, std::string text, bool in_tls = false, std::optional<Phase> as = std::nullopt) {
    Event e;
    e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
    e.dir = dir;
    e.phase = as.value_or(phase_);
    e.in_tls = in_tls;
    e.text = std::move(text);
    log::event(log_id_, e);
    res_.transcript.push_back(e);
    queue_.push(std::move(e));
  }
  void info(std::string text) { emit(Dir::Info, std::move(text)); }
  void tls_info(std::string text) { emit(Dir::Tls, std::move(text)); }

  void begin_phase(Phase p) {
    end_phase();
    phase_ = p;
    live_phase_.store(p);
    phase_start_ = elapsed_ms();
    in_phase_ = true;
  }
  void end_phase() {
    if (!in_phase_) return;
    res_.phases.push_back({phase_, phase_start_, elapsed_ms() - phase_start_});
    in_phase_ = false;
  }

  // A failure in the current phase; with the reply that caused it (code, enhanced code, full text).
  Failure failure(FailureCategory c, std::string message, const Reply* reply = nullptr, std::string cause = {}) const {
    Failure f{c, std::move(message), phase_, 0, {}, {}, std::move(cause)};
    if (reply) {
      f.reply_code = reply->code;
      f.enhanced_code = reply->enhanced;
      for (std::size_t i = 0; i < reply->lines.size(); ++i)
        f.reply_text += (i ? "\n" : "") + std::to_string(reply->code) + (i + 1 < reply->lines.size() ? "-" : " ") + reply->lines[i];
    }
    return f;
  }

  [[noreturn]] void fail(FailureCategory c, std::string message, const Reply* reply = nullptr) {
    throw Failed{failure(c, std::move(message), reply)};
  }
  // A failure with no reply to explain it: `cause` says how the dialogue broke (Failure::cause).
  [[noreturn]] void fail_because(const char* cause, FailureCategory c, std::string message) {
    throw Failed{failure(c, std::move(message), nullptr, cause)};
  }

  // Another protocol's greeting or answer where SMTP was expected (SSH, HTTP, IMAP, POP3).
  void note_foreign_protocol(std::string_view first_bytes) {
    auto protocol = smtp::foreign_protocol(first_bytes);
    if (protocol.empty() || !res_.server.foreign_protocol.empty()) return;
    res_.server.foreign_protocol = protocol;
    res_.server.foreign_greeting = printable(first_bytes.substr(0, std::min<std::size_t>(first_bytes.find_first_of("\r\n"), 120)));
    emit(Dir::Error, "This is not an SMTP server: the port answered like " + text::upper(protocol) + " (\"" +
                         res_.server.foreign_greeting + "\")");
  }

  net::Deadline deadline() const { return net::Deadline::in(std::chrono::seconds(s_.timeout_s)); }

  // ---- the dialogue ----
  void steps() {
    if (auto errors = validate(s_, req_); !errors.empty()) {
      std::vector<std::string> messages;
      for (const auto& e : errors) messages.push_back(e.message);
      fail(FailureCategory::Config, join(messages, "; "));
    }
    check_tls_versions();
    connect();
    read_banner();
    ehlo();
    if (s_.encrypted() && s_.mode == SecurityMode::Explicit) {
      starttls();
      ehlo();
    }
    if (req_.stop_after == StopAfter::Connect || req_.stop_after == StopAfter::Tls) return quit();
    authenticate();
    if (req_.stop_after == StopAfter::Auth) return quit();
    if (req_.message || req_.stop_after == StopAfter::Rcpt) send_message();
    quit();
  }

  void check_tls_versions() {
    if (!s_.encrypted()) return;
    TlsVersionSet offered;
    std::vector<std::string> unsupported;
    for (auto v : s_.tls_versions.list()) {
      if (can_negotiate(v)) offered = offered.with(v);
      else unsupported.emplace_back(display_name(v));
    }
    if (offered.empty()) {
      res_.tls.version_refused_by = "client";
      fail(FailureCategory::Tls, "This build negotiates only TLS 1.2 and TLS 1.3 (mbedTLS 3.6), and the allowed versions (" +
                                     display_names(s_.tls_versions) +
                                     ") include neither. Allow TLS 1.2 or 1.3; the range is never widened silently.");
    }
    if (!unsupported.empty())
      info("Allowed " + join(unsupported) + " cannot be negotiated by this build; offering only " + display_names(offered));
  }

  void connect() {
    begin_phase(Phase::Resolve);
    res_.server.host = s_.address;
    res_.server.port = s_.port;
    dns_.start_mx(net::mail_domain(req_.message ? req_.message->from : std::string(), s_.username));
    if (s_.proxy.type != ProxyType::None) return connect_through_proxy();
    auto addresses = resolve(s_.address, s_.port, "");
    check_search_domain(addresses);
    for (const auto& a : addresses) res_.server.resolved.push_back(a.text);
    if (!is_ip_literal(s_.address)) info("Resolved " + s_.address + " to " + join(res_.server.resolved));

    begin_phase(Phase::Connect);
    res_.server.connected_address = connect_first(addresses, s_.address, s_.port, false);
  }

  // whose: "" for the server, "the proxy " for the proxy.
  std::vector<net::Address> resolve(const std::string& host, int port, const std::string& whose) {
    std::vector<net::Address> addresses;
    try {
      addresses = net::resolve(host, port, deadline(), cancel_);
    } catch (const net::ResolveError& e) {
      bool bare = is_bare_name(host);
      fail(FailureCategory::Dns, "Cannot resolve " + whose + "\"" + host + "\": " + e.what() +
                                     (bare ? " (a bare host name: use the full DNS name or the IP address)" : ""));
    } catch (const net::TimedOut&) {
      fail(FailureCategory::Timeout, "DNS lookup of " + whose + "\"" + host + "\" took longer than " +
                                         std::to_string(s_.timeout_s) + " s");
    }
    if (addresses.empty()) fail(FailureCategory::Dns, whose + "\"" + host + "\" has no A or AAAA record");
    return addresses;
  }

  // Connects to the first address that answers; returns it. A proxy that cannot be reached is a proxy failure.
  std::string connect_first(const std::vector<net::Address>& addresses, const std::string& host, int port, bool proxy) {
    auto until = deadline();  // one budget for all addresses, shared out among those left
    std::string last_error;
    bool all_timed_out = true;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      const auto& a = addresses[i];
      info("Trying " + std::string(proxy ? "the proxy " : "") + a.text + ":" + std::to_string(port) + "...");
      auto share = std::chrono::milliseconds(until.remaining_ms() / static_cast<int>(addresses.size() - i));
      try {
        auto fd = net::connect_tcp(a, net::Deadline::in(share), cancel_);
        local_address_ = net::local_address(fd.get());
        stream_ = std::make_unique<net::Stream>(std::move(fd), cancel_);
        if (!proxy) dns_.start_reverse(a);
        info("Connected to " + std::string(proxy ? "the proxy " : "") + a.text + ":" + std::to_string(port));
        return a.text;
      } catch (const net::NetError& e) {
        all_timed_out = false;
        last_error = a.text + ": " + e.what();
        emit(Dir::Error, "Connection to " + last_error);
      } catch (const net::TimedOut&) {
        last_error = a.text + ": no answer within " + std::to_string(share.count()) + " ms";
        emit(Dir::Error, "Connection to " + last_error);
      }
    }
    std::string where = host + ":" + std::to_string(port);
    if (proxy && all_timed_out)
      fail(FailureCategory::Proxy, "The proxy " + where + " is unreachable: no answer to the TCP connection within " +
                                       std::to_string(s_.timeout_s) + " s (a firewall, or the wrong address or port)");
    if (proxy) fail(FailureCategory::Proxy, "The proxy " + where + " is unreachable (" + last_error + ")");
    if (all_timed_out)
      fail(FailureCategory::Timeout, "Connecting to " + where + " timed out after " + std::to_string(s_.timeout_s) +
                                         " s (no answer: a firewall, or the port is blocked)");
    fail(FailureCategory::Connect, "Cannot connect to " + where + " (" + last_error + ")");
  }

  // Resolve (the proxy, and the server unless the proxy resolves it), connect to the proxy, then the
  // proxy's own handshake as a phase of its own. TLS later still verifies the server's name.
  void connect_through_proxy() {
    const auto& p = s_.proxy;
    auto& facts = res_.proxy;
    facts.used = true;
    facts.type = proxy_scheme(p);
    facts.address = p.address;
    facts.port = p.port;
    const bool by_proxy = net::proxy_resolves_target(p);
    facts.target_resolved_by = by_proxy ? "proxy" : "client";
    std::string target = by_proxy ? s_.address : resolve_target_locally();
    if (by_proxy && !is_ip_literal(s_.address)) info("The proxy resolves " + s_.address);
    facts.result = "unresolved";
    auto proxy_addresses = resolve(p.address, p.port, "the proxy ");
    if (!is_ip_literal(p.address)) {
      std::vector<std::string> texts;
      for (const auto& a : proxy_addresses) texts.push_back(a.text);
      info("Resolved the proxy " + p.address + " to " + join(texts));
    }

    begin_phase(Phase::Connect);
    facts.result = "unreachable";
    facts.connected_address = connect_first(proxy_addresses, p.address, p.port, true);
    facts.result = "connected";

    begin_phase(Phase::Proxy);
    try {
      auto tunnel = net::proxy_handshake(*stream_, p, target, static_cast<std::uint16_t>(s_.port), deadline(),
                                         [this](Dir dir, std::string text) { emit(dir, std::move(text)); });
      facts.result = "ok";
      facts.reply = tunnel.reply_code;
      facts.reply_text = tunnel.reply_text;
      // What the server sees as our address, for an EHLO address literal.
      if (is_ip_literal(tunnel.bound_address) && tunnel.bound_address != "0.0.0.0" && tunnel.bound_address != "::")
        local_address_ = (tunnel.bound_address.find(':') != std::string::npos ? "IPv6:" : "") + tunnel.bound_address;
      info("Tunnel to " + s_.address + ":" + std::to_string(s_.port) + " open through the " + facts.type + " proxy");
    } catch (const net::ProxyError& e) {
      facts.result = net::to_string(e.outcome);
      facts.reply = e.reply_code;
      facts.reply_text = e.reply_text;
      std::string message = e.what();
      if (e.outcome == net::ProxyOutcome::Timeout)
        message += " (" + std::to_string(s_.timeout_s) + " s; it accepted the TCP connection: is this the right port and proxy type?)";
      fail(FailureCategory::Proxy, message);
    }
  }

  // socks4 and socks5 without "resolve via proxy": this client resolves the server's name.
  std::string resolve_target_locally() {
    auto addresses = resolve(s_.address, s_.port, "");
    for (const auto& a : addresses) res_.server.resolved.push_back(a.text);
    const net::Address* chosen = &addresses.front();
    if (s_.proxy.type == ProxyType::Socks4) {
      auto v4 = std::find_if(addresses.begin(), addresses.end(), [](const net::Address& a) { return a.storage.ss_family == AF_INET; });
      if (v4 == addresses.end())
        fail(FailureCategory::Dns, "SOCKS4 reaches only IPv4 addresses, and " + s_.address + " has none (" +
                                       join(res_.server.resolved) + "); use SOCKS4a or SOCKS5 instead");
      chosen = &*v4;
    }
    res_.server.connected_address = chosen->text;
    if (!is_ip_literal(s_.address))
      info("Resolved " + s_.address + " to " + join(res_.server.resolved) + "; asking the proxy for " + chosen->text);
    return chosen->text;
  }

  // A bare name ("servername") that works only through the resolver's search list is fragile elsewhere.
  void check_search_domain(const std::vector<net::Address>& found) {
    bool bare = is_bare_name(s_.address);
    if (!bare || text::lower(s_.address) == "localhost") return;
    res_.server.search_domain_name = net::full_name_via_search_list(s_.address, s_.port, found, net::Deadline::in(std::chrono::seconds(2)), cancel_);
    if (!res_.server.search_domain_name.empty())
      info("\"" + s_.address + "\" resolves through the resolver's search list, as " + res_.server.search_domain_name);
  }

  void read_banner() {
    if (s_.encrypted() && s_.mode == SecurityMode::Implicit) handshake();
    begin_phase(Phase::Banner);
    Reply r;
    try {
      r = read_reply();
    } catch (const Failed& f) {
      // Silent: does the port answer a TLS ClientHello instead (implicit TLS expected)? Briefly, so
      // that the timeout stays the bound the user set, give or take a quarter.
      auto wait = std::clamp(std::chrono::milliseconds(s_.timeout_s * 250), std::chrono::milliseconds(250), std::chrono::milliseconds(2000));
      std::string text_answer;
      if (f.failure.category == FailureCategory::Timeout && !stream_->tls() &&
          net::answers_tls(*stream_, s_.address, wait, &text_answer)) {
        res_.server.tls_on_silent_port = true;
        emit(Dir::Error, "No greeting, but the port answered a TLS handshake: it expects implicit TLS from the first byte");
      }
      note_foreign_protocol(text_answer);  // e.g. an HTTP server answers our ClientHello with "HTTP/1.1 400"
      throw;
    }
    res_.server.banner = r.text();
    if (r.code == 554 || r.kind() != 2) fail(FailureCategory::Smtp, "The server refused the session: " + r.first_line(), &r);
    if (r.code != 220) fail(FailureCategory::Smtp, "Unexpected greeting: " + r.first_line(), &r);
  }

  std::string ehlo_name() {
    if (!s_.ehlo_name.empty()) return s_.ehlo_name;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && std::string_view(host).find('.') != std::string_view::npos &&
        is_valid_ehlo_name(host))
      return host;
    return "[" + local_address_ + "]";
  }

  void ehlo() {
    begin_phase(Phase::Ehlo);
    res_.server.ehlo_name = ehlo_name();
    Reply r = command("EHLO " + res_.server.ehlo_name);
    if (r.code == 250) {
      caps_ = smtp::Capabilities::from_ehlo(r, &cancel_);
      res_.server.ehlo_domain = caps_.greeting_domain();
      if (caps_.auth_mechanisms_capped())
        info("The server lists more than " + std::to_string(smtp::Capabilities::kMaxAuthMechanisms) +
             " AUTH mechanisms; only the first " + std::to_string(smtp::Capabilities::kMaxAuthMechanisms) + " are considered");
    } else if (r.code == 500 || r.code == 502 || r.code == 504 || r.code == 550) {
      info("The server does not understand EHLO; falling back to HELO (no extensions: no STARTTLS, no AUTH)");
      Reply h = command("HELO " + res_.server.ehlo_name);
      if (h.code != 250) fail(FailureCategory::Smtp, "The server rejected HELO: " + h.first_line(), &h);
      caps_ = {};
    } else {
      fail(FailureCategory::Smtp, "The server rejected EHLO " + res_.server.ehlo_name + ": " + r.first_line(), &r);
    }
    (stream_->tls() ? res_.server.capabilities_after_tls : res_.server.capabilities_before_tls) = caps_.lines();
  }

  void starttls() {
    begin_phase(Phase::StartTls);
    if (!caps_.has("STARTTLS"))
      fail(FailureCategory::Tls,
           "The server does not offer STARTTLS, and explicit TLS is configured: stopping rather than continuing "
           "unencrypted. Choose implicit TLS if this port expects TLS from the first byte, or No encryption.");
    Reply r = command("STARTTLS");
    if (r.code != 220) fail(FailureCategory::Tls, "The server refused STARTTLS: " + r.first_line(), &r);
    // Nothing may come before our ClientHello: what is buffered or already waiting was injected.
    auto injected = parser_.take_buffered() + stream_->take_pending();
    if (!injected.empty()) {
      res_.tls.starttls_injection = true;
      emit(Dir::Error, "The server sent " + std::to_string(injected.size()) +
                           " bytes after \"220\" to STARTTLS, before the TLS handshake; they were discarded (the "
                           "STARTTLS command-injection pattern, CVE-2011-0411)");
    }
    handshake();
  }

  void handshake() {
    begin_phase(Phase::TlsHandshake);
    net::TlsClientConfig config;
    config.server_name = s_.address;
    config.versions = s_.tls_versions;
    config.verify = s_.verify_certificate;
    config.ca_file = s_.ca_file;
    config.extra_ca_file = opt_.extra_ca_file;
    tls_info("Starting TLS (" + display_names(s_.tls_versions) + "), server name " + config.server_name +
             (config.verify ? "" : ", certificate verification OFF"));
    try {
      stream_->start_tls_client(config, deadline(), res_.tls);
    } catch (const net::TrustStoreError& e) {
      fail(FailureCategory::Config, e.what());
    } catch (const net::CertificateError&) {
      report_chain();
      fail(FailureCategory::Certificate,
           "The server's certificate is not trusted: " + join(res_.tls.verify_errors, "; "));
    } catch (const net::TlsError& e) {
      report_chain();
      std::string message = e.what();
      res_.tls.plaintext_answer = e.peer_spoke_plaintext;
      if (e.no_common_version) res_.tls.version_refused_by = e.server_refused_version ? "server" : "client";
      if (e.peer_spoke_plaintext) {
        note_foreign_protocol(e.plaintext_sample);
        message = "The server answered in plain text (\"" + e.plaintext_sample +
                  "\") instead of TLS: this port does not use implicit TLS; use STARTTLS (explicit) or No encryption";
      } else if (e.no_common_version)
        message += ". The server and this client share no TLS version (this client allows " + display_names(s_.tls_versions) + ")" +
                   (e.server_refused_version ? ". " + name_server_versions() : "");
      if (!e.peer_spoke_plaintext && !e.no_common_version && (e.peer_closed || e.connection_lost))
        fail_because(e.peer_closed ? "closed" : "reset", FailureCategory::Tls,
                     std::string(e.peer_closed ? "The server closed the connection during the TLS handshake ("
                                               : "The connection was lost during the TLS handshake (") + message + ")");
      fail(FailureCategory::Tls, message);
    } catch (const net::NetError& e) {
      fail_because("reset", FailureCategory::Tls, std::string("The connection failed during the TLS handshake: ") + e.what());
    } catch (const net::TimedOut&) {
      fail(FailureCategory::Timeout, "The TLS handshake did not finish within " + std::to_string(s_.timeout_s) +
                                         " s (does this port speak TLS? port 465 uses implicit TLS, 587 and 25 STARTTLS)");
    }
    tls_info("TLS established: " + res_.tls.version + ", cipher " + res_.tls.cipher +
             (res_.tls.group.empty() ? "" : ", group " + res_.tls.group));
    report_chain();
  }

  // The server refused every version allowed here: ask which of the other versions it offers (one fresh
  // connection each: an mbedTLS handshake for TLS 1.2/1.3, a hand-built ClientHello for older ones, of which
  // only the first answer is read), so the report names them instead of leaving the user to guess.
  std::string name_server_versions() {
    // Probes connect directly; behind a proxy the server may not be reachable that way.
    if (s_.proxy.type != ProxyType::None) return "The other versions were not probed (the test goes through a proxy)";
    ProbeTarget target = ProbeTarget::from(s_);
    // The server answered the handshake a moment ago; a probe that stalls must not hold the failure long.
    target.timeout = std::min<std::chrono::milliseconds>(target.timeout, std::chrono::seconds(5));
    TlsVersionSet others;
    bool negotiable = false;  // the server offers a version this build could use if the settings allowed it
    for (auto v : kAllTlsVersions) {
      if (s_.tls_versions.contains(v) || cancel_.load()) continue;
      others = others.with(v);
      if (!probe_tls_version(target, v, cancel_).offered()) continue;
      res_.tls.server_versions.emplace_back(display_name(v));
      negotiable = negotiable || can_negotiate(v);
    }
    std::string text;
    if (res_.tls.server_versions.empty())
      text = "Probed " + display_names(others) + " too: the server offers none of them";
    else
      text = "Probed: the server offers " + join(res_.tls.server_versions) +
             (negotiable ? "; allow it to connect" : ", which this build cannot negotiate (mbedTLS implements TLS 1.2 and 1.3 only)");
    tls_info(text);
    return text;
  }

  void report_chain() {
    for (const auto& c : res_.tls.chain)
      tls_info("Certificate " + std::to_string(c.depth) + ": " + c.subject + " (issuer: " + c.issuer + ", " + c.key_type +
               " " + std::to_string(c.key_bits) + " bits, valid " + c.not_before + " to " + c.not_after +
               (c.days_left < 0 ? ", EXPIRED" : ", " + std::to_string(c.days_left) + " days left") + ")");
    if (!res_.tls.chain.empty())
      tls_info(res_.tls.san_match.empty() ? "No subjectAltName of the certificate matches " + res_.tls.sni
                                          : "The name " + res_.tls.sni + " matches the certificate's " + res_.tls.san_match);
    if (res_.tls.verified) tls_info("Certificate verified for " + res_.tls.sni);
    else if (!res_.tls.verify_errors.empty())
      emit(res_.tls.verification_enabled ? Dir::Error : Dir::Tls,
           "Certificate NOT verified: " + join(res_.tls.verify_errors, "; "));
  }

  void authenticate() {
    begin_phase(Phase::Auth);
    res_.auth.offered = caps_.auth_mechanisms();
    if (s_.auth_type == AuthType::Default && s_.anonymous) {
      res_.auth.result = "skipped";
      info("Anonymous: not authenticating");
      return;
    }
    const bool bearer = is_oauth(s_.auth_type) || !opt_.oauth_access_token.empty();
    if (is_oauth(s_.auth_type) && opt_.oauth_access_token.empty())
      fail(FailureCategory::Config, std::string(oauth_provider_name(s_.auth_type)) +
                                        " OAuth needs an access token: sign in first (Authenticate), or give one directly");
    if (!stream_->tls() && !s_.allow_plaintext_auth)
      fail(FailureCategory::Auth,
           "Refusing to send credentials over an unencrypted connection. Use STARTTLS or implicit TLS, or allow "
           "plaintext AUTH explicitly if you accept the risk.");

    std::vector<std::string> skipped;
    res_.auth.permitted = sasl::permitted_mechanisms(s_.sasl_mechanisms, bearer, &skipped);
    for (const auto& m : skipped) info("SASL mechanism " + m + " is not implemented in this build; skipping it");
    if (res_.auth.offered.empty())
      fail(FailureCategory::Auth, "The server offers no authentication (no AUTH in the EHLO reply" +
                                      std::string(stream_->tls() ? "" : ", and many servers offer AUTH only after STARTTLS") +
                                      "). Choose Anonymous if the server accepts mail without it.");
    std::string chosen = sasl::choose_mechanism(res_.auth.permitted, res_.auth.offered);
    if (chosen.empty())
      fail(FailureCategory::Auth, "No authentication method enabled from those supported by the server (server offers: " +
                                      join(res_.auth.offered) + "; enabled here: " + join(res_.auth.permitted) + ")");
    res_.auth.mechanism = chosen;
    res_.auth.result = "failed";
    info("Authenticating with " + chosen + " (server offers " + join(res_.auth.offered) + "; enabled here " +
         join(res_.auth.permitted) + ")");
    if (bearer) note_token_claims();
    sasl_exchange(chosen, bearer);
    res_.auth.result = "ok";
  }

  // The token's audience and scopes when it is a JWT; the token itself is never shown.
  void note_token_claims() {
    auto claims = sasl::token_claims(opt_.oauth_access_token);
    if (!claims) return;
    res_.auth.token_is_jwt = true;
    res_.auth.token_audience = printable(claims->audience.substr(0, 200));
    res_.auth.token_scopes = printable(claims->scopes.substr(0, 500));
    info("Access token (a JWT, read without verifying): audience " +
         (res_.auth.token_audience.empty() ? std::string("(none)") : res_.auth.token_audience) + ", scopes " +
         (res_.auth.token_scopes.empty() ? std::string("(none)") : res_.auth.token_scopes));
  }

  // One SASL exchange (RFC 4954). Every step goes to the transcript as sent (base64, unless it carries a
  // secret) and decoded, secrets masked, and into the report's auth steps.
  void sasl_exchange(const std::string& chosen, bool bearer) {
    std::string user = bearer && !opt_.oauth_user.empty() ? opt_.oauth_user : s_.username;
    if (chosen == "NTLM") user = sasl::detail::ntlm_account(s_.auth_domain, user);
    sasl::Credentials credentials{user, bearer ? opt_.oauth_access_token : s_.password, {}, s_.address, s_.port};
    auto mech = sasl::make_mechanism(chosen, credentials);
    Reply r;
    if (auto first = mech->initial_response()) {
      // RFC 4954: a zero-length initial response is sent as "=".
      std::string wire = first->response.empty() ? "=" : base64_encode(first->response);
      auth_step("client", "AUTH " + chosen + " " + first->display);
      r = command("AUTH " + chosen + " " + wire,
                  "AUTH " + chosen + " " + (first->secret ? sasl::mask() : wire) + " (" + first->display + ")");
    } else {
      auth_step("client", "AUTH " + chosen);
      r = command("AUTH " + chosen);
    }
    for (int round = 0; r.code == 334; ++round) {
      if (round > 8) fail(FailureCategory::Auth, "The server kept sending challenges; giving up after 8 rounds");
      std::string text = r.lines.empty() ? std::string() : r.lines.front();
      auto challenge = base64_decode(text);
      if (!challenge) fail(FailureCategory::Auth, "The server's SASL challenge is not valid base64: \"" + text.substr(0, 60) + "\"", &r);
      std::string readable = mech->describe_challenge(*challenge);
      if (readable.empty()) readable = printable(*challenge);
      auth_step("server", "334 " + readable);
      if (!challenge->empty()) info("Challenge decoded: " + readable);
      sasl::Step step;
      try {
        step = mech->respond(*challenge);
      } catch (const sasl::SaslError& e) {
        auth_step("client", "* (cancelled: " + std::string(e.what()) + ")");
        send_line("*", "*");
        Reply cancelled = read_reply();
        auth_step("server", cancelled.first_line());
        fail(FailureCategory::Auth, std::string("Authentication aborted: ") + e.what(), &cancelled);
      }
      std::string wire = base64_encode(step.response);
      auth_step("client", step.display);
      r = command(wire, (step.secret ? sasl::mask() : (wire.empty() ? "(empty)" : wire)) + " (" + step.display + ")");
    }
    auth_step("server", r.first_line());
    if (r.code != 235) {
      FailureCategory c = r.code == 530 && text::contains_ci(r.text(), "starttls") ? FailureCategory::Tls : FailureCategory::Auth;
      fail(c, "Authentication failed: " + r.first_line(), &r);
    }
    if (mech->server_proof_missing())
      fail(FailureCategory::Auth, "The server accepted " + chosen +
                                      " without proving that it knows the password (no server signature): not trusted", &r);
  }

  void auth_step(std::string direction, std::string text) { res_.auth.steps.push_back({std::move(direction), std::move(text)}); }

  void send_message() {
    MessageSpec spec;
    if (req_.message) spec = *req_.message;
    if (spec.from.empty() || spec.to.empty())
      fail(FailureCategory::Config, "Sender and recipient are needed to check RCPT or to send a message (From, To)");
    if (spec.body_utf8.empty())
      spec.body_utf8 = "This is a test message from SMTP Workbench.\nIf you can read it, the connection settings work.\n";

    smtp::BuiltMessage msg;
    try {
      msg = smtp::build_message(spec, s_.code_page, res_.server.ehlo_name, caps_.has("8BITMIME"));
    } catch (const smtp::ConversionError& e) {
      fail(FailureCategory::Config, e.what());
    }
    std::string stuffed = smtp::dot_stuff(msg.data);
    res_.message.charset = msg.charset;
    res_.message.transfer_encoding = msg.transfer_encoding;
    res_.message.size_bytes = msg.data.size();
    if (auto limit = caps_.size_limit(); limit && *limit > 0 && msg.data.size() > *limit)
      fail_because("size-limit", FailureCategory::Smtp, "The message (" + std::to_string(msg.data.size()) + " bytes) exceeds the server's SIZE limit of " +
                                      std::to_string(*limit));

    std::string mail = "MAIL FROM:<" + spec.from + ">";
    if (msg.needs_8bitmime) mail += " BODY=8BITMIME";
    if (caps_.has("SIZE")) mail += " SIZE=" + std::to_string(stuffed.size());
    std::vector<Command> envelope{{mail, Phase::Mail, {250}, "The server rejected the sender " + spec.from}};
    for (const auto& to : spec.to)
      envelope.push_back({"RCPT TO:<" + to + ">", Phase::Rcpt, {250, 251}, "The server rejected the recipient " + to});
    if (req_.stop_after == StopAfter::Rcpt) return run_group(envelope);
    envelope.push_back({"DATA", Phase::Data, {354}, "The server refused DATA"});
    run_group(envelope);

    info("Sending the message: " + std::to_string(msg.data.size()) + " bytes, charset " + msg.charset + ", " +
         msg.transfer_encoding);
    std::string body_display = "<message body, " + std::to_string(stuffed.size()) + " bytes>";
    if (pipelining()) {  // RFC 2920: QUIT may follow the final dot; its reply is read after the dot's
      emit(Dir::Client, body_display, stream_->tls());
      emit(Dir::Client, ".", stream_->tls());
      emit(Dir::Client, "QUIT", stream_->tls(), Phase::Quit);
      write_bytes(stuffed + ".\r\nQUIT\r\n");
      quit_sent_ = true;
    } else {
      send_raw(stuffed + ".\r\n", body_display, false);
      emit(Dir::Client, ".", stream_->tls());
    }
    Reply done = read_reply();
    res_.message.server_reply = done.first_line();
    expect(done, {250}, "The server did not accept the message");
    res_.message.accepted = true;
  }

  void quit() {
    begin_phase(Phase::Quit);
    try {
      if (!quit_sent_) send_line("QUIT", "QUIT");
      auto until = net::Deadline::in(std::min<std::chrono::milliseconds>(std::chrono::seconds(s_.timeout_s), std::chrono::seconds(5)));
      Reply r = read_reply(until);
      if (r.code != 221) info("Unexpected reply to QUIT: " + r.first_line());
    } catch (const Failed& f) {
      info("No proper answer to QUIT (" + f.failure.message + "); closing");
    }
  }

  // ---- I/O helpers ----
  struct Command {
    std::string line;
    Phase phase;
    std::vector<int> ok;  // the reply codes that let the dialogue go on
    std::string refusal;  // what another reply means
  };

  // RFC 2920, when the server offers it. Step mode pipelines nothing: the gate waits before every command.
  bool pipelining() const { return !opt_.step_gate && caps_.has("PIPELINING"); }

  // Sends the commands and checks each reply in order. Pipelined, they go out in one write and the
  // replies, which come back in the same order, are all read (and shown) before the first refusal fails
  // the test. The last command of a group is one whose reply decides what comes next (DATA).
  void run_group(const std::vector<Command>& group) {
    if (!pipelining()) {
      for (const auto& c : group) {
        if (phase_ != c.phase) begin_phase(c.phase);
        if (c.phase == Phase::Data) res_.message.attempted = true;
        expect(command(c.line), c.ok, c.refusal);
      }
      return;
    }
    begin_phase(group.front().phase);
    std::string wire;
    for (const auto& c : group) {
      emit(Dir::Client, c.line, stream_->tls(), c.phase);
      wire += c.line + "\r\n";
    }
    write_bytes(wire);
    std::optional<Failure> refused;
    Reply r;
    for (const auto& c : group) {
      if (phase_ != c.phase) begin_phase(c.phase);
      if (c.phase == Phase::Data && !refused) res_.message.attempted = true;
      try {
        r = read_reply();
      } catch (const Failed&) {
        if (refused) break;  // e.g. the server closed after refusing: its refusal is the news
        throw;
      }
      if (!refused) refused = rejection(r, c.ok, c.refusal);
    }
    if (!refused) return;
    if (r.code == 354)
      info("The server accepted DATA although an earlier command was refused; closing the connection without "
           "sending the message, so that nothing is delivered");
    throw Failed{*refused};
  }

  std::optional<Failure> rejection(const Reply& r, const std::vector<int>& ok, const std::string& what) const {
    if (std::find(ok.begin(), ok.end(), r.code) != ok.end()) return std::nullopt;
    FailureCategory c = FailureCategory::Smtp;
    if (r.code == 530) c = text::contains_ci(r.text(), "starttls") ? FailureCategory::Tls : FailureCategory::Auth;
    return failure(c, what + ": " + r.first_line(), &r);
  }

  void expect(const Reply& r, const std::vector<int>& ok, const std::string& what) {
    if (auto refused = rejection(r, ok, what)) throw Failed{std::move(*refused)};
  }

  Reply command(const std::string& line, const std::string& display = {}) {
    reject_unsolicited();
    send_line(line, display.empty() ? line : display);
    return read_reply();
  }

  // Bytes already waiting before a command is sent answer no command of ours: acting on them would put
  // every later reply out of step with its command.
  void reject_unsolicited() {
    if (!parser_.buffered()) return;
    std::string unsolicited = parser_.take_buffered();
    std::string first_line = printable(unsolicited.substr(0, std::min(unsolicited.find_first_of("\r\n"), std::size_t{80})));
    emit(Dir::Server, first_line, stream_->tls());
    fail_because("unsolicited", FailureCategory::Smtp, "The server sent a reply to a command never sent (\"" + first_line +
                                    "\"): the dialogue is out of step, so the test stops here");
  }

  void send_line(const std::string& line, const std::string& display) { send_raw(line + "\r\n", display); }

  void send_raw(const std::string& bytes, const std::string& display, bool commands_allowed = true) {
    pause_before(display, commands_allowed);
    write_now(bytes, display);
  }

  // Step mode: wait for Step/Continue; run any command the user types meanwhile through the same stream.
  void pause_before(const std::string& display, bool commands_allowed) {
    if (!opt_.step_gate) return;
    while (auto typed = opt_.step_gate->wait(display, [this] { return cancel_.load(); }, [this] { queue_.wake(); })) {
      if (!commands_allowed) {
        emit(Dir::Error, "A command cannot be sent while the message body is pending; Step sends the body");
        continue;
      }
      write_now(*typed + "\r\n", *typed);
      read_reply();
    }
    if (cancel_.load()) throw net::Cancelled();
  }

  void write_now(const std::string& bytes, const std::string& display) {
    emit(Dir::Client, display, stream_->tls());
    write_bytes(bytes);
  }

  void write_bytes(const std::string& bytes) {
    try {
      stream_->write_all(bytes, deadline());
    } catch (const net::TimedOut&) {
      fail(FailureCategory::Timeout, "Sending to the server did not finish within " + std::to_string(s_.timeout_s) + " s");
    } catch (const net::NetError& e) {
      fail_because("reset", FailureCategory::Smtp, std::string("The connection was lost while sending: ") + e.what());
    }
  }

  Reply read_reply() { return read_reply(deadline()); }

  // The deadline bounds the whole reply, not each byte, so a trickling server cannot hold us forever.
  Reply read_reply(net::Deadline until) {
    Reply reply;
    while (true) {
      auto status = parser_.next(reply);
      if (status == smtp::ReplyParser::Status::Complete) {
        for (const auto& line : parser_.raw_lines()) {
          if (cancel_.load()) throw net::Cancelled();
          emit(Dir::Server, line, stream_->tls());
        }
        return reply;
      }
      if (status == smtp::ReplyParser::Status::Malformed) {
        if (phase_ == Phase::Banner) note_foreign_protocol(parser_.take_buffered());
        fail_because("malformed", FailureCategory::Smtp, "The server sent a malformed reply: " + parser_.error());
      }
      const char* no_reply = parser_.buffered() ? "slow-reply" : "no-reply";
      if (until.passed())  // also bounds a server that never stops sending
        fail_because(no_reply, FailureCategory::Timeout, "No complete reply from the server within " + std::to_string(s_.timeout_s) + " s");
      char buf[16384];
      std::size_t n = 0;
      try {
        n = stream_->read_some(buf, sizeof buf, until);
      } catch (const net::TimedOut&) {
        fail_because(no_reply, FailureCategory::Timeout, "No complete reply from the server within " + std::to_string(s_.timeout_s) + " s" +
                                           (phase_ == Phase::Banner ? " (no greeting: if this port uses implicit TLS, e.g. 465, choose Implicit)" : ""));
      } catch (const net::NetError& e) {
        fail_because("reset", phase_ == Phase::Banner ? FailureCategory::Connect : FailureCategory::Smtp,
                     std::string("The connection was lost: ") + e.what());
      }
      if (n == 0)
        fail_because("closed", phase_ == Phase::Banner ? FailureCategory::Connect : FailureCategory::Smtp,
                     std::string("The server closed the connection") + (parser_.buffered() ? " in the middle of a reply" : ""));
      parser_.feed(std::string_view(buf, n));
    }
  }

  const ConnectionSettings& s_;
  const TestRequest& req_;
  const SessionOptions& opt_;
  EventQueue& queue_;
  const net::CancelFlag& cancel_;
  std::atomic<Phase>& live_phase_;
  SessionResult& res_;
  Clock::time_point t0_;
  std::string log_id_;
  Phase phase_ = Phase::Resolve;
  double phase_start_ = 0;
  bool in_phase_ = false;
  std::unique_ptr<net::Stream> stream_;
  std::string local_address_;
  smtp::ReplyParser parser_;
  smtp::Capabilities caps_;
  bool quit_sent_ = false;  // pipelined after the message
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
  return session.result();
}

}  // namespace smtpwb

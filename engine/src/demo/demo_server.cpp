#include "smtpwb/demo_server.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <cctype>
#include <system_error>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <list>

#include "smtpwb/base64.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/platform.hpp"

#include "text.hpp"

namespace smtpwb {

namespace {

constexpr std::pair<std::string_view, DemoFault> kFaults[] = {
    {"none", DemoFault::None},
    {"no-banner", DemoFault::NoBanner},
    {"close-on-connect", DemoFault::CloseOnConnect},
    {"greet-421", DemoFault::Greet421},
    {"no-starttls", DemoFault::NoStartTls},
    {"starttls-454", DemoFault::StartTls454},
    {"starttls-injection", DemoFault::StartTlsInjection},
    {"plaintext-on-implicit", DemoFault::PlaintextOnImplicit},
    {"cert-expired", DemoFault::CertExpired},
    {"cert-not-yet-valid", DemoFault::CertNotYetValid},
    {"cert-wrong-name", DemoFault::CertWrongName},
    {"gmail-bad-credentials", DemoFault::GmailBadCredentials},
    {"gmail-web-login", DemoFault::GmailWebLogin},
    {"o365-smtp-auth-disabled", DemoFault::O365SmtpAuthDisabled},
    {"o365-basic-auth-disabled", DemoFault::O365BasicAuthDisabled},
    {"ses-bad-credentials", DemoFault::SesBadCredentials},
    {"ses-unverified-sender", DemoFault::SesUnverifiedSender},
    {"auth-too-weak", DemoFault::AuthTooWeak},
    {"auth-rate-limited", DemoFault::AuthRateLimited},
    {"ehlo-rejected", DemoFault::EhloRejected},
    {"sender-not-owned", DemoFault::SenderNotOwned},
    {"tls-on-plain", DemoFault::TlsOnPlain},
    {"ehlo-cut", DemoFault::EhloCut},
    {"huge-line", DemoFault::HugeLine},
    {"mixed-codes", DemoFault::MixedCodes},
    {"garbage", DemoFault::Garbage},
    {"trickle", DemoFault::Trickle},
    {"tls-reset", DemoFault::TlsReset},
    {"auth-empty", DemoFault::AuthEmpty},
    {"unsolicited", DemoFault::Unsolicited},
    {"long-chain", DemoFault::LongChain},
    {"quit-hang", DemoFault::QuitHang},
    {"starttls-plaintext", DemoFault::StartTlsPlaintext},
    {"close-after-banner", DemoFault::CloseAfterBanner},
    {"tls-handshake-reset", DemoFault::TlsHandshakeReset},
    {"greet-554", DemoFault::Greet554},
    {"ssh-service", DemoFault::SshService},
    {"http-service", DemoFault::HttpService},
    {"imap-service", DemoFault::ImapService},
    {"pop3-service", DemoFault::Pop3Service},
    {"auth-temporary-failure", DemoFault::AuthTemporaryFailure},
    {"auth-mechanism-disabled", DemoFault::AuthMechanismDisabled},
    {"auth-not-enabled", DemoFault::AuthNotEnabled},
    {"recipient-unknown", DemoFault::RecipientUnknown},
    {"message-rejected-spam", DemoFault::MessageRejectedSpam},
    {"message-too-big", DemoFault::MessageTooBig},
    {"too-many-recipients", DemoFault::TooManyRecipients},
    {"mailbox-full", DemoFault::MailboxFull},
    {"queue-write-error", DemoFault::QueueWriteError},
};

// A provider's refusal replayed word for word: the reply to `verb` (".": the end of DATA), and the
// banner the provider greets with, if it matters for recognising it.
struct ScriptedReply {
  DemoFault fault;
  std::string_view banner;
  std::string_view verb;
  std::string_view reply;
};
constexpr std::string_view kGmailBanner = "smtp.gmail.com ESMTP d9443c01a7336-2f1b3c0d1e5sm1234567.12 - gsmtp";
constexpr std::string_view kO365Banner =
    "AM0PR02CA0033.outlook.office365.com Microsoft ESMTP MAIL Service ready at Sat, 28 Nov 2026 10:00:00 +0000";
constexpr std::string_view kSesBanner = "email-smtp.amazonaws.com ESMTP SimpleEmailService-d-6QTVKHFRT";
constexpr std::string_view kExchangeBanner = "mail.contoso.com Microsoft ESMTP MAIL Service ready at Sat, 28 Nov 2026 10:00:00 +0000";
constexpr ScriptedReply kScripts[] = {
    {DemoFault::GmailBadCredentials, kGmailBanner, "AUTH",
     "535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
     "535 5.7.8  https://support.google.com/mail/?p=BadCredentials d9443c01a7336-2f1b3c0d1e5sm1234567.12 - gsmtp\r\n"},
    {DemoFault::GmailWebLogin, kGmailBanner, "AUTH",
     "534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbt>\r\n"
     "534-5.7.14 Please log in via your web browser and then try again.\r\n"
     "534-5.7.14  Learn more at\r\n"
     "534 5.7.14  https://support.google.com/mail/answer/78754 d9443c01a7336-2f1b3c0d1e5sm1234567.12 - gsmtp\r\n"},
    {DemoFault::O365SmtpAuthDisabled, kO365Banner, "AUTH",
     "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
     "https://aka.ms/smtp_auth_disabled for more information. [AM0PR02CA0033.eurprd02.prod.outlook.com 2026-11-28T10:00:00.000Z]\r\n"},
    {DemoFault::O365BasicAuthDisabled, kO365Banner, "AUTH",
     "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [AM0PR02CA0033.eurprd02.prod.outlook.com]\r\n"},
    {DemoFault::SesBadCredentials, kSesBanner, "AUTH", "535 Authentication Credentials Invalid\r\n"},
    {DemoFault::SesUnverifiedSender, kSesBanner, ".",
     "554 Message rejected: Email address is not verified. The following identities failed the check in region "
     "EU-WEST-1: demo@demo.test\r\n"},
    {DemoFault::AuthTooWeak, {}, "AUTH", "534 5.7.9 Authentication mechanism is too weak\r\n"},
    {DemoFault::AuthRateLimited, {}, "AUTH", "454 4.7.0 Too many login attempts, please try again later.\r\n"},
    {DemoFault::EhloRejected, {}, "EHLO", "501 5.5.4 Syntax: EHLO hostname\r\n"},
    {DemoFault::SenderNotOwned, {}, "MAIL", "553 5.7.1 <demo@demo.test>: Sender address rejected: not owned by user demo\r\n"},
    {DemoFault::AuthTemporaryFailure, {}, "AUTH", "454 4.7.0 Temporary authentication failure: generic failure\r\n"},
    {DemoFault::AuthMechanismDisabled, kExchangeBanner, "AUTH", "504 5.7.4 Unrecognized authentication type [AM0PR02CA0033.eurprd02.prod.outlook.com]\r\n"},
    {DemoFault::AuthNotEnabled, {}, "AUTH", "503 5.5.1 Error: authentication not enabled\r\n"},
    {DemoFault::RecipientUnknown, {}, "RCPT", "550 5.1.1 <nobody@demo.test>: Recipient address rejected: User unknown in local recipient table\r\n"},
    {DemoFault::MessageRejectedSpam, {}, ".", "554 5.7.1 Message rejected as spam by Content Filtering.\r\n"},
    {DemoFault::MessageTooBig, {}, ".", "552 5.3.4 Message size exceeds fixed limit\r\n"},
    {DemoFault::TooManyRecipients, {}, "RCPT", "452 4.5.3 Error: too many recipients\r\n"},
    {DemoFault::MailboxFull, {}, ".", "552 5.2.2 <demo@demo.test>: Mailbox full: quota exceeded\r\n"},
    {DemoFault::QueueWriteError, {}, ".", "451 4.3.0 Error: queue file write error\r\n"},
};

const ScriptedReply* script_for(DemoFault f) {
  for (const auto& s : kScripts)
    if (s.fault == f) return &s;
  return nullptr;
}

// A demo CA and a leaf for localhost / 127.0.0.1, made fresh at every start (EC P-256).
struct Pki {
  std::string ca_pem;
  std::string chain_pem;  // leaf + CA
  std::string key_pem;
};

struct Drbg {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context ctr;
  Drbg() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&ctr);
    if (mbedtls_ctr_drbg_seed(&ctr, mbedtls_entropy_func, &entropy, nullptr, 0) != 0) throw std::runtime_error("demo: seeding failed");
  }
  ~Drbg() {
    mbedtls_ctr_drbg_free(&ctr);
    mbedtls_entropy_free(&entropy);
  }
};

struct Key {
  mbedtls_pk_context pk;
  explicit Key(Drbg& rng) {
    mbedtls_pk_init(&pk);
    if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, &rng.ctr) != 0)
      throw std::runtime_error("demo: key generation failed");
  }
  ~Key() { mbedtls_pk_free(&pk); }
  std::string pem() {
    unsigned char buf[4096] = {};
    if (mbedtls_pk_write_key_pem(&pk, buf, sizeof buf) != 0) throw std::runtime_error("demo: key export failed");
    return reinterpret_cast<char*>(buf);
  }
};

std::string validity_time(std::time_t t) {
  std::tm tm = platform::utc_time(t);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

struct Validity {
  std::time_t from, to;
};

// ca_pathlen: how many intermediates may follow a CA certificate (-1: no limit).
std::string write_cert(Drbg& rng, Key& subject_key, Key& issuer_key, const char* subject, const char* issuer, bool ca,
                       unsigned char serial, Validity validity, int ca_pathlen = 0, const char* dns_name = "localhost",
                       bool ip_san = true) {
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  unsigned char serial_bytes[1] = {serial};
  mbedtls_x509_san_list ip{}, dns{};
  unsigned char loopback[4] = {127, 0, 0, 1};
  ip.node.type = MBEDTLS_X509_SAN_IP_ADDRESS;
  ip.node.san.unstructured_name.p = loopback;
  ip.node.san.unstructured_name.len = 4;
  dns.node.type = MBEDTLS_X509_SAN_DNS_NAME;
  dns.node.san.unstructured_name.p = reinterpret_cast<unsigned char*>(const_cast<char*>(dns_name));
  dns.node.san.unstructured_name.len = std::strlen(dns_name);
  dns.next = ip_san ? &ip : nullptr;

  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, &subject_key.pk);
  mbedtls_x509write_crt_set_issuer_key(&crt, &issuer_key.pk);
  int rc = mbedtls_x509write_crt_set_serial_raw(&crt, serial_bytes, 1);
  rc = rc ? rc : mbedtls_x509write_crt_set_subject_name(&crt, subject);
  rc = rc ? rc : mbedtls_x509write_crt_set_issuer_name(&crt, issuer);
  rc = rc ? rc : mbedtls_x509write_crt_set_validity(&crt, validity_time(validity.from).c_str(), validity_time(validity.to).c_str());
  rc = rc ? rc : mbedtls_x509write_crt_set_basic_constraints(&crt, ca ? 1 : 0, ca ? ca_pathlen : -1);
  rc = rc ? rc : mbedtls_x509write_crt_set_key_usage(&crt, ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                                                             : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
  if (!ca) rc = rc ? rc : mbedtls_x509write_crt_set_subject_alternative_name(&crt, &dns);
  unsigned char buf[4096] = {};
  rc = rc ? rc : mbedtls_x509write_crt_pem(&crt, buf, sizeof buf, mbedtls_ctr_drbg_random, &rng.ctr);
  mbedtls_x509write_crt_free(&crt);
  if (rc != 0) throw std::runtime_error("demo: certificate creation failed (" + std::to_string(rc) + ")");
  return reinterpret_cast<char*>(buf);
}

Pki make_pki(DemoFault fault) {
  net::init_crypto();
  Drbg rng;
  Key ca_key(rng), leaf_key(rng);
  const std::string ca_name = "CN=SMTP Workbench Demo CA,O=SMTP Workbench";
  constexpr std::time_t kDay = 86400;
  std::time_t now = std::time(nullptr);
  Validity ca_validity{now - kDay, now + 365 * kDay}, leaf_validity{now - kDay, now + 30 * kDay};
  if (fault == DemoFault::CertExpired) leaf_validity = {now - 60 * kDay, now - 30 * kDay};
  if (fault == DemoFault::CertNotYetValid) leaf_validity = {now + 30 * kDay, now + 60 * kDay};
  const bool wrong_name = fault == DemoFault::CertWrongName;
  // CA certificates between the root and the leaf (the long-chain fault: 20 certificates in all).
  const int intermediates = fault == DemoFault::LongChain ? 18 : 0;
  Pki pki;
  pki.ca_pem = write_cert(rng, ca_key, ca_key, ca_name.c_str(), ca_name.c_str(), true, 1, ca_validity, intermediates ? -1 : 0);
  std::string issuer_name = ca_name, upper_chain = pki.ca_pem;
  std::unique_ptr<Key> issuer_key;
  for (int i = 1; i <= intermediates; ++i) {
    auto key = std::make_unique<Key>(rng);
    std::string name = "CN=SMTP Workbench Demo Intermediate " + std::to_string(i) + ",O=SMTP Workbench";
    upper_chain = write_cert(rng, *key, issuer_key ? *issuer_key : ca_key, name.c_str(), issuer_name.c_str(), true,
                             static_cast<unsigned char>(2 + i), ca_validity, -1) + upper_chain;
    issuer_name = name;
    issuer_key = std::move(key);
  }
  pki.chain_pem = write_cert(rng, leaf_key, issuer_key ? *issuer_key : ca_key,
                             wrong_name ? "CN=mail.other.test,O=SMTP Workbench demo" : "CN=localhost,O=SMTP Workbench demo",
                             issuer_name.c_str(), false, 2, leaf_validity, 0, wrong_name ? "mail.other.test" : "localhost",
                             !wrong_name) +
                  upper_chain;
  pki.key_pem = leaf_key.pem();
  return pki;
}

// Ends a conversation at once (the socket closes); the demo server keeps serving others.
struct HangUp {};

using text::upper;

// One client connection, handled on its own thread.
class Conversation {
 public:
  Conversation(net::Fd fd, bool implicit, const DemoServerConfig& config, const Pki& pki, const std::atomic<bool>& stop,
               std::mutex& mutex, std::vector<DemoMessage>& messages)
      : stream_(std::move(fd), stop), implicit_(implicit), config_(config), pki_(pki), stop_(stop), mutex_(mutex),
        messages_(messages) {}

  void run() {
    try {
      serve();
    } catch (const HangUp&) {
    } catch (const std::exception&) {
      // A client that goes away, or a stop, ends the conversation; the demo server keeps serving.
    }
  }

 private:
  static net::Deadline idle() { return net::Deadline::in(std::chrono::seconds(60)); }

  void send(const std::string& text) { stream_.write_all(text, idle()); }

  bool read_line(std::string& line) {
    while (true) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        buffer_.erase(0, nl + 1);
        return true;
      }
      if (buffer_.size() > 65536) return false;
      char buf[4096];
      auto n = stream_.read_some(buf, sizeof buf, idle());
      if (n == 0) return false;
      buffer_.append(buf, n);
    }
  }

  // Says nothing more and keeps the connection open until the client closes it (or the server stops).
  [[noreturn]] void hold() {
    std::string ignored;
    while (read_line(ignored)) {}
    throw HangUp{};
  }

  // Closes with a FIN the client is sure to read as such: closing with its next command still unread
  // would make the kernel answer with RST instead, and which one the client sees would be a race.
  [[noreturn]] void close_cleanly() {
    net::shutdown_send(stream_.fd());
    hold();
  }

  // Resets the connection (RST instead of FIN).
  [[noreturn]] void reset() {
    net::reset_on_close(stream_.fd());
    throw HangUp{};
  }

  bool pause(std::chrono::milliseconds how_long) {
    for (auto until = std::chrono::steady_clock::now() + how_long; std::chrono::steady_clock::now() < until;) {
      if (stop_.load()) return false;
      std::this_thread::sleep_for(net::kSlice);
    }
    return true;
  }

  // The greeting, or the fault that replaces it.
  void greet() {
    const auto fault = config_.fault;
    const ScriptedReply* script = script_for(fault);
    const std::string banner = "220 " + (script && !script->banner.empty() ? std::string(script->banner)
                                                                         : config_.hostname + " ESMTP SMTP Workbench demo server") +
                               "\r\n";
    switch (fault) {
      case DemoFault::Greet421: send("421 4.3.2 " + config_.hostname + " Service not available, closing\r\n"); throw HangUp{};
      case DemoFault::Greet554: send("554 5.7.1 " + config_.hostname + " Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org\r\n"); throw HangUp{};
      case DemoFault::SshService: send("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"); hold();
      case DemoFault::ImapService:
        send("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n");
        hold();
      case DemoFault::Pop3Service: send("+OK Dovecot (Debian) ready.\r\n"); hold();
      case DemoFault::HttpService: {
        char request[1024];  // a web server waits for a request; whatever comes is a bad one
        if (stream_.read_some(request, sizeof request, idle()) > 0)
          send("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n");
        throw HangUp{};
      }
      case DemoFault::HugeLine: send(std::string(1 << 20, 'x')); hold();
      case DemoFault::MixedCodes: send("220-" + config_.hostname + " ESMTP\r\n250 a continuation line with another code\r\n"); hold();
      case DemoFault::Garbage: send(garbage(4096)); hold();
      case DemoFault::Trickle:
        for (char c : banner) {
          send(std::string(1, c));
          if (!pause(std::chrono::seconds(1))) throw HangUp{};
        }
        return;
      case DemoFault::TlsReset: if (implicit_) reset(); break;
      case DemoFault::Unsolicited: return send(banner + "250 2.0.0 Ok (a reply to a command never sent)\r\n");
      case DemoFault::CloseAfterBanner: send(banner); close_cleanly();
      default: break;
    }
    send(banner);
  }

  // Deterministic binary bytes, line ends included, that never start a reply line.
  static std::string garbage(std::size_t n) {
    std::string out;
    std::uint32_t x = 2463534242u;
    for (std::size_t i = 0; i < n; ++i) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      out += static_cast<char>(i % 64 == 63 ? '\n' : (x & 0x7f) | 0x80);
    }
    return out;
  }

  void serve() {
    const auto fault = config_.fault;
    if (fault == DemoFault::CloseOnConnect) return;
    if (fault == DemoFault::NoBanner) hold();
    if (fault == DemoFault::TlsHandshakeReset && implicit_) {
      char client_hello[512];
      stream_.read_some(client_hello, sizeof client_hello, idle());
      reset();
    }
    if ((implicit_ && fault != DemoFault::PlaintextOnImplicit) || (!implicit_ && fault == DemoFault::TlsOnPlain))
      stream_.start_tls_server({pki_.chain_pem, pki_.key_pem}, TlsVersionSet::modern(), idle());
    greet();
    const ScriptedReply* script = script_for(fault);  // a provider's real refusal, replayed

    std::string line;
    while (read_line(line)) {
      sent_ahead_ += !buffer_.empty();
      std::string verb = upper(line.substr(0, line.find(' ')));
      std::string arg = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
      if (!config_.stall_on.empty() && verb == config_.stall_on) hold();
      if (script && verb == script->verb) send(std::string(script->reply));
      else if (verb == "EHLO") ehlo(arg);
      else if (verb == "HELO") send("250 " + config_.hostname + "\r\n");
      else if (verb == "STARTTLS") { if (!starttls()) return; }
      else if (verb == "AUTH") auth(arg);
      else if (verb == "MAIL") mail(arg);
      else if (verb == "RCPT") rcpt(arg);
      else if (verb == "DATA") data();
      else if (verb == "RSET") { current_ = {}; send("250 2.0.0 Ok\r\n"); }
      else if (verb == "NOOP") send("250 2.0.0 Ok\r\n");
      else if (verb == "QUIT") {
        send("221 2.0.0 Bye\r\n");
        if (fault == DemoFault::QuitHang) hold();
        return;
      }
      else send("502 5.5.2 Error: command not recognized\r\n");
    }
  }

  bool secure() const { return stream_.tls(); }

  void ehlo(const std::string& name) {
    if (name.empty()) return send("501 5.5.4 Syntax: EHLO hostname\r\n");
    std::string r = "250-" + config_.hostname + " greets " + name + "\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n";
    if (config_.fault == DemoFault::EhloCut) {
      send(r);
      throw HangUp{};
    }
    if (!secure() && config_.fault != DemoFault::NoStartTls) r += "250-STARTTLS\r\n";
    if (secure()) r += config_.fault == DemoFault::AuthEmpty ? "250-AUTH\r\n" : "250-AUTH PLAIN LOGIN\r\n";
    r += "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
    send(r);
  }

  bool starttls() {
    if (secure() || config_.fault == DemoFault::NoStartTls) {
      send("502 5.5.1 STARTTLS not available\r\n");
      return true;
    }
    if (config_.fault == DemoFault::StartTls454) {
      send("454 4.7.0 TLS not available due to local problem\r\n");
      return true;
    }
    std::string ready = "220 2.0.0 Ready to start TLS\r\n";
    if (config_.fault == DemoFault::StartTlsInjection) ready += "250 2.0.0 injected reply\r\n";
    send(ready);
    if (config_.fault == DemoFault::StartTlsPlaintext) {
      char client_hello[512];
      stream_.read_some(client_hello, sizeof client_hello, idle());
      send("250 2.0.0 plain text instead of a ServerHello\r\n");
      hold();
    }
    buffer_.clear();  // a real server must not act on plaintext pipelined after STARTTLS either
    stream_.start_tls_server({pki_.chain_pem, pki_.key_pem}, TlsVersionSet::modern(), idle());
    return true;
  }

  void auth(const std::string& arg) {
    if (!secure()) return send("538 5.7.11 Encryption required for requested authentication mechanism\r\n");
    if (authenticated_) return send("503 5.5.1 Error: already authenticated\r\n");
    std::string mech = upper(arg.substr(0, arg.find(' ')));
    std::string initial = arg.find(' ') == std::string::npos ? "" : arg.substr(arg.find(' ') + 1);
    std::string user, pass;
    if (mech == "PLAIN") {
      std::string b64 = initial;
      if (b64.empty()) {
        send("334 \r\n");
        if (!read_line(b64)) return;
      }
      if (b64 == "*") return send("501 5.7.0 Authentication aborted\r\n");
      auto decoded = base64_decode(b64 == "=" ? "" : b64);
      if (!decoded) return send("501 5.5.2 Cannot decode response\r\n");
      auto first = decoded->find('\0'), second = decoded->find('\0', first + 1);
      if (first == std::string::npos || second == std::string::npos) return send("501 5.5.2 Invalid PLAIN response\r\n");
      user = decoded->substr(first + 1, second - first - 1);
      pass = decoded->substr(second + 1);
    } else if (mech == "LOGIN") {
      std::string u = initial, p;
      if (u.empty()) {
        send("334 " + base64_encode("Username:") + "\r\n");
        if (!read_line(u)) return;
      }
      send("334 " + base64_encode("Password:") + "\r\n");
      if (!read_line(p)) return;
      auto du = base64_decode(u), dp = base64_decode(p);
      if (!du || !dp) return send("501 5.5.2 Cannot decode response\r\n");
      user = *du;
      pass = *dp;
    } else {
      return send("504 5.5.4 Unrecognized authentication type\r\n");
    }
    if (user == config_.username && pass == config_.password) {
      authenticated_ = true;
      return send("235 2.7.0 Authentication successful\r\n");
    }
    send("535 5.7.8 Error: authentication failed: bad user name or password\r\n");
  }

  // The address in "FROM:<a@b>" / "TO:<a@b>", or nothing when the syntax is wrong.
  static std::optional<std::string> path_of(const std::string& arg, const char* prefix) {
    if (upper(arg.substr(0, std::strlen(prefix))) != prefix) return std::nullopt;
    auto open = arg.find('<'), close = arg.find('>');
    if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
    return arg.substr(open + 1, close - open - 1);
  }

  void mail(const std::string& arg) {
    auto from = path_of(arg, "FROM:");
    if (!from) return send("501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
    if (!authenticated_) return send("530 5.7.0 Authentication required\r\n");
    current_ = {};
    current_.mail_from = *from;
    in_transaction_ = true;
    send("250 2.1.0 Ok\r\n");
  }

  void rcpt(const std::string& arg) {
    auto to = path_of(arg, "TO:");
    if (!to) return send("501 5.5.4 Syntax: RCPT TO:<address>\r\n");
    if (!in_transaction_) return send("503 5.5.1 Error: need MAIL command\r\n");
    current_.rcpt_to.push_back(*to);
    send("250 2.1.5 Ok\r\n");
  }

  void data() {
    if (current_.rcpt_to.empty()) return send("503 5.5.1 Error: need RCPT command\r\n");
    send("354 End data with <CR><LF>.<CR><LF>\r\n");
    std::string line;
    while (read_line(line)) {
      if (line == "." && config_.stall_on == ".") hold();
      if (line == ".") {
        current_.sent_ahead = sent_ahead_ + !buffer_.empty();
        if (const auto* script = script_for(config_.fault); script && script->verb == ".") {
          current_ = {};
          in_transaction_ = false;
          return send(std::string(script->reply));
        }
        std::size_t count;
        {
          std::lock_guard lock(mutex_);
          messages_.push_back(current_);
          count = messages_.size();
        }
        current_ = {};
        in_transaction_ = false;
        return send("250 2.0.0 Ok: queued as DEMO" + std::to_string(count) + "\r\n");
      }
      if (!line.empty() && line.front() == '.') line.erase(0, 1);
      current_.data += line + "\r\n";
    }
  }

  net::Stream stream_;
  bool implicit_;
  const DemoServerConfig& config_;
  const Pki& pki_;
  const std::atomic<bool>& stop_;
  std::mutex& mutex_;
  std::vector<DemoMessage>& messages_;
  std::string buffer_;
  bool authenticated_ = false;
  bool in_transaction_ = false;
  int sent_ahead_ = 0;
  DemoMessage current_;
};

}  // namespace

std::optional<DemoFault> parse_demo_fault(std::string_view name) {
  for (const auto& [n, f] : kFaults)
    if (n == name) return f;
  return std::nullopt;
}

std::vector<DemoFault> all_demo_faults() {
  std::vector<DemoFault> out;
  for (const auto& [name, fault] : kFaults) out.push_back(fault);
  return out;
}

std::string_view to_string(DemoFault f) {
  for (const auto& [n, v] : kFaults)
    if (v == f) return n;
  return "?";
}

struct DemoServer::Impl {
  Pki pki;
  net::Fd plain, implicit;
  std::string dir;
  mutable std::mutex mutex;
  std::vector<DemoMessage> messages;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };
  std::list<Worker> workers;  // only the acceptor thread touches it while running

  void reap_finished() {
    for (auto it = workers.begin(); it != workers.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers.erase(it);
      } else {
        ++it;
      }
    }
  }
};

DemoServer::DemoServer(DemoServerConfig config) : config_(std::move(config)), impl_(std::make_unique<Impl>()) {}

DemoServer::~DemoServer() { stop(); }

void DemoServer::start() {
  impl_->pki = make_pki(config_.fault);
  auto dir = platform::make_temp_dir("smtpwb-demo-");
  if (dir.empty()) throw std::runtime_error("demo: cannot create a temporary directory");
  impl_->dir = platform::utf8_from_path(dir);
  ca_file_ = platform::utf8_from_path(dir / "demo-ca.pem");
  std::ofstream(dir / "demo-ca.pem", std::ios::binary) << impl_->pki.ca_pem;
  impl_->plain = net::listen_loopback(port_);
  impl_->implicit = net::listen_loopback(implicit_port_);
  stop_ = false;
  acceptor_ = std::thread([this] { accept_loop(); });
}

void DemoServer::accept_loop() {
  while (!stop_.load()) {
    const std::vector<net::SocketHandle> listeners{impl_->plain.get(), impl_->implicit.get()};
    auto ready = net::readable(listeners, net::kSlice);
    for (std::size_t i = 0; i < listeners.size(); ++i) {
      if (!ready[i]) continue;
      int error = 0;
      net::Fd client = net::accept_connection(listeners[i], &error);
      if (!client) {
        // Out of descriptors, say: the socket stays readable, so pause instead of spinning.
        if (error != 0) std::this_thread::sleep_for(net::kSlice);
        continue;
      }
      net::set_no_delay(client.get());  // TLS writes several records per flight: without this, Nagle delays them ~40 ms
      bool implicit = i == 1;
      Impl::Worker worker;
      auto done = worker.done;
      auto shared_fd = std::make_shared<net::Fd>(std::move(client));
      try {
        worker.thread = std::thread([this, shared_fd, implicit, done] {
          Conversation conv(std::move(*shared_fd), implicit, config_, impl_->pki, stop_, impl_->mutex, impl_->messages);
          conv.run();
          done->store(true);
        });
      } catch (const std::system_error&) {
        continue;  // no thread to be had: the connection is closed (shared_fd) and we go on accepting
      }
      impl_->workers.push_back(std::move(worker));
    }
    impl_->reap_finished();
  }
}

void DemoServer::stop() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& w : impl_->workers)
    if (w.thread.joinable()) w.thread.join();
  impl_->workers.clear();
  impl_->plain.reset();
  impl_->implicit.reset();
  if (!impl_->dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(platform::path_from_utf8(impl_->dir), ec);
    impl_->dir.clear();
  }
}

std::vector<DemoMessage> DemoServer::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->messages;
}

}  // namespace smtpwb

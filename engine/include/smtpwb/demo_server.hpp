#pragma once
// The built-in demo server: a small SMTP server on loopback with STARTTLS, implicit TLS, AUTH
// PLAIN/LOGIN and scriptable misbehaviour. It gives a first run something real to talk to and is the
// base of the fault tests; it is no substitute for real servers in the test suite.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace smtpwb {

enum class DemoFault {
  None,
  NoBanner,           // accept, then say nothing
  CloseOnConnect,     // accept and close at once
  Greet421,           // "421 4.3.2 Service not available" and close
  NoStartTls,         // STARTTLS not advertised
  StartTls454,        // STARTTLS advertised but answered 454
  StartTlsInjection,  // an extra reply right after "220" to STARTTLS, before the handshake
  PlaintextOnImplicit, // the implicit-TLS port speaks plain SMTP
  // Certificates with a fault (the demo CA still signs them).
  CertExpired,
  CertNotYetValid,
  CertWrongName,      // issued for mail.other.test only
  // Providers' real refusals, replayed word for word (with the provider's banner where it matters).
  GmailBadCredentials,
  GmailWebLogin,
  O365SmtpAuthDisabled,
  O365BasicAuthDisabled,
  SesBadCredentials,
  SesUnverifiedSender,
  AuthTooWeak,
  AuthRateLimited,
  EhloRejected,
  SenderNotOwned,
  TlsOnPlain,         // the plain port expects TLS from the first byte (like 465)
  EhloCut,            // the connection closes in the middle of the multi-line EHLO reply
  HugeLine,           // a 1 MiB greeting line without CRLF
  MixedCodes,         // a multi-line greeting whose continuation line has another code
  Garbage,            // binary garbage instead of a greeting
  Trickle,            // the greeting at one byte per second
  TlsReset,           // the implicit-TLS handshake completes, then the connection is reset (RST)
  AuthEmpty,          // "AUTH" advertised with no mechanisms
  Unsolicited,        // a reply to a command never sent, right after the greeting
  LongChain,          // a certificate chain of 20 certificates (leaf, 18 intermediates, root)
  QuitHang,           // "221" to QUIT, then the connection is held open, never closed by the server
  StartTlsPlaintext,  // "220" to STARTTLS, then plain text instead of a ServerHello
  CloseAfterBanner,   // the greeting, then the connection is closed
  TlsHandshakeReset,  // the implicit-TLS port resets the connection on the ClientHello (an interceptor)
  Greet554,           // "554 5.7.1" instead of the greeting: this client is refused
  SshService,         // the port greets like OpenSSH
  HttpService,        // the port is a web server: silent, then "HTTP/1.1 400 Bad Request" to what it reads
  ImapService,        // the port greets like Dovecot IMAP
  Pop3Service,        // the port greets like Dovecot POP3
  // More real refusals, replayed word for word.
  AuthTemporaryFailure,   // 454 4.7.0 Temporary authentication failure (Postfix, its SASL back end down)
  AuthMechanismDisabled,  // 504 5.7.4 Unrecognized authentication type (Exchange, Basic auth off)
  AuthNotEnabled,         // 503 5.5.1 Error: authentication not enabled (Postfix, a listener without SASL)
  RecipientUnknown,       // 550 5.1.1 ... User unknown in local recipient table (Postfix)
  MessageRejectedSpam,    // 554 5.7.1 ... rejected as spam at the end of DATA
  MessageTooBig,          // 552 5.3.4 Message size exceeds fixed limit (Postfix)
  TooManyRecipients,      // 452 4.5.3 Error: too many recipients (Postfix)
  MailboxFull,            // 552 5.2.2 ... Mailbox full (at the end of DATA)
  QueueWriteError,        // 451 4.3.0 Error: queue file write error (Postfix): no specific hint, the fallback
};
// Every fault, in declaration order (for tests that walk them all).
std::vector<DemoFault> all_demo_faults();
std::optional<DemoFault> parse_demo_fault(std::string_view name);
std::string_view to_string(DemoFault f);

struct DemoServerConfig {
  std::string username = "demo";
  std::string password = "demo-password";
  DemoFault fault = DemoFault::None;
  std::string hostname = "demo.smtp-workbench.test";
  // When a command with this verb arrives ("EHLO", "AUTH", ...; "." for the end of DATA), the server
  // stops answering and holds the connection: the client waits in that phase (cancel tests).
  std::string stall_on{};
};

struct DemoMessage {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;  // un-stuffed, CRLF line ends, without the final dot
  // Lines of this connection up to the final dot (commands, and the dot) after which the client's next
  // bytes had already arrived: the client did not wait for the reply (RFC 2920 pipelining).
  int sent_ahead = 0;
};

class DemoServer {
 public:
  explicit DemoServer(DemoServerConfig config = {});
  ~DemoServer();
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  void start();  // binds 127.0.0.1 on two free ports; throws on failure
  void stop();   // closes everything and joins every thread

  int port() const { return port_; }                  // plain, with STARTTLS
  int implicit_port() const { return implicit_port_; }  // TLS from the first byte
  const std::string& ca_file() const { return ca_file_; }  // PEM of the demo CA (for --ca-file)
  const DemoServerConfig& config() const { return config_; }
  std::vector<DemoMessage> messages() const;

  struct Impl;

 private:
  void accept_loop();

  DemoServerConfig config_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
  int port_ = 0;
  int implicit_port_ = 0;
  std::string ca_file_;
  std::thread acceptor_;
};

}  // namespace smtpwb

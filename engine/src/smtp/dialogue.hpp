#pragma once
// The state one test's SMTP dialogue shares between its steps (session.cpp runs them in order;
// tls_steps.cpp, auth_step.cpp and message_step.cpp hold the longer ones): the settings, the recorder,
// the client once connected, and the server's capabilities.
#include <memory>
#include <string>

#include "smtp/client.hpp"
#include "smtp/recorder.hpp"
#include "smtpwb/session.hpp"
#include "smtpwb/smtp/capabilities.hpp"

namespace smtpwb::smtp {

struct Dialogue {
  Dialogue(const ConnectionSettings& settings, const TestRequest& request, const SessionOptions& options,
           const net::CancelFlag& cancel_flag, Recorder& recorder)
      : s(settings), req(request), opt(options), cancel(cancel_flag), rec(recorder), res(recorder.result()) {}

  const ConnectionSettings& s;
  const TestRequest& req;
  const SessionOptions& opt;
  const net::CancelFlag& cancel;
  Recorder& rec;
  SessionResult& res;
  std::unique_ptr<Client> client;
  std::string local_address;
  Capabilities caps;
  bool quit_sent = false;  // pipelined after the message

  net::Deadline deadline() const { return net::Deadline::in(std::chrono::seconds(s.timeout_s)); }
  Reply command(const std::string& line, const std::string& display = {}) { return client->command(line, display); }
  // RFC 2920, when the server offers it. Step mode pipelines nothing: the gate waits before every command.
  bool pipelining() const { return !opt.step_gate && caps.has("PIPELINING"); }
  // Another protocol's greeting or answer where SMTP was expected (SSH, HTTP, IMAP, POP3).
  void note_foreign_protocol(std::string_view first_bytes);
  // The failure a broken wire means in the current phase.
  Failure explain(const WireError& e);
};

// TLS (tls_steps.cpp): refuse settings that allow no version this build negotiates; the handshake.
void check_tls_versions(Dialogue& d);
void tls_handshake(Dialogue& d);
// AUTH (auth_step.cpp), as the settings ask.
void authenticate(Dialogue& d);
// MAIL, RCPT, DATA and the message (message_step.cpp); only the envelope when stopping after RCPT.
void send_message(Dialogue& d);

}  // namespace smtpwb::smtp

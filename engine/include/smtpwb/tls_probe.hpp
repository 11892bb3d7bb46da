#pragma once
// "Probe TLS": which of SSL 2, SSL 3, TLS 1.0, 1.1, 1.2 and 1.3 a server accepts, over STARTTLS or
// implicit TLS, and the cipher suite it picks for each. TLS 1.2 and 1.3 are real mbedTLS handshakes
// pinned to one version; the older versions, which mbedTLS does not implement, are hand-built
// ClientHellos of which only the server's first answer is read (tls_wire.hpp). Every version is a fresh
// connection (with banner, EHLO and STARTTLS when explicit) on its own thread, bounded by the timeout and
// a cancel flag. Probes go through the connection's proxy, as the test does.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "smtpwb/probe_runner.hpp"
#include "smtpwb/settings.hpp"
#include "smtpwb/smtp/tls_version_probe.hpp"

namespace smtpwb {

// One row per version, SSL 2 first (the order of kAllTlsVersions). The destructor cancels and joins.
class TlsProbe {
 public:
  explicit TlsProbe(ProbeTarget target);

  // once; on_row_change: see ProbeRunner::start (the window wakes its loop with it)
  void start(std::function<void()> on_row_change = {}) { runner_.start(std::move(on_row_change)); }
  void cancel() { runner_.cancel(); }  // every probe stops within one poll slice
  bool finished() const { return runner_.finished(); }
  void wait() { runner_.wait(); }
  ProbeProgress progress() const { return runner_.progress(); }
  ProbeRowState state(TlsVersion v) const { return runner_.state(static_cast<std::size_t>(v)); }
  // Rows not yet done say "not probed"; complete once finished().
  std::vector<TlsProbeRow> results() const { return runner_.results(); }

 private:
  ProbeTarget target_;
  ProbeRunner<TlsProbeRow> runner_;
};

// Runs every probe and waits for all of them.
std::vector<TlsProbeRow> probe_tls(const ProbeTarget& target);
}  // namespace smtpwb

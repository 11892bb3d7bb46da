#pragma once
// "Find settings": for one host, every port of a list with plain SMTP, STARTTLS and implicit TLS, each a
// connection of its own, in parallel, with a short timeout. Each row says what the server answered;
// recommend() picks the best working combination. Connections go through the proxy, when one is set, and
// certificates are not verified here: the question is what the ports speak, the session checks trust.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/net/stream.hpp"
#include "smtpwb/probe_runner.hpp"
#include "smtpwb/settings.hpp"
#include "smtpwb/smtp/probe_route.hpp"

namespace smtpwb {

// A row's mode as find settings has printed it since its first release (JSON "mode", the table):
// "plain" | "starttls" | "implicit". Only the name of Security::None differs from to_string(Security).
std::string_view finder_mode_name(Security s);

struct FinderTarget {
  ProbeRoute route;  // host, EHLO name, proxy, family, source address, client certificate: the connection's
  std::vector<int> ports = {25, 465, 587, 2525};
  std::chrono::milliseconds timeout{5'000};  // per connection, all steps included
  // The route of a connection; the ports and the timeout stay the finder's.
  static FinderTarget from(const ConnectionSettings& settings);
};

struct FinderRow {
  int port = 0;
  Security mode = Security::None;
  bool reachable = false;  // TCP connected
  std::string banner;      // first line of the greeting
  bool starttls = false;   // STARTTLS advertised in the plaintext EHLO
  std::vector<std::string> auth_before_tls;
  std::vector<std::string> auth_after_tls;
  std::string tls_version;  // negotiated ("TLSv1.3"), for starttls and implicit rows
  std::string error;        // empty when every step of the mode worked
  bool works() const { return error.empty(); }
};

struct Recommendation {
  int port = 0;
  Security mode = Security::None;
  std::string reason;
};

// Pure: the best working row. Encrypted with AUTH offered after TLS first, then encrypted without AUTH,
// then plain; within a tier ports 465 and 587 before 2525 before 25 before the rest, implicit TLS before
// STARTTLS (RFC 8314).
std::optional<Recommendation> recommend(const std::vector<FinderRow>& rows);

// What a plain-text row of a port says when the port stayed silent while its implicit-TLS probe worked.
inline constexpr std::string_view kSilentTlsPort = "silent (waits for a TLS ClientHello?)";

// Rows in port order, each port plain, starttls, implicit. The destructor cancels and joins.
// A port's verdict is settled once its implicit-TLS probe worked: its plain-text probes, still waiting for a
// greeting that will never come, stop then instead of at the timeout (kSilentTlsPort).
class PortFinder {
 public:
  explicit PortFinder(FinderTarget target);
  ~PortFinder();
  PortFinder(const PortFinder&) = delete;
  PortFinder& operator=(const PortFinder&) = delete;

  // once; on_row_change: see ProbeRunner::start (the window wakes its loop with it)
  void start(std::function<void()> on_row_change = {}) { runner_.start(std::move(on_row_change)); }
  void cancel();
  bool finished() const { return runner_.finished(); }
  void wait() { runner_.wait(); }
  ProbeProgress progress() const { return runner_.progress(); }
  ProbeRowState state(std::size_t row) const { return runner_.state(row); }
  std::vector<FinderRow> results() const { return runner_.results(); }

 private:
  // One cancel flag per row (the user's Cancel sets all), so that one port's silent rows can be stopped alone.
  struct RowControl {
    std::atomic<bool> cancel{false};
    std::atomic<bool> silenced{false};  // cancelled because the port's implicit-TLS probe answered
    std::atomic<bool> greeted{false};   // a greeting arrived: the row is not silent
  };
  FinderRow run_row(std::size_t index);
  void settle_port(std::size_t implicit_row);

  FinderTarget target_;
  std::unique_ptr<RowControl[]> control_;
  ProbeRunner<FinderRow> runner_;
};

// Runs every combination and waits for all of them.
std::vector<FinderRow> find_settings(const FinderTarget& target);
// Tries one combination on the calling thread.
FinderRow try_port(const FinderTarget& target, int port, Security mode, const std::atomic<bool>& cancel);

}  // namespace smtpwb

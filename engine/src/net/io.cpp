#include "smtpwb/net/io.hpp"

#include <algorithm>

#include "net/background.hpp"
#include "net/socket_os.hpp"

namespace smtpwb::net {

int Deadline::remaining_ms() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

void wait_ready(SocketHandle socket, Wait wait, Deadline deadline, const CancelFlag& cancel, const char* what) {
  while (true) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    int left = deadline.remaining_ms();
    if (left <= 0) throw TimedOut(std::string("timed out ") + what);
    int error = 0;
    int r = os::poll_one(socket, wait, std::min<int>(left, static_cast<int>(kSlice.count())), error);
    if (r > 0) return;  // ready, or an error condition the next I/O call will report
    if (r < 0) throw socket_error("poll failed: ", error);
  }
}

// getaddrinfo on a worker thread rather than getaddrinfo_a: gai_suspend with a timeout can leave its
// wait entry behind when a lookup ends at that moment, and glibc's notifier then writes into a stack
// frame that is gone (seen as crashes with ~100 sessions resolving at once).
std::vector<Address> resolve(const std::string& host, int port, Deadline deadline, const CancelFlag& cancel) {
  return Background<std::vector<Address>>::start([host, port] { return os::resolve_now(host, port); })
      .get(deadline, cancel, "resolving " + host);
}

}  // namespace smtpwb::net

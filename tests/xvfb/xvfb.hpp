#pragma once
// An X server of a test's own, for the real window.
#include <catch2/catch_test_macros.hpp>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace test {
// An X server of this test's own: Xvfb picks a free display itself (-displayfd) and is stopped by PID.
// (Parallel `xvfb-run -a` runs race for display numbers and temporary files.)
class Xvfb {
 public:
  Xvfb() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(fds[0]);
      std::string fd = std::to_string(fds[1]);
      ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1280x820x24", "-nolisten", "tcp", "-noreset", nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    // Xvfb writes the number, then "\n" in a second write: read up to the newline, or it dies of EPIPE.
    std::string number;
    char c = 0;
    while (true) {
      ssize_t n = ::read(fds[0], &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || c == '\n') break;
      number += c;
    }
    ::close(fds[0]);
    REQUIRE_FALSE(number.empty());
    display_ = ":" + number;
  }
  ~Xvfb() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string env() const { return "DISPLAY=" + display_; }
  const std::string& display() const { return display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};
}  // namespace test

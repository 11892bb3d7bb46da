#pragma once
// Threads and file descriptors of this process, to check that sessions and servers leave none behind.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <thread>

namespace test {

inline std::size_t directory_entries(const char* dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

struct Resources {
  std::size_t threads = directory_entries("/proc/self/task");
  std::size_t fds = directory_entries("/proc/self/fd");
  bool within(const Resources& limit) const { return threads <= limit.threads && fds <= limit.fds; }
};

// The resources once they are back to `before` (or fewer), or after 3 s. Resolver threads (glibc's
// getaddrinfo_a helpers, the detached blocking DNS calls) exit about a second after their last answer,
// so a count may include some of a previous run: give them a moment; a real leak stays and fails.
inline Resources settled(const Resources& before) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  Resources now;
  while (!now.within(before) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = Resources();
  }
  return now;
}

}  // namespace test

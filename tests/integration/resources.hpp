#pragma once
// Threads and file descriptors of this process, to check that sessions and servers leave none behind.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <thread>

namespace test {

inline std::size_t directory_entries(const char* dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// Runtimes that start a thread of their own with the first thread of the process (ThreadSanitizer's
// background thread) do so before anything is counted.
inline const bool kRuntimeThreadsStarted = [] {
  std::thread([] {}).join();
  return true;
}();

struct Resources {
  std::size_t threads = directory_entries("/proc/self/task");
  std::size_t fds = directory_entries("/proc/self/fd");
  bool within(const Resources& limit) const { return threads <= limit.threads && fds <= limit.fds; }
};

// "3 -> socket:[123]" lines, to show in a failure what was left open.
inline std::string open_fds() {
  std::string out;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    out += e.path().filename().string() + " -> " + std::filesystem::read_symlink(e.path(), ec).string() + "\n";
  }
  return out;
}

// The resources once they are back to `before` (or fewer), or after `patience`. A session stops waiting
// for a slow DNS lookup (MX, PTR) but cannot interrupt it: the lookup's detached thread and socket end
// when the resolver gives up (2 tries of 2 s per server). A real leak stays and fails the check.
inline Resources settled(const Resources& before, std::chrono::seconds patience = std::chrono::seconds(8)) {
  auto until = std::chrono::steady_clock::now() + patience;
  Resources now;
  while (!now.within(before) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = Resources();
  }
  return now;
}

}  // namespace test

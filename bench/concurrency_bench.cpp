// Many tests at once, as the GUI runs them: N engine Sessions in one process, each on its own thread,
// all started together against the mail stack's TLS 1.3 STARTTLS listener (full dialogue with a message).
//   concurrency_bench MAILSTACK_ENV SESSIONS
// Output: one "key value" pair per line, for bench/bench.py to collect:
//   one_ms (one session alone, after a warm-up), all_ms (all SESSIONS together, start to last finish),
//   failed (sessions that did not succeed), first_failure, peak_rss_mib (the process's high-water mark).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smtpwb/session.hpp"

using namespace smtpwb;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> read_env(const char* path) {
  std::ifstream in(path);
  std::map<std::string, std::string> facts;
  std::string line;
  while (std::getline(in, line))
    if (auto eq = line.find('='); eq != std::string::npos) facts[line.substr(0, eq)] = line.substr(eq + 1);
  return facts;
}

long status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string word;
  while (in >> word) {
    if (word == key) {
      long value = 0;
      in >> value;
      return value;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct Outcome {
  double ms = 0;
  int failed = 0;
  std::string first_failure;
};

// Starts every session, then waits for all; the events are drained once at the end, as a busy GUI would.
Outcome run_together(const ConnectionSettings& settings, const TestRequest& request, int count) {
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < count; ++i) sessions.push_back(std::make_unique<Session>(settings, request, std::make_shared<EventQueue>()));
  auto t0 = Clock::now();
  for (auto& s : sessions) s->start();
  for (auto& s : sessions) s->wait();
  Outcome out;
  out.ms = ms_since(t0);
  for (auto& s : sessions) {
    const auto& r = s->result();
    if (r.ok) continue;
    if (++out.failed == 1 && r.failure) out.first_failure = r.failure->message;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: concurrency_bench MAILSTACK_ENV SESSIONS\n", stderr);
    return 2;
  }
  auto env = read_env(argv[1]);
  if (!env.count("MAILSTACK_TLS13_PORT")) {
    std::fprintf(stderr, "concurrency_bench: %s has no MAILSTACK_TLS13_PORT (is the mail stack running?)\n", argv[1]);
    return 2;
  }
  const int count = std::max(1, std::stoi(argv[2]));

  ConnectionSettings s;
  s.name = "concurrency bench";
  s.address = env["MAILSTACK_SERVER_NAME"];
  s.port = std::stoi(env["MAILSTACK_TLS13_PORT"]);
  s.crypto = CryptoProtocol::Tls;
  s.mode = SecurityMode::Explicit;
  s.ca_file = env["MAILSTACK_CA_FILE"];
  s.anonymous = false;
  s.username = env["MAILSTACK_USER"];
  s.password = env["MAILSTACK_PASSWORD"];
  s.timeout_s = 60;
  TestRequest request;
  request.message = MessageSpec{};
  request.message->from = s.username;
  request.message->to = {"bench@" + env["MAILSTACK_DOMAIN"]};
  request.message->subject = "concurrency bench";

  run_together(s, request, 1);  // warm-up: trust anchors parsed, server processes started
  Outcome one = run_together(s, request, 1);
  Outcome all = run_together(s, request, count);
  std::printf("sessions %d\none_ms %.1f\nall_ms %.1f\nfailed %d\n", count, one.ms, all.ms, all.failed + one.failed);
  if (!all.first_failure.empty()) std::printf("first_failure %s\n", all.first_failure.c_str());
  std::printf("peak_rss_mib %.1f\n", static_cast<double>(status_kib("VmHWM:")) / 1024);
  return all.failed + one.failed == 0 ? 0 : 1;
}

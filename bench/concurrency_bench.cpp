// Many tests at once, as the GUI runs them: N engine Sessions in one process, each on its own thread,
// all started together against the mail stack's TLS 1.3 STARTTLS listener (full dialogue with a message).
//   concurrency_bench MAILSTACK_ENV SESSIONS
// Output: one "key value" pair per line, for bench/bench.py to collect:
//   one_ms (one session alone, after a warm-up), all_ms (all SESSIONS together, start to last finish),
//   failed (sessions that did not succeed), first_failure, peak_rss_mib (the process's high-water mark),
//   client_cpu_ms (this process during the SESSIONS run), machine_cpu_ms (all processes, from /proc/stat),
//   cores.
#include <sys/resource.h>
#include <unistd.h>

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

// CPU time of this process (user + sys) in milliseconds.
double own_cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

// CPU time the whole machine spent busy (every process, the server's too), from /proc/stat.
double machine_busy_ms() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal) * 1e3 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct Outcome {
  double ms = 0;
  double client_cpu_ms = 0;   // this process: the engine's sessions
  double machine_cpu_ms = 0;  // every process: client, Postfix, Dovecot, the rest of the machine
  int failed = 0;
  std::string first_failure;
};

// Starts every session, then waits for all; the events are drained once at the end, as a busy GUI would.
Outcome run_together(const ConnectionSettings& settings, const TestRequest& request, int count) {
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < count; ++i) sessions.push_back(std::make_unique<Session>(settings, request, std::make_shared<EventQueue>()));
  double cpu0 = own_cpu_ms(), busy0 = machine_busy_ms();
  auto t0 = Clock::now();
  for (auto& s : sessions) s->start();
  for (auto& s : sessions) s->wait();
  Outcome out;
  out.ms = ms_since(t0);
  out.client_cpu_ms = own_cpu_ms() - cpu0;
  out.machine_cpu_ms = machine_busy_ms() - busy0;
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
  s.security = Security::StartTls;
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
  std::printf("client_cpu_ms %.0f\nmachine_cpu_ms %.0f\ncores %ld\n", all.client_cpu_ms, all.machine_cpu_ms,
              sysconf(_SC_NPROCESSORS_ONLN));
  if (!all.first_failure.empty()) std::printf("first_failure %s\n", all.first_failure.c_str());
  std::printf("peak_rss_mib %.1f\n", static_cast<double>(status_kib("VmHWM:")) / 1024);
  return all.failed + one.failed == 0 ? 0 : 1;
}

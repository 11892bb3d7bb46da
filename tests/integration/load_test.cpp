// Load (issue 7): 200 sessions at once against the real Postfix + Dovecot and the demo server, each
// with the right result; memory bounded; every file descriptor and thread back afterwards.
#include <sys/resource.h>

#include <catch2/catch_test_macros.hpp>

#include <cstdio>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/session.hpp"
#include "resources.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {

long peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

enum class Target { Postfix, Demo, DemoBusy };

ConnectionSettings demo_settings(const DemoServer& server) {
  ConnectionSettings s;
  s.address = "localhost";
  s.port = server.port();
  s.anonymous = false;
  s.username = "demo";
  s.password = "demo-password";
  s.timeout_s = 60;  // 200 handshakes share two cores: each session waits its turn
  return s;
}

}  // namespace

TEST_CASE("Load: 200 sessions at once, Postfix and the demo server, all with the right result", "[load]") {
  constexpr int kSessions = 200;
  const test::Resources before;
  const long rss_before_kb = peak_rss_kb();
  double wall_s = 0;
  {
    DemoServer demo, busy(DemoServerConfig{"demo", "demo-password", DemoFault::Greet421});
    demo.start();
    busy.start();
    std::vector<std::unique_ptr<Session>> sessions;
    std::vector<Target> targets;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kSessions; ++i) {
      // Two in five to Postfix (its 100-process limit is never reached), two to the demo server with a
      // message, one to a demo server that greets with 421.
      Target target = i % 5 < 2 ? Target::Postfix : i % 5 < 4 ? Target::Demo : Target::DemoBusy;
      ConnectionSettings s;
      TestRequest request;
      SessionOptions options;
      if (target == Target::Postfix) {
        s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
        s.timeout_s = 60;
        request.stop_after = StopAfter::Auth;
      } else {
        const DemoServer& server = target == Target::Demo ? demo : busy;
        s = demo_settings(server);
        options.extra_ca_file = server.ca_file();
        request.message = MessageSpec{"a@demo.test", {"b@demo.test"}, "load " + std::to_string(i), "body\n"};
      }
      sessions.push_back(std::make_unique<Session>(s, request, std::make_shared<EventQueue>(), options));
      targets.push_back(target);
      sessions.back()->start();
    }
    for (auto& session : sessions) session->wait();
    wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    int right = 0;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      const auto& r = sessions[i]->result();
      bool as_expected = targets[i] == Target::DemoBusy
                             ? r.failure && r.failure->category == FailureCategory::Smtp && r.failure->reply_code == 421
                             : r.ok && r.auth.result == AuthResult::Ok && (targets[i] == Target::Postfix || r.message.accepted);
      if (!as_expected) UNSCOPED_INFO("session " << i << ": " << (r.failure ? r.failure->message : std::string("ok")));
      right += as_expected;
    }
    CHECK(right == kSessions);
    CHECK(demo.messages().size() == static_cast<std::size_t>(kSessions * 2 / 5));
  }
  const long peak_kb = peak_rss_kb();
  std::printf("load: %d sessions in %.1f s, peak RSS %.1f MiB (%.1f MiB before)\n", kSessions, wall_s, peak_kb / 1024.0,
              rss_before_kb / 1024.0);
  CHECK(peak_kb - rss_before_kb < 512 * 1024);  // bounded: well under 2.5 MiB a session
  const test::Resources after = test::settled(before);
  INFO("open descriptors:\n" << test::open_fds());
  CHECK(after.fds <= before.fds);
  CHECK(after.threads <= before.threads);
}

#pragma once
// Shared helpers for the integration tests: the mail stack's facts, running the real binary.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/settings.hpp"

namespace test {

// KEY=VALUE facts written by a server script's start (path in the environment variable `var`).
inline std::map<std::string, std::string> read_facts(const char* var) {
  const char* path = std::getenv(var);
  if (!path) throw std::runtime_error(std::string(var) + " is not set: run these tests through ctest (fixtures)");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path + ": did the fixture's start fail?");
  std::map<std::string, std::string> m;
  std::string line;
  while (std::getline(in, line))
    if (auto eq = line.find('='); eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
  return m;
}

// The mail stack's facts (tests/servers/mailstack.sh, path in MAILSTACK_ENV).
inline const std::map<std::string, std::string>& stack() {
  static const auto facts = read_facts("MAILSTACK_ENV");
  return facts;
}
inline std::string fact(const std::string& key) { return stack().at(key); }
inline int port(const std::string& key) { return std::stoi(fact(key)); }

// Settings for a listener of the stack, authenticated as alice, verifying against the test CA.
inline smtpwb::ConnectionSettings stack_settings(const std::string& port_key, smtpwb::Security mode = smtpwb::Security::StartTls) {
  smtpwb::ConnectionSettings s;
  s.name = "mailstack " + port_key;
  s.address = fact("MAILSTACK_SERVER_NAME");
  s.port = port(port_key);
  s.security = mode;
  s.ca_file = fact("MAILSTACK_CA_FILE");
  s.anonymous = false;
  s.username = fact("MAILSTACK_USER");
  s.password = fact("MAILSTACK_PASSWORD");
  s.timeout_s = 10;
  return s;
}

// Settings for the built-in demo server (STARTTLS, AUTH as its user), with a short timeout.
inline smtpwb::ConnectionSettings demo_settings(const smtpwb::DemoServer& server) {
  smtpwb::ConnectionSettings s;
  s.address = "localhost";
  s.port = server.port();
  s.anonymous = false;
  s.username = "demo";
  s.password = "demo-password";
  s.timeout_s = 5;
  return s;
}

struct Run {
  int status = -1;
  std::string out;
};

// Runs the real smtp-workbench binary with a shell command line tail; stdout captured.
inline Run run_binary(const std::string& args, const std::string& env = {}) {
  std::string cmd = env + " " SMTPWB_BINARY " " + args + " </dev/null";
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits for a delivered message containing marker in the stack's Maildir; returns its raw bytes.
inline std::string wait_for_delivery(const std::string& marker, std::chrono::seconds limit = std::chrono::seconds(20)) {
  namespace fs = std::filesystem;
  auto until = std::chrono::steady_clock::now() + limit;
  fs::path dir = fs::path(fact("MAILSTACK_MAILDIR")) / "new";
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      auto text = slurp(entry.path());
      if (text.find(marker) != std::string::npos) return text;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/smtpwb-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace test

// Connection files under bad input and hard kills (issue 7): every kind of broken file is reported
// naming the field and the line, kept byte for byte, and the other connections still load; a save
// killed with SIGKILL at any moment leaves the file and its backup each equal to a saved version.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "../integration/secret_search.hpp"
#include "gui_harness.hpp"
#include "model/connection_store.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
namespace fs = std::filesystem;

namespace {

struct BadFile {
  const char* what;
  std::string contents;
  const char* names;  // the field (or cause) the message must name
  int line;           // the line it must name, 0 when no line applies
};

const BadFile kBadFiles[] = {
    {"wrong type", "{\n  \"name\": \"A\",\n  \"port\": \"twenty-five\"\n}\n", "port: expected a whole number", 3},
    {"wrong type, nested", "{\n  \"name\": \"A\",\n  \"encryption\": {\n    \"mode\": 1\n  }\n}\n", "encryption.mode", 4},
    {"unknown field", "{\n  \"name\": \"A\",\n  \"prot\": 25\n}\n", "prot: unknown field", 3},
    {"unknown nested field", "{\n  \"proxy\": {\n    \"type\": \"socks5\",\n    \"hostname\": \"x\"\n  }\n}\n", "proxy.hostname: unknown field", 4},
    {"huge number", "{\n  \"name\": \"A\",\n  \"port\": 99999999999999999999999\n}\n", "port", 3},
    {"huge timeout", "{\n  \"timeout_s\": 1e308\n}\n", "timeout_s", 2},
    {"number overflow", "{\n  \"name\": \"A\",\n  \"port\": 1E999\n}\n", "number overflow", 3},
    {"out of range", "{\n  \"proxy\": {\"port\": 70000}\n}\n", "proxy.port", 2},
    {"invalid UTF-8", "{\n  \"name\": \"caf\xc3\x28\"\n}\n", "UTF-8", 2},
    {"truncated end", "{\n  \"name\": \"A\",\n  \"address\": \"smtp.exa", "not valid JSON", 3},
    {"empty file", "", "not valid JSON", 1},
    {"not an object", "[1, 2]\n", "must be a JSON object", 0},
    {"a password", "{\n  \"auth\": {\"username\": \"u\", \"password\": \"p\"}\n}\n", "auth.password: secrets are never stored", 2},
};

ConnectionSettings version(int i) {
  ConnectionSettings s;
  s.name = "Kill Test";
  s.address = "smtp.example.com";
  s.timeout_s = i;
  s.group = std::string(200000, 'g');  // a large file widens the window in which a kill lands mid-write
  return s;
}

// The file parses and is byte for byte the file saved for one of the versions.
void require_a_saved_version(const fs::path& file) {
  INFO(file.string());
  ConnectionSettings loaded;
  auto err = load_profile_file(file.string(), loaded);
  REQUIRE_FALSE(err.has_value());
  CHECK(read_file(file.string()) == profile_json(version(loaded.timeout_s)).dump(2) + "\n");
}

}  // namespace

TEST_CASE("Broken connection files: the field and line are named, the file is kept, the others load", "[gui][store][hardening]") {
  for (const auto& bad : kBadFiles) {
    DYNAMIC_SECTION(bad.what) {
      guitest::TempDir dir;
      ConnectionStore store(dir.path);
      ConnectionSettings good;
      good.name = "Good";
      good.address = "smtp.example.com";
      REQUIRE(store.save(good, std::nullopt, {}).error.empty());
      const fs::path file = store.directory() / "bad.json";
      std::ofstream(file, std::ios::binary) << bad.contents;

      std::vector<LoadProblem> problems;
      auto loaded = store.load(problems);
      REQUIRE(loaded.size() == 1);
      CHECK(loaded[0].settings.name == "Good");
      REQUIRE(problems.size() == 1);
      const auto& message = problems[0].message;
      INFO(message);
      CHECK(message.find(bad.names) != std::string::npos);
      if (bad.line) CHECK(message.find("bad.json:" + std::to_string(bad.line) + ":") != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
      REQUIRE(fs::exists(problems[0].moved_to));
      CHECK(read_file(problems[0].moved_to.string()) == bad.contents);  // kept, never rewritten
    }
  }
}

TEST_CASE("kill -9 in the middle of saving loses nothing: the file and its backup are whole saved versions", "[gui][store][hardening]") {
  guitest::TempDir dir;
  ConnectionStore store(dir.path);
  auto first = store.save(version(1), std::nullopt, {});
  REQUIRE(first.error.empty());
  REQUIRE(store.save(version(2), first.file, {}).error.empty());
  std::mt19937 rng(std::random_device{}());
  int next = 3;
  for (int round = 0; round < 25; ++round) {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      for (int i = next;; ++i) store.save(version(i), first.file, {});
    }
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(500, 20000)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    require_a_saved_version(first.file);
    require_a_saved_version(first.file.string() + ".bak");
    ConnectionSettings current;
    REQUIRE_FALSE(load_profile_file(first.file.string(), current).has_value());
    next = current.timeout_s + 1000;  // later rounds save versions never seen before
  }
  std::vector<LoadProblem> problems;
  auto loaded = store.load(problems);
  CHECK(problems.empty());
  CHECK(loaded.size() == 1);  // temporary files of killed saves are not taken for connections
}

TEST_CASE("Secrets: a saved connection file holds no password, in any encoding", "[gui][store][secrets]") {
  guitest::TempDir dir;
  ConnectionStore store(dir.path);
  ConnectionSettings s;
  s.name = "With secrets";
  s.address = "smtp.example.com";
  s.anonymous = false;
  s.username = "me@example.com";
  s.password = "pässwörd-Ünïcode-1";
  s.proxy.type = ProxyType::Http;
  s.proxy.address = "proxy.example.com";
  s.proxy.use_credentials = true;
  s.proxy.username = "proxy-user";
  s.proxy.password = "Proxy-Secret-4711";
  auto saved = store.save(s, std::nullopt, {});
  REQUIRE(saved.error.empty());
  REQUIRE(store.save(s, saved.file, {}).error.empty());  // and its backup
  for (const auto& file : {saved.file, fs::path(saved.file.string() + ".bak")}) {
    auto text = read_file(file.string());
    REQUIRE(text);
    for (const auto& secret : {s.password, s.proxy.password}) CHECK(test::leaks(*text, secret).empty());
  }
}

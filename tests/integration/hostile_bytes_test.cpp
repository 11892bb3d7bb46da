// Issue 13: hostile and foreign server bytes (Latin-1, terminal escapes, CR, NUL, binary) against the
// real binary and the real engine, from a scripted server (no real server sends these on purpose).
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>

#include <random>

#include "scripted_server.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/printable.hpp"
#include "support.hpp"

namespace {

const std::string kBanner = "220 mail.ex\xe4mple.de ESMTP Gr\xfc\xdf" "e \x1b[2Kfake\r\n";

// Bytes from a fixed seed, without a line feed: one reply line of binary.
std::string binary_line(unsigned seed, std::size_t n) {
  std::mt19937 gen(seed);
  std::string out;
  while (out.size() < n) {
    char c = static_cast<char>(gen() & 0xFF);
    if (c != '\n') out += c;
  }
  return out;
}

test::Script hostile_script() {
  test::Script s;
  s.banner = kBanner;
  s.ehlo_reply = "250-mail.ex\xe4mple.de says hello \x1b]0;owned\x07\r\n"
                 "250-AUTH PLAIN \xff\xfe LOGIN\r\n"
                 "250-X-" + binary_line(1, 200) + "\r\n"
                 "250-X-" + binary_line(2, 200) + "\r\n"
                 "250-X-NUL  and CR \r in the middle\r\n"  // NUL and a bare CR inside one line
                 "250 8BITMIME \xc0\xaf\xed\xa0\x80\r\n";     // overlong and surrogate forms
  s.ehlo_reply.insert(s.ehlo_reply.find("NUL ") + 4, 1, '\0');
  s.quit_reply = "221 Tsch\xfc\xdf \r\x1b[1A\x1b[2KResult: ok\r\n";
  return s;
}

std::string server_args(int port) {
  return "check --host 127.0.0.1 --port " + std::to_string(port) + " --security none --anonymous --timeout 5";
}

// The raw bytes of the string at `pointer`: from "non_utf8_strings" when it was escaped, else the value.
std::string recovered(const nlohmann::json& report, const std::string& pointer) {
  for (const auto& entry : report.value("non_utf8_strings", nlohmann::json::array()))
    if (entry.at("pointer") == pointer) return smtpwb::base64_decode(entry.at("base64").get<std::string>()).value();
  return report.at(nlohmann::json::json_pointer(pointer)).get<std::string>();
}

bool has_raw_control(const std::string& text) {
  return text.find('\x1b') != std::string::npos || text.find('\r') != std::string::npos ||
         text.find('\0') != std::string::npos;
}

}  // namespace

TEST_CASE("check --json -: Latin-1, escapes and binary from the server give a report that parses, bytes recoverable", "[cli][hostile]") {
  test::ScriptedServer server(hostile_script());
  test::TempDir dir;
  auto terminal = dir.path / "terminal.txt";
  auto run = test::run_binary(server_args(server.port()) + " --color never --json - 2>" + terminal.string());
  INFO(smtpwb::printable(test::slurp(terminal)));  // Catch2's reporter must not see raw escapes
  REQUIRE(run.status == 0);  // was 134: nlohmann type_error.316 escaped from dump()
  CHECK(run.out.find('\x1b') == std::string::npos);
  auto report = nlohmann::json::parse(run.out);
  CHECK(report["result"] == "ok");
  using smtpwb::printable;
  CHECK(printable(recovered(report, "/server/banner")) == printable(kBanner.substr(4, kBanner.size() - 6)));
  std::size_t first_server_line = 0;
  while (report["transcript"].at(first_server_line)["dir"] != "server") ++first_server_line;
  CHECK(printable(recovered(report, "/transcript/" + std::to_string(first_server_line) + "/text")) ==
        printable(kBanner.substr(0, kBanner.size() - 2)));
  CHECK(printable(report["server"]["banner"].get<std::string>()) == printable("mail.ex\\xe4mple.de ESMTP Gr\\xfc\\xdfe \x1b[2Kfake"));
  for (const auto& entry : report["non_utf8_strings"]) {
    INFO(smtpwb::printable(entry.dump()));
    CHECK((entry["encoding_guess"] == "latin-1?" || entry["encoding_guess"] == "binary"));
  }
  bool banner_guessed_latin1 = false;
  for (const auto& entry : report["non_utf8_strings"])
    if (entry["pointer"] == "/server/banner") banner_guessed_latin1 = entry["encoding_guess"] == "latin-1?";
  CHECK(banner_guessed_latin1);
  // Every transcript line with bytes outside UTF-8 can be recovered exactly.
  auto lines = report["transcript"];
  std::string all_server_bytes;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i]["dir"] == "server") all_server_bytes += recovered(report, "/transcript/" + std::to_string(i) + "/text") + "\n";
  CHECK(all_server_bytes.find(binary_line(1, 200).substr(0, 150)) != std::string::npos);
  CHECK(all_server_bytes.find(std::string("NUL \0 and CR \r in", 17)) != std::string::npos);
}

TEST_CASE("check: server escapes, CR and NUL never reach the terminal or the log file raw", "[cli][hostile]") {
  test::ScriptedServer server(hostile_script());
  test::TempDir dir;
  auto log = dir.path / "engine.log";
  SECTION("without colour: no ESC, CR or NUL at all") {
    auto run = test::run_binary(server_args(server.port()) + " --color never --log-file " + log.string());
    INFO(smtpwb::printable(run.out));
    REQUIRE(run.status == 0);
    CHECK_FALSE(has_raw_control(run.out));
    CHECK(run.out.find("\\x1b[2Kfake") != std::string::npos);  // shown, visibly
    auto logged = test::slurp(log);
    INFO(smtpwb::printable(logged));
    CHECK(logged.find("\\x1b[2Kfake") != std::string::npos);
    CHECK_FALSE(has_raw_control(logged));
  }
  SECTION("with colour: only our own colour codes") {
    auto run = test::run_binary(server_args(server.port()) + " --color always");
    REQUIRE(run.status == 0);
    CHECK(run.out.find("\x1b[2K") == std::string::npos);
    CHECK(run.out.find("\x1b[1A") == std::string::npos);
    CHECK(run.out.find("\x1b]0;") == std::string::npos);
    CHECK(run.out.find('\r') == std::string::npos);
    CHECK(run.out.find("\x1b[32m") != std::string::npos);  // the server's lines in our green
  }
}

TEST_CASE("check --find-settings --json -: a Latin-1 banner gives a report that parses", "[cli][hostile]") {
  test::ScriptedServer server(hostile_script());
  test::TempDir dir;
  auto terminal = dir.path / "terminal.txt";
  auto run = test::run_binary("check --host 127.0.0.1 --find-settings --find-ports " + std::to_string(server.port()) +
                              " --timeout 3 --color never --json - 2>" + terminal.string());
  auto shown = test::slurp(terminal);
  INFO(smtpwb::printable(shown));
  REQUIRE((run.status == 0 || run.status == 4));  // was 134
  CHECK_FALSE(has_raw_control(shown));
  auto report = nlohmann::json::parse(run.out);
  REQUIRE(report["find_settings"].size() == 3);
  CHECK(recovered(report, "/find_settings/0/banner").find("mail.ex\xe4mple.de") != std::string::npos);
}

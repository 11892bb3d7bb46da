// Issue 13: server bytes at every output edge. One escaping function per format: visible_text (terminal,
// log, window), markdown_cell and the Markdown blocks, html_escape, report_text (JSON, lossless).
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "check/check_command.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/export.hpp"
#include "smtpwb/log.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;

namespace {

const std::string kLatin1Banner = "mail.ex\xe4mple.de ESMTP Gr\xfc\xdf" "e \x1b[2Kfake";
const std::string kHostile = std::string("a\x1b[2Kb\rc\0d\x07\x7f", 12) + "\xc2\x9b" "31m \xff\xfe" + " ok";

bool has_raw_control(std::string_view text, std::string_view allowed = "\n") {
  for (unsigned char c : text)
    if ((c < 0x20 || c == 0x7f) && allowed.find(static_cast<char>(c)) == std::string_view::npos) return true;
  return text.find("\xc2\x9b") != std::string_view::npos;  // C1 CSI
}

SessionResult hostile_result() {
  SessionResult r;
  r.server.host = "mail.example.de";
  r.server.port = 25;
  r.server.banner = kLatin1Banner;
  r.server.capabilities_before_tls = {"AUTH PLAIN \xff\xfe", "8BITMIME"};
  r.auth.offered = {"PLAIN", "\xff\xfe"};
  for (const std::string& text : {"220 " + kLatin1Banner, kHostile, std::string("250 \x1b]0;title\x07 done")}) {
    Event e;
    e.dir = Dir::Server;
    e.phase = Phase::Banner;
    e.text = text;
    r.transcript.push_back(e);
  }
  r.failure = Failure{};
  r.failure->category = FailureCategory::Smtp;
  r.failure->message = "The server refused: 554 " + kHostile;
  r.failure->phase = Phase::Ehlo;
  r.failure->reply_code = 554;
  r.failure->reply_text = "554 " + kHostile;
  r.hints.push_back(Hint{"quoted", HintSeverity::Error, "Refused: " + kHostile, "It said " + kHostile, "Ask", Phase::Ehlo, 1});
  return r;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("visible_text: controls and bytes outside UTF-8 as \\xNN, valid UTF-8 kept", "[printable]") {
  CHECK(visible_text("plain text") == "plain text");
  CHECK(visible_text("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac") == "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac");
  CHECK(visible_text("Gr\xfc\xdf" "e") == "Gr\\xfc\\xdfe");
  CHECK(visible_text("\x1b[2K\r") == "\\x1b[2K\\x0d");
  CHECK(visible_text(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(visible_text("\x7f") == "\\x7f");
  CHECK(visible_text("\xc2\x9b" "1m") == "\\xc2\\x9b1m");          // C1 CSI, valid UTF-8 but a control
  CHECK(visible_text("\xc0\xaf \xed\xa0\x80") == "\\xc0\\xaf \\xed\\xa0\\x80");  // overlong, surrogate
  CHECK(visible_text("\xe2\x82") == "\\xe2\\x82");                 // cut short
  CHECK(visible_text("a\nb\tc") == "a\\x0ab\\x09c");
  CHECK(visible_text("a\nb\tc", "\n") == "a\nb\\x09c");
  CHECK_FALSE(has_raw_control(visible_text(kHostile)));
  CHECK(is_valid_utf8(visible_text(kHostile)));
}

TEST_CASE("escape_invalid_utf8 and encoding_guess: lossless and decodable", "[printable]") {
  CHECK(is_valid_utf8("Gr\xc3\xbc\xc3\x9f" "e"));
  CHECK_FALSE(is_valid_utf8("Gr\xfc\xdf" "e"));
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK(escape_invalid_utf8("Gr\xfc\\x \xc3\xbc") == "Gr\\xfc\\\\x \xc3\xbc");
  CHECK(is_valid_utf8(escape_invalid_utf8(kHostile)));
  CHECK(encoding_guess(kLatin1Banner) == "latin-1?");
  CHECK(encoding_guess(kHostile) == "binary");  // NUL
  CHECK(encoding_guess("\x89PNG\x01\x02\x03\x04") == "binary");
}

TEST_CASE("report_text: a report with Latin-1 and binary server text is valid JSON, the bytes recoverable", "[report][printable]") {
  ConnectionSettings s;
  s.address = "mail.example.de";
  auto result = hostile_result();
  auto report = report_json(s, {}, result);
  std::string text;
  REQUIRE_NOTHROW(text = report_text(report));  // was: nlohmann type_error.316
  CHECK(is_valid_utf8(text));
  CHECK(text.find('\x1b') == std::string::npos);
  auto parsed = nlohmann::ordered_json::parse(text);
  // Field names unchanged; valid UTF-8 stays as it was, escapes and all.
  CHECK(printable(parsed["transcript"][2]["text"].get<std::string>()) == printable("250 \x1b]0;title\x07 done"));
  CHECK(printable(parsed["server"]["banner"].get<std::string>()) == printable("mail.ex\\xe4mple.de ESMTP Gr\\xfc\\xdfe \x1b[2Kfake"));
  std::map<std::string, nlohmann::ordered_json> by_pointer;
  for (const auto& e : parsed["non_utf8_strings"]) by_pointer[e["pointer"].get<std::string>()] = e;
  for (const char* pointer : {"/server/banner", "/server/capabilities/before_tls/0", "/auth/offered/1", "/transcript/0/text",
                              "/transcript/1/text", "/failure/message", "/failure/reply_text", "/hints/0/title"}) {
    INFO(pointer);
    REQUIRE(by_pointer.count(pointer) == 1);
    auto original = report.at(nlohmann::ordered_json::json_pointer(pointer)).get<std::string>();
    CHECK(printable(base64_decode(by_pointer[pointer]["base64"].get<std::string>()).value_or("")) == printable(original));
  }
  CHECK(by_pointer["/server/banner"]["encoding_guess"] == "latin-1?");
  CHECK(by_pointer["/transcript/1/text"]["encoding_guess"] == "binary");
  CHECK(by_pointer.count("/transcript/2/text") == 0);  // valid UTF-8: not listed
  CHECK(report_text(nlohmann::ordered_json{{"a", "b"}}).find("non_utf8_strings") == std::string::npos);
}

TEST_CASE("Markdown report: server text with controls and Latin-1 is shown visibly, never raw", "[export][printable]") {
  ConnectionSettings s;
  s.address = "mail.example.de";
  std::string md = report_markdown(s, {}, hostile_result());
  CHECK_FALSE(has_raw_control(md));
  CHECK(is_valid_utf8(md));
  CHECK(md.find("\\x1b[2Kfake") != std::string::npos);  // in the transcript block, as the server sent it
  CHECK(printable(markdown_cell("a\x1b[2Kb\rc")) == "a\\\\x1b\\[2Kb\\\\x0dc");
}

TEST_CASE("HTML report: server text with controls and Latin-1 is shown visibly, never raw", "[export][printable]") {
  ConnectionSettings s;
  s.address = "mail.example.de";
  std::string html = report_html(s, {}, hostile_result());
  CHECK_FALSE(has_raw_control(html));
  CHECK(is_valid_utf8(html));
  CHECK(html.find("\\x1b[2Kfake") != std::string::npos);
  CHECK(printable(html_escape("<a>\x1b\r\xe4")) == "&lt;a&gt;\\x1b\\x0d\\xe4");
  CHECK(html_escape("line 1\nline 2") == "line 1\nline 2");  // our own line breaks, in <pre>
}

TEST_CASE("Log file: server text with controls is logged visibly, never raw", "[log][printable]") {
  const auto dir = platform::make_temp_dir("smtpwb-log-");
  REQUIRE_FALSE(dir.empty());
  const std::string tmpl = platform::utf8_from_path(dir / "log.txt");
  REQUIRE(log::open_file(tmpl).empty());
  Event e;
  e.dir = Dir::Server;
  e.text = kHostile;
  log::event("hostile", e);
  log::note("hint catalogue: " + kHostile);
  log::close();
  std::string logged = slurp(tmpl);
  std::filesystem::remove_all(dir);
  INFO(printable(logged));  // Catch2's reporter must not see raw escapes
  CHECK_FALSE(has_raw_control(logged));
  CHECK(logged.find("a\\x1b[2Kb\\x0dc\\x00d") != std::string::npos);
}

TEST_CASE("report_internal_errors: an escaped exception is an internal error, exit 1, not an abort", "[cli]") {
  CHECK(app::report_internal_errors([] { return 7; }) == 7);
  CHECK(app::report_internal_errors([]() -> int { throw std::runtime_error("dump: invalid UTF-8 byte \x1b"); }) == 1);
  CHECK(app::report_internal_errors([]() -> int { throw 42; }) == 1);
}

// One format_line for every transcript line the product writes; each front end only picks a LineStyle.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "smtpwb/event_format.hpp"
#include "smtpwb/log.hpp"
#include "smtpwb/platform.hpp"

using namespace smtpwb;

namespace {
Event event(std::int64_t t_us, Dir dir, bool in_tls, std::string text) {
  Event e;
  e.t_us = t_us;
  e.dir = dir;
  e.phase = Phase::Ehlo;
  e.in_tls = in_tls;
  e.text = std::move(text);
  return e;
}
}  // namespace

TEST_CASE("format_line: swaks-style markers for every direction", "[event_format]") {
  LineStyle bare;
  bare.time = TimeColumn::None;
  CHECK(format_line(event(0, Dir::Client, false, "EHLO x"), bare) == " -> EHLO x");
  CHECK(format_line(event(0, Dir::Client, true, "EHLO x"), bare) == " ~> EHLO x");
  CHECK(format_line(event(0, Dir::Server, false, "250 ok"), bare) == "<-  250 ok");
  CHECK(format_line(event(0, Dir::Server, true, "250 ok"), bare) == "<~  250 ok");
  CHECK(format_line(event(0, Dir::Info, false, "note"), bare) == "=== note");
  CHECK(format_line(event(0, Dir::Tls, false, "TLSv1.3"), bare) == "=== TLSv1.3");
  CHECK(format_line(event(0, Dir::Error, false, "broken"), bare) == "*** broken");
}

TEST_CASE("format_line: the time columns of the terminal, the reports and the window", "[event_format]") {
  // check --timestamps and the exported transcript (unchanged since before format_line existed).
  CHECK(format_line(event(1234567, Dir::Client, false, "QUIT")) == "[ 1234.567]  -> QUIT");
  // The window's copy and save.
  LineStyle seconds;
  seconds.time = TimeColumn::Seconds;
  CHECK(format_line(event(1500000, Dir::Server, false, "250 ok"), seconds) == "   1.500 s  <-  250 ok");
  CHECK(format_time(1500000, TimeColumn::Seconds) == "   1.500 s");
  CHECK(format_time(1500, TimeColumn::Milliseconds) == "[    1.500]");
  CHECK(format_time(1500, TimeColumn::None).empty());
}

TEST_CASE("format_line: terminal colours wrap the time and the line, nothing else changes", "[event_format]") {
  LineStyle colored;
  colored.time_color = "<dim>";
  colored.line_color = "<cyan>";
  colored.reset = "<reset>";
  CHECK(format_line(event(1500, Dir::Client, false, "EHLO x"), colored) == "<dim>[    1.500]<reset> <cyan> -> EHLO x<reset>");
}

TEST_CASE("format_line: server bytes are escaped unless the caller escapes them itself", "[event_format][printable]") {
  LineStyle bare;
  bare.time = TimeColumn::None;
  const auto e = event(0, Dir::Server, false, "220 a\x1b[2Kb\r\nc\xe4");
  CHECK(format_line(e, bare) == "<-  220 a\\x1b[2Kb\\x0d\\x0ac\\xe4");
  bare.escape = false;
  CHECK(format_line(e, bare) == "<-  220 a\x1b[2Kb\r\nc\xe4");
}

// A deliberate change: the log file's time column is now the terminal's ("[    1.500]", was "    1.500"),
// followed by the phase column as before, so a log line reads like `check --timestamps` output.
TEST_CASE("format_line: the log file's line is the terminal's with the session and phase", "[event_format][log]") {
  LineStyle log_style;
  log_style.phase = true;
  CHECK(format_line(event(1500, Dir::Client, true, "AUTH PLAIN ********"), log_style) ==
        "[    1.500] ehlo      ~> AUTH PLAIN ********");

  const auto dir = platform::make_temp_dir("smtpwb-log-format-");
  REQUIRE_FALSE(dir.empty());
  const std::string tmpl = platform::utf8_from_path(dir / "log.txt");
  REQUIRE(log::open_file(tmpl).empty());
  log::event("office", event(1500, Dir::Server, false, "250 ok"));
  log::close();
  std::ifstream in(dir / "log.txt");
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::filesystem::remove_all(dir);
  // After spdlog's own "2024-01-02T03:04:05.678 " timestamp.
  CHECK(text.str().find(" [office] [    1.500] ehlo     <-  250 ok\n") != std::string::npos);
}

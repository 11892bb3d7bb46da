// The platform interface (smtpwb/platform.hpp, the sockets of net/io.hpp, code pages, files): the same
// contract on every OS. Built for Linux here and for Windows by the cross build (run under Wine), so it
// uses nothing but the interface; the few expectations that differ per OS say so.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "smtpwb/charset.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/platform.hpp"

namespace fs = std::filesystem;
using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

struct TempDir {
  fs::path path = platform::make_temp_dir("smtpwb-platform-");
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return platform::utf8_from_path(path / platform::path_from_utf8(name)); }
};

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

const std::string kGruesse = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC";  // "Grüße €"

}  // namespace

TEST_CASE("platform: UTF-8 and UTF-16 round trip, surrogate pairs included", "[platform][codepage]") {
  const std::string text = kGruesse + " \xF0\x9F\x98\x80";  // U+1F600 needs a surrogate pair
  std::u16string wide = utf8_to_utf16(text);
  REQUIRE(wide.size() == 10);  // "Grüße €" is 7 units, then a space and the pair
  CHECK(static_cast<unsigned>(wide[8]) == 0xD83D);
  CHECK(static_cast<unsigned>(wide[9]) == 0xDE00);
  CHECK(utf16_to_utf8(wide) == text);
  CHECK(utf8_to_utf16("a\xFF" "b") == u"a\uFFFDb");           // invalid UTF-8
  CHECK(utf16_to_utf8(std::u16string(1, 0xD800)) == "\xEF\xBF\xBD");  // an unpaired surrogate
  CHECK(convert_from_utf8("\xC3\xBC", "UTF-16LE") == std::string("\xFC\x00", 2));
  CHECK(convert_from_utf8("\xC3\xBC", "UTF-16BE") == std::string("\x00\xFC", 2));
}

TEST_CASE("platform: the OS converts to the code pages the settings name, and lists them", "[platform][codepage]") {
  CHECK(convert_from_utf8(kGruesse.substr(0, 7), "ISO-8859-1") == "Gr\xFC\xDF" "e");
  CHECK(convert_from_utf8(kGruesse, "WINDOWS-1252") == "Gr\xFC\xDF" "e \x80");
  CHECK(convert_from_utf8(kGruesse, "ISO-8859-15") == "Gr\xFC\xDF" "e \xA4");
  CHECK_THROWS_WITH(convert_from_utf8(kGruesse, "ISO-8859-1"), ContainsSubstring("U+20AC"));
  CHECK_THROWS_WITH(convert_from_utf8("x", "NO-SUCH-CODE-PAGE"), ContainsSubstring(std::string(code_page_converter())));
  const auto& offered = available_code_pages();
  CHECK(std::is_sorted(offered.begin(), offered.end()));
  for (const char* name : {"UTF-8", "ISO-8859-1", "WINDOWS-1252"}) {
    CAPTURE(name);
    CHECK(std::find(offered.begin(), offered.end(), name) != offered.end());
  }
  for (const auto& name : offered) {
    CAPTURE(name);
    CHECK(code_page_supported(name));
  }
  CHECK_FALSE(code_page_supported("NO-SUCH-CODE-PAGE"));
  CHECK_FALSE(code_page_supported(""));
}

TEST_CASE("platform: a file is replaced whole, with no temporary file left behind", "[platform][files]") {
  TempDir dir;
  REQUIRE_FALSE(dir.path.empty());
  const std::string target = dir.file("r\xC3\xA9sum\xC3\xA9.json");  // a name outside ASCII
  REQUIRE(write_file_atomically(target, "first") == "");
  REQUIRE(write_file_atomically(target, "second, longer") == "");
  CHECK(read_file(target) == "second, longer");
  CHECK(entries(dir.path) == 1);
  CHECK(check_writable(target) == "");
  CHECK_THAT(check_writable(dir.file("missing/x.json")), ContainsSubstring("does not exist"));
  CHECK_THAT(write_file_atomically(dir.file("missing/x.json"), "x"), ContainsSubstring("missing"));

  REQUIRE(create_private_file(dir.file("log.txt")) == "");
  REQUIRE(write_file_atomically(dir.file("log.txt"), "kept") == "");
  REQUIRE(create_private_file(dir.file("log.txt")) == "");  // an existing file keeps its contents
  CHECK(read_file(dir.file("log.txt")) == "kept");
}

TEST_CASE("platform: temporary directories are new and distinct", "[platform][files]") {
  TempDir a, b;
  REQUIRE_FALSE(a.path.empty());
  CHECK(a.path != b.path);
  CHECK(fs::is_directory(a.path));
  CHECK(entries(a.path) == 0);
}

TEST_CASE("platform: a socket pair carries bytes both ways and reports the peer's close", "[platform][net]") {
  auto [ours, theirs] = net::connected_pair();
  net::CancelFlag cancel{false};
  char buf[16];
  CHECK(net::receive_some(ours.get(), buf, sizeof buf).again());  // nothing yet, and no blocking
  REQUIRE(net::send_some(theirs.get(), "ping", 4).bytes == 4);
  net::wait_ready(ours.get(), net::Wait::Read, net::Deadline::in(std::chrono::seconds(5)), cancel, "reading");
  auto got = net::receive_some(ours.get(), buf, sizeof buf);
  REQUIRE(got.bytes == 4);
  CHECK(std::string(buf, 4) == "ping");
  REQUIRE(net::send_some(ours.get(), "pong", 4).bytes == 4);
  net::wait_ready(theirs.get(), net::Wait::Read, net::Deadline::in(std::chrono::seconds(5)), cancel, "reading");
  CHECK(net::receive_some(theirs.get(), buf, sizeof buf).bytes == 4);
  theirs.reset();
  net::wait_ready(ours.get(), net::Wait::Read, net::Deadline::in(std::chrono::seconds(5)), cancel, "reading");
  CHECK(net::receive_some(ours.get(), buf, sizeof buf).bytes == 0);
}

TEST_CASE("platform: a wait honours cancel and the deadline", "[platform][net]") {
  auto [ours, theirs] = net::connected_pair();
  net::CancelFlag cancel{false};
  CHECK_THROWS_AS(net::wait_ready(ours.get(), net::Wait::Read, net::Deadline::in(std::chrono::milliseconds(50)), cancel, "x"),
                  net::TimedOut);
  cancel = true;
  CHECK_THROWS_AS(net::wait_ready(ours.get(), net::Wait::Read, net::Deadline::in(std::chrono::seconds(5)), cancel, "x"),
                  net::Cancelled);
}

TEST_CASE("platform: a refused connection is mapped to Refused with the OS's error number", "[platform][net]") {
  int port = 0;
  { net::Fd listener = net::listen_loopback(port); }  // the port is free again, and nobody listens
  net::CancelFlag cancel{false};
  try {
    // Windows retries a refused SYN for about two seconds before it gives up.
    net::connect_tcp(net::loopback_address(port), net::Deadline::in(std::chrono::seconds(10)), cancel);
    FAIL("the connection was accepted");
  } catch (const net::NetError& e) {
    CHECK(e.kind == net::SocketFailure::Refused);
    CHECK(e.err != 0);
    CHECK(std::string(e.what()) == platform::error_text(e.err));
  }
}

TEST_CASE("platform: listen, connect and accept on loopback", "[platform][net]") {
  int port = 0;
  net::Fd listener = net::listen_loopback(port);
  REQUIRE(port > 0);
  net::CancelFlag cancel{false};
  net::Fd client = net::connect_tcp(net::loopback_address(port), net::Deadline::in(std::chrono::seconds(5)), cancel);
  net::wait_ready(listener.get(), net::Wait::Read, net::Deadline::in(std::chrono::seconds(5)), cancel, "accepting");
  net::Fd server = net::accept_connection(listener.get());
  REQUIRE(server);
  CHECK(net::local_address(client.get()) == "127.0.0.1");
  CHECK(net::loopback_address(port).is_ipv4());
  auto ready = net::readable({listener.get(), server.get()}, std::chrono::milliseconds(10));
  CHECK(ready == std::vector<bool>{false, false});
}

TEST_CASE("platform: IP literals as the OS reads and writes them", "[platform]") {
  CHECK(platform::parse_ipv4("192.0.2.1") == std::array<unsigned char, 4>{192, 0, 2, 1});
  CHECK_FALSE(platform::parse_ipv4("192.0.2"));
  CHECK_FALSE(platform::parse_ipv4(std::string("192.0.2.1\0x", 11)));
  auto v6 = platform::parse_ipv6("2001:DB8:0::1");
  REQUIRE(v6);
  CHECK(platform::format_ipv6(v6->data()) == "2001:db8::1");
  CHECK_FALSE(platform::parse_ipv6("2001:db8::g"));
  const unsigned char v4[] = {10, 1, 2, 255};
  CHECK(platform::format_ipv4(v4) == "10.1.2.255");
}

TEST_CASE("platform: UTC conversion both ways, and the environment in UTF-8", "[platform]") {
  std::tm epoch = platform::utc_time(0);
  CHECK(epoch.tm_year == 70);
  CHECK(epoch.tm_mday == 1);
  const std::time_t t = 1767225600;  // 2026-01-01T00:00:00Z
  CHECK(platform::from_utc(platform::utc_time(t)) == t);
  CHECK(platform::utc_time(t).tm_year == 126);
  (void)platform::local_time(t);

  REQUIRE(platform::set_env("SMTPWB_PLATFORM_TEST", kGruesse));
  CHECK(platform::env("SMTPWB_PLATFORM_TEST") == kGruesse);
  platform::unset_env("SMTPWB_PLATFORM_TEST");
  CHECK_FALSE(platform::env("SMTPWB_PLATFORM_TEST").has_value());
  CHECK_FALSE(platform::error_text(2).empty());
}

TEST_CASE("platform: paths carry UTF-8 names unchanged", "[platform][files]") {
  const std::string name = "dir/" + kGruesse + ".txt";
  CHECK(platform::utf8_from_path(platform::path_from_utf8(name)) == name);
  CHECK(platform::utf8_from_path(platform::path_from_utf8(name).filename()) == kGruesse + ".txt");
}

TEST_CASE("platform: the configuration directory", "[platform]") {
  fs::path dir = platform::config_dir();
  CHECK(dir.filename() == "smtp-workbench");
  CHECK(dir.is_absolute());
#ifndef _WIN32  // Linux: $XDG_CONFIG_HOME first, then ~/.config (Windows: %APPDATA%, the user's roaming folder)
  auto saved = platform::env("XDG_CONFIG_HOME");
  platform::set_env("XDG_CONFIG_HOME", "/tmp/smtpwb-xdg");
  CHECK(platform::config_dir() == fs::path("/tmp/smtpwb-xdg/smtp-workbench"));
  platform::unset_env("XDG_CONFIG_HOME");
  if (auto home = platform::env("HOME"); home && !home->empty())
    CHECK(platform::config_dir() == fs::path(*home) / ".config" / "smtp-workbench");
  if (saved) platform::set_env("XDG_CONFIG_HOME", *saved);
#endif
}

TEST_CASE("platform: the command line and the executable", "[platform]") {
  char a0[] = "prog", a1[] = "--flag";
  char* argv[] = {a0, a1, nullptr};
  auto args = platform::arguments(2, argv);
  REQUIRE_FALSE(args.empty());
  CHECK(fs::exists(platform::executable_path()));
}

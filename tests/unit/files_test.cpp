// write_file_atomically: a temporary name nobody can plant, private modes, nothing lost on failure.
#include <catch2/catch_test_macros.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "smtpwb/files.hpp"
#include "smtpwb/log.hpp"

namespace fs = std::filesystem;
using namespace smtpwb;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "smtpwb-files-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()));
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
std::string get(const fs::path& p) { return read_file(p.string()).value_or("(unreadable)"); }
unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}
std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("write_file_atomically: planted symlinks at predictable temporary names are not followed", "[files]") {
  TempDir dir;
  fs::path target = dir.path / "report.md";
  fs::path victim = dir.path / "victim";
  put(victim, "precious");
  const std::string planted[] = {"report.md.tmp." + std::to_string(::getpid()), "report.md.tmp", ".report.md.tmp",
                                 "report.md.new", ".report.md.swp"};
  for (const auto& name : planted) fs::create_symlink(victim, dir.path / name);

  REQUIRE(write_file_atomically(target.string(), "server data") == "");
  CHECK(get(victim) == "precious");
  CHECK(get(target) == "server data");
  CHECK_FALSE(fs::is_symlink(target));
  for (const auto& name : planted) CHECK(fs::is_symlink(dir.path / name));
  CHECK(entries(dir.path) == 2 + std::size(planted));  // no temporary left behind
}

TEST_CASE("write_file_atomically: the file is private (0600), new or replaced", "[files]") {
  TempDir dir;
  fs::path target = dir.path / "profile.json";
  ::umask(022);
  REQUIRE(write_file_atomically(target.string(), "{}") == "");
  CHECK(mode_of(target) == 0600);
  put(target, "old");
  fs::permissions(target, fs::perms(0644));
  REQUIRE(write_file_atomically(target.string(), "{\"a\":1}") == "");
  CHECK(mode_of(target) == 0600);
  CHECK(get(target) == "{\"a\":1}");
}

TEST_CASE("write_file_atomically: a failed write leaves the existing file intact and no temporary", "[files]") {
  TempDir dir;
  fs::path target = dir.path / "connection.json";
  put(target, "the old content");
  SECTION("the write itself fails (file size limit)") {
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 4096;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string error = write_file_atomically(target.string(), std::string(100000, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    CHECK_FALSE(error.empty());
    CHECK(error.find(target.string()) != std::string::npos);
  }
  SECTION("the rename fails (a directory in the way)") {
    fs::path in_the_way = dir.path / "dir.json";
    fs::create_directory(in_the_way);
    put(in_the_way / "keep", "x");
    CHECK_FALSE(write_file_atomically(in_the_way.string(), "new").empty());
    CHECK(fs::is_directory(in_the_way));
    CHECK(entries(dir.path) == 2);
  }
  CHECK(get(target) == "the old content");
  CHECK(entries(dir.path) <= 2);
}

TEST_CASE("log::open_file: a new log file is private (0600)", "[files][log]") {
  TempDir dir;
  fs::path file = dir.path / "engine.log";
  ::umask(022);
  REQUIRE(log::open_file(file.string()) == "");
  log::note("a line");
  log::close();
  CHECK(mode_of(file) == 0600);
  CHECK(get(file).find("a line") != std::string::npos);
}

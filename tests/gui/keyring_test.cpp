// The desktop keyring path: hidden from the normal run ([.]), run by tests/keyring_test.sh inside a
// D-Bus session with a real Secret Service (gnome-keyring-daemon) that the script starts.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include "gui_harness.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;

TEST_CASE("Passwords go to the desktop keyring when one runs, and survive a restart", "[.][keyring]") {
  REQUIRE(open_secret_store()->persistent());
  guitest::TempDir dir;
  {
    Workbench wb(dir.path, open_secret_store(), [] {});
    wb.load();
    wb.apply(cmd::NewFromPreset{"gmail"});
    Connection& c = *wb.selected();
    c.draft.username = "me@gmail.com";
    c.draft.password = "Keyring-Secret-9";
    wb.apply(cmd::Save{c.id});
    CHECK_FALSE(wb.status_is_error());
    CHECK(wb.status().find("session only") == std::string::npos);
    CHECK(wb.secrets().persistent());  // the desktop keyring, or the Credential Manager on Windows
  }
  Workbench again(dir.path, open_secret_store(), [] {});
  again.load();
  Connection* gmail = again.find_by_name("Gmail");
  REQUIRE(gmail);
  CHECK(gmail->draft.password == "Keyring-Secret-9");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path / "connections"))
    CHECK(read_file(entry.path().string())->find("Keyring-Secret-9") == std::string::npos);

  const ConnectionSettings bound = gmail->saved;
  CHECK(open_secret_store()->get(secret_key(bound, "password")) == std::optional<std::string>("Keyring-Secret-9"));
  again.apply(cmd::Delete{gmail->id});
  CHECK_FALSE(open_secret_store()->get(secret_key(bound, "password")));
}

TEST_CASE("Keyring: a connection file dropped with the same name, id and another address gets no password", "[.][keyring]") {
  REQUIRE(open_secret_store()->persistent());
  guitest::TempDir dir;
  std::filesystem::path file;
  {
    Workbench wb(dir.path, open_secret_store(), [] {});
    wb.load();
    wb.apply(cmd::NewFromPreset{"gmail"});
    Connection& c = *wb.selected();
    c.draft.name = "Bound";
    c.draft.username = "me@gmail.com";
    c.draft.password = "Keyring-Bound-5";
    wb.apply(cmd::Save{c.id});
    REQUIRE(c.file);
    file = *c.file;
  }
  ConnectionSettings evil;
  REQUIRE_FALSE(load_profile_file(file.string(), evil).has_value());
  REQUIRE_FALSE(evil.id.empty());
  evil.address = "evil.example";
  REQUIRE(write_file_atomically(file.string(), profile_json(evil).dump(2)).empty());
  Workbench again(dir.path, open_secret_store(), [] {});
  again.load();
  Connection* bound = again.find_by_name("Bound");
  REQUIRE(bound);
  CHECK(bound->draft.address == "evil.example");
  CHECK(bound->draft.password.empty());
}

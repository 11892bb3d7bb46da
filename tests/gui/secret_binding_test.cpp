// Keyring secrets belong to one saved connection: its stable id, its server and its user (issue 13,
// item 8). A connection file dropped into connections/ can reuse a name, an id, or both, and must still
// never be handed a password stored for another server.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>

#include "gui_harness.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
namespace fs = std::filesystem;

namespace {

// Several Workbench instances (restarts) over one store, as over one desktop keyring.
class SharedStore final : public SecretStore {
 public:
  explicit SharedStore(SecretStore& real) : real_(real) {}
  std::optional<std::string> get(const std::string& key) override { return real_.get(key); }
  bool set(const std::string& key, const std::string& secret) override { return real_.set(key, secret); }
  void remove(const std::string& key) override { real_.remove(key); }
  bool persistent() const override { return true; }
  std::string description() const override { return "shared test store"; }

 private:
  SecretStore& real_;
};

constexpr char kPassword[] = "Office-Password-77";

// A saved connection "Office" at smtp.office.example with a stored password; returns its file.
fs::path save_office(const fs::path& dir, SecretStore& store) {
  Workbench wb(dir, std::make_unique<SharedStore>(store), [] {});
  wb.load();
  wb.apply(cmd::NewFromPreset{"gmail"});
  Connection& c = *wb.selected();
  c.draft.name = "Office";
  c.draft.address = "smtp.office.example";
  c.draft.username = "me@office.example";
  c.draft.password = kPassword;
  wb.apply(cmd::Save{c.id});
  REQUIRE_FALSE(wb.status_is_error());
  REQUIRE(c.file);
  return *c.file;
}

ConnectionSettings read_profile(const fs::path& file) {
  ConnectionSettings s;
  REQUIRE_FALSE(load_profile_file(file.string(), s).has_value());
  return s;
}

void write_profile(const fs::path& file, const ConnectionSettings& s) {
  std::ofstream(file, std::ios::binary) << profile_json(s).dump(2) << "\n";
}

// Every loaded connection that holds the office password, by name and address.
std::vector<std::string> holders(Workbench& wb) {
  std::vector<std::string> out;
  for (const auto& c : wb.connections())
    if (c->draft.password == kPassword) out.push_back(c->draft.name + " @ " + c->draft.address);
  return out;
}

}  // namespace

TEST_CASE("Secrets: each saved connection gets a stable id, kept in its file across saves and renames", "[gui][secrets]") {
  guitest::TempDir dir;
  MemorySecretStore store;
  fs::path file = save_office(dir.path, store);
  std::string id = read_profile(file).id;
  CHECK(id.size() >= 32);
  {
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    Connection* office = wb.find_by_name("Office");
    REQUIRE(office);
    CHECK(office->draft.password == kPassword);
    wb.apply(cmd::Rename{office->id, "Office (EU)"});
    REQUIRE(office->file);
    CHECK(read_profile(*office->file).id == id);
    wb.apply(cmd::Duplicate{office->id});
    Connection* copy = wb.selected();
    wb.apply(cmd::Save{copy->id});
    REQUIRE(copy->file);
    CHECK(read_profile(*copy->file).id != id);  // a copy is another connection
  }
  Workbench again(dir.path, std::make_unique<SharedStore>(store), [] {});
  again.load();
  REQUIRE(again.find_by_name("Office (EU)"));
  CHECK(again.find_by_name("Office (EU)")->draft.password == kPassword);  // a rename keeps the password
}

TEST_CASE("Secrets: a dropped file with an existing name and another address gets no password", "[gui][secrets]") {
  guitest::TempDir dir;
  MemorySecretStore store;
  fs::path file = save_office(dir.path, store);
  ConnectionSettings evil = read_profile(file);
  evil.address = "evil.example";

  SECTION("same name, same id, beside the original: refused on load, the file left as it is") {
    fs::path dropped = file.parent_path() / "a-dropped.json";  // sorts before the original
    write_profile(dropped, evil);
    auto before = read_file(dropped.string());
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    // The first file in name order is loaded (here the dropped one, which gets no password: its address
    // differs); the other is reported, not loaded, and neither file is touched.
    CHECK(holders(wb).empty());
    REQUIRE(wb.load_problems().size() == 1);
    CHECK(wb.load_problems()[0].message.find("\"Office\" is already used") != std::string::npos);
    CHECK(wb.load_problems()[0].file == file);
    CHECK(wb.load_problems()[0].moved_to.empty());
    CHECK(read_file(dropped.string()) == before);
    CHECK(read_profile(file).address == "smtp.office.example");
    CHECK(store.get(secret_key(read_profile(file), "password")) == std::optional<std::string>(kPassword));  // kept for it
  }
  SECTION("same name, same id, in place of the original") {
    write_profile(file, evil);
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    REQUIRE(wb.find_by_name("Office"));
    CHECK(wb.find_by_name("Office")->draft.password.empty());
  }
  SECTION("same name, no id (an old-format file), in place of the original") {
    evil.id.clear();
    write_profile(file, evil);
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    CHECK(holders(wb).empty());
  }
  SECTION("same server, another user") {
    ConnectionSettings other = read_profile(file);
    other.username = "attacker@office.example";
    write_profile(file, other);
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    CHECK(holders(wb).empty());
  }
}

TEST_CASE("Secrets: passwords stored under a name by older versions move to the id, never to another server", "[gui][secrets]") {
  guitest::TempDir dir;
  MemorySecretStore store;
  fs::path connections = dir.path / "connections";
  fs::create_directories(connections);
  ConnectionSettings office;
  office.name = "Office";
  office.address = "smtp.office.example";
  office.anonymous = false;
  office.username = "me@office.example";
  write_profile(connections / "office.json", office);  // no id: written by an older version
  store.set(legacy_secret_key("Office", "password"), kPassword);

  SECTION("the one file of that name takes it over; the file gets an id") {
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    CHECK(holders(wb) == std::vector<std::string>{"Office @ smtp.office.example"});
    std::string id = read_profile(connections / "office.json").id;
    CHECK_FALSE(id.empty());
    CHECK_FALSE(store.get(legacy_secret_key("Office", "password")));  // moved, not copied
    Workbench again(dir.path, std::make_unique<SharedStore>(store), [] {});
    again.load();
    CHECK(holders(again) == std::vector<std::string>{"Office @ smtp.office.example"});
    CHECK(read_profile(connections / "office.json").id == id);
  }
  SECTION("a second file of that name: nobody gets it") {
    ConnectionSettings evil = office;
    evil.address = "evil.example";
    write_profile(connections / "a-evil.json", evil);
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    CHECK(holders(wb).empty());
    CHECK(wb.load_problems().size() == 1);
    CHECK(store.get(legacy_secret_key("Office", "password")) == std::optional<std::string>(kPassword));  // still there
  }
}

TEST_CASE("Secrets: keys name the id, the server and the user", "[gui][secrets]") {
  ConnectionSettings s;
  s.id = "abc";
  s.address = "smtp.example.com";
  s.username = "me";
  s.proxy.address = "proxy.example.com";
  s.proxy.username = "pu";
  auto key = secret_key(s, "password");
  CHECK(key.find("abc") != std::string::npos);
  CHECK(key.find("smtp.example.com") != std::string::npos);
  CHECK(key.find("me") != std::string::npos);
  auto other = s;
  other.address = "evil.example";
  CHECK(secret_key(other, "password") != key);
  other = s;
  other.username = "you";
  CHECK(secret_key(other, "password") != key);
  other = s;
  other.id = "abd";
  CHECK(secret_key(other, "password") != key);
  other = s;
  other.name = "Renamed";
  CHECK(secret_key(other, "password") == key);
  other = s;
  other.proxy.address = "evil-proxy.example";
  CHECK(secret_key(other, "proxy-password") != secret_key(s, "proxy-password"));
  CHECK(secret_key(other, "password") == key);
}

TEST_CASE("Secrets: a client key's password goes to the keyring, never into the file, and comes back", "[gui][secrets][client-cert]") {
  guitest::TempDir dir;
  MemorySecretStore store;
  fs::path file;
  {
    Workbench wb(dir.path, std::make_unique<SharedStore>(store), [] {});
    wb.load();
    wb.apply(cmd::NewFromPreset{"gmail"});
    Connection& c = *wb.selected();
    c.draft.name = "Certificate";
    c.draft.address = "smtp.cert.example";
    c.draft.client_cert = "/home/me/client.pem";
    c.draft.client_key = "/home/me/client.key";
    c.draft.client_key_password = "Client-Key-Password-9";
    wb.apply(cmd::Save{c.id});
    REQUIRE(c.file);
    file = *c.file;
  }
  auto text = read_file(file.string());
  REQUIRE(text);
  CHECK(text->find("Client-Key-Password-9") == std::string::npos);
  CHECK(text->find("/home/me/client.key") != std::string::npos);
  Workbench again(dir.path, std::make_unique<SharedStore>(store), [] {});
  again.load();
  const Connection* reloaded = nullptr;
  for (const auto& c : again.connections())
    if (c->draft.name == "Certificate") reloaded = c.get();
  REQUIRE(reloaded);
  CHECK(reloaded->draft.client_key_password == "Client-Key-Password-9");
}

#pragma once
// Where passwords live: the desktop keyring (Secret Service, through libsecret) when one is running,
// otherwise this process's memory only. Never a plain-text file.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace smtpwb::gui {

class SecretStore {
 public:
  virtual ~SecretStore() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual bool set(const std::string& key, const std::string& secret) = 0;  // false: not stored
  virtual void remove(const std::string& key) = 0;
  virtual bool persistent() const = 0;
  virtual std::string description() const = 0;  // shown in the status bar
};

class MemorySecretStore final : public SecretStore {
 public:
  explicit MemorySecretStore(std::string why = "no desktop keyring is running") : why_(std::move(why)) {}
  std::optional<std::string> get(const std::string& key) override;
  bool set(const std::string& key, const std::string& secret) override;
  void remove(const std::string& key) override;
  bool persistent() const override { return false; }
  std::string description() const override { return "Passwords are kept for this session only (" + why_ + ")"; }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> secrets_;
  std::string why_;
};

// The keyring when a Secret Service answers on the session bus (checked with a short timeout),
// otherwise a MemorySecretStore that says why.
std::unique_ptr<SecretStore> open_secret_store();

// Keys: one per connection and kind, so a rename moves them.
std::string secret_key(const std::string& connection_name, const char* kind /* "password" | "proxy-password" */);

}  // namespace smtpwb::gui

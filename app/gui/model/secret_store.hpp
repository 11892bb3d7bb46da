#pragma once
// Where passwords live: the desktop keyring (Secret Service, through libsecret) when one is running, or
// the Windows Credential Manager (model/secret_store_libsecret.cpp, secret_store_windows.cpp),
// otherwise this process's memory only. Never a plain-text file.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "smtpwb/settings.hpp"

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

// Keys: one per saved connection (its stable id, not its display name) and kind, bound to the server
// and the user the secret is for. A rename keeps the key; a file that reuses the id for another server
// or user asks under another key and finds nothing.
std::string secret_key(const smtpwb::ConnectionSettings& s, const char* kind /* "password" | "proxy-password" | "oauth-refresh-token" | "client-key-password" */);
// The key older versions stored a secret under: the connection's display name (migrated on load).
std::string legacy_secret_key(const std::string& connection_name, const char* kind);
// A new stable id for a saved connection: 128 random bits in hex.
std::string new_connection_id();

}  // namespace smtpwb::gui

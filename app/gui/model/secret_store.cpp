#include "model/secret_store.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string_view>

namespace smtpwb::gui {

std::optional<std::string> MemorySecretStore::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = secrets_.find(key);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

bool MemorySecretStore::set(const std::string& key, const std::string& secret) {
  std::lock_guard lock(mutex_);
  secrets_[key] = secret;
  return true;
}

void MemorySecretStore::remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  secrets_.erase(key);
}

std::string legacy_secret_key(const std::string& connection_name, const char* kind) { return connection_name + "\n" + kind; }
std::string secret_key(const smtpwb::ConnectionSettings& s, const char* kind) {
  const std::string_view k = kind;
  const bool proxy = k == "proxy-password";
  std::string binding = proxy ? s.proxy.address + "\n" + s.proxy.username : s.address + "\n" + s.username;
  if (k == "oauth-refresh-token") binding += "\n" + s.oauth_account;  // a token is for one account
  if (k == "client-key-password") binding = s.client_key.empty() ? s.client_cert : s.client_key;  // a password is for one key file
  return "id:" + s.id + "\n" + kind + "\n" + binding;
}

std::string new_connection_id() {
  std::random_device random;  // getrandom(2)
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    std::uint32_t word = random();
    for (int nibble = 0; nibble < 8; ++nibble, word >>= 4) id += kHex[word & 15];
  }
  return id;
}

}  // namespace smtpwb::gui

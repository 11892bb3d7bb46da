#pragma once
// The exporter's modules: the saved connections (DIR/connections/*.json, the window's files and
// `check --save-profile` files), read-only, and the secrets file that supplies their passwords.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/session.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::app {

// The connections by name, as the window loads them (a file without a name is named after the file;
// of two files with one name, the first in file-name order). Broken files are skipped and reported
// once, never moved or rewritten. Reread when the directory changes (every save renames a file into it).
class ModuleStore {
 public:
  explicit ModuleStore(std::filesystem::path config_dir);
  const std::filesystem::path& directory() const { return dir_; }
  std::optional<ConnectionSettings> find(const std::string& name);
  std::vector<std::string> names();

 private:
  void refresh_locked();
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::optional<std::filesystem::file_time_type> loaded_at_;
  std::map<std::string, ConnectionSettings> modules_;
  std::map<std::string, std::string> reported_;  // file -> problem already printed
};

struct ModuleSecrets {
  std::string secret;          // the plain-string form: the token of an OAuth connection, else the password
  std::string password;
  std::string token;           // an OAuth 2.0 access token (XOAUTH2 / OAUTHBEARER)
  std::string proxy_password;
};

// Parses the secrets file's JSON: {"module": "secret"} or {"module": {"password"|"token"|"proxy_password": "..."}}.
// A plain string is the token of an OAuth connection and the password of the others (decided when used).
// Returns nullopt with `error` naming the module or the line.
std::optional<std::map<std::string, ModuleSecrets>> parse_secrets(const std::string& text, std::string& error);
// Reads the file, refused unless it is a regular file that only its owner can read or write.
std::optional<std::map<std::string, ModuleSecrets>> load_secrets(const std::string& path, std::string& error);
// Puts a module's secrets where `check` puts them (the password, or the token and its user).
void apply_secrets(const ModuleSecrets& secrets, ConnectionSettings& settings, SessionOptions& options);

}  // namespace smtpwb::app

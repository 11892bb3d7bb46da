#include "exporter/modules.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "smtpwb/files.hpp"
#include "smtpwb/report.hpp"

namespace fs = std::filesystem;

namespace smtpwb::app {

// The same rule as the window's default_config_dir() (app/gui/model), which the exporter does not link.
fs::path exporter_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "smtp-workbench";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".config" / "smtp-workbench";
  return fs::current_path() / ".smtp-workbench";
}

ModuleStore::ModuleStore(fs::path config_dir) : dir_(std::move(config_dir) / "connections") {}

void ModuleStore::refresh_locked() {
  std::error_code ec;
  auto stamp = fs::last_write_time(dir_, ec);
  if (ec) {
    modules_.clear();
    loaded_at_.reset();
    return;
  }
  if (loaded_at_ && *loaded_at_ == stamp) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  modules_.clear();
  for (const auto& file : files) {
    ConnectionSettings settings;
    if (auto err = load_profile_file(file.string(), settings)) {
      if (reported_[file.string()] != err->message)
        std::fprintf(stderr, "smtp-workbench exporter: %s (skipped)\n", err->message.c_str());
      reported_[file.string()] = err->message;
      continue;
    }
    if (settings.name.empty()) settings.name = file.stem().string();
    modules_.emplace(settings.name, std::move(settings));  // the first file of a name wins, as in the window
  }
  loaded_at_ = stamp;
}

std::optional<ConnectionSettings> ModuleStore::find(const std::string& name) {
  std::lock_guard lock(mutex_);
  refresh_locked();
  auto it = modules_.find(name);
  if (it == modules_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ModuleStore::names() {
  std::lock_guard lock(mutex_);
  refresh_locked();
  std::vector<std::string> out;
  for (const auto& [name, settings] : modules_) out.push_back(name);
  return out;
}

std::optional<std::map<std::string, ModuleSecrets>> parse_secrets(const std::string& text, std::string& error) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    error = "not valid JSON (at byte " + std::to_string(e.byte) + ")";  // never the text around it: secrets
    return std::nullopt;
  }
  if (!doc.is_object()) {
    error = "expected an object of module names";
    return std::nullopt;
  }
  std::map<std::string, ModuleSecrets> out;
  for (const auto& [name, value] : doc.items()) {
    ModuleSecrets s;
    if (value.is_string()) {
      s.secret = value.get<std::string>();
    } else if (value.is_object()) {
      for (const auto& [key, v] : value.items()) {
        std::string* field = key == "password" ? &s.password : key == "token" ? &s.token : key == "proxy_password" ? &s.proxy_password : nullptr;
        if (!field || !v.is_string()) {
          error = "\"" + name + "\": " + (field ? "\"" + key + "\" is not a string" : "unknown key \"" + key + "\" (password, token, proxy_password)");
          return std::nullopt;
        }
        *field = v.get<std::string>();
      }
    } else {
      error = "\"" + name + "\": expected a string or an object";
      return std::nullopt;
    }
    out[name] = std::move(s);
  }
  return out;
}

std::optional<std::map<std::string, ModuleSecrets>> load_secrets(const std::string& path, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ": cannot be read";
    return std::nullopt;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    error = path + ": other users can read or change it (mode " + mode + "); make it private: chmod 600 " + path;
    return std::nullopt;
  }
  auto text = read_file(path);
  if (!text) {
    error = path + ": cannot be read";
    return std::nullopt;
  }
  auto secrets = parse_secrets(*text, error);
  if (!secrets) error = path + ": " + error;
  return secrets;
}

void apply_secrets(const ModuleSecrets& secrets, ConnectionSettings& settings, SessionOptions& options) {
  const std::string& token = secrets.token.empty() && is_oauth(settings.auth_type) ? secrets.secret : secrets.token;
  settings.password = secrets.password.empty() && !is_oauth(settings.auth_type) ? secrets.secret : secrets.password;
  if (!token.empty()) {
    options.oauth_access_token = token;
    if (settings.password.empty()) settings.password = token;  // a bearer token stands in for it, as in `check`
  }
  if (is_oauth(settings.auth_type) && !settings.oauth_account.empty()) options.oauth_user = settings.oauth_account;
  if (!secrets.proxy_password.empty()) settings.proxy.password = secrets.proxy_password;
}

}  // namespace smtpwb::app

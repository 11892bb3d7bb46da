#include "exporter/modules.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/report.hpp"

namespace fs = std::filesystem;

namespace smtpwb::app {

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
    const std::string name = platform::utf8_from_path(file);
    if (auto err = load_profile_file(name, settings)) {
      if (reported_[name] != err->message) std::fprintf(stderr, "smtp-workbench exporter: %s (skipped)\n", err->message.c_str());
      reported_[name] = err->message;
      continue;
    }
    if (settings.name.empty()) settings.name = platform::utf8_from_path(file.stem());
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
  std::error_code ec;
  const auto status = fs::status(platform::path_from_utf8(path), ec);
  if (ec || !fs::is_regular_file(status)) {
    error = path + ": cannot be read";
    return std::nullopt;
  }
  if (auto problem = private_file_problem(path); !problem.empty()) {
    error = path + ": " + problem;
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

#include "model/connection_store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/report.hpp"

namespace fs = std::filesystem;

namespace smtpwb::gui {

fs::path default_config_dir() { return platform::config_dir(); }

std::string unique_name(const std::string& wanted, const std::vector<std::string>& names) {
  auto taken = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (!taken(wanted)) return wanted;
  for (int i = 2;; ++i) {
    std::string candidate = wanted + " (" + std::to_string(i) + ")";
    if (!taken(candidate)) return candidate;
  }
}

ConnectionStore::ConnectionStore(fs::path config_dir) : dir_(std::move(config_dir) / "connections") {}

namespace {
fs::path free_path(const fs::path& wanted) {
  if (!fs::exists(wanted)) return wanted;
  for (int i = 1;; ++i) {
    fs::path candidate = wanted;
    candidate += "." + std::to_string(i);
    if (!fs::exists(candidate)) return candidate;
  }
}
}  // namespace

std::vector<StoredConnection> ConnectionStore::load(std::vector<LoadProblem>& problems) const {
  std::vector<StoredConnection> out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::map<std::string, fs::path> by_name, by_id;
  std::set<std::string> contested;
  for (const auto& file : files) {
    ConnectionSettings settings;
    if (auto err = load_profile_file(platform::utf8_from_path(file), settings)) {
      fs::path aside = free_path(platform::path_from_utf8(platform::utf8_from_path(file) + ".broken"));
      std::error_code move_error;
      fs::rename(file, aside, move_error);
      problems.push_back({file, move_error ? fs::path() : aside, err->message});
      continue;
    }
    if (settings.name.empty()) settings.name = platform::utf8_from_path(file.stem());
    // Two files with one name (or id) would share its keyring secrets: only the first is loaded.
    if (auto it = by_name.find(settings.name); it != by_name.end()) {
      contested.insert(settings.name);
      problems.push_back({file, {}, platform::utf8_from_path(file) + ": the name \"" + settings.name + "\" is already used by " +
                                        platform::utf8_from_path(it->second.filename()) + "; this file was not loaded and is left as it is"});
      continue;
    }
    if (auto it = by_id.find(settings.id); !settings.id.empty() && it != by_id.end()) {
      problems.push_back({file, {}, platform::utf8_from_path(file) + ": its id is already used by " +
                                        platform::utf8_from_path(it->second.filename()) +
                                        " (a copied file?); this file was not loaded and is left as it is"});
      continue;
    }
    by_name.emplace(settings.name, file);
    if (!settings.id.empty()) by_id.emplace(settings.id, file);
    out.push_back({std::move(settings), file});
  }
  for (auto& stored : out) stored.name_contested = contested.count(stored.settings.name) > 0;
  return out;
}

std::string ConnectionStore::rewrite(const fs::path& file, const ConnectionSettings& settings) const {
  ConnectionSettings without_secrets = settings;
  without_secrets.password.clear();
  without_secrets.proxy.password.clear();
  return save_profile_file(platform::utf8_from_path(file), without_secrets);
}

fs::path ConnectionStore::file_name_for(const std::string& name, const std::vector<fs::path>& taken,
                                        const std::optional<fs::path>& own) {
  std::string slug;
  for (unsigned char c : name) {
    if (std::isalnum(c)) slug += static_cast<char>(std::tolower(c));
    else if (!slug.empty() && slug.back() != '-') slug += '-';
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "connection";
  if (slug.size() > 80) slug.resize(80);
  auto used = [&](const fs::path& p) {
    if (own && own->filename() == p) return false;
    return std::any_of(taken.begin(), taken.end(), [&](const fs::path& t) { return t.filename() == p; });
  };
  fs::path candidate = slug + ".json";
  for (int i = 2; used(candidate); ++i) candidate = slug + "-" + std::to_string(i) + ".json";
  return candidate;
}

ConnectionStore::SaveResult ConnectionStore::save(const ConnectionSettings& settings, const std::optional<fs::path>& previous,
                                                  const std::vector<fs::path>& taken) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return {{}, platform::utf8_from_path(dir_) + ": cannot be created: " + ec.message()};
  ConnectionSettings without_secrets = settings;
  without_secrets.password.clear();
  without_secrets.proxy.password.clear();
  fs::path file = dir_ / file_name_for(settings.name, taken, previous);
  if (fs::exists(file)) {  // keep the previous version next to it, written atomically too: a kill during
                           // the copy must leave the old backup or the new one, never half of one
    auto previous_text = read_file(platform::utf8_from_path(file));
    if (!previous_text) return {{}, platform::utf8_from_path(file) + ": cannot be read for the backup"};
    if (auto err = write_file_atomically(platform::utf8_from_path(file) + ".bak", *previous_text); !err.empty())
      return {{}, platform::utf8_from_path(file) + ": the backup could not be written: " + err};
  }
  if (auto err = save_profile_file(platform::utf8_from_path(file), without_secrets); !err.empty()) return {{}, err};
  if (previous && *previous != file) fs::remove(*previous, ec);  // renamed: the new file is in place first
  return {file, {}};
}

std::string ConnectionStore::remove(const fs::path& file) const {
  std::error_code ec;
  fs::remove(file, ec);
  return ec ? platform::utf8_from_path(file) + ": " + ec.message() : std::string();
}

}  // namespace smtpwb::gui

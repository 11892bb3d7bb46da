#pragma once
// Saved connections: one file per connection in <config>/connections/, in the `check --profile`
// format. Saving is atomic with a backup of the previous version; a broken file is reported with its
// line and moved aside (never overwritten); the others still load.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/settings.hpp"

namespace smtpwb::gui {

struct StoredConnection {
  ConnectionSettings settings;  // secrets empty: they live in the SecretStore
  std::filesystem::path file;
  bool name_contested = false;  // another file carries the same name (that one was not loaded)
};

struct LoadProblem {
  std::filesystem::path file;      // the original path
  std::filesystem::path moved_to;  // where it was kept aside; empty when it was left in place
  std::string message;             // names the line or field
};

class ConnectionStore {
 public:
  explicit ConnectionStore(std::filesystem::path config_dir);
  const std::filesystem::path& directory() const { return dir_; }

  // Loads every *.json; broken files are moved to "<name>.broken" (numbered if taken) and reported. A
  // file whose name or id an earlier file (in file-name order) already has is reported and left as it is.
  std::vector<StoredConnection> load(std::vector<LoadProblem>& problems) const;
  // Rewrites a loaded connection's own file in place (without secrets), e.g. to record its new id.
  std::string rewrite(const std::filesystem::path& file, const ConnectionSettings& settings) const;
  // Writes `settings` (without secrets) to a file named after it; `previous` is its current file, if
  // any (renames remove it after the new file is written). Returns the file, or an error.
  struct SaveResult {
    std::filesystem::path file;
    std::string error;
  };
  SaveResult save(const ConnectionSettings& settings, const std::optional<std::filesystem::path>& previous,
                  const std::vector<std::filesystem::path>& taken) const;
  std::string remove(const std::filesystem::path& file) const;

  // "Office 365 (EU)" → "office-365-eu.json"; unique among `taken`.
  static std::filesystem::path file_name_for(const std::string& name, const std::vector<std::filesystem::path>& taken,
                                             const std::optional<std::filesystem::path>& own);

 private:
  std::filesystem::path dir_;
};

// The user's config directory: $XDG_CONFIG_HOME/smtp-workbench, or ~/.config/smtp-workbench.
std::filesystem::path default_config_dir();

// A name not used by any of `names`: "Gmail", "Gmail (2)", ...
std::string unique_name(const std::string& wanted, const std::vector<std::string>& names);

}  // namespace smtpwb::gui

#pragma once
// The JSON report of a session (the `check --json` format) and the profile format (settings as JSON,
// the same files the GUI saves). Both never contain a secret.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb {

// The "hints" array of the report: {id, severity, title, explanation, fix, phase, transcript_index}.
nlohmann::ordered_json hints_json(const std::vector<Hint>& hints);
nlohmann::ordered_json report_json(const ConnectionSettings& settings, const TestRequest& request, const SessionResult& result);
// A report (report_json, or check's --find-settings object) as JSON text, indented, with a final newline.
// JSON text must be UTF-8 and server text need not be: a string value that is not valid UTF-8 is written
// escaped (escape_invalid_utf8: bytes outside UTF-8 as \xNN, backslash as \\) and listed in a top-level
// "non_utf8_strings" array, {"pointer": RFC 6901 pointer, "base64": the original bytes, "encoding_guess":
// "latin-1?" or "binary"}. Valid UTF-8 is written as it is (control characters as JSON escapes).
std::string report_text(const nlohmann::ordered_json& report);

// Profiles. profile_json leaves out every secret (passwords, client secret, proxy password).
nlohmann::ordered_json profile_json(const ConnectionSettings& settings);

struct ProfileError {
  std::string message;  // names the field, and the line for syntax errors
};
// Reads a profile over `base` (fields not in the file keep base's values). Unknown fields and wrong
// types are errors naming the field.
std::optional<ProfileError> apply_profile(const nlohmann::ordered_json& profile, ConnectionSettings& settings);
std::optional<ProfileError> load_profile_file(const std::string& path, ConnectionSettings& settings);
// Writes atomically (temporary file + rename); returns an error message or empty.
std::string save_profile_file(const std::string& path, const ConnectionSettings& settings);

}  // namespace smtpwb

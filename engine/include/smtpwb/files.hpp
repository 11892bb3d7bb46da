#pragma once
// Whole-file I/O shared by profiles, reports and the command line.
#include <optional>
#include <string>

namespace smtpwb {

std::optional<std::string> read_file(const std::string& path);
// Writes a temporary file beside path and renames it over path, so a reader or a crash never sees a
// half-written file. Returns an error message naming the path, or empty on success.
std::string write_file_atomically(const std::string& path, const std::string& contents);
// Whether a file could be written at path (its directory exists and is writable): checked before a run
// whose result goes there. Returns an error message naming the path, or empty.
std::string check_writable(const std::string& path);

}  // namespace smtpwb

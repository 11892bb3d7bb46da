#pragma once
// Whole-file I/O shared by profiles, reports and the command line. Paths are UTF-8 on every OS.
#include <optional>
#include <string>

namespace smtpwb {

std::optional<std::string> read_file(const std::string& path);
// Writes a temporary file beside path (a fresh, unguessable name created exclusively, never a planted
// symlink), flushes it to disk and renames it over path, so a reader or a crash never sees a
// half-written file. On Linux the file is private (mode 0600): reports, profiles and connections hold
// server data and names. Returns an error message naming the path, or empty on success (the old file
// untouched on failure). One implementation per OS: base/files_posix.cpp, base/files_windows.cpp.
std::string write_file_atomically(const std::string& path, const std::string& contents);
// Whether a file could be written at path (its directory exists and is writable): checked before a run
// whose result goes there. Returns an error message naming the path, or empty.
std::string check_writable(const std::string& path);
// Creates path if it does not exist (private, mode 0600 on Linux), keeping an existing file and its
// contents. Returns an error message, or empty.
std::string create_private_file(const std::string& path);
// Why a file that holds secrets is not private, or empty when it is (the exporter's --secrets-file).
// Linux: group or other users have any permission bit (mode and the chmod that fixes it). Windows: its
// access control list lets Everyone, Authenticated Users, Users, Guests or Anonymous read or change it
// (or it has none), named with the icacls command that fixes it.
std::string private_file_problem(const std::string& path);

}  // namespace smtpwb

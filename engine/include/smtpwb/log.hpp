#pragma once
// The engine's own diagnostic log (spdlog, file sink). It receives the same redacted lines as the
// transcript, so it can never hold a secret the transcript does not.
#include <string>

#include "smtpwb/event.hpp"

namespace smtpwb::log {

// Opens (appends to) the log file; returns an error message, or empty on success.
std::string open_file(const std::string& path);
void close();
void event(const std::string& session, const Event& e);
void note(const std::string& text);

}  // namespace smtpwb::log

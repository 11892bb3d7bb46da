#pragma once
// Shareable reports of a session (Markdown, self-contained HTML) and the equivalent command lines of
// other tools ("copy as command"). None of them ever contains a secret: settings are written without
// passwords, and the transcript is redacted at the source.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb {

// Both render the JSON report (report_json) as a document: every fact of the JSON appears in them, so the
// three formats never disagree. Ready to paste into a support ticket: summary, hints, settings, server,
// proxy, TLS facts and chain, authentication, message, anything added to the report (check's "tls_probe"),
// timeline, transcript with swaks-style markers.
std::string report_markdown(const nlohmann::ordered_json& report);
// One HTML file with inline style, no external resources; every value is escaped.
std::string report_html(const nlohmann::ordered_json& report);
// The same, from report_json(settings, request, result).
std::string report_markdown(const ConnectionSettings& settings, const TestRequest& request, const SessionResult& result);
std::string report_html(const ConnectionSettings& settings, const TestRequest& request, const SessionResult& result);

struct EquivalentCommand {
  std::string tool;     // "swaks" | "curl" | "openssl"
  std::string command;  // one shell line, every argument quoted where needed
  std::string note;     // how the password is supplied, what is left out
};
// The same test with swaks, curl and openssl s_client. The password is never written: the tools
// prompt for it (or read it from an environment variable the user sets).
std::vector<EquivalentCommand> equivalent_commands(const ConnectionSettings& settings, const TestRequest& request);

// POSIX shell quoting: safe words as they are, anything else in single quotes.
std::string shell_quote(std::string_view word);
// HTML text: markup characters as entities, control characters and bytes outside UTF-8 as \xNN
// (visible_text; line feeds kept, for <pre>).
std::string html_escape(std::string_view text);
// Text for one Markdown table cell: control characters and bytes outside UTF-8 as \xNN (visible_text),
// then pipes and backslashes escaped, line feeds as spaces.
std::string markdown_cell(std::string_view text);

}  // namespace smtpwb

#pragma once
// State that belongs to the views only (text being typed, open popups, display options).
#include <optional>
#include <string>

#include "smtpwb/settings.hpp"

struct ImFont;

namespace smtpwb::gui {

struct TranscriptOptions {
  bool absolute_time = false;
  bool autoscroll = true;
  bool decode_sasl = true;
  std::string filter;
};

enum class ReportFormat { Markdown, Html, Json };

struct ViewState {
  std::string list_filter;
  std::string rename_buffer;
  std::string preset_region = "us-east-1";
  bool show_password = false;
  bool show_proxy_password = false;
  std::string code_page_filter;
  bool step_mode = false;
  StopAfter stop_after = StopAfter::Quit;
  std::string command_line;
  std::string email_from, email_to, email_subject;
  TranscriptOptions transcript;
  std::string save_path;
  std::string save_message;
  ReportFormat export_format = ReportFormat::Markdown;
  std::string export_path;
  std::string export_message;
  bool show_transcript = false;  // a hint's link asks for the Transcript tab
  bool show_hints = false;       // a finished failed run brings the Hints tab forward
  bool dark = true;
  float left_width = 280.0f;
  ImFont* mono = nullptr;  // transcript font; the default font when null
  std::optional<std::string> opened_url;  // last link the user opened (for tests and the status line)
};

}  // namespace smtpwb::gui

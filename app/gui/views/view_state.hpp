#pragma once
// State that belongs to the views only (text being typed, open popups, display options).
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
  bool show_client_key_password = false;
  std::string code_page_filter;
  bool step_mode = false;
  StopAfter stop_after = StopAfter::Quit;
  std::string command_line;
  std::string email_from, email_to, email_subject;
  TranscriptOptions transcript;
  // The save popups: what the user typed, the export popup's own message, and the Workbench::last_write()
  // serial when the popup opened (or showed something newer), so an older answer of the model stays hidden.
  std::string save_path;
  int save_outcome_seen = 0;
  ReportFormat export_format = ReportFormat::Markdown;
  std::string export_path;
  std::string export_message;
  int export_outcome_seen = 0;
  bool show_transcript = false;  // a hint's link asks for the Transcript tab
  bool show_hints = false;       // a finished failed run brings the Hints tab forward
  bool dark = true;
  float left_width = 280.0f;
  ImFont* mono = nullptr;  // transcript font; the default font when null
};

}  // namespace smtpwb::gui

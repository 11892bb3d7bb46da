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
  // Test email's SMTP extensions: SMTPUTF8, BDAT, and the DSN request (NOTIFY as checkboxes, RET, ENVID).
  bool email_smtputf8 = false, email_bdat = false;
  bool email_notify_never = false, email_notify_success = false, email_notify_failure = false, email_notify_delay = false;
  int email_dsn_ret = 0;  // 0: the server's default, 1: FULL, 2: HDRS
  std::string email_dsn_envid;
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

  // The splitter between the connection editor and the results: the height the user dragged the editor
  // to, and the height the editor's content took in the last frame (the editor never takes more).
  float editor_height = 360.0f;
  float editor_content_height = 1e9f;
};

}  // namespace smtpwb::gui

#pragma once
// Every view of the workbench window. Each draws the model and emits Commands; what a view computes
// lives in pure functions declared here, testable without a window.
#include <ctime>
#include <string>
#include <vector>

#include "model/workbench.hpp"
#include "views/theme.hpp"
#include "views/view_state.hpp"

namespace smtpwb::gui {

// The whole window: the one list of views and their layout (views.cpp).
void draw_workbench(Workbench& wb, ViewState& vs, std::vector<Command>& out);

void draw_connection_list(Workbench& wb, ViewState& vs, std::vector<Command>& out);
void draw_connection_editor(Workbench& wb, ViewState& vs, std::vector<Command>& out);
void draw_run_toolbar(Workbench& wb, ViewState& vs, std::vector<Command>& out);
void draw_transcript(const Workbench& wb, Run& run, ViewState& vs, const Palette& p, std::vector<Command>& out);
void draw_tls(const Run& run, const Palette& p);
void draw_timeline(const Run& run, const Palette& p);
void draw_hints(const Workbench& wb, Run& run, const Palette& p, ViewState& vs, std::vector<Command>& out);
void draw_tls_probe(Connection& c, const Palette& p, std::vector<Command>& out);
void draw_find_settings(Connection& c, const Palette& p, std::vector<Command>& out);
std::string probe_state_text(ProbeRowState state);

// ---- pure helpers ----
// The run as a report (Markdown, HTML or the check --json document); never with a secret.
std::string export_report(const Run& run, ReportFormat format);
std::string export_extension(ReportFormat format);
// The message a save popup shows: the model's answer to the popup's latest cmd::WriteFile (its `tag`),
// unless the popup has shown something newer since (`seen`, see ViewState); then its own message.
std::string save_popup_message(const WriteOutcome& last, const std::string& tag, int seen, const std::string& own);
// Connections grouped by Group (sorted, "" last as "Ungrouped"), filtered by name/group/address.
struct ListGroup {
  std::string group;
  std::vector<int> connection_ids;
};
std::vector<ListGroup> group_connections(const std::vector<std::unique_ptr<Connection>>& connections, const std::string& filter);

// Lines [first, last] of the filtered view as text, one per line, with markers (and times).
std::string transcript_text(const TranscriptStore& store, const FilterIndex& index, std::size_t first_row,
                            std::size_t last_row, bool with_time);

// Days from `now` until an ISO 8601 UTC time ("2027-01-31T12:00:00Z"); nullopt if it does not parse.
std::optional<double> days_until(const std::string& iso_utc, std::time_t now);

struct TimelineBar {
  Phase phase;
  float x = 0, width = 0;  // in [0, 1] of the total
  double duration_ms = 0;
  bool slowest = false;
};
std::vector<TimelineBar> timeline_bars(const std::vector<PhaseTiming>& phases);

// Test from the toolbar: the request for Test with the chosen stop-after (RCPT goes through Test email).
TestRequest test_request(StopAfter stop_after);
// The editor pane's height above the results: what the user dragged it to (`wanted`), no more than its
// content needs, and leaving the results at least `min_results` of `available`; `min_editor` (or the
// content, when smaller) wins over `min_results` in a window too small for both.
float editor_pane_height(float wanted, float content, float available, float min_editor, float min_results);
// "a@x, b@y" → ["a@x", "b@y"]
std::vector<std::string> split_addresses(const std::string& text);

// Test email's extension fields: the message as the dialog's fields describe it (NOTIFY from its four
// checkboxes, NEVER winning), and the dialog's fields filled from a remembered message.
MessageSpec test_email_message(const ViewState& vs);
void load_test_email_fields(ViewState& vs, const MessageDefaults& d);

}  // namespace smtpwb::gui

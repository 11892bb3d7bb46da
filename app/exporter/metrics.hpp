#pragma once
// The exporter's answers in the Prometheus text format (0.0.4): a probe's metrics, with
// blackbox_exporter's names and meanings where it has one, and the exporter's own counters.
// Pure functions; label values are escaped here, at the output edge.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smtpwb/result.hpp"

namespace smtpwb::app {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Builds the text: HELP and TYPE before the first sample of a name; samples of one name must be added
// one after the other.
class MetricsText {
 public:
  void add(const std::string& name, std::string_view type, std::string_view help, double value, const Labels& labels = {});
  const std::string& text() const { return out_; }

 private:
  std::string out_;
  std::set<std::string> described_;
};

// A label value: server bytes made valid, visible UTF-8 (visible_text), then \\, \" and \n escaped.
std::string escape_label_value(std::string_view value);
// A sample value: the shortest text that reads back as the same double; NaN, +Inf, -Inf.
std::string metric_number(double value);
// A certificate name as blackbox_exporter labels it (Go's pkix.Name.String()): the usual attributes
// (CN, OU, O, POSTALCODE, STREET, L, ST, C, SERIALNUMBER) in that order, RFC 2253 escapes, and any
// other attribute after them as OID=#hex of its DER encoding.
std::string go_name_string(const std::vector<NameAttribute>& attributes);

struct ProbeContext {
  double duration_seconds = 0;  // the whole probe, as the exporter measured it
  bool starttls = false;        // the connection uses STARTTLS (smtp_starttls_injection applies)
  bool authenticates = false;   // not anonymous (smtp_auth_success applies)
};

// The metrics of one finished, diagnosed test (the answer to /probe).
std::string probe_metrics(const SessionResult& result, const ProbeContext& context);

struct ExporterStats {
  std::uint64_t probes_success = 0, probes_failure = 0, rejected_busy = 0;
  std::size_t queued = 0, running = 0;
  int max_concurrent = 0;
};
// The exporter's own metrics (the answer to /metrics).
std::string exporter_metrics(const ExporterStats& stats);

}  // namespace smtpwb::app

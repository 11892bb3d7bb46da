#include "smtpwb/tls_probe.hpp"

namespace smtpwb {

namespace {
std::vector<TlsProbeRow> unprobed_rows() {
  std::vector<TlsProbeRow> rows;
  for (auto v : kAllTlsVersions) rows.push_back(TlsProbeRow{v, TlsProbeRow::Outcome::Error, {}, "not probed"});
  return rows;
}
}  // namespace

TlsProbe::TlsProbe(ProbeTarget target)
    : target_(std::move(target)),
      runner_(unprobed_rows(), [this](std::size_t i, const std::atomic<bool>& cancel) {
        return probe_tls_version(target_, kAllTlsVersions[i], cancel);
      }) {}

std::vector<TlsProbeRow> probe_tls(const ProbeTarget& target) {
  TlsProbe probe(target);
  probe.start();
  probe.wait();
  return probe.results();
}

}  // namespace smtpwb

#include "smtpwb/port_finder.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "smtp/probe_connection.hpp"

namespace smtpwb {

namespace {

constexpr Security kModes[] = {Security::None, Security::StartTls, Security::Implicit};

void handshake(smtp::ProbeConnection& c, const FinderTarget& t, net::Deadline deadline, FinderRow& row) {
  TlsFacts facts;
  try {
    c.stream().start_tls_client(net::probe_tls_config(t.route.host, t.route.client_certificate), deadline, facts);
  } catch (const net::ClientCertificateError& e) {
    throw smtp::ProbeFailure(e.what());
  } catch (const net::TlsError& e) {
    if (e.peer_spoke_plaintext) throw smtp::ProbeFailure("not TLS: the server answered \"" + e.plaintext_sample + "\"");
    throw smtp::ProbeFailure(e.what());
  }
  row.tls_version = facts.version;
}

// greeted (if given) is set as soon as the greeting has arrived.
void run_mode(const FinderTarget& t, net::Deadline deadline, const net::CancelFlag& cancel, FinderRow& row,
              std::atomic<bool>* greeted) {
  smtp::ProbeConnection c({t.route, row.port}, deadline, cancel);
  row.reachable = true;
  if (row.mode == Security::Implicit) handshake(c, t, deadline, row);
  auto greeting = c.read_reply();
  if (greeted) greeted->store(true);
  row.banner = greeting.first_line();
  if (greeting.code != 220) throw smtp::ProbeFailure("greeting " + greeting.first_line());
  auto caps = c.ehlo(t.route.ehlo_name);
  if (row.mode == Security::Implicit) {
    row.auth_after_tls = caps.auth_mechanisms();
  } else {
    row.starttls = caps.has("STARTTLS");
    row.auth_before_tls = caps.auth_mechanisms();
  }
  if (row.mode == Security::StartTls) {
    c.starttls(caps);
    handshake(c, t, deadline, row);
    row.auth_after_tls = c.ehlo(t.route.ehlo_name).auth_mechanisms();
  }
  c.quit();
}

int port_rank(int port) {
  switch (port) {
    case 465: return 0;
    case 587: return 1;
    case 2525: return 2;
    case 25: return 3;
    default: return 4;
  }
}

int tier(const FinderRow& r) {
  if (r.mode == Security::None) return 2;
  return r.auth_after_tls.empty() ? 1 : 0;
}

std::vector<FinderRow> untried_rows(const FinderTarget& t) {
  std::vector<FinderRow> rows;
  for (int port : t.ports)
    for (auto mode : kModes) {
      FinderRow r;
      r.port = port;
      r.mode = mode;
      r.error = "not tried";
      rows.push_back(r);
    }
  return rows;
}

}  // namespace

FinderTarget FinderTarget::from(const ConnectionSettings& s) {
  FinderTarget t;
  t.route = ProbeRoute::from(s);
  return t;
}

std::string_view finder_mode_name(Security s) { return s == Security::None ? "plain" : to_string(s); }

namespace {
// silenced (if given): a cancel then means "the port's implicit-TLS probe answered" (kSilentTlsPort).
FinderRow try_mode(const FinderTarget& t, int port, Security mode, const std::atomic<bool>& cancel,
                   const std::atomic<bool>* silenced, std::atomic<bool>* greeted) {
  FinderRow row;
  row.port = port;
  row.mode = mode;
  try {
    run_mode(t, net::Deadline::in(t.timeout), cancel, row, greeted);
  } catch (const smtp::ProbeFailure& e) {
    row.error = e.what();
  } catch (const net::Cancelled&) {
    row.error = silenced && silenced->load() ? std::string(kSilentTlsPort) : "cancelled";
  } catch (const std::exception& e) {
    try {
      smtp::rethrow_as_probe_failure(std::current_exception());
    } catch (const smtp::ProbeFailure& f) {
      row.error = f.what();
    } catch (...) {
      row.error = std::string("internal error: ") + e.what();
    }
  }
  return row;
}
}  // namespace

FinderRow try_port(const FinderTarget& t, int port, Security mode, const std::atomic<bool>& cancel) {
  return try_mode(t, port, mode, cancel, nullptr, nullptr);
}

std::optional<Recommendation> recommend(const std::vector<FinderRow>& rows) {
  const FinderRow* best = nullptr;
  auto key = [](const FinderRow& r) { return std::tuple(tier(r), port_rank(r.port), r.mode == Security::Implicit ? 0 : 1); };
  for (const auto& r : rows)
    if (r.works() && (!best || key(r) < key(*best))) best = &r;
  if (!best) return std::nullopt;
  Recommendation rec{best->port, best->mode, {}};
  switch (tier(*best)) {
    case 0:
      rec.reason = std::string(best->mode == Security::Implicit ? "implicit TLS" : "STARTTLS") + " works (" +
                   best->tls_version + ") and AUTH is offered after TLS";
      break;
    case 1: rec.reason = "TLS works, but the server offers no AUTH (mail is accepted without login, or not at all)"; break;
    default: rec.reason = "only unencrypted SMTP answers: credentials and mail would cross the network in clear"; break;
  }
  return rec;
}

PortFinder::PortFinder(FinderTarget target)
    : target_(std::move(target)),
      control_(new RowControl[target_.ports.size() * std::size(kModes)]),
      runner_(untried_rows(target_), [this](std::size_t i, const std::atomic<bool>&) { return run_row(i); }) {}

PortFinder::~PortFinder() { cancel(); }  // before the runner joins: the rows poll their own flags

void PortFinder::cancel() {
  for (std::size_t i = 0; i < target_.ports.size() * std::size(kModes); ++i) control_[i].cancel.store(true);
  runner_.cancel();
}

FinderRow PortFinder::run_row(std::size_t i) {
  const std::size_t modes = std::size(kModes);
  auto& control = control_[i];
  auto row = try_mode(target_, target_.ports[i / modes], kModes[i % modes], control.cancel, &control.silenced, &control.greeted);
  if (row.mode == Security::Implicit && row.works()) settle_port(i);
  return row;
}

// The port speaks TLS from the first byte: its plain-text rows that have no greeting yet never will.
void PortFinder::settle_port(std::size_t implicit_row) {
  const std::size_t first = implicit_row - (std::size(kModes) - 1);
  for (std::size_t i = first; i < implicit_row; ++i) {
    auto& control = control_[i];
    if (control.greeted.load()) continue;
    control.silenced.store(true);
    control.cancel.store(true);
  }
}

std::vector<FinderRow> find_settings(const FinderTarget& target) {
  PortFinder finder(target);
  finder.start();
  finder.wait();
  return finder.results();
}

}  // namespace smtpwb

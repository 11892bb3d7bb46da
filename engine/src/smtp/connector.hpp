#pragma once
// Reaching the server: resolve its name, connect to the first address that answers, directly or through
// the configured proxy (whose handshake is a phase of its own). Facts go to the recorder's result
// (server.resolved, proxy.*), failures are thrown as Failed. The session and every probe connect so.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smtp/recorder.hpp"
#include "smtpwb/net/dns.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::smtp {

struct Connection {
  std::unique_ptr<net::Stream> stream;
  std::string local_address;  // as the server sees it, for an EHLO address literal ("192.0.2.1", "IPv6:...")
};

// Pure: why the connection used the family of the chosen address. families: each tried address's family,
// in resolver order (true: IPv4); forced: the reason the settings fixed the family, or empty; literal: the
// host was an IP address. "first address the resolver returned", "IPv6 failed, fell back to IPv4", ...
std::string family_reason(const std::vector<bool>& families, std::size_t chosen, const std::string& forced, bool literal);

class Connector {
 public:
  // Uses address, port, timeout_s and proxy of the settings. dns_facts, when given, learns the
  // connected address for its reverse lookup.
  Connector(const ConnectionSettings& settings, Recorder& recorder, const net::CancelFlag& cancel,
            net::DnsFactsLookup* dns_facts = nullptr)
      : s_(settings), rec_(recorder), cancel_(cancel), dns_facts_(dns_facts) {}

  // Bounds every step by this one deadline instead of settings.timeout_s from each step's start (probes).
  void bound_by(net::Deadline deadline) { fixed_deadline_ = deadline; }
  Connection connect();

 private:
  std::vector<net::Address> resolve(const std::string& host, int port, const std::string& whose);
  std::string connect_first(const std::vector<net::Address>& addresses, const std::string& host, int port, bool proxy);
  void connect_through_proxy();
  void proxy_handshake(const std::string& target);
  std::string resolve_target_locally();
  void check_search_domain(const std::vector<net::Address>& found);
  // Address family and source address (-4/-6, --local-address).
  AddressFamily required_family() const;
  std::string forced_family_reason() const;
  std::vector<net::Address> of_allowed_family(std::vector<net::Address> found, const std::string& host, const std::string& whose);
  void record_family(const std::vector<net::Address>& addresses, std::size_t chosen);
  [[noreturn]] void fail_to_bind(const net::BindError& e);
  net::Deadline deadline() const { return fixed_deadline_.value_or(net::Deadline::in(std::chrono::seconds(s_.timeout_s))); }

  const ConnectionSettings& s_;
  Recorder& rec_;
  const net::CancelFlag& cancel_;
  net::DnsFactsLookup* dns_facts_;
  std::optional<net::Deadline> fixed_deadline_;
  std::optional<net::Address> local_;  // the source address to bind, when set
  Connection connection_;
};

}  // namespace smtpwb::smtp

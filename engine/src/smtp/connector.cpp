#include "smtp/connector.hpp"

#include <algorithm>

#include "net/proxy.hpp"
#include "smtpwb/net/search_domains.hpp"
#include "text.hpp"

namespace smtpwb::smtp {

using text::join;

Connection Connector::connect() {
  rec_.begin_phase(Phase::Resolve);
  auto& server = rec_.result().server;
  server.host = s_.address;
  server.port = s_.port;
  if (!s_.local_address.empty()) {
    local_ = net::parse_ip_address(s_.local_address);
    if (!local_) rec_.fail(FailureCategory::Config, "The local address \"" + s_.local_address + "\" is not an IP address");
  }
  if (s_.proxy.type != ProxyType::None) {
    connect_through_proxy();
    return std::move(connection_);
  }
  auto addresses = resolve(s_.address, s_.port, "");
  check_search_domain(addresses);
  for (const auto& a : addresses) server.resolved.push_back(a.text);
  if (!is_ip_literal(s_.address)) rec_.info("Resolved " + s_.address + " to " + join(server.resolved));
  addresses = of_allowed_family(std::move(addresses), s_.address, "");

  rec_.begin_phase(Phase::Connect);
  server.connected_address = connect_first(addresses, s_.address, s_.port, false);
  return std::move(connection_);
}

// whose: "" for the server, "the proxy " for the proxy.
std::vector<net::Address> Connector::resolve(const std::string& host, int port, const std::string& whose) {
  std::vector<net::Address> addresses;
  try {
    addresses = net::resolve(host, port, deadline(), cancel_);
  } catch (const net::ResolveError& e) {
    bool bare = is_bare_name(host);
    rec_.fail(FailureCategory::Dns, "Cannot resolve " + whose + "\"" + host + "\": " + e.what() +
                                        (bare ? " (a bare host name: use the full DNS name or the IP address)" : ""));
  } catch (const net::TimedOut&) {
    rec_.fail(FailureCategory::Timeout, "DNS lookup of " + whose + "\"" + host + "\" took longer than " +
                                            std::to_string(s_.timeout_s) + " s");
  }
  if (addresses.empty()) rec_.fail(FailureCategory::Dns, whose + "\"" + host + "\" has no A or AAAA record");
  return addresses;
}

// Connects to the first address that answers; returns it. A proxy that cannot be reached is a proxy failure.
std::string Connector::connect_first(const std::vector<net::Address>& addresses, const std::string& host, int port, bool proxy) {
  auto until = deadline();  // one budget for all addresses, shared out among those left
  std::string last_error;
  int last_os_error = 0;
  bool refused = false;
  bool all_timed_out = true;
  const std::string whose = proxy ? "the proxy " : "";
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    rec_.info("Trying " + whose + a.text + ":" + std::to_string(port) + "...");
    auto share = std::chrono::milliseconds(until.remaining_ms() / static_cast<int>(addresses.size() - i));
    try {
      auto fd = net::connect_tcp(a, net::Deadline::in(share), cancel_, local_ ? &*local_ : nullptr);
      connection_.local_address = net::local_address(fd.get());
      connection_.stream = std::make_unique<net::Stream>(std::move(fd), cancel_);
      if (!proxy && dns_facts_) dns_facts_->start_reverse(a);
      rec_.info("Connected to " + whose + a.text + ":" + std::to_string(port) + " from " + connection_.local_address);
      record_family(addresses, i);
      return a.text;
    } catch (const net::BindError& e) {
      fail_to_bind(e);
    } catch (const net::NetError& e) {
      all_timed_out = false;
      last_error = a.text + ": " + e.what();
      last_os_error = e.err;
      refused = e.kind == net::SocketFailure::Refused;
      rec_.error("Connection to " + last_error);
    } catch (const net::TimedOut&) {
      last_error = a.text + ": no answer within " + std::to_string(share.count()) + " ms";
      rec_.error("Connection to " + last_error);
    }
  }
  std::string where = host + ":" + std::to_string(port);
  if (proxy && all_timed_out)
    rec_.fail(FailureCategory::Proxy, "The proxy " + where + " is unreachable: no answer to the TCP connection within " +
                                          std::to_string(s_.timeout_s) + " s (a firewall, or the wrong address or port)");
  if (proxy) rec_.fail(FailureCategory::Proxy, "The proxy " + where + " is unreachable (" + last_error + ")");
  if (all_timed_out)
    rec_.fail(FailureCategory::Timeout, "Connecting to " + where + " timed out after " + std::to_string(s_.timeout_s) +
                                            " s (no answer: a firewall, or the port is blocked)");
  auto failure = rec_.failure(FailureCategory::Connect, "Cannot connect to " + where + " (" + last_error + ")", nullptr,
                              refused ? FailureCause::ConnectionRefused : FailureCause::None);
  failure.os_error = last_os_error;
  throw Failed{std::move(failure)};
}

// Resolve (the proxy, and the server unless the proxy resolves it), connect to the proxy, then the
// proxy's own handshake as a phase of its own. TLS later still verifies the server's name.
void Connector::connect_through_proxy() {
  const auto& p = s_.proxy;
  auto& facts = rec_.result().proxy;
  facts.used = true;
  facts.type = proxy_scheme(p);
  facts.address = p.address;
  facts.port = p.port;
  const bool by_proxy = net::proxy_resolves_target(p);
  facts.target_resolved_by = by_proxy ? ResolvedBy::Proxy : ResolvedBy::Client;
  std::string target = by_proxy ? s_.address : resolve_target_locally();
  if (by_proxy && !is_ip_literal(s_.address)) rec_.info("The proxy resolves " + s_.address);
  facts.result = ProxyResult::Unresolved;
  auto proxy_addresses = of_allowed_family(resolve(p.address, p.port, "the proxy "), p.address, "the proxy ");
  if (!is_ip_literal(p.address)) {
    std::vector<std::string> texts;
    for (const auto& a : proxy_addresses) texts.push_back(a.text);
    rec_.info("Resolved the proxy " + p.address + " to " + join(texts));
  }

  rec_.begin_phase(Phase::Connect);
  facts.result = ProxyResult::Unreachable;
  facts.connected_address = connect_first(proxy_addresses, p.address, p.port, true);
  facts.result = ProxyResult::Connected;
  proxy_handshake(target);
}

void Connector::proxy_handshake(const std::string& target) {
  rec_.begin_phase(Phase::Proxy);
  auto& facts = rec_.result().proxy;
  try {
    auto tunnel = net::proxy_handshake(*connection_.stream, s_.proxy, target, static_cast<std::uint16_t>(s_.port), deadline(),
                                       [this](Dir dir, std::string text) { rec_.emit(dir, std::move(text)); });
    facts.result = ProxyResult::Ok;
    facts.reply = tunnel.reply_code;
    facts.reply_text = tunnel.reply_text;
    // What the server sees as our address, for an EHLO address literal.
    const auto& bound = tunnel.bound_address;
    if (is_ip_literal(bound) && bound != "0.0.0.0" && bound != "::")
      connection_.local_address = (bound.find(':') != std::string::npos ? "IPv6:" : "") + bound;
    rec_.info("Tunnel to " + s_.address + ":" + std::to_string(s_.port) + " open through the " + facts.type + " proxy");
  } catch (const net::ProxyError& e) {
    facts.result = e.outcome;
    facts.reply = e.reply_code;
    facts.reply_text = e.reply_text;
    std::string message = e.what();
    if (e.outcome == net::ProxyOutcome::Timeout)
      message += " (" + std::to_string(s_.timeout_s) + " s; it accepted the TCP connection: is this the right port and proxy type?)";
    rec_.fail(FailureCategory::Proxy, message);
  }
}

// socks4 and socks5 without "resolve via proxy": this client resolves the server's name.
std::string Connector::resolve_target_locally() {
  auto& server = rec_.result().server;
  auto addresses = resolve(s_.address, s_.port, "");
  for (const auto& a : addresses) server.resolved.push_back(a.text);
  const net::Address* chosen = &addresses.front();
  if (s_.proxy.type == ProxyType::Socks4) {
    auto v4 = std::find_if(addresses.begin(), addresses.end(), [](const net::Address& a) { return a.is_ipv4(); });
    if (v4 == addresses.end())
      rec_.fail(FailureCategory::Dns, "SOCKS4 reaches only IPv4 addresses, and " + s_.address + " has none (" +
                                          join(server.resolved) + "); use SOCKS4a or SOCKS5 instead");
    chosen = &*v4;
  }
  server.connected_address = chosen->text;
  if (!is_ip_literal(s_.address))
    rec_.info("Resolved " + s_.address + " to " + join(server.resolved) + "; asking the proxy for " + chosen->text);
  return chosen->text;
}

AddressFamily Connector::required_family() const {
  if (s_.address_family != AddressFamily::Any) return s_.address_family;
  if (local_) return local_->is_ipv4() ? AddressFamily::IPv4 : AddressFamily::IPv6;
  return AddressFamily::Any;
}

std::string Connector::forced_family_reason() const {
  if (s_.address_family == AddressFamily::IPv4) return "forced by --ipv4";
  if (s_.address_family == AddressFamily::IPv6) return "forced by --ipv6";
  return "the local address " + local_->text + " is " + (local_->is_ipv4() ? "IPv4" : "IPv6");
}

// Only the addresses of the family the settings allow; none of them is a failure that names the others.
std::vector<net::Address> Connector::of_allowed_family(std::vector<net::Address> found, const std::string& host,
                                                       const std::string& whose) {
  const auto family = required_family();
  if (family == AddressFamily::Any) return found;
  const bool v4 = family == AddressFamily::IPv4;
  std::vector<std::string> others;
  for (const auto& a : found) others.push_back(a.text);
  std::erase_if(found, [v4](const net::Address& a) { return a.is_ipv4() != v4; });
  if (found.empty())
    throw Failed{rec_.failure(FailureCategory::Dns,
                              whose + "\"" + host + "\" has no " + (v4 ? "IPv4 (A)" : "IPv6 (AAAA)") + " address, only " +
                                  join(others) + "; the family is " + forced_family_reason(),
                              nullptr, FailureCause::NoAddressOfFamily)};
  return found;
}

// Which family the connection used, and why: what report readers ask when IPv6 works here and not there.
void Connector::record_family(const std::vector<net::Address>& addresses, std::size_t chosen) {
  auto& server = rec_.result().server;
  const auto& a = addresses[chosen];
  server.address_family = a.is_ipv4() ? "ipv4" : "ipv6";
  std::string local = connection_.local_address;
  server.local_address = local.rfind("IPv6:", 0) == 0 ? local.substr(5) : local;
  std::vector<bool> families;
  for (const auto& x : addresses) families.push_back(x.is_ipv4());
  server.family_reason =
      family_reason(families, chosen, required_family() != AddressFamily::Any ? forced_family_reason() : "",
                    is_ip_literal(s_.proxy.type == ProxyType::None ? s_.address : s_.proxy.address));
}

std::string family_reason(const std::vector<bool>& families, std::size_t chosen, const std::string& forced, bool literal) {
  auto name = [](bool v4) { return std::string(v4 ? "IPv4" : "IPv6"); };
  const bool v4 = families.at(chosen);
  if (!forced.empty()) return forced;
  if (literal) return "the address is an " + name(v4) + " literal";
  if (chosen == 0) return "first address the resolver returned";
  if (families.front() != v4) return name(families.front()) + " failed, fell back to " + name(v4);
  return "the first " + std::to_string(chosen) + " address(es) failed, the next " + name(v4) + " one answered";
}

// The source address cannot be used on any server address: stop at once with what to change.
void Connector::fail_to_bind(const net::BindError& e) {
  auto failure = rec_.failure(FailureCategory::Connect,
                              "Cannot use the local address " + s_.local_address + " (" + e.what() + ")", nullptr,
                              FailureCause::LocalAddressUnavailable);
  failure.os_error = e.err;
  throw Failed{std::move(failure)};
}

// A bare name ("servername") that works only through the resolver's search list is fragile elsewhere.
void Connector::check_search_domain(const std::vector<net::Address>& found) {
  if (!is_bare_name(s_.address) || text::lower(s_.address) == "localhost") return;
  auto& server = rec_.result().server;
  server.search_domain_name =
      net::full_name_via_search_list(s_.address, s_.port, found, net::Deadline::in(std::chrono::seconds(2)), cancel_);
  if (!server.search_domain_name.empty())
    rec_.info("\"" + s_.address + "\" resolves through the resolver's search list, as " + server.search_domain_name);
}

}  // namespace smtpwb::smtp

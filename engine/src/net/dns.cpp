#include "smtpwb/net/dns.hpp"

#include "net/background.hpp"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>

#include "net/background.hpp"

namespace smtpwb::net {

namespace {

std::vector<MxRecord> query_mx(const std::string& domain) {
  struct __res_state state;
  std::memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) throw ResolveError("the resolver could not be initialised");
  state.retrans = 2;  // seconds per try; the caller's deadline is what counts
  state.retry = 2;
  std::vector<unsigned char> answer(NS_MAXMSG);
  int n = res_nquery(&state, domain.c_str(), ns_c_in, ns_t_mx, answer.data(), static_cast<int>(answer.size()));
  int error = state.res_h_errno;
  res_nclose(&state);
  if (n >= 0) return parse_mx_answer(answer.data(), static_cast<std::size_t>(n));
  if (error == NO_DATA) return {};
  ResolveError e(error == HOST_NOT_FOUND ? "the domain does not exist"
                 : error == TRY_AGAIN   ? "no answer from the DNS server"
                                        : "the lookup failed");
  e.not_found = error == HOST_NOT_FOUND;
  throw e;
}

std::string query_ptr(const Address& address) {
  char host[NI_MAXHOST] = {};
  int rc = ::getnameinfo(reinterpret_cast<const sockaddr*>(&address.storage), address.length, host, sizeof host, nullptr, 0,
                         NI_NAMEREQD);
  if (rc == 0) return host;
  if (rc == EAI_NONAME) return {};
  throw ResolveError(rc == EAI_AGAIN ? "no answer from the DNS server" : gai_strerror(rc));
}

std::string mx_list(const std::vector<MxRecord>& mx) {
  std::string out;
  for (const auto& r : mx) out += (out.empty() ? "" : ", ") + r.exchange + " (" + std::to_string(r.preference) + ")";
  return out;
}

}  // namespace

std::vector<MxRecord> parse_mx_answer(const unsigned char* message, std::size_t length) {
  ns_msg handle;
  if (length > NS_MAXMSG || ns_initparse(message, static_cast<int>(length), &handle) != 0)
    throw ResolveError("the DNS answer cannot be parsed");
  std::vector<MxRecord> out;
  for (int i = 0; i < ns_msg_count(handle, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&handle, ns_s_an, i, &rr) != 0) throw ResolveError("the DNS answer cannot be parsed");
    if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in) continue;  // e.g. a CNAME before the MX
    if (ns_rr_rdlen(rr) < 3) throw ResolveError("an MX record too short to hold a name");
    char name[NS_MAXDNAME];
    if (ns_name_uncompress(ns_msg_base(handle), ns_msg_end(handle), ns_rr_rdata(rr) + 2, name, sizeof name) < 0)
      throw ResolveError("an MX record with an unreadable name");
    out.push_back({static_cast<int>(ns_get16(ns_rr_rdata(rr))), *name ? name : "."});
  }
  std::stable_sort(out.begin(), out.end(), [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
  return out;
}

std::string mail_domain(const std::string& from, const std::string& username) {
  for (const auto* address : {&from, &username}) {
    auto at = address->rfind('@');
    if (at != std::string::npos && at + 1 < address->size()) return address->substr(at + 1);
  }
  return {};
}

namespace {
// Sessions started together (the window runs many tests at once, mostly of the same account) share one
// lookup per name: 200 simultaneous MX queries for one domain were answered slowly or dropped by the
// DNS server, and each session then waited for its own. A lookup is reused for half a minute.
template <class T>
Background<T> shared_lookup(const std::string& key, std::function<T()> call) {
  constexpr auto kReuse = std::chrono::seconds(30);
  static std::mutex mutex;
  static std::map<std::string, std::pair<Clock::time_point, Background<T>>> recent;
  auto now = Clock::now();
  std::lock_guard lock(mutex);
  std::erase_if(recent, [&](const auto& entry) { return now - entry.second.first > kReuse; });
  auto [it, fresh] = recent.try_emplace(key, now, Background<T>{});
  if (fresh) it->second.second = Background<T>::start(std::move(call));
  return it->second.second;
}
}  // namespace

struct DnsFactsLookup::State {
  std::string domain;
  Background<std::vector<MxRecord>> mx;
  std::string address;
  Background<std::string> ptr;
};

DnsFactsLookup::DnsFactsLookup() : state_(std::make_unique<State>()) {}
DnsFactsLookup::~DnsFactsLookup() = default;

void DnsFactsLookup::start_mx(const std::string& domain) {
  if (domain.empty() || state_->mx.started()) return;
  state_->domain = domain;
  state_->mx = shared_lookup<std::vector<MxRecord>>(domain, [domain] { return query_mx(domain); });
}

void DnsFactsLookup::start_reverse(const Address& address) {
  if (state_->ptr.started()) return;
  state_->address = address.text;
  state_->ptr = shared_lookup<std::string>(address.text, [address] { return query_ptr(address); });
}

std::vector<std::string> DnsFactsLookup::collect(ServerFacts& facts, Deadline deadline, const CancelFlag& cancel) {
  std::vector<std::string> lines;
  try {
    if (state_->ptr.started()) {
      std::string prefix = "Reverse DNS of " + state_->address + ": ";
      try {
        facts.reverse_dns = state_->ptr.get(deadline, cancel, "");
        lines.push_back(prefix + (facts.reverse_dns.empty() ? "no PTR record" : facts.reverse_dns));
      } catch (const std::runtime_error& e) {
        if (dynamic_cast<const Cancelled*>(&e)) throw;
        lines.push_back(prefix + e.what());
      }
    }
    if (state_->mx.started()) {
      facts.mail_domain = state_->domain;
      try {
        facts.mx = state_->mx.get(deadline, cancel, "");
        if (facts.mx.empty())
          lines.push_back(state_->domain + " has no MX record (mail to it goes to its A/AAAA address, if any)");
        else if (facts.mx.size() == 1 && facts.mx.front().exchange == ".")
          lines.push_back(state_->domain + " accepts no mail (null MX record)");
        else
          lines.push_back("Your domain's mail (" + state_->domain + ") goes to " + mx_list(facts.mx));
      } catch (const std::runtime_error& e) {
        if (dynamic_cast<const Cancelled*>(&e)) throw;
        facts.mx_error = e.what();
        lines.push_back("MX lookup for " + state_->domain + ": " + facts.mx_error);
      }
    }
  } catch (const Cancelled&) {
  }
  return lines;
}

}  // namespace smtpwb::net

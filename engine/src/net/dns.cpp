#include "smtpwb/net/dns.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string_view>

#include "net/background.hpp"
#include "net/dns_os.hpp"

namespace smtpwb::net {

namespace {

std::string mx_list(const std::vector<MxRecord>& mx) {
  std::string out;
  for (const auto& r : mx) out += (out.empty() ? "" : ", ") + r.exchange + " (" + std::to_string(r.preference) + ")";
  return out;
}

}  // namespace

namespace {

// RFC 1035 wire format, read with every bound checked: a DNS answer is the network's input.
class WireReader {
 public:
  WireReader(const unsigned char* message, std::size_t length) : m_(message), n_(length) {}
  std::size_t size() const { return n_; }
  unsigned u8(std::size_t at) const {
    if (at >= n_) throw ResolveError("the DNS answer cannot be parsed");
    return m_[at];
  }
  unsigned u16(std::size_t at) const { return (u8(at) << 8) | u8(at + 1); }
  std::uint32_t u32(std::size_t at) const { return (std::uint32_t{u16(at)} << 16) | u16(at + 2); }

  // The name at `at` (following compression pointers) as text; `end` gets the offset after it in place.
  // Nullopt when it is malformed: a label type other than 0/3, a pointer loop, or too long a name.
  std::optional<std::string> name(std::size_t at, std::size_t& end) const {
    std::string out;
    std::size_t wire_length = 0;
    bool jumped = false;
    for (int hops = 0; hops < 128;) {
      if (at >= n_) return std::nullopt;
      unsigned len = m_[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= n_) return std::nullopt;
        if (!jumped) end = at + 2;
        jumped = true;
        at = ((len & 0x3F) << 8) | m_[at + 1];
        ++hops;
        continue;
      }
      if (len & 0xC0) return std::nullopt;
      if (len == 0) {
        if (!jumped) end = at + 1;
        return out.empty() ? std::string(".") : out;
      }
      if (at + 1 + len > n_ || (wire_length += len + 1) > 255) return std::nullopt;
      if (!out.empty()) out += '.';
      append_label(out, m_ + at + 1, len);
      at += 1 + len;
    }
    return std::nullopt;
  }

 private:
  // As ns_name_ntop writes it: special characters escaped with a backslash, others as \DDD.
  static void append_label(std::string& out, const unsigned char* p, unsigned len) {
    for (unsigned i = 0; i < len; ++i) {
      unsigned char c = p[i];
      if (std::string_view(".;\\()@$\"").find(static_cast<char>(c)) != std::string_view::npos) {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c <= 0x20 || c >= 0x7F) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  const unsigned char* m_;
  std::size_t n_;
};

struct Record {
  unsigned type, klass;
  std::size_t rdata, rdlength;
};

// Every answer record; the whole message is walked (question, answer, authority, additional) and must
// end where its last record does, as libresolv's ns_initparse requires.
std::vector<Record> answer_records(const WireReader& r) {
  const std::size_t counts[4] = {r.u16(4), r.u16(6), r.u16(8), r.u16(10)};
  std::size_t at = 12, next = 0;
  std::vector<Record> answers;
  for (int section = 0; section < 4; ++section) {
    for (std::size_t i = 0; i < counts[section]; ++i) {
      if (!r.name(at, next)) throw ResolveError("the DNS answer cannot be parsed");
      at = next;
      if (section == 0) {
        at += 4;
        continue;
      }
      Record rec{r.u16(at), r.u16(at + 2), at + 10, r.u16(at + 8)};
      at = rec.rdata + rec.rdlength;
      if (at > r.size()) throw ResolveError("the DNS answer cannot be parsed");
      if (section == 1) answers.push_back(rec);
    }
  }
  if (at != r.size()) throw ResolveError("the DNS answer cannot be parsed");
  return answers;
}

}  // namespace

std::vector<MxRecord> parse_mx_answer(const unsigned char* message, std::size_t length) {
  constexpr unsigned kMx = 15, kInternet = 1;
  if (length > 65535 || length < 12) throw ResolveError("the DNS answer cannot be parsed");
  WireReader reader(message, length);
  std::vector<MxRecord> out;
  for (const auto& rec : answer_records(reader)) {
    if (rec.type != kMx || rec.klass != kInternet) continue;  // e.g. a CNAME before the MX
    if (rec.rdlength < 3) throw ResolveError("an MX record too short to hold a name");
    std::size_t end = 0;
    auto exchange = reader.name(rec.rdata + 2, end);
    if (!exchange) throw ResolveError("an MX record with an unreadable name");
    out.push_back({static_cast<int>(reader.u16(rec.rdata)), *exchange});
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
  state_->mx = shared_lookup<std::vector<MxRecord>>(domain, [domain] { return os::query_mx(domain); });
}

void DnsFactsLookup::start_reverse(const Address& address) {
  if (state_->ptr.started()) return;
  state_->address = address.text;
  state_->ptr = shared_lookup<std::string>(address.text, [address] { return os::query_ptr(address); });
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

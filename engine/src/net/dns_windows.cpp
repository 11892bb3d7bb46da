// DNS on Windows: DnsQuery_A for MX and PTR (dnsapi), the registry and the adapters for the search list.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <windns.h>
#include <iphlpapi.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "base/wide.hpp"
#include "net/dns_os.hpp"
#include "smtpwb/net/search_domains.hpp"

namespace smtpwb::net {

namespace {

struct RecordList {
  PDNS_RECORD head = nullptr;
  ~RecordList() {
    if (head) DnsRecordListFree(head, DnsFreeRecordList);
  }
};

// DnsQuery's status as the words (and not_found) libresolv's callers see on Linux.
ResolveError lookup_error(DNS_STATUS status) {
  ResolveError e(status == DNS_ERROR_RCODE_NAME_ERROR ? "the domain does not exist"
                 : status == ERROR_TIMEOUT || status == DNS_ERROR_RCODE_SERVER_FAILURE ? "no answer from the DNS server"
                                                                                    : "the lookup failed");
  e.not_found = status == DNS_ERROR_RCODE_NAME_ERROR;
  return e;
}

bool no_records(DNS_STATUS status) { return status == DNS_INFO_NO_RECORDS || status == DNS_ERROR_RCODE_NAME_ERROR; }

// "1.2.0.192.in-addr.arpa" or the nibbles of an IPv6 address under ip6.arpa.
std::string reverse_name(const Address& address) {
  char buf[8];
  std::string name;
  const auto* sa = reinterpret_cast<const sockaddr*>(address.storage.data());
  if (sa->sa_family == AF_INET) {
    const auto* b = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
    for (int i = 3; i >= 0; --i) name += std::to_string(b[i]) + ".";
    return name + "in-addr.arpa";
  }
  const auto* b = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
  for (int i = 15; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%x.%x.", b[i] & 15, b[i] >> 4);
    name += buf;
  }
  return name + "ip6.arpa";
}

}  // namespace

namespace os {

std::vector<MxRecord> query_mx(const std::string& domain) {
  RecordList records;
  DNS_STATUS status = DnsQuery_A(domain.c_str(), DNS_TYPE_MX, DNS_QUERY_STANDARD, nullptr, &records.head, nullptr);
  if (status == DNS_INFO_NO_RECORDS) return {};
  if (status != 0) throw lookup_error(status);
  std::vector<MxRecord> out;
  for (PDNS_RECORD r = records.head; r; r = r->pNext) {
    if (r->wType != DNS_TYPE_MX || r->Flags.S.Section != DnsSectionAnswer) continue;  // e.g. a CNAME before it
    const char* exchange = reinterpret_cast<const char*>(r->Data.MX.pNameExchange);
    out.push_back({static_cast<int>(r->Data.MX.wPreference), exchange && *exchange ? exchange : "."});
  }
  std::stable_sort(out.begin(), out.end(), [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
  return out;
}

std::string query_ptr(const Address& address) {
  RecordList records;
  DNS_STATUS status = DnsQuery_A(reverse_name(address).c_str(), DNS_TYPE_PTR, DNS_QUERY_STANDARD, nullptr, &records.head, nullptr);
  if (no_records(status)) return {};
  if (status != 0) throw lookup_error(status);
  for (PDNS_RECORD r = records.head; r; r = r->pNext)
    if (r->wType == DNS_TYPE_PTR && r->Data.PTR.pNameHost) return reinterpret_cast<const char*>(r->Data.PTR.pNameHost);
  return {};
}

}  // namespace os

namespace {

std::string registry_text(HKEY root, const wchar_t* key, const wchar_t* value) {
  DWORD size = 0;
  if (RegGetValueW(root, key, value, RRF_RT_REG_SZ, nullptr, nullptr, &size) != ERROR_SUCCESS || size < sizeof(wchar_t))
    return {};
  std::wstring text(size / sizeof(wchar_t), L'\0');
  if (RegGetValueW(root, key, value, RRF_RT_REG_SZ, nullptr, text.data(), &size) != ERROR_SUCCESS) return {};
  text.resize(wcsnlen(text.c_str(), text.size()));
  return wide::to_utf8(text);
}

// The configured search list (a group policy first, then the TCP/IP settings), commas between names.
std::vector<std::string> configured_search_list() {
  for (const wchar_t* key : {L"SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient",
                             L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"}) {
    std::string list = registry_text(HKEY_LOCAL_MACHINE, key, L"SearchList");
    std::replace(list.begin(), list.end(), ',', ' ');
    if (auto domains = parse_domain_list(list); !domains.empty()) return domains;
  }
  return {};
}

// Without a list Windows tries the primary DNS suffix, then each adapter's connection-specific suffix.
std::vector<std::string> suffixes() {
  std::vector<std::string> out;
  DWORD size = 0;
  GetComputerNameExW(ComputerNameDnsDomain, nullptr, &size);
  std::wstring primary(size, L'\0');
  if (size > 0 && GetComputerNameExW(ComputerNameDnsDomain, primary.data(), &size)) {
    primary.resize(size);
    for (auto& d : parse_domain_list(wide::to_utf8(primary))) out.push_back(d);
  }
  ULONG length = 16 * 1024;
  std::unique_ptr<unsigned char[]> buffer;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < 3 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buffer = std::make_unique<unsigned char[]>(length);
    rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER, nullptr,
                              reinterpret_cast<PIP_ADAPTER_ADDRESSES>(buffer.get()), &length);
  }
  if (rc != NO_ERROR) return out;
  for (auto* a = reinterpret_cast<PIP_ADAPTER_ADDRESSES>(buffer.get()); a; a = a->Next)
    if (a->OperStatus == IfOperStatusUp && a->DnsSuffix && *a->DnsSuffix)
      for (auto& d : parse_domain_list(wide::to_utf8(a->DnsSuffix)))
        if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  return out;
}

}  // namespace

std::vector<std::string> system_search_domains() {
  auto list = configured_search_list();
  return list.empty() ? suffixes() : list;
}

}  // namespace smtpwb::net

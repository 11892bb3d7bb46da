#pragma once
// What dns.cpp and search_domains.cpp need from the OS's resolver (net/dns_posix.cpp: libresolv and
// getnameinfo; net/dns_windows.cpp: DnsQuery). Each call blocks; callers run it on a worker thread.
#include <string>
#include <vector>

#include "smtpwb/net/io.hpp"
#include "smtpwb/result.hpp"

namespace smtpwb::net::os {

// The domain's MX records by preference; empty when it has none. Throws ResolveError.
std::vector<MxRecord> query_mx(const std::string& domain);
// The PTR name of the address, empty when it has none. Throws ResolveError.
std::string query_ptr(const Address& address);

}  // namespace smtpwb::net::os

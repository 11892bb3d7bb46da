#pragma once
// The resolver's search list: what it appends to a bare name such as "servername".
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/net/io.hpp"

namespace smtpwb::net {

// Pure: the search list of a resolv.conf text; the last "search" or "domain" line wins, as in glibc.
std::vector<std::string> parse_search_domains(std::string_view resolv_conf);
// Pure: a list of domains separated by white space ($LOCALDOMAIN).
std::vector<std::string> parse_domain_list(std::string_view list);
// This machine's list: on Linux $LOCALDOMAIN if set, else /etc/resolv.conf; on Windows the configured
// search list, else the primary DNS suffix and each network adapter's suffix (net/dns_*.cpp).
std::vector<std::string> system_search_domains();

// For a bare name ("servername") that resolved to `found`: the full name through the search list
// that gives one of the same addresses ("servername.corp.example.com"), or empty. Bounded by `until`.
std::string full_name_via_search_list(const std::string& bare_name, int port, const std::vector<Address>& found,
                                      Deadline until, const CancelFlag& cancel);

}  // namespace smtpwb::net

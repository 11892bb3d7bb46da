#pragma once
// The resolver's search list: what it appends to a bare name such as "servername".
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::net {

// Pure: the search list of a resolv.conf text; the last "search" or "domain" line wins, as in glibc.
std::vector<std::string> parse_search_domains(std::string_view resolv_conf);
// This machine's list: $LOCALDOMAIN if set, else /etc/resolv.conf.
std::vector<std::string> system_search_domains();

}  // namespace smtpwb::net

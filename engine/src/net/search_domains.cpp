#include "smtpwb/net/search_domains.hpp"

#include <algorithm>
#include <sstream>

namespace smtpwb::net {

namespace {
std::vector<std::string> words(std::istringstream in) {
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "corp.example.com." and "corp.example.com" are the same domain; "." alone searches nothing.
std::vector<std::string> normalized(std::vector<std::string> domains) {
  std::vector<std::string> out;
  for (auto& d : domains) {
    while (!d.empty() && d.back() == '.') d.pop_back();
    if (!d.empty()) out.push_back(d);
  }
  return out;
}
}  // namespace

std::vector<std::string> parse_search_domains(std::string_view resolv_conf) {
  std::vector<std::string> domains;
  std::istringstream lines{std::string(resolv_conf)};
  for (std::string line; std::getline(lines, line);) {
    auto fields = words(std::istringstream(line.substr(0, line.find_first_of("#;"))));
    if (fields.size() < 2 || (fields[0] != "search" && fields[0] != "domain")) continue;
    domains.assign(fields.begin() + 1, fields[0] == "domain" ? fields.begin() + 2 : fields.end());
  }
  return normalized(domains);
}

std::vector<std::string> parse_domain_list(std::string_view list) { return normalized(words(std::istringstream(std::string(list)))); }

std::string full_name_via_search_list(const std::string& bare_name, int port, const std::vector<Address>& found,
                                      Deadline until, const CancelFlag& cancel) {
  for (const auto& domain : system_search_domains()) {
    std::string full = bare_name + "." + domain;
    try {
      for (const auto& a : resolve(full + ".", port, until, cancel))  // the dot: no search list this time
        if (std::any_of(found.begin(), found.end(), [&](const Address& f) { return f.text == a.text; })) return full;
    } catch (const ResolveError&) {
    } catch (const TimedOut&) {
      return {};
    }
  }
  return {};
}

}  // namespace smtpwb::net

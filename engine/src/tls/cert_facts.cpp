#include "smtpwb/cert_facts.hpp"

#include <cmath>
#include <cstring>
#include <cstdio>

#include "smtpwb/platform.hpp"
#include "text.hpp"

namespace smtpwb {

namespace {

bool dns_name_matches(std::string_view pattern, std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    auto dot = name.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    return text::equals_ci(pattern.substr(2), name.substr(dot + 1));
  }
  return text::equals_ci(pattern, name);
}

// Same address, whatever the spelling ("2001:DB8::1" and "2001:db8:0::1").
bool same_address(std::string_view a, std::string_view b) {
  if (auto x = platform::parse_ipv4(a), y = platform::parse_ipv4(b); x && y) return *x == *y;
  if (auto x = platform::parse_ipv6(a), y = platform::parse_ipv6(b); x && y) return *x == *y;
  return false;
}

}  // namespace

std::string matching_san(const std::vector<std::string>& sans, std::string_view name) {
  bool literal = !name.empty() && (name.find(':') != std::string_view::npos ||
                                   name.find_first_not_of("0123456789.") == std::string_view::npos);
  for (const auto& san : sans) {
    std::string_view s(san);
    if (!literal && s.substr(0, 4) == "DNS:" && dns_name_matches(s.substr(4), name)) return san;
    if (literal && s.substr(0, 3) == "IP:" && same_address(s.substr(3), name)) return san;
  }
  return {};
}

int days_until(const std::string& iso, std::time_t now) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) != 6 || consumed != static_cast<int>(iso.size()))
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t at = platform::from_utc(tm);
  return static_cast<int>(std::floor(std::difftime(at, now) / 86400.0));
}

}  // namespace smtpwb

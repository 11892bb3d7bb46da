#include "smtpwb/smtp/capabilities.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>

#include "text.hpp"

namespace smtpwb::smtp {

namespace {
using text::upper;
std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) words.emplace_back(s.substr(start, i - start));
  }
  return words;
}
}  // namespace

Capabilities Capabilities::from_ehlo(const Reply& reply) {
  Capabilities caps;
  if (reply.lines.empty()) return caps;
  auto greeting = split_words(reply.lines.front());
  if (!greeting.empty()) caps.greeting_ = greeting.front();
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    std::vector<std::string> words;
    // The pre-RFC 2554 form "AUTH=LOGIN PLAIN" is still sent by some servers.
    if (line.size() > 5 && upper(line.substr(0, 5)) == "AUTH=") {
      words = split_words(line.substr(5));
      words.insert(words.begin(), "AUTH=");
    } else {
      words = split_words(line);
    }
    if (words.empty()) continue;
    Capability cap{upper(words.front()), {words.begin() + 1, words.end()}};
    caps.caps_.push_back(std::move(cap));
  }
  return caps;
}

const Capability* Capabilities::find(std::string_view keyword) const {
  auto k = upper(keyword);
  for (const auto& c : caps_)
    if (c.keyword == k) return &c;
  return nullptr;
}

bool Capabilities::has(std::string_view keyword) const { return find(keyword) != nullptr; }

std::vector<std::string> Capabilities::auth_mechanisms() const {
  // A hostile EHLO reply can name hundreds of thousands: de-duplicate through a set, keep the first few.
  constexpr std::size_t kMaxMechanisms = 100;
  std::vector<std::string> mechs;
  std::unordered_set<std::string> seen;
  for (const auto& c : caps_) {
    if (c.keyword != "AUTH" && c.keyword != "AUTH=") continue;
    for (const auto& p : c.params) {
      if (mechs.size() == kMaxMechanisms) return mechs;
      auto m = upper(p);
      if (seen.insert(m).second) mechs.push_back(std::move(m));
    }
  }
  return mechs;
}

std::optional<unsigned long long> Capabilities::size_limit() const {
  const auto* c = find("SIZE");
  if (!c || c->params.empty()) return std::nullopt;
  unsigned long long v = 0;
  const auto& p = c->params.front();
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (ec != std::errc() || ptr != p.data() + p.size()) return std::nullopt;
  return v;
}

std::vector<std::string> Capabilities::lines() const {
  std::vector<std::string> out;
  for (const auto& c : caps_) {
    std::string line = c.keyword == "AUTH=" ? "AUTH=" : c.keyword;
    for (std::size_t i = 0; i < c.params.size(); ++i) line += (c.keyword == "AUTH=" && i == 0 ? "" : " ") + c.params[i];
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace smtpwb::smtp

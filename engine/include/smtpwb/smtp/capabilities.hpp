#pragma once
// EHLO capabilities (RFC 5321 4.1.1.1, RFC 1869).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/smtp/reply.hpp"

namespace smtpwb::smtp {

struct Capability {
  std::string keyword;               // upper-cased
  std::vector<std::string> params;   // as sent
};

class Capabilities {
 public:
  Capabilities() = default;
  // From a 250 reply to EHLO: the first line is the greeting, each further line a capability.
  static Capabilities from_ehlo(const Reply& reply);

  bool has(std::string_view keyword) const;
  const Capability* find(std::string_view keyword) const;
  // AUTH mechanisms, upper-cased, from "AUTH ..." and the old "AUTH=..." form, without duplicates; the
  // first 100 only.
  std::vector<std::string> auth_mechanisms() const;
  std::optional<unsigned long long> size_limit() const;
  std::string greeting_domain() const { return greeting_; }
  const std::vector<Capability>& all() const { return caps_; }
  std::vector<std::string> lines() const;  // "AUTH PLAIN LOGIN" for reports

 private:
  std::string greeting_;
  std::vector<Capability> caps_;
};

}  // namespace smtpwb::smtp

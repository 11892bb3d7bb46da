#pragma once
// EHLO capabilities (RFC 5321 4.1.1.1, RFC 1869).
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "smtpwb/net/io.hpp"
#include "smtpwb/smtp/reply.hpp"

namespace smtpwb::smtp {

struct Capability {
  std::string keyword;               // upper-cased
  std::vector<std::string> params;   // as sent
};

class Capabilities {
 public:
  Capabilities() = default;
  // A server may list thousands of mechanisms; more than this many distinct ones are ignored.
  static constexpr std::size_t kMaxAuthMechanisms = 100;

  // From a 250 reply to EHLO: the first line is the greeting, each further line a capability. Throws
  // net::Cancelled when `cancel` is set (checked on every line: a reply may hold 1000 long lines).
  static Capabilities from_ehlo(const Reply& reply, const net::CancelFlag* cancel = nullptr);

  bool has(std::string_view keyword) const;
  const Capability* find(std::string_view keyword) const;
  // AUTH mechanisms, upper-cased, from "AUTH ..." and the old "AUTH=..." form, without duplicates, in
  // the server's order; at most kMaxAuthMechanisms of them.
  std::vector<std::string> auth_mechanisms() const { return auth_mechanisms_; }
  bool auth_mechanisms_capped() const { return auth_capped_; }
  std::optional<unsigned long long> size_limit() const;
  std::string greeting_domain() const { return greeting_; }
  const std::vector<Capability>& all() const { return caps_; }
  std::vector<std::string> lines() const;  // "AUTH PLAIN LOGIN" for reports

 private:
  void add_auth_mechanisms(const std::vector<std::string>& params, std::unordered_set<std::string>& seen);

  std::string greeting_;
  std::vector<Capability> caps_;
  std::vector<std::string> auth_mechanisms_;
  bool auth_capped_ = false;
};

}  // namespace smtpwb::smtp

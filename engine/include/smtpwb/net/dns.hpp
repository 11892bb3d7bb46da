#pragma once
// DNS facts beyond A/AAAA: reverse DNS (PTR) of the address used and the MX records of the user's mail
// domain. Informational only: lookups run on worker threads, are bounded by a deadline and the cancel
// flag, and their failures are reported as text, never as a session failure.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/net/io.hpp"
#include "smtpwb/result.hpp"

namespace smtpwb::net {

// Pure: the MX records in a DNS answer (wire format, RFC 1035), by preference. Throws ResolveError when
// the message cannot be parsed.
std::vector<MxRecord> parse_mx_answer(const unsigned char* message, std::size_t length);

// The domain of the From address, else of the user name when it is an address; empty when neither is.
std::string mail_domain(const std::string& from, const std::string& username);

// The session's DNS facts, looked up in the background while the dialogue runs and collected at its end.
class DnsFactsLookup {
 public:
  DnsFactsLookup();
  ~DnsFactsLookup();
  void start_mx(const std::string& domain);
  void start_reverse(const Address& address);
  // Waits for what was started (until the deadline), fills facts and returns one line per fact for the
  // transcript ("Reverse DNS of 192.0.2.1: mail.example.com", "Your domain's mail goes to ...").
  std::vector<std::string> collect(ServerFacts& facts, Deadline deadline, const CancelFlag& cancel);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace smtpwb::net

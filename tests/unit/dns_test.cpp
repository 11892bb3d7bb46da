// MX answer parsing (libresolv) and the mail domain of a session.
#include <catch2/catch_test_macros.hpp>

#include <string>

#include "smtpwb/net/dns.hpp"

using smtpwb::net::mail_domain;
using smtpwb::net::parse_mx_answer;

namespace {

std::string u16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string name(std::initializer_list<std::string> labels, std::string tail = std::string(1, '\0')) {
  std::string out;
  for (const auto& l : labels) out += static_cast<char>(l.size()) + l;
  return out + tail;
}
std::string pointer(unsigned offset) { return u16(0xc000 | offset); }
std::string rr(const std::string& owner, unsigned type, const std::string& rdata) {
  return owner + u16(type) + u16(1) + u16(0) + u16(3600) + u16(static_cast<unsigned>(rdata.size())) + rdata;
}

// The answer a resolver gives for "gmail.com MX", assembled byte by byte in RFC 1035 4.1 layout with the
// compression a real server uses: header (id, flags 0x8180 = response, RD, RA, NOERROR), the question,
// then MX records whose owner is a pointer to the question name (offset 12) and whose exchange names
// point back into earlier names. The second record's exchange "alt1" + pointer reuses the first's.
struct GmailAnswer {
  std::string bytes;
  GmailAnswer() {
    bytes = u16(0x1a2b) + u16(0x8180) + u16(1) + u16(2) + u16(0) + u16(0);
    bytes += name({"gmail", "com"}) + u16(15) + u16(1);  // question at offset 12; "com" at 18
    std::string first_exchange_rdata = u16(10);
    std::size_t first_rdata_at = bytes.size() + 2 + 2 + 2 + 4 + 2;  // owner pointer, type, class, ttl, rdlength
    first_exchange_rdata += name({"alt1", "gmail-smtp-in", "l", "google"}, pointer(18));
    bytes += rr(pointer(12), 15, first_exchange_rdata);
    std::size_t shared_suffix_at = first_rdata_at + 2 + 5;  // after preference and "\x04alt1"
    bytes += rr(pointer(12), 15, u16(5) + pointer(static_cast<unsigned>(shared_suffix_at)));
  }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(bytes.data()); }
};

}  // namespace

TEST_CASE("parse_mx_answer: compressed names, sorted by preference", "[dns]") {
  GmailAnswer a;
  auto mx = parse_mx_answer(a.data(), a.bytes.size());
  REQUIRE(mx.size() == 2);
  CHECK(mx[0].preference == 5);
  CHECK(mx[0].exchange == "gmail-smtp-in.l.google.com");
  CHECK(mx[1].preference == 10);
  CHECK(mx[1].exchange == "alt1.gmail-smtp-in.l.google.com");
}

TEST_CASE("parse_mx_answer: CNAME before the MX, null MX, no answers", "[dns]") {
  std::string header = u16(1) + u16(0x8180) + u16(1) + u16(2) + u16(0) + u16(0);
  std::string msg = header + name({"mail", "example", "org"}) + u16(15) + u16(1);
  msg += rr(pointer(12), 5, name({"example", "net"}));  // CNAME
  msg += rr(pointer(12), 15, u16(0) + std::string(1, '\0'));  // null MX (RFC 7505)
  auto mx = parse_mx_answer(reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  REQUIRE(mx.size() == 1);
  CHECK(mx[0].preference == 0);
  CHECK(mx[0].exchange == ".");

  std::string empty = u16(1) + u16(0x8180) + u16(1) + u16(0) + u16(0) + u16(0) + name({"example", "org"}) + u16(15) + u16(1);
  CHECK(parse_mx_answer(reinterpret_cast<const unsigned char*>(empty.data()), empty.size()).empty());
}

TEST_CASE("parse_mx_answer: truncated or lying messages throw", "[dns]") {
  GmailAnswer a;
  for (std::size_t cut : {0u, 5u, 12u, 20u, 40u, 60u})
    CHECK_THROWS_AS(parse_mx_answer(a.data(), cut < a.bytes.size() ? cut : 0), smtpwb::net::ResolveError);
  CHECK_THROWS_AS(parse_mx_answer(a.data(), a.bytes.size() - 1), smtpwb::net::ResolveError);
  std::string loop = a.bytes;
  loop[loop.size() - 2] = static_cast<char>(0xc0);  // the last pointer now points ...
  loop[loop.size() - 1] = static_cast<char>(loop.size() - 2);  // ... at itself
  CHECK_THROWS_AS(parse_mx_answer(reinterpret_cast<const unsigned char*>(loop.data()), loop.size()), smtpwb::net::ResolveError);
}

TEST_CASE("mail_domain: From first, then the user name", "[dns]") {
  CHECK(mail_domain("me@example.com", "other@example.org") == "example.com");
  CHECK(mail_domain("", "user@example.org") == "example.org");
  CHECK(mail_domain("", "plainuser") == "");
  CHECK(mail_domain("broken@", "") == "");
}

// Certificate inspector facts: SAN match for the name used, days left.
#include <catch2/catch_test_macros.hpp>

#include "smtpwb/cert_facts.hpp"

using smtpwb::days_until;
using smtpwb::matching_san;

TEST_CASE("matching_san: exact, case-insensitive, wildcard of one label", "[cert]") {
  std::vector<std::string> sans = {"DNS:mail.example.com", "DNS:*.example.net", "IP:192.0.2.7", "email:x@example.com"};
  CHECK(matching_san(sans, "mail.example.com") == "DNS:mail.example.com");
  CHECK(matching_san(sans, "MAIL.Example.COM") == "DNS:mail.example.com");
  CHECK(matching_san(sans, "mail.example.com.") == "DNS:mail.example.com");
  CHECK(matching_san(sans, "smtp.example.net") == "DNS:*.example.net");
  CHECK(matching_san(sans, "a.b.example.net").empty());  // a wildcard covers one label only
  CHECK(matching_san(sans, "example.net").empty());
  CHECK(matching_san(sans, "192.0.2.7") == "IP:192.0.2.7");
  CHECK(matching_san(sans, "192.0.2.8").empty());
  CHECK(matching_san(sans, "smtp.example.com").empty());
  CHECK(matching_san({"DNS:192.0.2.7"}, "192.0.2.7").empty());  // an address matches IP entries only
  CHECK(matching_san({}, "mail.example.com").empty());
  CHECK(matching_san({"IP:2001:db8::1"}, "2001:DB8:0::1") == "IP:2001:db8::1");
  CHECK(matching_san({"IP:2001:db8::1"}, "2001:db8::2").empty());
}

TEST_CASE("days_until: whole days, negative once passed", "[cert]") {
  std::time_t now = 1'800'000'000;  // 2027-01-15T08:00:00Z
  CHECK(days_until("2027-01-25T08:00:00Z", now) == 10);
  CHECK(days_until("2027-01-16T07:59:59Z", now) == 0);
  CHECK(days_until("2027-01-15T07:59:59Z", now) == -1);
  CHECK(days_until("2026-01-15T08:00:00Z", now) == -365);
  CHECK(days_until("not a time", now) == 0);
  CHECK(days_until("2027-01-25T08:00:00Zjunk", now) == 0);
}

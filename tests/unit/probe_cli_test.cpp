// The probes' pure parts: the port finder's recommendation, the text grid/table, the JSON contract and
// the command-line flags --probe-tls, --find-settings, --find-ports.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "check/check_args.hpp"
#include "check/probe_output.hpp"
#include "smtpwb/probe_report.hpp"

using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

FinderRow working(int port, Security mode, std::vector<std::string> auth_after = {"PLAIN"}) {
  FinderRow r;
  r.port = port;
  r.mode = mode;
  r.reachable = true;
  r.banner = "220 mail.example.com ESMTP";
  if (mode != Security::None) r.tls_version = "TLSv1.3";
  r.auth_after_tls = mode == Security::None ? std::vector<std::string>{} : auth_after;
  return r;
}
FinderRow failing(int port, Security mode) {
  FinderRow r;
  r.port = port;
  r.mode = mode;
  r.error = "no answer (timeout)";
  return r;
}

}  // namespace

TEST_CASE("recommend: encrypted with AUTH, 465/587 first, implicit before STARTTLS", "[finder]") {
  CHECK_FALSE(recommend({}).has_value());
  CHECK_FALSE(recommend({failing(25, Security::None), failing(465, Security::Implicit)}).has_value());

  auto rec = recommend({working(25, Security::StartTls), working(587, Security::StartTls), working(465, Security::Implicit),
                        working(2525, Security::Implicit)});
  REQUIRE(rec);
  CHECK(rec->port == 465);
  CHECK(rec->mode == Security::Implicit);
  CHECK_THAT(rec->reason, ContainsSubstring("AUTH is offered after TLS"));

  rec = recommend({working(25, Security::StartTls), working(587, Security::StartTls), failing(465, Security::Implicit)});
  REQUIRE(rec);
  CHECK(rec->port == 587);

  // TLS with AUTH beats a "better" port without AUTH; plain only as the last resort.
  rec = recommend({working(587, Security::StartTls, {}), working(25, Security::StartTls), working(587, Security::None)});
  REQUIRE(rec);
  CHECK(rec->port == 25);
  rec = recommend({working(587, Security::None), working(2525, Security::StartTls, {})});
  REQUIRE(rec);
  CHECK(rec->port == 2525);
  rec = recommend({working(587, Security::None)});
  REQUIRE(rec);
  CHECK(rec->mode == Security::None);
  CHECK_THAT(rec->reason, ContainsSubstring("unencrypted"));
}

TEST_CASE("find_settings_json and recommendation_json: the contract's fields", "[finder]") {
  auto rows = find_settings_json({working(587, Security::StartTls), failing(465, Security::Implicit)});
  REQUIRE(rows.size() == 2);
  for (const char* key : {"port", "mode", "reachable", "banner", "starttls", "auth_before_tls", "auth_after_tls", "tls_version", "error"})
    CHECK(rows[0].contains(key));
  CHECK(rows[0]["mode"] == "starttls");
  CHECK(rows[0]["error"].is_null());
  CHECK(rows[1]["error"] == "no answer (timeout)");
  CHECK(rows[1]["tls_version"].is_null());
  CHECK(recommendation_json(std::nullopt).is_null());
  CHECK(recommendation_json(Recommendation{465, Security::Implicit, "x"})["mode"] == "implicit");
}

TEST_CASE("tls_probe_json: keyed by version, offered/cipher/error", "[probe]") {
  std::vector<TlsProbeRow> rows = {
      {TlsVersion::Ssl2, TlsProbeRow::Outcome::NotOffered, "", "connection closed"},
      {TlsVersion::Tls10, TlsProbeRow::Outcome::Offered, "TLS-RSA-WITH-AES-128-CBC-SHA", ""},
      {TlsVersion::Tls13, TlsProbeRow::Outcome::Error, "", "no answer (timeout)"},
  };
  auto j = tls_probe_json(rows);
  CHECK(j["ssl2"]["offered"] == false);
  CHECK(j["ssl2"]["cipher"].is_null());
  CHECK(j["ssl2"]["error"] == "connection closed");
  CHECK(j["tls1.0"]["offered"] == true);
  CHECK(j["tls1.0"]["cipher"] == "TLS-RSA-WITH-AES-128-CBC-SHA");
  CHECK(j["tls1.0"]["error"].is_null());
  CHECK(j["tls1.0"]["risk"] == true);
  CHECK(j["tls1.3"]["error"] == "no answer (timeout)");

  ProbeTarget t;
  t.route.host = "mail.example.com";
  t.port = 587;
  t.security = Security::StartTls;
  t.timeout = std::chrono::seconds(5);
  auto text = app::format_tls_probe(t, rows);
  CHECK_THAT(text, ContainsSubstring("mail.example.com:587 (STARTTLS)"));
  CHECK_THAT(text, ContainsSubstring("TLS 1.0   offered       TLS-RSA-WITH-AES-128-CBC-SHA   RISK"));
  CHECK_THAT(text, ContainsSubstring("SSL 2     not offered   connection closed"));
}

TEST_CASE("format_find_settings: a row per port and mode, then the recommendation", "[finder]") {
  FinderTarget t;
  t.route.host = "mail.example.com";
  std::vector<FinderRow> rows = {working(587, Security::StartTls), failing(465, Security::Implicit)};
  auto text = app::format_find_settings(t, rows, recommend(rows));
  CHECK_THAT(text, ContainsSubstring("587   starttls  ok"));
  CHECK_THAT(text, ContainsSubstring("no answer (timeout)"));
  CHECK_THAT(text, ContainsSubstring("Recommended: port 587, starttls"));
  CHECK_THAT(app::format_find_settings(t, {failing(465, Security::Implicit)}, std::nullopt),
             ContainsSubstring("Recommended: nothing"));
}

TEST_CASE("check flags: --probe-tls, --find-settings, --find-ports", "[cli]") {
  app::CheckArgs a;
  REQUIRE_FALSE(app::parse_check_args({"--host", "h", "--probe-tls"}, a));
  CHECK(a.probe_tls);
  app::CheckArgs b;
  REQUIRE_FALSE(app::parse_check_args({"--host", "h", "--find-settings", "--find-ports", "465, 587"}, b));
  CHECK(b.find_settings);
  CHECK(b.find_ports == std::vector<int>{465, 587});
  auto error = [](std::vector<std::string> argv) {
    app::CheckArgs x;
    auto e = app::parse_check_args(argv, x);
    return e ? e->message : std::string();
  };
  CHECK_THAT(error({"--host", "h", "--find-ports", "465"}), ContainsSubstring("--find-ports needs --find-settings"));
  CHECK_THAT(error({"--host", "h", "--find-settings", "--find-ports", "70000"}), ContainsSubstring("\"70000\" is not a TCP port"));
  CHECK_THAT(error({"--host", "h", "--find-settings", "--find-ports", "x"}), ContainsSubstring("--find-ports"));
  CHECK_THAT(error({"--host", "h", "--find-settings", "--probe-tls"}), ContainsSubstring("--find-settings runs alone"));
}

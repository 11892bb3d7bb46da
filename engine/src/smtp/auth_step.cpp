#include <algorithm>

#include "sasl/ntlm.hpp"
#include "smtp/dialogue.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "smtpwb/sasl/token_claims.hpp"
#include "text.hpp"

namespace smtpwb::smtp {

using text::join;

namespace {

constexpr int kMaxChallenges = 8;

void auth_step(Dialogue& d, std::string direction, std::string text) {
  d.res.auth.steps.push_back({std::move(direction), std::move(text)});
}

// The token's audience and scopes when it is a JWT; the token itself is never shown.
void note_token_claims(Dialogue& d) {
  auto claims = sasl::token_claims(d.opt.oauth_access_token);
  if (!claims) return;
  auto& auth = d.res.auth;
  auth.token_is_jwt = true;
  auth.token_audience = printable(claims->audience.substr(0, 200));
  auth.token_scopes = printable(claims->scopes.substr(0, 500));
  d.rec.info("Access token (a JWT, read without verifying): audience " +
             (auth.token_audience.empty() ? std::string("(none)") : auth.token_audience) + ", scopes " +
             (auth.token_scopes.empty() ? std::string("(none)") : auth.token_scopes));
}

// EXTERNAL rests on the client certificate: without one sent in this TLS session it cannot work.
void drop_external_without_certificate(Dialogue& d) {
  auto& permitted = d.res.auth.permitted;
  auto it = std::find(permitted.begin(), permitted.end(), "EXTERNAL");
  if (it == permitted.end() || !d.res.tls.client_certificate_sent.empty()) return;
  permitted.erase(it);
  if (!d.s.sasl_mechanisms.empty())
    d.rec.info(std::string("SASL EXTERNAL needs a client certificate sent in the TLS handshake (") +
               (d.s.client_cert.empty() ? "none is configured" : "the server did not ask for one") + "); skipping it");
}

// Client certificate with SASL EXTERNAL chosen explicitly: authenticating needs no user name or password.
bool external_requested(const ConnectionSettings& s) {
  return !s.client_cert.empty() && std::find(s.sasl_mechanisms.begin(), s.sasl_mechanisms.end(), "EXTERNAL") != s.sasl_mechanisms.end();
}

// The mechanism chosen from those the settings permit and the server offers; fails when there is none.
std::string choose(Dialogue& d, bool bearer) {
  auto& auth = d.res.auth;
  std::vector<std::string> skipped;
  auth.permitted = sasl::permitted_mechanisms(d.s.sasl_mechanisms, bearer, &skipped);
  drop_external_without_certificate(d);
  for (const auto& m : skipped) d.rec.info("SASL mechanism " + m + " is not implemented in this build; skipping it");
  if (auth.offered.empty())
    d.rec.fail_because(FailureCause::NoAuthOffered, FailureCategory::Auth,
                       "The server offers no authentication (no AUTH in the EHLO reply" +
                           std::string(d.client->tls() ? "" : ", and many servers offer AUTH only after STARTTLS") +
                           "). Choose Anonymous if the server accepts mail without it.");
  std::string chosen = sasl::choose_mechanism(auth.permitted, auth.offered);
  if (chosen.empty())
    d.rec.fail_because(FailureCause::NoCommonMechanism, FailureCategory::Auth,
                       "No authentication method enabled from those supported by the server (server offers: " +
                           join(auth.offered) + "; enabled here: " + join(auth.permitted) + ")");
  return chosen;
}

// AUTH with the initial response when the mechanism has one (RFC 4954: a zero-length one is sent as "=").
Reply start_exchange(Dialogue& d, const std::string& chosen, sasl::Mechanism& mech) {
  auto first = mech.initial_response();
  if (!first) {
    auth_step(d, "client", "AUTH " + chosen);
    return d.command("AUTH " + chosen);
  }
  std::string wire = first->response.empty() ? "=" : base64_encode(first->response);
  auth_step(d, "client", "AUTH " + chosen + " " + first->display);
  return d.command("AUTH " + chosen + " " + wire,
                   "AUTH " + chosen + " " + (first->secret ? sasl::mask() : wire) + " (" + first->display + ")");
}

// One "334" challenge answered; a mechanism that cannot answer cancels the exchange with "*".
Reply answer_challenge(Dialogue& d, const Reply& r, sasl::Mechanism& mech) {
  std::string text = r.lines.empty() ? std::string() : r.lines.front();
  auto challenge = base64_decode(text);
  if (!challenge) d.rec.fail(FailureCategory::Auth, "The server's SASL challenge is not valid base64: \"" + text.substr(0, 60) + "\"", &r);
  if (mech.name() == "NTLM" && !challenge->empty())
    d.res.auth.ntlm_challenge_without_target_info = !sasl::detail::ntlm_challenge_has_target_info(*challenge);
  std::string readable = mech.describe_challenge(*challenge);
  if (readable.empty()) readable = printable(*challenge);
  auth_step(d, "server", "334 " + readable);
  if (!challenge->empty()) d.rec.info("Challenge decoded: " + readable);
  sasl::Step step;
  try {
    step = mech.respond(*challenge);
  } catch (const sasl::SaslError& e) {
    auth_step(d, "client", "* (cancelled: " + std::string(e.what()) + ")");
    d.client->send_line("*", "*");
    Reply cancelled = d.client->read_reply();
    auth_step(d, "server", cancelled.first_line());
    d.rec.fail(FailureCategory::Auth, std::string("Authentication aborted: ") + e.what(), &cancelled);
  }
  std::string wire = base64_encode(step.response);
  auth_step(d, "client", step.display);
  return d.command(wire, (step.secret ? sasl::mask() : (wire.empty() ? "(empty)" : wire)) + " (" + step.display + ")");
}

// NTLMv1 only when allowed, and then loudly: a captured exchange gives the password hash away.
void note_ntlm_version(Dialogue& d, sasl::Credentials& credentials) {
  credentials.allow_ntlmv1 = d.s.allow_ntlmv1;
  d.res.auth.ntlm_version = d.s.allow_ntlmv1 ? "NTLMv1" : "NTLMv2";
  if (d.s.allow_ntlmv1)
    d.rec.emit(Dir::Error, "WARNING: NTLMv1 allowed (--allow-ntlmv1): its response can be cracked from a captured "
                           "exchange to recover the password hash; use it only for a legacy server that verifies nothing else");
}

// One SASL exchange (RFC 4954). Every step goes to the transcript as sent (base64, unless it carries a
// secret) and decoded, secrets masked, and into the report's auth steps.
void sasl_exchange(Dialogue& d, const std::string& chosen, bool bearer) {
  std::string user = bearer && !d.opt.oauth_user.empty() ? d.opt.oauth_user : d.s.username;
  if (chosen == "NTLM") user = sasl::detail::ntlm_account(d.s.auth_domain, user);
  sasl::Credentials credentials{user, bearer ? d.opt.oauth_access_token : d.s.password, {}, d.s.address, d.s.port};
  if (chosen == "NTLM") note_ntlm_version(d, credentials);
  auto mech = sasl::make_mechanism(chosen, credentials);
  Reply r = start_exchange(d, chosen, *mech);
  for (int round = 0; r.code == 334; ++round) {
    if (round > kMaxChallenges)
      d.rec.fail(FailureCategory::Auth, "The server kept sending challenges; giving up after " + std::to_string(kMaxChallenges) + " rounds");
    r = answer_challenge(d, r, *mech);
  }
  auth_step(d, "server", r.first_line());
  if (r.code != 235) {
    FailureCategory c = r.code == 530 && text::contains_ci(r.text(), "starttls") ? FailureCategory::Tls : FailureCategory::Auth;
    d.rec.fail(c, "Authentication failed: " + r.first_line(), &r);
  }
  if (mech->server_proof_missing())
    d.rec.fail(FailureCategory::Auth, "The server accepted " + chosen +
                                          " without proving that it knows the password (no server signature): not trusted", &r);
}

}  // namespace

void authenticate(Dialogue& d) {
  d.rec.begin_phase(Phase::Auth);
  auto& auth = d.res.auth;
  auth.offered = d.caps.auth_mechanisms();
  if (d.s.auth_type == AuthType::Default && d.s.anonymous && !external_requested(d.s)) {
    auth.result = AuthResult::Skipped;
    d.rec.info("Anonymous: not authenticating");
    return;
  }
  const bool bearer = is_oauth(d.s.auth_type) || !d.opt.oauth_access_token.empty();
  if (is_oauth(d.s.auth_type) && d.opt.oauth_access_token.empty())
    d.rec.fail(FailureCategory::Config, std::string(oauth_provider_name(d.s.auth_type)) +
                                            " OAuth needs an access token: sign in first (Authenticate), or give one directly");
  if (!d.client->tls() && !d.s.allow_plaintext_auth)
    d.rec.fail_because(FailureCause::CleartextCredentials, FailureCategory::Auth,
                       "Refusing to send credentials over an unencrypted connection. Use STARTTLS or implicit TLS, or allow "
                           "plaintext AUTH explicitly if you accept the risk.");
  std::string chosen = choose(d, bearer);
  auth.mechanism = chosen;
  auth.result = AuthResult::Failed;
  d.rec.info("Authenticating with " + chosen + " (server offers " + join(auth.offered) + "; enabled here " +
             join(auth.permitted) + ")");
  if (bearer) note_token_claims(d);
  sasl_exchange(d, chosen, bearer);
  auth.result = AuthResult::Ok;
}

}  // namespace smtpwb::smtp

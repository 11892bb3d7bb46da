#include <algorithm>
#include <cctype>

#include "sasl/mechanisms_internal.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "text.hpp"

namespace smtpwb::sasl {

namespace {

class Plain final : public Mechanism {
 public:
  explicit Plain(Credentials c) : c_(std::move(c)) {}
  std::string name() const override { return "PLAIN"; }
  std::optional<Step> initial_response() override {
    sent_ = true;
    return Step{c_.authzid + '\0' + c_.username + '\0' + c_.password,
                "authzid=\"" + c_.authzid + "\" user=\"" + c_.username + "\" password=" + mask()};
  }
  Step respond(std::string_view) override {
    // A server that ignores the initial response sends an empty challenge: answer it once.
    if (sent_) throw SaslError("the server sent a second PLAIN challenge");
    return *initial_response();
  }

 private:
  Credentials c_;
  bool sent_ = false;
};

class Login final : public Mechanism {
 public:
  explicit Login(Credentials c) : c_(std::move(c)) {}
  std::string name() const override { return "LOGIN"; }
  std::optional<Step> initial_response() override { return std::nullopt; }
  Step respond(std::string_view challenge) override {
    // The challenges are conventionally "Username:" and "Password:"; go by their order, since some
    // servers send other words (or nothing), but also honour the words when they are present.
    std::string lower = text::lower(challenge);
    bool wants_password = lower.find("pass") != std::string::npos || (lower.find("user") == std::string::npos && step_ > 0);
    if (step_++ >= 2) throw SaslError("the server sent more LOGIN challenges than user name and password");
    if (wants_password) return Step{c_.password, "password=" + mask(), true};
    return Step{c_.username, "user=\"" + c_.username + "\"", false};
  }

 private:
  Credentials c_;
  int step_ = 0;
};

// RFC 4422 appendix A: the identity comes from outside SASL (here the TLS client certificate); the
// client sends only the authorization identity, empty to take the one the certificate implies.
class External final : public Mechanism {
 public:
  explicit External(Credentials c) : authzid_(c.authzid.empty() ? c.username : c.authzid) {}
  std::string name() const override { return "EXTERNAL"; }
  std::optional<Step> initial_response() override {
    sent_ = true;
    return Step{authzid_, "authzid=\"" + authzid_ + "\" (the identity comes from the client certificate)", false};
  }
  Step respond(std::string_view) override {
    if (sent_) throw SaslError("the server sent a second EXTERNAL challenge");
    return *initial_response();
  }

 private:
  std::string authzid_;
  bool sent_ = false;
};

}  // namespace

// Strongest first: mutual authentication without revealing the password (SCRAM), then challenge-response
// (DIGEST-MD5 also proves the server; CRAM-MD5 and NTLMv2 do not), then the password in the clear (inside TLS).
// EXTERNAL (the TLS client certificate) last: it is chosen only when a certificate was sent.
const std::vector<std::string>& supported_mechanisms() {
  static const std::vector<std::string> kMechs = {"SCRAM-SHA-256", "SCRAM-SHA-1", "DIGEST-MD5", "CRAM-MD5", "NTLM",
                                                  "PLAIN",         "LOGIN",       "EXTERNAL",    "OAUTHBEARER", "XOAUTH2"};
  return kMechs;
}

bool is_token_mechanism(std::string_view name) { return name == "OAUTHBEARER" || name == "XOAUTH2"; }

std::vector<std::string> permitted_mechanisms(const std::vector<std::string>& configured, bool bearer_token,
                                              std::vector<std::string>* skipped) {
  const auto& supported = supported_mechanisms();
  std::vector<std::string> out;
  if (configured.empty()) {
    for (const auto& m : supported)
      if (is_token_mechanism(m) == bearer_token) out.push_back(m);
    return out;
  }
  for (const auto& m : configured) {
    std::string name = text::upper(m);
    if (std::find(supported.begin(), supported.end(), name) == supported.end()) {
      if (skipped) skipped->push_back(name);
    } else if (std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  }
  return out;
}

std::string choose_mechanism(const std::vector<std::string>& permitted, const std::vector<std::string>& offered) {
  for (const auto& m : permitted)
    for (const auto& o : offered)
      if (text::upper(o) == m) return m;
  return {};
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials) {
  if (name == "PLAIN") return std::make_unique<Plain>(credentials);
  if (name == "LOGIN") return std::make_unique<Login>(credentials);
  if (name == "EXTERNAL") return std::make_unique<External>(credentials);
  if (name == "CRAM-MD5") return detail::make_cram_md5(credentials);
  if (name == "DIGEST-MD5") return detail::make_digest_md5(credentials);
  if (name == "SCRAM-SHA-1") return detail::make_scram(crypto::Hash::Sha1, credentials);
  if (name == "SCRAM-SHA-256") return detail::make_scram(crypto::Hash::Sha256, credentials);
  if (name == "NTLM") return detail::make_ntlm(credentials);
  if (name == "XOAUTH2") return detail::make_xoauth2(credentials);
  if (name == "OAUTHBEARER") return detail::make_oauthbearer(credentials);
  return nullptr;
}

}  // namespace smtpwb::sasl

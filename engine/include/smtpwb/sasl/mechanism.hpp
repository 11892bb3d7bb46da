#pragma once
// One interface for every SASL client mechanism. Each step yields what goes on the wire and what the
// transcript may show: the display text never contains a secret.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/printable.hpp"

namespace smtpwb::sasl {

struct Credentials {
  std::string username;
  std::string password;  // secret
  std::string authzid;
  std::string service_host;  // the server's name: DIGEST-MD5 digest-uri, OAUTHBEARER host
  int service_port = 0;      // OAUTHBEARER port (0: not sent)
  bool allow_ntlmv1 = false; // NTLM answers with NTLMv1 (legacy; the user allowed it explicitly)
};

struct Step {
  std::string response;  // raw bytes, base64-encoded by the caller
  std::string display;   // what the transcript shows for it, secrets masked
  bool secret = true;    // the response carries or derives from a secret: never show its wire form
};

struct SaslError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  virtual std::string name() const = 0;
  // The RFC 4954 initial response, sent with the AUTH command, if the mechanism is client-first.
  virtual std::optional<Step> initial_response() = 0;
  // The answer to a server challenge (already base64-decoded).
  virtual Step respond(std::string_view challenge) = 0;
  // A readable summary of a (decoded) challenge for the transcript; empty: show the challenge itself.
  virtual std::string describe_challenge(std::string_view) const { return {}; }
  // True when the server should have proven that it knows the password (SCRAM's server signature,
  // DIGEST-MD5's rspauth) and has not: success without that proof is not to be trusted.
  virtual bool server_proof_missing() const { return false; }
};

// The mechanisms this build implements, strongest first (password mechanisms, then bearer-token ones).
const std::vector<std::string>& supported_mechanisms();
// Mechanisms that take an OAuth 2.0 access token (in Credentials::password) instead of a password.
bool is_token_mechanism(std::string_view name);
std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials);

// The mechanisms to try, in order: the user's list (unimplemented names dropped, reported in
// `skipped`) or, when it is empty, every supported one of the right kind (password or bearer token).
std::vector<std::string> permitted_mechanisms(const std::vector<std::string>& configured, bool bearer_token,
                                              std::vector<std::string>* skipped = nullptr);
// The first permitted mechanism the server offers; empty when there is none.
std::string choose_mechanism(const std::vector<std::string>& permitted, const std::vector<std::string>& offered);

// Masks a secret for display: "********" (fixed length, so its length does not leak either).
inline std::string mask() { return masked_secret(); }

}  // namespace smtpwb::sasl

#pragma once
// One interface for every SASL client mechanism. Each step yields what goes on the wire and what the
// transcript may show: the display text never contains a secret.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::sasl {

struct Credentials {
  std::string username;
  std::string password;  // secret
  std::string authzid;
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
};

// The mechanisms this build implements, strongest first.
const std::vector<std::string>& supported_mechanisms();
std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials);

// Masks a secret for display: "********" (fixed length, so its length does not leak either).
inline std::string mask() { return "********"; }

}  // namespace smtpwb::sasl

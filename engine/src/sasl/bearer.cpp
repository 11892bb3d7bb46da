// OAuth 2.0 bearer-token mechanisms: Google's XOAUTH2 and OAUTHBEARER (RFC 7628). The token is in
// Credentials::password. On failure the server sends a base64 JSON error as a challenge; the client
// must answer it (XOAUTH2: an empty response; OAUTHBEARER: %x01) and then gets the final 5xx reply.
#include "sasl/mechanisms_internal.hpp"

namespace smtpwb::sasl::detail {

namespace {

class BearerMechanism : public Mechanism {
 public:
  explicit BearerMechanism(Credentials c) : c_(std::move(c)) {}
  std::optional<Step> initial_response() override {
    sent_ = true;
    std::string display = message(mask());
    for (std::size_t at; (at = display.find('\x01')) != std::string::npos;) display.replace(at, 1, "^A");
    return Step{message(c_.password), display, true};
  }
  Step respond(std::string_view challenge) override {
    if (!sent_ && challenge.empty()) return *initial_response();
    if (acknowledged_) throw SaslError("the server sent another challenge after its error report");
    acknowledged_ = true;
    return Step{error_acknowledgement(), ack_display(), false};
  }

 protected:
  virtual std::string message(const std::string& token) const = 0;
  virtual std::string error_acknowledgement() const = 0;
  virtual std::string ack_display() const = 0;
  Credentials c_;

 private:
  bool sent_ = false;
  bool acknowledged_ = false;
};

class XOAuth2 final : public BearerMechanism {
 public:
  using BearerMechanism::BearerMechanism;
  std::string name() const override { return "XOAUTH2"; }

 private:
  std::string message(const std::string& token) const override {
    return "user=" + c_.username + "\x01" "auth=Bearer " + token + "\x01\x01";
  }
  std::string error_acknowledgement() const override { return ""; }
  std::string ack_display() const override { return "empty response, acknowledging the error report"; }
};

class OAuthBearer final : public BearerMechanism {
 public:
  using BearerMechanism::BearerMechanism;
  std::string name() const override { return "OAUTHBEARER"; }

 private:
  std::string message(const std::string& token) const override {
    std::string kv = "n,a=" + escape(c_.username) + ",\x01";
    if (!c_.service_host.empty()) kv += "host=" + c_.service_host + "\x01";
    if (c_.service_port > 0) kv += "port=" + std::to_string(c_.service_port) + "\x01";
    return kv + "auth=Bearer " + token + "\x01\x01";
  }
  std::string error_acknowledgement() const override { return "\x01"; }
  std::string ack_display() const override { return "%x01, acknowledging the error report (RFC 7628 3.2.3)"; }
  // RFC 7628 3.1 uses the GS2 header's saslname: "=" and "," escaped as in RFC 5801.
  static std::string escape(std::string_view user) {
    std::string out;
    for (char ch : user) out += ch == '=' ? "=3D" : ch == ',' ? "=2C" : std::string(1, ch);
    return out;
  }
};

}  // namespace

std::unique_ptr<Mechanism> make_xoauth2(const Credentials& c) { return std::make_unique<XOAuth2>(c); }
std::unique_ptr<Mechanism> make_oauthbearer(const Credentials& c) { return std::make_unique<OAuthBearer>(c); }

}  // namespace smtpwb::sasl::detail

// AUTH NTLM: the SASL steps around the NTLM messages of net/ntlm.hpp (negotiate first, then one
// challenge answered with the authenticate message).
#include "sasl/ntlm.hpp"

#include "net/ntlm.hpp"

namespace smtpwb::sasl::detail {

namespace {

class Ntlm final : public Mechanism {
 public:
  explicit Ntlm(net::ntlm::Client client) : client_(std::move(client)) {}
  std::string name() const override { return "NTLM"; }

  std::optional<Step> initial_response() override {
    step_ = 1;
    auto m = client_.negotiate();
    return Step{m.bytes, m.display, false};
  }

  std::string describe_challenge(std::string_view challenge) const override { return client_.describe_challenge(challenge); }

  Step respond(std::string_view challenge) override {
    if (step_ == 0 && challenge.empty()) return *initial_response();
    if (step_ != 1) throw SaslError("the server sent more NTLM challenges than the protocol has");
    step_ = 2;
    try {
      auto m = client_.authenticate(challenge);
      return Step{m.bytes, m.display, true};
    } catch (const net::ntlm::Error& e) {
      throw SaslError(e.what());
    }
  }

 private:
  net::ntlm::Client client_;
  int step_ = 0;
};

}  // namespace

std::string ntlm_account(const std::string& domain, const std::string& user) { return net::ntlm::account(domain, user); }

std::unique_ptr<Mechanism> make_ntlm(const Credentials& c, std::string client_challenge, std::optional<std::uint64_t> timestamp) {
  net::ntlm::Client client(c.username, c.password, std::move(client_challenge), timestamp);
  client.use_ntlmv1(c.allow_ntlmv1);
  return std::make_unique<Ntlm>(std::move(client));
}

bool ntlm_challenge_has_target_info(std::string_view challenge) { return net::ntlm::challenge_has_target_info(challenge); }

}  // namespace smtpwb::sasl::detail

#include <algorithm>
#include <cctype>

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

}  // namespace

const std::vector<std::string>& supported_mechanisms() {
  static const std::vector<std::string> kMechs = {"PLAIN", "LOGIN"};
  return kMechs;
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const Credentials& credentials) {
  if (name == "PLAIN") return std::make_unique<Plain>(credentials);
  if (name == "LOGIN") return std::make_unique<Login>(credentials);
  return nullptr;
}

}  // namespace smtpwb::sasl

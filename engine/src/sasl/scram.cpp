// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), without channel binding ("n,,"): the client
// proves the password without sending it and verifies the server's signature in return.
#include "sasl/mechanisms_internal.hpp"
#include "smtpwb/base64.hpp"

namespace smtpwb::sasl::detail {

namespace {

using crypto::Hash;

// RFC 5802 5.1: "=" and "," in user names are escaped as "=3D" and "=2C".
std::string sasl_name(std::string_view user) {
  std::string out;
  for (char ch : user) {
    if (ch == '=') out += "=3D";
    else if (ch == ',') out += "=2C";
    else out += ch;
  }
  return out;
}

std::string attribute(std::string_view message, char key) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    auto comma = message.find(',', pos);
    auto item = message.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (item.size() >= 2 && item[0] == key && item[1] == '=') return std::string(item.substr(2));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return {};
}

std::string xor_bytes(std::string a, std::string_view b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i]);
  return a;
}

class Scram final : public Mechanism {
 public:
  Scram(Hash hash, Credentials c, std::string cnonce) : hash_(hash), c_(std::move(c)), cnonce_(std::move(cnonce)) {}
  std::string name() const override { return hash_ == Hash::Sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256"; }

  std::optional<Step> initial_response() override {
    if (cnonce_.empty()) cnonce_ = client_nonce();
    gs2_header_ = c_.authzid.empty() ? "n,," : "n,a=" + sasl_name(c_.authzid) + ",";
    client_first_bare_ = "n=" + sasl_name(c_.username) + ",r=" + cnonce_;
    step_ = 1;
    std::string message = gs2_header_ + client_first_bare_;
    return Step{message, message, false};
  }

  Step respond(std::string_view challenge) override {
    if (step_ == 0) {  // the server did not take the initial response: send it now
      if (!challenge.empty()) throw SaslError("the server spoke first in SCRAM, which is client-first");
      return *initial_response();
    }
    if (step_ == 1) {
      step_ = 2;
      return client_final(challenge);
    }
    if (step_ == 2) {
      step_ = 3;
      verify_server_final(challenge);
      return Step{"", "empty response (server signature verified)", false};
    }
    throw SaslError("the server sent more SCRAM challenges than the protocol has");
  }

  bool server_proof_missing() const override { return !verified_; }

 private:
  Step client_final(std::string_view server_first) {
    if (auto error = attribute(server_first, 'e'); !error.empty()) throw SaslError("the server reports \"" + error + "\"");
    std::string nonce = attribute(server_first, 'r');
    auto salt = base64_decode(attribute(server_first, 's'));
    std::string iterations_text = attribute(server_first, 'i');
    if (nonce.rfind(cnonce_, 0) != 0 || nonce.size() <= cnonce_.size())
      throw SaslError("the server's nonce does not extend the client's nonce");
    if (!salt || salt->empty()) throw SaslError("the server's salt is missing or not base64");
    unsigned long iterations = 0;
    try {
      iterations = std::stoul(iterations_text);
    } catch (const std::exception&) {
      throw SaslError("the server's iteration count \"" + iterations_text + "\" is not a number");
    }
    if (iterations == 0 || iterations > 10'000'000) throw SaslError("the server's iteration count " + iterations_text + " is out of range");

    std::string salted = crypto::pbkdf2(hash_, saslprep(c_.password), *salt, static_cast<unsigned>(iterations));
    std::string client_key = crypto::hmac(hash_, salted, "Client Key");
    std::string stored_key = crypto::digest(hash_, client_key);
    std::string without_proof = "c=" + base64_encode(gs2_header_) + ",r=" + nonce;
    auth_message_ = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    std::string proof = xor_bytes(client_key, crypto::hmac(hash_, stored_key, auth_message_));
    server_signature_ = crypto::hmac(hash_, crypto::hmac(hash_, salted, "Server Key"), auth_message_);
    return Step{without_proof + ",p=" + base64_encode(proof), without_proof + ",p=" + mask(), true};
  }

  void verify_server_final(std::string_view server_final) {
    if (auto error = attribute(server_final, 'e'); !error.empty()) throw SaslError("the server reports \"" + error + "\"");
    auto signature = base64_decode(attribute(server_final, 'v'));
    if (!signature) throw SaslError("the server's final SCRAM message has no valid signature (v=)");
    if (*signature != server_signature_)
      throw SaslError("the server's SCRAM signature is wrong: it does not know the password (or is not the server it claims)");
    verified_ = true;
  }

  Hash hash_;
  Credentials c_;
  std::string cnonce_, gs2_header_, client_first_bare_, auth_message_, server_signature_;
  int step_ = 0;
  bool verified_ = false;
};

// Decodes one UTF-8 code point at s[i], advancing i; invalid bytes are returned as themselves.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

bool is_non_ascii_space(char32_t cp) {  // RFC 3454 table C.1.2
  return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_mapped_to_nothing(char32_t cp) {  // RFC 3454 table B.1
  return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D) || (cp >= 0x200B && cp <= 0x200D) ||
         cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
}

}  // namespace

std::string saslprep(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size();) {
    std::size_t start = i;
    char32_t cp = next_code_point(utf8, i);
    if (cp == 0x200B || is_mapped_to_nothing(cp)) continue;  // U+200B is in both tables: B.1 wins
    if (is_non_ascii_space(cp)) {
      out += ' ';
      continue;
    }
    if (cp < 0x20 || cp == 0x7F) throw SaslError("the password contains a control character, which SASLprep prohibits");
    out.append(utf8.substr(start, i - start));
  }
  return out;
}

std::unique_ptr<Mechanism> make_scram(Hash hash, const Credentials& c, std::string cnonce) {
  return std::make_unique<Scram>(hash, c, std::move(cnonce));
}

}  // namespace smtpwb::sasl::detail

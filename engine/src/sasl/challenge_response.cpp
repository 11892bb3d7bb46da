// CRAM-MD5 (RFC 2195) and DIGEST-MD5 (RFC 2831, qop "auth" only: no integrity or privacy layer).
#include <algorithm>

#include "sasl/mechanisms_internal.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/charset.hpp"
#include "text.hpp"

namespace smtpwb::sasl::detail {

namespace {

using crypto::Hash;

class CramMd5 final : public Mechanism {
 public:
  explicit CramMd5(Credentials c) : c_(std::move(c)) {}
  std::string name() const override { return "CRAM-MD5"; }
  std::optional<Step> initial_response() override { return std::nullopt; }
  Step respond(std::string_view challenge) override {
    if (answered_) throw SaslError("the server sent a second CRAM-MD5 challenge");
    answered_ = true;
    std::string digest = crypto::hex(crypto::hmac(Hash::Md5, c_.password, challenge));
    // The digest allows an offline guess of the password: it is masked like the password itself.
    return Step{c_.username + " " + digest, "user=\"" + c_.username + "\" digest=" + mask(), true};
  }

 private:
  Credentials c_;
  bool answered_ = false;
};

std::string quote(std::string_view value) {
  std::string out = "\"";
  for (char ch : value) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

std::string field(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return {};
}

bool has_token(std::string_view list, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto comma = list.find(',', pos);
    auto item = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (text::lower(item) == token) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

class DigestMd5 final : public Mechanism {
 public:
  DigestMd5(Credentials c, std::string cnonce, std::string service)
      : c_(std::move(c)), cnonce_(std::move(cnonce)), service_(std::move(service)) {}
  std::string name() const override { return "DIGEST-MD5"; }
  std::optional<Step> initial_response() override { return std::nullopt; }

  std::string describe_challenge(std::string_view challenge) const override {
    auto fields = parse_digest_challenge(challenge);
    if (fields.empty()) return {};
    std::string out;
    for (const auto& [k, v] : fields) out += (out.empty() ? "" : ", ") + k + "=" + v;
    return out;
  }

  Step respond(std::string_view challenge) override {
    auto fields = parse_digest_challenge(challenge);
    if (step_ == 0) {
      ++step_;
      return answer_digest_challenge(fields);
    }
    if (step_ == 1) {
      ++step_;
      std::string rspauth = field(fields, "rspauth");
      if (rspauth.empty()) throw SaslError("the server's second DIGEST-MD5 challenge has no rspauth");
      if (rspauth != response_value(":" + digest_uri_))
        throw SaslError("the server's rspauth is wrong: it does not know the password (or is not the server it claims)");
      proven_ = true;
      return Step{"", "empty response (server proof rspauth verified)", false};
    }
    throw SaslError("the server sent more DIGEST-MD5 challenges than the protocol has");
  }

  bool server_proof_missing() const override { return !proven_; }

 private:
  Step answer_digest_challenge(const std::vector<std::pair<std::string, std::string>>& fields) {
    nonce_ = field(fields, "nonce");
    if (nonce_.empty()) throw SaslError("the DIGEST-MD5 challenge has no nonce");
    std::string qop = field(fields, "qop");
    if (!qop.empty() && !has_token(qop, "auth"))
      throw SaslError("the server offers DIGEST-MD5 only with qop \"" + qop + "\"; this client does qop=auth");
    std::string algorithm = field(fields, "algorithm");
    if (text::lower(algorithm) != "md5-sess") throw SaslError("the DIGEST-MD5 challenge lacks algorithm=md5-sess");
    // Several realms may be offered: the first is the server's own (RFC 2831 2.1.1); none means the
    // user name's own realm, which the server also accepts as empty.
    realm_ = field(fields, "realm");
    if (auto comma = realm_.find(','); comma != std::string::npos) realm_.resize(comma);
    utf8_ = text::lower(field(fields, "charset")) == "utf-8";
    // Without charset=utf-8 the server expects ISO 8859-1 (RFC 2831 2.1.2.1).
    if (!utf8_) {
      try {
        c_.username = convert_from_utf8(c_.username, "ISO-8859-1");
        c_.password = convert_from_utf8(c_.password, "ISO-8859-1");
      } catch (const ConversionError&) {
        throw SaslError("the server does not accept UTF-8 in DIGEST-MD5, and the user name or password has characters "
                        "ISO 8859-1 lacks");
      }
    }
    if (cnonce_.empty()) cnonce_ = client_nonce();
    digest_uri_ = service_ + "/" + c_.service_host;

    std::string response = response_value("AUTHENTICATE:" + digest_uri_);
    std::string common = "username=" + quote(c_.username) + (realm_.empty() ? "" : ",realm=" + quote(realm_)) +
                         ",nonce=" + quote(nonce_) + ",cnonce=" + quote(cnonce_) + ",nc=00000001,qop=auth,digest-uri=" +
                         quote(digest_uri_);
    std::string tail = (utf8_ ? ",charset=utf-8" : "") + (c_.authzid.empty() ? std::string() : ",authzid=" + quote(c_.authzid));
    return Step{common + ",response=" + response + tail, common + ",response=" + mask() + tail, true};
  }

  // RFC 2831 2.1.2.1: HEX(KD(HEX(H(A1)), nonce:nc:cnonce:qop:HEX(H(A2)))), A2 = prefix + digest-uri.
  std::string response_value(const std::string& a2) const {
    std::string a1 = crypto::digest(Hash::Md5, c_.username + ":" + realm_ + ":" + c_.password) + ":" + nonce_ + ":" + cnonce_;
    if (!c_.authzid.empty()) a1 += ":" + c_.authzid;
    auto h = [](std::string_view s) { return crypto::hex(crypto::digest(Hash::Md5, s)); };
    return h(h(a1) + ":" + nonce_ + ":00000001:" + cnonce_ + ":auth:" + h(a2));
  }

  Credentials c_;
  std::string cnonce_, service_, nonce_, realm_, digest_uri_;
  bool utf8_ = false;
  int step_ = 0;
  bool proven_ = false;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_digest_challenge(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == ',' || text[i] == '\r' || text[i] == '\n')) ++i;
  };
  while (true) {
    skip();
    if (i >= text.size()) break;
    auto eq = text.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = text::lower(text.substr(i, eq - i));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    i = eq + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
      ++i;  // closing quote
    } else {
      while (i < text.size() && text[i] != ',') value += text[i++];
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; });
    if (same != out.end()) same->second += "," + value;
    else out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string client_nonce() {
  return base64_encode(crypto::random_bytes(18));  // 18 bytes: no '=' padding, and base64 has no ','

}

std::unique_ptr<Mechanism> make_cram_md5(const Credentials& c) { return std::make_unique<CramMd5>(c); }
std::unique_ptr<Mechanism> make_digest_md5(const Credentials& c, std::string cnonce, std::string service) {
  return std::make_unique<DigestMd5>(c, std::move(cnonce), std::move(service));
}

}  // namespace smtpwb::sasl::detail

// NTLM (MS-NLMP) as SMTP servers use it (AUTH NTLM): negotiate, challenge, and an NTLMv2 authenticate
// message. NTLMv1 only when the user allows it explicitly (Identity::ntlmv1): its responses can be
// cracked from a captured exchange, but some servers (Exim's spa) verify nothing else. No signing or sealing
// (SMTP uses none), so no session key is sent. The messages only: SASL (AUTH NTLM) and the HTTP proxy
// (Proxy-Authorization) each carry them their own way.
#include "net/ntlm.hpp"

#include <chrono>

#include "base/crypto.hpp"
#include "smtpwb/charset.hpp"
#include "smtpwb/printable.hpp"
#include "text.hpp"

namespace smtpwb::net::ntlm {

namespace {

using crypto::Hash;

constexpr std::uint32_t kUnicode = 0x1, kOem = 0x2, kRequestTarget = 0x4, kNtlm = 0x200, kAlwaysSign = 0x8000,
                        kExtendedSessionSecurity = 0x80000, kTargetInfo = 0x800000, k128 = 0x20000000;
constexpr std::uint32_t kClientFlags = kUnicode | kOem | kRequestTarget | kNtlm | kAlwaysSign | kExtendedSessionSecurity | k128;
constexpr char kSignature[] = "NTLMSSP";  // with its NUL: 8 bytes

const std::pair<std::uint32_t, const char*> kFlagNames[] = {
    {0x1, "UNICODE"},       {0x2, "OEM"},          {0x4, "REQUEST_TARGET"},       {0x10, "SIGN"},
    {0x20, "SEAL"},         {0x200, "NTLM"},       {0x8000, "ALWAYS_SIGN"},       {0x10000, "TARGET_TYPE_DOMAIN"},
    {0x20000, "TARGET_TYPE_SERVER"}, {0x80000, "EXTENDED_SESSIONSECURITY"}, {0x800000, "TARGET_INFO"},
    {0x2000000, "VERSION"}, {0x20000000, "128"},   {0x40000000, "KEY_EXCH"},      {0x80000000, "56"}};

const std::pair<std::uint16_t, const char*> kAvNames[] = {{1, "NetBIOS computer"}, {2, "NetBIOS domain"},
                                                          {3, "DNS computer"},     {4, "DNS domain"},
                                                          {5, "DNS tree"}};
constexpr std::uint16_t kAvEol = 0, kAvTimestamp = 7;

std::uint32_t le(std::string_view s, std::size_t at, int bytes) {
  if (at + static_cast<std::size_t>(bytes) > s.size()) throw Error("the NTLM challenge is truncated");
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// A security buffer (length, max length, offset) pointing into the message.
std::string buffer_at(std::string_view message, std::size_t field) {
  // In 64 bits: a 32-bit offset + length wraps (0xFFFFFFF0 + 0x20 is 0x10) and would pass the check.
  std::uint64_t length = le(message, field, 2), offset = le(message, field + 4, 4);
  if (offset + length > message.size()) throw Error("the NTLM challenge points outside itself");
  return std::string(message.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)));
}

std::string utf16le(std::string_view utf8) { return convert_from_utf8(utf8, "UTF-16LE"); }

std::string from_utf16le(std::string_view s) {  // for display; non-ASCII shown as '?'
  std::string out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    unsigned c = static_cast<unsigned char>(s[i]) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += c >= 32 && c < 127 ? static_cast<char>(c) : '?';
  }
  return out;
}

std::string flag_names(std::uint32_t flags) {
  std::string out;
  for (const auto& [bit, name] : kFlagNames)
    if (flags & bit) out += (out.empty() ? "" : " ") + std::string(name);
  return out;
}

struct Challenge {
  std::uint32_t flags = 0;
  std::string server_challenge;  // 8 bytes
  std::string target_name;       // as sent (UTF-16LE when UNICODE)
  bool target_name_invalid = false;
  std::string target_info;       // AV pairs, raw
};

Challenge parse_challenge(std::string_view m) {
  if (m.size() < 32 || m.substr(0, 8) != std::string_view(kSignature, 8) || le(m, 8, 4) != 2)
    throw Error("the server's NTLM challenge is not an NTLMSSP CHALLENGE_MESSAGE");
  Challenge c;
  c.flags = le(m, 20, 4);
  c.server_challenge = std::string(m.substr(24, 8));
  // The target name only labels the transcript, so a broken buffer is shown, not refused: squid's
  // ntlm_fake_auth (Debian 12) sends an offset far outside the message.
  try {
    c.target_name = buffer_at(m, 12);
  } catch (const Error&) {
    c.target_name_invalid = true;
  }
  if ((c.flags & kTargetInfo) && m.size() >= 48) c.target_info = buffer_at(m, 40);
  return c;
}

// Visits the AV pairs of a TargetInfo: f(id, value) until MsvAvEOL.
template <typename F>
void for_each_av(std::string_view info, F f) {
  for (std::size_t at = 0; at + 4 <= info.size();) {
    auto id = static_cast<std::uint16_t>(le(info, at, 2));
    std::uint32_t length = le(info, at + 2, 2);
    if (id == kAvEol || at + 4 + length > info.size()) return;
    f(id, info.substr(at + 4, length));
    at += 4 + length;
  }
}

// Windows FILETIME: 100 ns ticks since 1601. Counted in ticks, not nanoseconds: 1601 is further back
// than a signed 64-bit count of nanoseconds reaches.
std::uint64_t filetime_now() {
  using Ticks = std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>;
  constexpr std::int64_t kTicks1601To1970 = 11644473600LL * 10'000'000LL;
  auto since_1970 = std::chrono::duration_cast<Ticks>(std::chrono::system_clock::now().time_since_epoch());
  return static_cast<std::uint64_t>(since_1970.count() + kTicks1601To1970);
}

struct Responses {
  std::string lm, nt;
};

// MS-NLMP 3.3.1 without extended session security: DESL of the NT hash over the server challenge.
// The LM response repeats the NT response (no LM hash is ever computed).
Responses ntlmv1_responses(const Challenge& c, const Identity& id) {
  std::string nt = crypto::desl(crypto::md4(utf16le(id.password)), c.server_challenge);
  return {nt, nt};
}

// MS-NLMP 3.3.2: NTOWFv2, the NTLMv2 and LMv2 responses.
Responses ntlmv2_responses(const Challenge& c, const Identity& id) {

  std::uint64_t timestamp = id.timestamp;
  bool server_timestamp = false;
  for_each_av(c.target_info, [&](std::uint16_t id, std::string_view value) {
    if (id == kAvTimestamp && value.size() == 8) {
      timestamp = le(value, 0, 4) | (static_cast<std::uint64_t>(le(value, 4, 4)) << 32);
      server_timestamp = true;
    }
  });
  std::string client_challenge = id.client_challenge.empty() ? crypto::random_bytes(8) : id.client_challenge;
  std::string nt_hash = crypto::md4(utf16le(id.password));
  std::string ntowf_v2 = crypto::hmac(Hash::Md5, nt_hash, utf16le(text::upper(id.user) + id.domain));
  std::string temp = std::string("\x01\x01", 2) + std::string(6, '\0');
  put_le(temp, timestamp, 8);
  temp += client_challenge + std::string(4, '\0') + c.target_info + std::string(4, '\0');
  std::string nt_proof = crypto::hmac(Hash::Md5, ntowf_v2, c.server_challenge + temp);
  std::string nt_response = nt_proof + temp;
  // With a server timestamp the LMv2 response must be zeros (MS-NLMP 3.1.5.1.2).
  std::string lm_response = server_timestamp
                                ? std::string(24, '\0')
                                : crypto::hmac(Hash::Md5, ntowf_v2, c.server_challenge + client_challenge) + client_challenge;
  return {lm_response, nt_response};
}

Message authenticate_message(const Challenge& c, const Identity& id) {
  if (!(c.flags & kNtlm) && !(c.flags & kExtendedSessionSecurity))
    throw Error("the server's NTLM challenge does not offer NTLM authentication");
  const bool unicode = c.flags & kUnicode;
  auto encode = [&](const std::string& s) { return unicode ? utf16le(s) : s; };
  auto [lm_response, nt_response] = id.ntlmv1 ? ntlmv1_responses(c, id) : ntlmv2_responses(c, id);

  std::uint32_t flags = (c.flags & kClientFlags) | kNtlm | (unicode ? kUnicode : kOem);
  if (id.ntlmv1) flags &= ~kExtendedSessionSecurity;  // plain NTLMv1, not the NTLM2 session response
  std::string domain = encode(id.domain), user = encode(id.user), workstation;
  std::string m(kSignature, 8);
  put_le(m, 3, 4);
  std::size_t offset = 64;
  std::string payload;
  auto field = [&](const std::string& data) {
    put_le(m, data.size(), 2);
    put_le(m, data.size(), 2);
    put_le(m, offset + payload.size(), 4);
    payload += data;
  };
  field(lm_response);
  field(nt_response);
  field(domain);
  field(user);
  field(workstation);
  field("");  // EncryptedRandomSessionKey: none (no KEY_EXCH)
  put_le(m, flags, 4);
  return Message{m + payload,
              std::string("NTLM AUTHENTICATE_MESSAGE (") + (id.ntlmv1 ? "NTLMv1" : "NTLMv2") + "), domain \"" + id.domain + "\", user \"" + id.user +
                  "\", workstation (none), responses " + masked_secret() + ", flags " + flag_names(flags)};
}

}  // namespace

Client::Client(const std::string& username, std::string password, std::string client_challenge,
               std::optional<std::uint64_t> timestamp) {
  id_.password = std::move(password);
  id_.client_challenge = std::move(client_challenge);
  id_.timestamp = timestamp ? *timestamp : filetime_now();
  // "DOMAIN\user": the domain part goes into the NTLMv2 hash and the DomainName field.
  if (auto slash = username.find('\\'); slash != std::string::npos) {
    id_.domain = username.substr(0, slash);
    id_.user = username.substr(slash + 1);
  } else {
    id_.user = username;
  }
}

Message Client::negotiate() const {
  std::string m(kSignature, 8);
  put_le(m, 1, 4);
  put_le(m, kClientFlags, 4);
  m += std::string(16, '\0');  // no domain or workstation supplied
  return Message{m, "NTLM NEGOTIATE_MESSAGE, flags " + flag_names(kClientFlags)};
}

std::string Client::describe_challenge(std::string_view challenge) const {
  if (challenge.empty()) return {};
  try {
    Challenge c = parse_challenge(challenge);
    bool unicode = c.flags & kUnicode;
    std::string out = "NTLM CHALLENGE_MESSAGE, flags " + flag_names(c.flags) + ", target " +
                      (c.target_name_invalid ? std::string("(its buffer points outside the message)")
                                             : "\"" + (unicode ? from_utf16le(c.target_name) : c.target_name) + "\"");
    for_each_av(c.target_info, [&](std::uint16_t id, std::string_view value) {
      for (const auto& [known, label] : kAvNames)
        if (id == known) out += ", " + std::string(label) + " \"" + from_utf16le(value) + "\"";
      if (id == kAvTimestamp) out += ", timestamp";
    });
    return out;
  } catch (const std::exception&) {  // only a label: a challenge that cannot be read is shown raw
    return {};
  }
}

Message Client::authenticate(std::string_view challenge) const {
  // Whatever the server's bytes break is the protocol's error (the caller cancels the exchange), never an
  // internal one.
  try {
    return authenticate_message(parse_challenge(challenge), id_);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("the server's NTLM challenge cannot be answered: ") + e.what());
  }
}

bool challenge_has_target_info(std::string_view challenge) {
  try {
    Challenge c = parse_challenge(challenge);
    return (c.flags & kTargetInfo) && !c.target_info.empty();
  } catch (const std::exception&) {
    return false;
  }
}

std::string account(const std::string& domain, const std::string& user) {
  return domain.empty() || user.find('\\') != std::string::npos ? user : domain + "\\" + user;
}

}  // namespace smtpwb::net::ntlm

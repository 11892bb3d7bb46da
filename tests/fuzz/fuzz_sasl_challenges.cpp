// libFuzzer target: every SASL mechanism's challenge decoder. The first byte picks the mechanism, the
// rest is split into up to three server challenges (at NUL bytes' positions chosen by the input).
// A malformed challenge may end the exchange with SaslError; nothing else may escape or crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtpwb/sasl/mechanism.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& names = smtpwb::sasl::supported_mechanisms();
  if (size == 0) return 0;
  const std::string& name = names[data[0] % names.size()];
  smtpwb::sasl::Credentials credentials{"WORKGROUP\\user@example.test", "pässwörd", "", "mail.example.test", 587};
  auto mechanism = smtpwb::sasl::make_mechanism(name, credentials);
  if (!mechanism) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    (void)mechanism->initial_response();
    for (int step = 0; step < 3 && !rest.empty(); ++step) {
      auto cut = rest.find('\0');
      std::string_view challenge = rest.substr(0, cut);
      rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
      auto answer = mechanism->respond(challenge);
      (void)answer.display.size();
    }
  } catch (const smtpwb::sasl::SaslError&) {
    // a challenge this mechanism rejects: the session reports it and aborts the exchange
  }
  return 0;
}

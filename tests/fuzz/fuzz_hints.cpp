// libFuzzer target: the hint catalogue. Even first byte: the input as a catalogue document (errors must
// be std::runtime_error). Odd: the built-in catalogue matched against a session result whose failure,
// reply text, banner and auth facts come from the input (rules with regexes and placeholders run on it).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtpwb/hints.hpp"

using namespace smtpwb;

namespace {
std::string field(std::string_view& rest) {
  auto cut = rest.find('\n');
  std::string out(rest.substr(0, cut));
  rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 4, size - 4);
  if (data[0] % 2 == 0) {
    try {
      (void)HintCatalogue::from_json(rest).size();
    } catch (const std::runtime_error&) {
    }
    return 0;
  }
  ConnectionSettings settings;
  settings.address = field(rest);
  settings.port = data[1] * 10;
  settings.security = data[2] % 2 ? Security::Implicit : Security::StartTls;
  settings.anonymous = data[2] & 2;
  SessionResult result;
  Failure failure;
  failure.category = static_cast<FailureCategory>(data[3] % 11);
  failure.phase = static_cast<Phase>(data[2] % 13);
  failure.reply_code = 200 + data[1] % 400;
  failure.enhanced_code = field(rest);
  failure.message = field(rest);
  failure.reply_text = field(rest);
  result.failure = failure;
  result.server.banner = field(rest);
  result.server.ehlo_domain = field(rest);
  result.auth.mechanism = field(rest);
  result.auth.offered = {field(rest), field(rest)};
  result.tls.verify_error_kinds = {static_cast<VerifyErrorKind>(data[0] % 6)};
  result.proxy.used = data[3] & 16;
  result.proxy.result = proxy_result_from(field(rest)).value_or(ProxyResult::NotAttempted);
  result.transcript.push_back(Event{0, Dir::Server, failure.phase, false, failure.reply_text});
  for (const auto& hint : HintCatalogue::builtin().match(settings, result)) (void)hint.explanation.size();
  (void)HintCatalogue::builtin().match_settings(settings);
  return 0;
}

// libFuzzer target: EHLO capabilities parsed from whatever reply the parser accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtpwb/smtp/capabilities.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  smtpwb::smtp::ReplyParser parser;
  parser.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  smtpwb::smtp::Reply reply;
  if (parser.next(reply) != smtpwb::smtp::ReplyParser::Status::Complete) return 0;
  auto caps = smtpwb::smtp::Capabilities::from_ehlo(reply);
  (void)caps.auth_mechanisms();
  (void)caps.size_limit();
  (void)caps.has("STARTTLS");
  (void)caps.lines();
  return 0;
}

// libFuzzer target: the SMTP reply parser, fed the input in two chunks split at its first byte's value
// (incremental parsing must not depend on where reads end).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtpwb/smtp/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t split = size ? data[0] % (size + 1) : 0;
  smtpwb::smtp::ReplyParser parser;
  parser.feed(bytes.substr(0, split));
  smtpwb::smtp::Reply reply;
  auto status = parser.next(reply);
  parser.feed(bytes.substr(split));
  for (int replies = 0; replies < 10000; ++replies) {
    status = parser.next(reply);
    if (status != smtpwb::smtp::ReplyParser::Status::Complete) break;
    (void)reply.first_line();
    (void)reply.text();
  }
  (void)parser.take_buffered();
  return 0;
}

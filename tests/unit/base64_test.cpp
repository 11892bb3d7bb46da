// base64.hpp: RFC 4648 section 10 vectors, strict decoding, binary round trips.
#include <catch2/catch_test_macros.hpp>

#include <string>
#include <utility>

#include "smtpwb/base64.hpp"

using smtpwb::base64_decode;
using smtpwb::base64_encode;

TEST_CASE("base64: RFC 4648 test vectors", "[base64]") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain, encoded);
    CHECK(base64_encode(plain) == encoded);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == plain);
  }
}

TEST_CASE("base64: SASL-style strings", "[base64]") {
  CHECK(base64_encode(std::string("\0user\0pass", 10)) == "AHVzZXIAcGFzcw==");
  CHECK(base64_decode("VXNlcm5hbWU6") == "Username:");
  CHECK(base64_decode("UGFzc3dvcmQ6") == "Password:");
  // Both ends of the alphabet.
  CHECK(base64_encode("\xFB\xFF\xBF") == "+/+/");
  CHECK(base64_decode("+/+/") == std::string("\xFB\xFF\xBF"));
}

TEST_CASE("base64: decode rejects bad input", "[base64]") {
  const char* bad[] = {
      "Zg=a",          // padding followed by data
      "Z===",          // padding in the second place
      "====",          // padding only
      "Zm9v=Zm9v",     // wrong length and padding in the middle
      "Zg==Zm9v",      // padding in a quantum that is not the last
      "Zm9",           // length not a multiple of 4
      "Zm9vY",         // length not a multiple of 4
      "Zm9v\r\n",      // whitespace is not allowed
      "Zm 9",          // whitespace is not allowed
      "Zm9-",          // URL-safe alphabet is not this alphabet
      "Zm9_",
      "Zm9\x80",       // 8-bit byte
      "Zm*v",
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_FALSE(base64_decode(text).has_value());
  }
  CHECK_FALSE(base64_decode(std::string("Zm\0v", 4)).has_value());  // NUL
}

TEST_CASE("base64: binary round trip with all 256 byte values", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  // Every length modulo 3, and every byte value in each of the three positions of a quantum.
  for (std::size_t offset = 0; offset < 3; ++offset) {
    for (std::size_t trim = 0; trim < 3; ++trim) {
      std::string data = std::string(offset, '\xA5') + all.substr(0, all.size() - trim);
      CAPTURE(offset, trim);
      auto enc = base64_encode(data);
      CHECK(enc.size() == (data.size() + 2) / 3 * 4);
      CHECK(enc.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
            std::string::npos);
      auto dec = base64_decode(enc);
      REQUIRE(dec.has_value());
      CHECK(*dec == data);
    }
  }
}

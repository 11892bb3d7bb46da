// Certificate name attributes: the string types that are not UTF-8 on the wire come out as UTF-8.
#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "tls/cert_names.hpp"

using smtpwb::net::name_attributes;

namespace {

const std::vector<unsigned char> kCommonName{0x55, 0x04, 0x03};  // 2.5.4.3
const std::vector<unsigned char> kCountry{0x55, 0x04, 0x06};     // 2.5.4.6

// A one-attribute name whose value has the ASN.1 string type `tag`.
struct OneAttributeName {
  std::vector<unsigned char> oid, value;
  mbedtls_x509_name name{};

  OneAttributeName(std::vector<unsigned char> oid_bytes, int tag, std::vector<unsigned char> bytes)
      : oid(std::move(oid_bytes)), value(std::move(bytes)) {
    name.oid = {MBEDTLS_ASN1_OID, oid.size(), oid.data()};
    name.val = {tag, value.size(), value.data()};
  }
  OneAttributeName(const OneAttributeName&) = delete;  // `name` points into this object's vectors
};

std::string text_of(int tag, std::vector<unsigned char> bytes) {
  OneAttributeName n(kCommonName, tag, std::move(bytes));
  auto attributes = name_attributes(n.name);
  REQUIRE(attributes.size() == 1);
  CHECK(attributes[0].oid == "2.5.4.3");
  return attributes[0].value;
}

}  // namespace

TEST_CASE("name_attributes: BMPString is UTF-16BE, surrogate pairs joined, a lone one U+FFFD", "[cert]") {
  CHECK(text_of(MBEDTLS_ASN1_BMP_STRING, {0x00, 'M', 0x00, 0xFC, 0x20, 0xAC}) == "M\xC3\xBC\xE2\x82\xAC");
  CHECK(text_of(MBEDTLS_ASN1_BMP_STRING, {0xD8, 0x3D, 0xDE, 0x00}) == "\xF0\x9F\x98\x80");
  CHECK(text_of(MBEDTLS_ASN1_BMP_STRING, {0xD8, 0x3D, 0x00, 'x'}) == "\xEF\xBF\xBDx");
  CHECK(text_of(MBEDTLS_ASN1_BMP_STRING, {0xDE, 0x00}) == "\xEF\xBF\xBD");
  CHECK(text_of(MBEDTLS_ASN1_BMP_STRING, {0x00, 'a', 0x00}) == "a");  // an odd last byte is no code unit
}

TEST_CASE("name_attributes: UniversalString is UTF-32BE, surrogates and values past U+10FFFF U+FFFD", "[cert]") {
  CHECK(text_of(MBEDTLS_ASN1_UNIVERSAL_STRING, {0, 0, 0, 'A', 0, 0x01, 0xF6, 0x00}) == "A\xF0\x9F\x98\x80");
  CHECK(text_of(MBEDTLS_ASN1_UNIVERSAL_STRING, {0, 0x11, 0, 0}) == "\xEF\xBF\xBD");
  // Two surrogate code points stay two replacements; they are not joined into U+10000.
  CHECK(text_of(MBEDTLS_ASN1_UNIVERSAL_STRING, {0, 0, 0xD8, 0, 0, 0, 0xDC, 0}) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(text_of(MBEDTLS_ASN1_UNIVERSAL_STRING, {0, 0, 0, 'b', 0, 0}) == "b");
}

TEST_CASE("name_attributes: T61String read as ISO 8859-1, UTF8String and PrintableString as they are", "[cert]") {
  CHECK(text_of(MBEDTLS_ASN1_T61_STRING, {'c', 'a', 'f', 0xE9}) == "caf\xC3\xA9");
  CHECK(text_of(MBEDTLS_ASN1_UTF8_STRING, {'c', 'a', 'f', 0xC3, 0xA9}) == "caf\xC3\xA9");
  CHECK(text_of(MBEDTLS_ASN1_PRINTABLE_STRING, {'m', 'x'}) == "mx");
}

TEST_CASE("name_attributes: every attribute in the certificate's order", "[cert]") {
  OneAttributeName country(kCountry, MBEDTLS_ASN1_PRINTABLE_STRING, {'D', 'E'});
  OneAttributeName common(kCommonName, MBEDTLS_ASN1_BMP_STRING, {0x00, 'm', 0x00, 'x'});
  country.name.next = &common.name;
  auto attributes = name_attributes(country.name);
  REQUIRE(attributes.size() == 2);
  CHECK(attributes[0].oid == "2.5.4.6");
  CHECK(attributes[0].value == "DE");
  CHECK(attributes[1].oid == "2.5.4.3");
  CHECK(attributes[1].value == "mx");
}

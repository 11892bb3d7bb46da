#include "tls/certificate_request.hpp"

#include <mbedtls/asn1.h>
#include <mbedtls/x509.h>

// Not in mbedTLS 3.6's public headers (x509_internal.h), but exported by libmbedx509: the same parser the
// certificate code uses for subject and issuer.
extern "C" int mbedtls_x509_get_name(unsigned char** p, const unsigned char* end, mbedtls_x509_name* cur);

namespace smtpwb::net {

namespace {

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  bool empty() const { return data_.empty(); }
  std::size_t number(int bytes) {
    std::size_t n = 0;
    if (data_.size() < static_cast<std::size_t>(bytes)) return fail();
    for (int i = 0; i < bytes; ++i) n = (n << 8) | static_cast<unsigned char>(data_[static_cast<std::size_t>(i)]);
    data_.remove_prefix(static_cast<std::size_t>(bytes));
    return n;
  }
  std::string_view vector(int length_bytes) {
    std::size_t n = number(length_bytes);
    if (!ok_ || data_.size() < n) return fail(), std::string_view();
    auto out = data_.substr(0, n);
    data_.remove_prefix(n);
    return out;
  }

 private:
  std::size_t fail() {
    ok_ = false;
    data_ = {};
    return 0;
  }
  std::string_view data_;
  bool ok_ = true;
};

std::vector<std::string> authority_list(std::string_view list) {
  std::vector<std::string> out;
  Reader names(list);
  while (!names.empty()) {
    auto name = names.vector(2);
    if (!names.ok()) break;
    out.emplace_back(name);
  }
  return out;
}

constexpr unsigned kCertificateAuthoritiesExtension = 47;

}  // namespace

std::vector<std::string> certificate_request_authorities(std::string_view body, bool tls13) {
  Reader r(body);
  if (!tls13) {
    r.vector(1);  // certificate_types
    r.vector(2);  // supported_signature_algorithms
    auto list = r.vector(2);
    return r.ok() ? authority_list(list) : std::vector<std::string>{};
  }
  r.vector(1);  // certificate_request_context
  Reader extensions(r.vector(2));
  while (r.ok() && extensions.ok() && !extensions.empty()) {
    auto type = extensions.number(2);
    auto data = extensions.vector(2);
    if (extensions.ok() && type == kCertificateAuthoritiesExtension) {
      Reader ext(data);
      return authority_list(ext.vector(2));
    }
  }
  return {};
}

std::string distinguished_name_text(std::string_view der) {
  std::string copy(der);
  auto* p = reinterpret_cast<unsigned char*>(copy.data());
  const unsigned char* end = p + copy.size();
  std::size_t len = 0;
  mbedtls_x509_name name{};
  std::string out = "(unreadable name)";
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) == 0 &&
      mbedtls_x509_get_name(&p, p + len, &name) == 0) {
    char buf[1024];
    if (mbedtls_x509_dn_gets(buf, sizeof buf, &name) > 0) out = buf;
  }
  mbedtls_asn1_free_named_data_list_shallow(name.next);
  return out;
}

}  // namespace smtpwb::net

#pragma once
// The server's CertificateRequest (TLS 1.2: RFC 5246 7.4.4; TLS 1.3: RFC 8446 4.3.2): mbedTLS parses it
// but keeps the CA names to itself, so the stream reads them from the message it just processed.
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::net {

// The distinguished names the server accepts as issuers (DER), in its order; empty when it lists none.
// A malformed message yields the names read before the damage.
std::vector<std::string> certificate_request_authorities(std::string_view body, bool tls13);

// "CN=Example CA, O=Example" for a DER distinguished name; "(unreadable name)" when it does not parse.
std::string distinguished_name_text(std::string_view der);

}  // namespace smtpwb::net

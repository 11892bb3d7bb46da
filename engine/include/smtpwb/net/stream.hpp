#pragma once
// A connected byte stream, plain or inside TLS (mbedTLS 3.6), with bounded, cancellable I/O.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtpwb/crypto_init.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::net {

// The test's client certificate (PEM): offered when the server asks for one.
struct ClientCertificate {
  std::string cert;          // empty: none
  std::string key;           // empty: the key is in cert's file
  std::string key_password;  // secret
  static ClientCertificate from(const ConnectionSettings& settings);
};

struct TlsClientConfig {
  std::string server_name;  // SNI and the name the certificate must match
  TlsVersionSet versions = TlsVersionSet::modern();
  bool verify = true;
  std::string ca_file;        // empty: the system CA store
  std::string extra_ca_file;  // added to the trust anchors (demo server)
  ClientCertificate client_certificate;
};

// Every TLS client connection made for a test takes its config from one of these two, so that none
// forgets the test's client certificate: a server that requires one refuses a connection without it, and
// a probe would then report a wrong verdict.
// The test's own handshake: its server name, versions, verification, CA file and client certificate.
TlsClientConfig session_tls_config(const ConnectionSettings& settings);
// A probe's handshake (find settings, version probes, a silent port): what the server speaks is the
// question, so the certificate is not verified; the versions are the probe's.
TlsClientConfig probe_tls_config(const std::string& server_name, const ClientCertificate& certificate,
                                 TlsVersionSet versions = TlsVersionSet::modern());

struct TlsServerIdentity {
  std::string chain_pem;  // leaf first
  std::string key_pem;
};

struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
  bool no_common_version = false;
  bool server_refused_version = false;  // the server sent the protocol_version alert
  bool peer_spoke_plaintext = false;  // the first bytes back were text (an SMTP reply, ...), not a TLS record
  std::string plaintext_sample;
  int alert = -1;           // the plaintext alert the server sent, -1 when none
  int server_version = -1;  // the version the ServerHello chose (wire number), -1 when none came
  bool peer_closed = false; // the server closed the connection during the handshake
  bool connection_lost = false;  // a socket error during the handshake (e.g. a reset)
};
struct ClientCertificateError : std::runtime_error {  // our certificate or key cannot be loaded
  using std::runtime_error::runtime_error;
};
struct TrustStoreError : std::runtime_error {  // the CA file or the system store cannot be loaded
  using std::runtime_error::runtime_error;
};
struct CertificateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// psa_crypto_init lives in the base layer; the old name stays for callers of the stream.
using smtpwb::init_crypto;

class Stream final : public Channel {
 public:
  Stream(Fd fd, const CancelFlag& cancel);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void write_all(std::string_view data, Deadline deadline) override;
  // Up to n bytes; 0 when the peer closed the connection. Throws TimedOut / Cancelled / NetError.
  std::size_t read_some(char* buf, std::size_t n, Deadline deadline) override;

  // Client handshake. facts gets version, cipher, group, chain and verification results, also when
  // the handshake fails. Throws TlsError, or CertificateError when verification fails.
  void start_tls_client(const TlsClientConfig& config, Deadline deadline, TlsFacts& facts);
  void start_tls_server(const TlsServerIdentity& identity, TlsVersionSet versions, Deadline deadline);
  bool tls() const { return tls_ != nullptr; }
  // Bytes that already arrived and wait to be read (plain stream only); never blocks.
  std::string take_pending();
  void close_notify();  // best effort, never blocks
  SocketHandle fd() const { return fd_.get(); }

  struct Tls;  // mbedTLS state, private to the implementation

 private:
  Fd fd_;
  const CancelFlag& cancel_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace smtpwb::net

#include "smtpwb/net/stream.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>

#include "smtpwb/cert_facts.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/tls_wire.hpp"
#include "tls/cert_names.hpp"
#include "tls/certificate_request.hpp"
#include "tls/handshake_sniffer.hpp"
#include "tls/trust_store.hpp"
#include "text.hpp"

namespace smtpwb::net {

std::string mbedtls_message(int code) {
  char buf[200];
  mbedtls_strerror(code, buf, sizeof buf);
  return buf;
}

namespace {

// One DRBG for the process: with MBEDTLS_THREADING_C (on in Debian's build) it locks internally.
struct Rng {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Rng() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    const char* pers = "smtp-workbench";
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, reinterpret_cast<const unsigned char*>(pers),
                              std::strlen(pers)) != 0)
      throw std::runtime_error("could not seed the random number generator");
  }
};
Rng& rng() {
  static Rng r;
  return r;
}

// mbedTLS's *_parse_file functions open a narrow path with fopen, which on Windows means the ANSI code
// page; so the files are read here through the UTF-8 path helpers and parsed from memory. A PEM buffer
// includes its terminating NUL (what mbedTLS's own file loading passes), DER its bytes only.
std::size_t parse_length(const std::string& bytes) {
  return bytes.find("-----BEGIN ") != std::string::npos ? bytes.size() + 1 : bytes.size();
}

int parse_certificate_file(mbedtls_x509_crt& chain, const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return MBEDTLS_ERR_PK_FILE_IO_ERROR;  // what mbedtls_x509_crt_parse_file says
  return mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(bytes->c_str()), parse_length(*bytes));
}

int parse_key_file(mbedtls_pk_context& key, const std::string& path, const char* password) {
  auto bytes = read_file(path);
  if (!bytes) return MBEDTLS_ERR_PK_FILE_IO_ERROR;
  const std::size_t password_length = password ? std::strlen(password) : 0;
  int rc = mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(bytes->c_str()), parse_length(*bytes),
                                reinterpret_cast<const unsigned char*>(password), password_length,
                                mbedtls_ctr_drbg_random, &rng().drbg);
  mbedtls_platform_zeroize(bytes->data(), bytes->size());  // the key
  return rc;
}

// Parsing the system store costs milliseconds; parse each set of trust anchors once per process.
// The parsed chains are only read afterwards, which mbedTLS allows from several threads.
std::shared_ptr<CertChain> trust_anchors(const std::string& ca_file, const std::string& extra) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<CertChain>> cache;
  std::string key = (ca_file.empty() ? std::string("\n(system)") : ca_file) + '\n' + extra;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto chain = std::make_shared<CertChain>();
  if (ca_file.empty()) {
    load_system_trust_store(chain->crt);
  } else {
    // A positive result counts certificates that could not be parsed; a bundle where some parse is usable.
    int rc = parse_certificate_file(chain->crt, ca_file);
    if (rc < 0 || chain->crt.raw.p == nullptr)
      throw TrustStoreError("CA file " + ca_file + " cannot be used: " +
                            (rc < 0 ? mbedtls_message(rc) : std::string("no certificate in it")));
  }
  if (!extra.empty()) {
    int rc = parse_certificate_file(chain->crt, extra);
    if (rc < 0) throw TrustStoreError("CA file " + extra + " cannot be used: " + mbedtls_message(rc));
  }
  cache[key] = chain;
  return chain;
}

std::string x509_time(const mbedtls_x509_time& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.mon, t.day, t.hour, t.min, t.sec);
  return buf;
}

std::string hex_colon(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

CertificateInfo describe(const mbedtls_x509_crt& crt, int depth, std::uint32_t flags) {
  CertificateInfo info;
  info.depth = depth;
  info.verify_flags = flags;
  char buf[1024];
  if (mbedtls_x509_dn_gets(buf, sizeof buf, &crt.subject) > 0) info.subject = buf;
  if (mbedtls_x509_dn_gets(buf, sizeof buf, &crt.issuer) > 0) info.issuer = buf;
  info.subject_attributes = name_attributes(crt.subject);
  info.issuer_attributes = name_attributes(crt.issuer);
  info.not_before = x509_time(crt.valid_from);
  info.not_after = x509_time(crt.valid_to);
  info.days_left = days_until(info.not_after, std::time(nullptr));
  info.key_type = mbedtls_pk_get_name(&crt.pk);
  info.key_bits = static_cast<int>(mbedtls_pk_get_bitlen(&crt.pk));
  const char* sig = nullptr;
  if (mbedtls_oid_get_sig_alg_desc(&crt.sig_oid, &sig) == 0 && sig) info.signature_algorithm = sig;
  unsigned char digest[32];
  mbedtls_sha256(crt.raw.p, crt.raw.len, digest, 0);
  info.sha256_fingerprint = hex_colon(digest, sizeof digest);
  for (const mbedtls_x509_sequence* cur = &crt.subject_alt_names; cur && cur->buf.p; cur = cur->next) {
    mbedtls_x509_subject_alternative_name san{};
    if (mbedtls_x509_parse_subject_alt_name(&cur->buf, &san) != 0) continue;
    if (san.type == MBEDTLS_X509_SAN_DNS_NAME) {
      info.subject_alt_names.emplace_back("DNS:" + std::string(reinterpret_cast<const char*>(san.san.unstructured_name.p),
                                                               san.san.unstructured_name.len));
    } else if (san.type == MBEDTLS_X509_SAN_IP_ADDRESS) {
      const auto& ip = san.san.unstructured_name;
      char text[64] = {};
      if (ip.len == 4) std::snprintf(text, sizeof text, "%u.%u.%u.%u", ip.p[0], ip.p[1], ip.p[2], ip.p[3]);
      else if (ip.len == 16) std::snprintf(text, sizeof text, "%s", platform::format_ipv6(ip.p).c_str());
      if (!*text) std::snprintf(text, sizeof text, "%s", hex_colon(ip.p, ip.len).c_str());
      info.subject_alt_names.emplace_back(std::string("IP:") + text);
    } else if (san.type == MBEDTLS_X509_SAN_RFC822_NAME) {
      info.subject_alt_names.emplace_back("email:" + std::string(reinterpret_cast<const char*>(san.san.unstructured_name.p),
                                                                 san.san.unstructured_name.len));
    }
    mbedtls_x509_free_subject_alt_name(&san);
  }
  return info;
}

std::vector<std::string> verify_messages(std::uint32_t flags) {
  std::vector<std::string> out;
  if (flags == 0) return out;
  char buf[2048];
  mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags);
  std::string_view text(buf);
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// Stable names for the hint catalogue.
std::vector<VerifyErrorKind> verify_kinds(std::uint32_t flags) {
  std::vector<VerifyErrorKind> out;
  const std::pair<std::uint32_t, VerifyErrorKind> kKinds[] = {
      {MBEDTLS_X509_BADCERT_EXPIRED, VerifyErrorKind::Expired},
      {MBEDTLS_X509_BADCERT_FUTURE, VerifyErrorKind::NotYetValid},
      {MBEDTLS_X509_BADCERT_CN_MISMATCH, VerifyErrorKind::HostnameMismatch},
      {MBEDTLS_X509_BADCERT_NOT_TRUSTED, VerifyErrorKind::Untrusted},
      {MBEDTLS_X509_BADCERT_REVOKED, VerifyErrorKind::Revoked}};
  std::uint32_t known = 0;
  for (auto [bit, kind] : kKinds) {
    known |= bit;
    if (flags & bit) out.push_back(kind);
  }
  if (flags & ~known) out.push_back(VerifyErrorKind::Other);
  return out;
}

}  // namespace

// The PSA library first (base layer), then this stream's random generator.
static void init_tls() {
  static std::once_flag once;
  std::call_once(once, [] {
    smtpwb::init_crypto();
    rng();
  });
}

// After MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE the alert is still in the input buffer; in TLS 1.3 it came
// encrypted, out of the sniffer's sight. E.g. certificate_required when a client certificate was due.
std::string received_alert(const mbedtls_ssl_context& ssl, int rc) {
  const unsigned char* msg = ssl.MBEDTLS_PRIVATE(in_msg);
  if (rc != MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || !msg || ssl.MBEDTLS_PRIVATE(in_msgtype) != MBEDTLS_SSL_MSG_ALERT) return {};
  return " (the server sent the alert \"" + tls_wire::alert_name(msg[1]) + "\")";
}

struct Stream::Tls {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  std::shared_ptr<CertChain> anchors;
  CertChain own_chain;
  mbedtls_pk_context own_key;
  SocketHandle fd = kNoSocket;
  HandshakeSniffer sniffer;
  bool sniffing = true;
  std::vector<CertificateInfo> chain;  // filled by the verify callback
  // Client: from the ClientHello until the first application write, records collect here and leave in
  // one piece when the handshake must wait for the server, or together with the first application data:
  // the client's Finished and the EHLO after STARTTLS then share one segment (one flight, one packet).
  bool corked = false;
  std::string pending;
  bool certificate_requested = false;  // the server sent a CertificateRequest
  std::vector<std::string> requested_authorities;  // its CA names, DER

  Tls() {
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_pk_init(&own_key);
  }
  ~Tls() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&own_key);
  }

  static int send_cb(void* ctx, const unsigned char* buf, size_t len) {
    auto* self = static_cast<Tls*>(ctx);
    if (self->corked) {
      self->pending.append(reinterpret_cast<const char*>(buf), len);
      return static_cast<int>(len);
    }
    Transfer t = send_some(self->fd, buf, len);
    if (t.bytes >= 0) return static_cast<int>(t.bytes);
    return t.again() ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_NET_SEND_FAILED;
  }
  static int recv_cb(void* ctx, unsigned char* buf, size_t len) {
    auto* self = static_cast<Tls*>(ctx);
    Transfer t = receive_some(self->fd, buf, len);
    if (t.bytes > 0) {
      quick_ack(self->fd);
      if (self->sniffing) self->sniffer.feed(std::string_view(reinterpret_cast<char*>(buf), static_cast<size_t>(t.bytes)));
      return static_cast<int>(t.bytes);
    }
    if (t.bytes == 0) return MBEDTLS_ERR_SSL_CONN_EOF;
    return t.again() ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_NET_RECV_FAILED;
  }
  static int verify_cb(void* ctx, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
    auto* self = static_cast<Tls*>(ctx);
    auto info = describe(*crt, depth, *flags);
    for (const mbedtls_x509_crt* anchor = &self->anchors->crt; anchor && anchor->raw.p; anchor = anchor->next)
      if (anchor == crt) info.trust_anchor = true;
    auto it = std::find_if(self->chain.begin(), self->chain.end(), [&](const CertificateInfo& c) { return c.depth == depth; });
    if (it != self->chain.end()) *it = std::move(info);
    else self->chain.push_back(std::move(info));
    return 0;
  }

  // Sends what collected while corked; with a deadline it waits for the socket, without it one try only.
  void flush(const Deadline* deadline, const CancelFlag& cancel) {
    std::string_view data = pending;
    while (!data.empty()) {
      Transfer t = send_some(fd, data.data(), data.size());
      if (t.bytes >= 0) {
        data.remove_prefix(static_cast<size_t>(t.bytes));
        continue;
      }
      if (!deadline || !t.again()) break;
      wait_ready(fd, Wait::Write, *deadline, cancel, "sending");
    }
    pending.clear();
  }
  void uncork(const Deadline* deadline, const CancelFlag& cancel) {
    if (!corked) return;
    corked = false;
    flush(deadline, cancel);
  }

  void configure_versions(TlsVersionSet versions) {
    bool v12 = versions.contains(TlsVersion::Tls12), v13 = versions.contains(TlsVersion::Tls13);
    if (!v12 && !v13) throw TlsError("none of the allowed versions can be negotiated by this build (TLS 1.2, TLS 1.3)");
    mbedtls_ssl_conf_min_tls_version(&conf, v12 ? MBEDTLS_SSL_VERSION_TLS1_2 : MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_max_tls_version(&conf, v13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
  }
};

Stream::Stream(Fd fd, const CancelFlag& cancel) : fd_(std::move(fd)), cancel_(cancel) {}
Stream::~Stream() = default;

void Stream::write_all(std::string_view data, Deadline deadline) {
  const bool first_after_handshake = tls_ && tls_->corked;
  while (!data.empty()) {
    std::ptrdiff_t n;
    if (tls_) {
      int rc = mbedtls_ssl_write(&tls_->ssl, reinterpret_cast<const unsigned char*>(data.data()), data.size());
      if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
        wait_ready(fd_.get(), rc == MBEDTLS_ERR_SSL_WANT_WRITE ? Wait::Write : Wait::Read, deadline, cancel_, "sending");
        continue;
      }
      if (rc < 0) throw NetError("TLS write failed: " + mbedtls_message(rc));
      n = rc;
    } else {
      Transfer t = send_some(fd_.get(), data.data(), data.size());
      if (t.again()) {
        wait_ready(fd_.get(), Wait::Write, deadline, cancel_, "sending");
        continue;
      }
      if (t.failed()) throw socket_error("send failed: ", t.error);
      n = t.bytes;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (first_after_handshake) tls_->uncork(&deadline, cancel_);
}

std::size_t Stream::read_some(char* buf, std::size_t n, Deadline deadline) {
  if (tls_) tls_->uncork(&deadline, cancel_);  // e.g. implicit TLS: the banner comes after our Finished
  while (true) {
    if (cancel_.load(std::memory_order_relaxed)) throw Cancelled();
    if (tls_) {
      int rc = mbedtls_ssl_read(&tls_->ssl, reinterpret_cast<unsigned char*>(buf), n);
      if (rc > 0) return static_cast<std::size_t>(rc);
      if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) return 0;
      if (deadline.passed()) throw TimedOut("timed out waiting for the server");
      if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
      if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        wait_ready(fd_.get(), rc == MBEDTLS_ERR_SSL_WANT_READ ? Wait::Read : Wait::Write, deadline, cancel_, "waiting for the server");
        continue;
      }
      NetError e("TLS read failed: " + mbedtls_message(rc) + received_alert(tls_->ssl, rc));
      throw e;
    }
    Transfer got = receive_some(fd_.get(), buf, n);
    if (got.bytes > 0) quick_ack(fd_.get());
    if (got.bytes >= 0) return static_cast<std::size_t>(got.bytes);
    if (got.again()) {
      wait_ready(fd_.get(), Wait::Read, deadline, cancel_, "waiting for the server");
      continue;
    }
    throw socket_error("", got.error);
  }
}

namespace {
// mbedTLS parses the CertificateRequest without exposing it; right after the step that processed it the
// message is still in the input buffer (or, when none came, the next message, kept for the next step).
void note_certificate_request(Stream::Tls& t) {
  const mbedtls_ssl_context& ssl = t.ssl;
  const unsigned char* msg = ssl.MBEDTLS_PRIVATE(in_msg);
  std::size_t length = ssl.MBEDTLS_PRIVATE(in_hslen);
  if (ssl.MBEDTLS_PRIVATE(in_msgtype) != MBEDTLS_SSL_MSG_HANDSHAKE || !msg || length < 4 ||
      msg[0] != MBEDTLS_SSL_HS_CERTIFICATE_REQUEST)
    return;
  t.certificate_requested = true;
  bool tls13 = mbedtls_ssl_get_version_number(&ssl) == MBEDTLS_SSL_VERSION_TLS1_3;
  t.requested_authorities = certificate_request_authorities(
      std::string_view(reinterpret_cast<const char*>(msg) + 4, length - 4), tls13);
}

int handshake_step(Stream::Tls& t) {
  const int before = t.ssl.MBEDTLS_PRIVATE(state);
  int rc = mbedtls_ssl_handshake_step(&t.ssl);
  if (rc == 0 && before == MBEDTLS_SSL_CERTIFICATE_REQUEST && t.ssl.MBEDTLS_PRIVATE(state) != before)
    note_certificate_request(t);
  return rc;
}

int handshake(Stream::Tls& t) {
  int rc = 0;
  while (rc == 0 && !mbedtls_ssl_is_handshake_over(&t.ssl)) rc = handshake_step(t);
  return rc;
}

void run_handshake(Stream::Tls& t, Deadline deadline, const CancelFlag& cancel, int& rc_out) {
  const SocketHandle fd = t.fd;
  while (true) {
    int rc = handshake(t);
    if (rc == 0 || (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE &&
                    rc != MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)) {
      rc_out = rc;
      return;
    }
    if (deadline.passed()) throw TimedOut("timed out during the TLS handshake");
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) t.flush(&deadline, cancel);  // the server answers what we sent
    wait_ready(fd, rc == MBEDTLS_ERR_SSL_WANT_READ ? Wait::Read : Wait::Write, deadline, cancel, "during the TLS handshake");
  }
}
std::string client_file_problem(const std::string& what, const std::string& path, int rc) {
  auto bytes = read_file(path);
  if (!bytes) return what + " " + path + " cannot be read (no such file, or no permission)";
  std::string text = what + " " + path + " cannot be used: " + mbedtls_message(rc);
  // PKCS#12 (.p12/.pfx) is DER that starts with a SEQUENCE; mbedTLS 3.6 reads no PKCS#12 container.
  if (!bytes->empty() && static_cast<unsigned char>((*bytes)[0]) == 0x30 && bytes->find("-----BEGIN") == std::string::npos &&
      path.size() > 4 && (text::lower(path.substr(path.size() - 4)) == ".p12" || text::lower(path.substr(path.size() - 4)) == ".pfx"))
    text += ". It looks like PKCS#12, which this build (mbedTLS 3.6) cannot read: convert it to PEM with "
            "openssl pkcs12 -in FILE -out client.pem (certificate and encrypted key in one file; give that file as the "
            "client certificate and the key's password as before)";
  return text;
}

// Our certificate and key, offered when the server sends a CertificateRequest.
void load_client_identity(Stream::Tls& t, const TlsClientConfig& config) {
  const ClientCertificate& own = config.client_certificate;
  if (own.cert.empty()) {
    if (!own.key.empty()) throw ClientCertificateError("a client key was given without a client certificate");
    return;
  }
  int rc = parse_certificate_file(t.own_chain.crt, own.cert);
  if (rc < 0 || !t.own_chain.crt.raw.p)
    throw ClientCertificateError(client_file_problem("The client certificate", own.cert, rc));
  const std::string& key_file = own.key.empty() ? own.cert : own.key;
  const char* password = own.key_password.empty() ? nullptr : own.key_password.c_str();
  rc = parse_key_file(t.own_key, key_file, password);
  if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
    throw ClientCertificateError("The client key " + key_file + " is encrypted: give its password (--client-key-password-env)");
  if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH)
    throw ClientCertificateError("The client key " + key_file + " could not be decrypted: the password is wrong");
  if (rc != 0) throw ClientCertificateError(client_file_problem("The client key", key_file, rc));
  if (mbedtls_pk_check_pair(&t.own_chain.crt.pk, &t.own_key, mbedtls_ctr_drbg_random, &rng().drbg) != 0)
    throw ClientCertificateError("The client key " + key_file + " does not belong to the certificate in " + own.cert);
  if ((rc = mbedtls_ssl_conf_own_cert(&t.conf, &t.own_chain.crt, &t.own_key)))
    throw ClientCertificateError("The client certificate cannot be used: " + mbedtls_message(rc));
}

}  // namespace

void Stream::start_tls_client(const TlsClientConfig& config, Deadline deadline, TlsFacts& facts) {
  init_tls();
  auto t = std::make_unique<Tls>();
  t->fd = fd_.get();
  facts.used = true;
  facts.sni = config.server_name;
  facts.verification_enabled = config.verify;
  if (int rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT))
    throw TlsError("TLS setup failed: " + mbedtls_message(rc));
  mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &rng().drbg);
  t->configure_versions(config.versions);
  t->anchors = trust_anchors(config.ca_file, config.extra_ca_file);
  mbedtls_ssl_conf_ca_chain(&t->conf, &t->anchors->crt, nullptr);
  // REQUIRED aborts the handshake on a bad certificate as early as possible; without verification we
  // still check (OPTIONAL) so that the report says what is wrong with the certificate.
  mbedtls_ssl_conf_authmode(&t->conf, config.verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_verify(&t->conf, &Tls::verify_cb, t.get());
  load_client_identity(*t, config);
  if (int rc = mbedtls_ssl_setup(&t->ssl, &t->conf)) throw TlsError("TLS setup failed: " + mbedtls_message(rc));
  if (int rc = mbedtls_ssl_set_hostname(&t->ssl, config.server_name.c_str()))
    throw TlsError("TLS server name: " + mbedtls_message(rc));
  mbedtls_ssl_set_bio(&t->ssl, t.get(), &Tls::send_cb, &Tls::recv_cb, nullptr);
  t->corked = true;

  auto publish_chain = [&] {  // leaf first, also when the handshake fails
    std::sort(t->chain.begin(), t->chain.end(), [](auto& a, auto& b) { return a.depth < b.depth; });
    facts.chain = t->chain;
    if (!facts.chain.empty() && facts.chain.front().depth == 0)
      facts.san_match = matching_san(facts.chain.front().subject_alt_names, config.server_name);
  };
  auto publish_request = [&] {
    facts.client_certificate_requested = t->certificate_requested;
    facts.client_certificate_ca_names.clear();
    for (const auto& der : t->requested_authorities) facts.client_certificate_ca_names.push_back(distinguished_name_text(der));
    if (t->certificate_requested && t->own_chain.crt.raw.p) facts.client_certificate_sent = describe(t->own_chain.crt, 0, 0).subject;
  };
  int rc = 0;
  try {
    run_handshake(*t, deadline, cancel_, rc);
  } catch (...) {
    publish_chain();
    publish_request();
    throw;
  }
  publish_chain();
  publish_request();
  facts.group = t->sniffer.group_name();
  // The session's verify result (-1: none yet) together with what the callback saw per certificate.
  std::uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
  if (flags == static_cast<std::uint32_t>(-1)) flags = 0;
  for (const auto& c : t->chain) flags |= c.verify_flags;
  if (rc == MBEDTLS_ERR_X509_FATAL_ERROR) {  // what mbedTLS says when the chain has too many intermediates
    facts.verified = false;
    facts.verify_errors = {"the certificate chain is longer than this client verifies (at most " +
                           std::to_string(MBEDTLS_X509_MAX_INTERMEDIATE_CA) + " intermediate CAs), so it cannot be verified"};
    facts.verify_error_kinds = {VerifyErrorKind::Untrusted};  // no path to a trusted root could be built
    throw CertificateError("certificate verification failed: " + facts.verify_errors.front());
  }
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (rc == 0 && flags != 0)) {
    facts.verified = false;
    facts.verify_errors = verify_messages(flags);
    facts.verify_error_kinds = verify_kinds(flags);
    if (facts.verify_errors.empty()) facts.verify_errors.push_back("the certificate chain could not be verified");
  } else if (rc == 0) {
    facts.verified = true;
  }
  if (rc != 0) {
    t->uncork(nullptr, cancel_);  // the alert mbedTLS wrote, if any: one try, the handshake failed anyway
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) throw CertificateError("certificate verification failed: " +
                                                                          (facts.verify_errors.empty() ? std::string("?") : facts.verify_errors.front()));
    std::string message = "TLS handshake failed: " + mbedtls_message(rc);
    if (t->sniffer.alert() >= 0) message += " (the server sent the alert \"" + t->sniffer.alert_name() + "\")";
    else message += received_alert(t->ssl, rc);
    TlsError e(message);
    e.server_refused_version = t->sniffer.alert() == 70;  // protocol_version
    e.no_common_version = rc == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION || e.server_refused_version;
    e.alert = t->sniffer.alert();
    e.server_version = t->sniffer.server_version();
    e.peer_closed = rc == MBEDTLS_ERR_SSL_CONN_EOF;
    e.connection_lost = rc == MBEDTLS_ERR_NET_RECV_FAILED || rc == MBEDTLS_ERR_NET_SEND_FAILED;
    if (t->sniffer.looks_like_plaintext()) {
      e.peer_spoke_plaintext = true;
      e.plaintext_sample = t->sniffer.plaintext_sample();
      // mbedTLS reads a 5-byte record header first; fetch what else already arrived to show the line.
      char more[200];
      std::ptrdiff_t n = receive_some(fd_.get(), more, sizeof more).bytes;
      for (std::ptrdiff_t i = 0; i < n && more[i] != '\r' && more[i] != '\n'; ++i)
        e.plaintext_sample += std::isprint(static_cast<unsigned char>(more[i])) ? more[i] : '?';
    }
    throw e;
  }
  facts.version = mbedtls_ssl_get_version(&t->ssl);
  facts.cipher = mbedtls_ssl_get_ciphersuite(&t->ssl);
  t->sniffing = false;
  tls_ = std::move(t);
  if (!facts.verified && config.verify) throw CertificateError("certificate verification failed");
}

void Stream::start_tls_server(const TlsServerIdentity& identity, TlsVersionSet versions, Deadline deadline) {
  init_tls();
  auto t = std::make_unique<Tls>();
  t->fd = fd_.get();
  t->sniffing = false;
  if (int rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT))
    throw TlsError("TLS setup failed: " + mbedtls_message(rc));
  mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &rng().drbg);
  t->configure_versions(versions);
  int rc = mbedtls_x509_crt_parse(&t->own_chain.crt, reinterpret_cast<const unsigned char*>(identity.chain_pem.c_str()),
                                  identity.chain_pem.size() + 1);
  if (rc != 0) throw TlsError("server certificate: " + mbedtls_message(rc));
  rc = mbedtls_pk_parse_key(&t->own_key, reinterpret_cast<const unsigned char*>(identity.key_pem.c_str()),
                            identity.key_pem.size() + 1, nullptr, 0, mbedtls_ctr_drbg_random, &rng().drbg);
  if (rc != 0) throw TlsError("server key: " + mbedtls_message(rc));
  if ((rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->own_chain.crt, &t->own_key)))
    throw TlsError("server certificate: " + mbedtls_message(rc));
  if ((rc = mbedtls_ssl_setup(&t->ssl, &t->conf))) throw TlsError("TLS setup failed: " + mbedtls_message(rc));
  mbedtls_ssl_set_bio(&t->ssl, t.get(), &Tls::send_cb, &Tls::recv_cb, nullptr);
  run_handshake(*t, deadline, cancel_, rc);
  if (rc != 0) throw TlsError("TLS handshake failed: " + mbedtls_message(rc));
  tls_ = std::move(t);
}

std::string Stream::take_pending() {
  std::string out;
  char buf[4096];
  std::ptrdiff_t n;
  while (!tls_ && out.size() < 65536 && (n = receive_some(fd_.get(), buf, sizeof buf).bytes) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

void Stream::close_notify() {
  if (!tls_) return;
  tls_->uncork(nullptr, cancel_);                  // non-blocking BIO: one attempt only
  mbedtls_ssl_close_notify(&tls_->ssl);
}

}  // namespace smtpwb::net

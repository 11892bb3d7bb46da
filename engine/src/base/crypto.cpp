#include "base/crypto.hpp"

#include <mbedtls/des.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <nettle/md4.h>
#include <psa/crypto.h>

#include <mutex>
#include <stdexcept>

#include "smtpwb/crypto_init.hpp"

namespace smtpwb {

void init_crypto() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (psa_crypto_init() != PSA_SUCCESS) throw std::runtime_error("psa_crypto_init failed");
  });
}

namespace crypto {

namespace {

mbedtls_md_type_t md_type(Hash h) {
  switch (h) {
    case Hash::Md5: return MBEDTLS_MD_MD5;
    case Hash::Sha1: return MBEDTLS_MD_SHA1;
    case Hash::Sha256: return MBEDTLS_MD_SHA256;
  }
  return MBEDTLS_MD_NONE;
}

const mbedtls_md_info_t* md_info(Hash h) {
  const auto* info = mbedtls_md_info_from_type(md_type(h));
  if (!info) throw std::runtime_error("this mbedTLS build lacks a hash the SASL mechanism needs");
  return info;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string digest(Hash h, std::string_view data) {
  const auto* info = md_info(h);
  std::string out(mbedtls_md_get_size(info), '\0');
  if (mbedtls_md(info, bytes(data), data.size(), reinterpret_cast<unsigned char*>(out.data())) != 0)
    throw std::runtime_error("hashing failed");
  return out;
}

std::string hmac(Hash h, std::string_view key, std::string_view data) {
  const auto* info = md_info(h);
  std::string out(mbedtls_md_get_size(info), '\0');
  if (mbedtls_md_hmac(info, bytes(key), key.size(), bytes(data), data.size(), reinterpret_cast<unsigned char*>(out.data())) != 0)
    throw std::runtime_error("HMAC failed");
  return out;
}

std::string pbkdf2(Hash h, std::string_view password, std::string_view salt, unsigned iterations) {
  std::string out(mbedtls_md_get_size(md_info(h)), '\0');
  if (mbedtls_pkcs5_pbkdf2_hmac_ext(md_type(h), bytes(password), password.size(), bytes(salt), salt.size(), iterations,
                                    static_cast<std::uint32_t>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 0)
    throw std::runtime_error("PBKDF2 failed");
  return out;
}

namespace {
// 56 key bits in 7 bytes spread over 8 bytes, 7 bits each, the low bit for parity.
std::string des_key(std::string_view seven) {
  std::string key(8, '\0');
  auto in = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(seven[i])); };
  key[0] = static_cast<char>(in(0));
  for (std::size_t i = 1; i < 7; ++i) key[i] = static_cast<char>(((in(i - 1) << (8 - i)) | (in(i) >> i)) & 0xFF);
  key[7] = static_cast<char>((in(6) << 1) & 0xFF);
  return key;
}
}  // namespace

std::string desl(std::string_view key16, std::string_view challenge8) {
  if (key16.size() != 16 || challenge8.size() != 8) throw std::invalid_argument("desl: wrong sizes");
  std::string key = std::string(key16) + std::string(5, '\0');
  std::string out;
  for (std::size_t part = 0; part < 3; ++part) {
    std::string k = des_key(std::string_view(key).substr(part * 7, 7));
    auto* kb = reinterpret_cast<unsigned char*>(k.data());
    mbedtls_des_key_set_parity(kb);
    mbedtls_des_context ctx;
    mbedtls_des_init(&ctx);
    unsigned char block[8];
    mbedtls_des_setkey_enc(&ctx, kb);
    mbedtls_des_crypt_ecb(&ctx, reinterpret_cast<const unsigned char*>(challenge8.data()), block);
    mbedtls_des_free(&ctx);
    out.append(reinterpret_cast<char*>(block), 8);
  }
  return out;
}

std::string md4(std::string_view data) {
  md4_ctx ctx;
  md4_init(&ctx);
  md4_update(&ctx, data.size(), bytes(data));
  std::string out(MD4_DIGEST_SIZE, '\0');
  md4_digest(&ctx, out.size(), reinterpret_cast<std::uint8_t*>(out.data()));
  return out;
}

std::string random_bytes(std::size_t n) {
  init_crypto();
  std::string out(n, '\0');
  if (psa_generate_random(reinterpret_cast<std::uint8_t*>(out.data()), n) != PSA_SUCCESS)
    throw std::runtime_error("no random bytes available");
  return out;
}

std::string hex(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace crypto

}  // namespace smtpwb

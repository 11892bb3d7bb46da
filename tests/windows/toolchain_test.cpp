// The Windows toolchain and libraries under Wine, before the engine: what the platform layer builds on.
// Each case is one fact the cross build relies on (threads, Winsock with WSAPoll, code pages, mbedTLS with
// Windows' entropy source, nettle's MD4, nlohmann-json and spdlog/fmt).
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <catch2/catch_test_macros.hpp>
#include <fmt/format.h>
#include <mbedtls/sha256.h>
#include <nettle/md4.h>
#include <nlohmann/json.hpp>
#include <psa/crypto.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string hex(const unsigned char* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

struct Winsock {
  Winsock() { REQUIRE(WSAStartup(MAKEWORD(2, 2), &data) == 0); }
  ~Winsock() { WSACleanup(); }
  WSADATA data{};
};

SOCKET loopback_listener(sockaddr_in& address) {
  SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  REQUIRE(listener != INVALID_SOCKET);
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  int length = sizeof address;
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  REQUIRE(listen(listener, 1) == 0);
  return listener;
}

bool poll_one(SOCKET socket, short events, int timeout_ms) {
  WSAPOLLFD entry{socket, events, 0};
  return WSAPoll(&entry, 1, timeout_ms) == 1 && (entry.revents & events) != 0;
}

}  // namespace

TEST_CASE("std::thread and std::atomic work (POSIX-threads MinGW)") {
  std::atomic<int> sum{0};
  std::vector<std::thread> threads;
  for (int i = 1; i <= 4; ++i) threads.emplace_back([&sum, i] { sum += i; });
  for (auto& thread : threads) thread.join();
  CHECK(sum == 10);
}

TEST_CASE("Winsock: a non-blocking connect to loopback completes through WSAPoll") {
  Winsock winsock;
  sockaddr_in address{};
  SOCKET listener = loopback_listener(address);
  SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  u_long non_blocking = 1;
  REQUIRE(ioctlsocket(client, FIONBIO, &non_blocking) == 0);
  int status = connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address);
  REQUIRE((status == 0 || WSAGetLastError() == WSAEWOULDBLOCK));
  REQUIRE(poll_one(listener, POLLRDNORM, 5000));
  SOCKET server = accept(listener, nullptr, nullptr);
  REQUIRE(server != INVALID_SOCKET);
  REQUIRE(poll_one(client, POLLWRNORM, 5000));
  REQUIRE(send(server, "220 ready\r\n", 11, 0) == 11);
  REQUIRE(poll_one(client, POLLRDNORM, 5000));
  char buffer[32] = {};
  CHECK(std::string(buffer, recv(client, buffer, sizeof buffer, 0)) == "220 ready\r\n");
  closesocket(server);
  closesocket(client);
  closesocket(listener);
}

TEST_CASE("Code pages: ISO-8859-1 and Windows-1252 to UTF-8 through UTF-16") {
  auto to_utf8 = [](unsigned code_page, const std::string& bytes) {
    wchar_t wide[16] = {};
    int count = MultiByteToWideChar(code_page, 0, bytes.data(), int(bytes.size()), wide, 16);
    char utf8[64] = {};
    int length = WideCharToMultiByte(CP_UTF8, 0, wide, count, utf8, sizeof utf8, nullptr, nullptr);
    return std::string(utf8, length);
  };
  CHECK(to_utf8(28591, "caf\xe9") == "caf\xc3\xa9");
  CHECK(to_utf8(1252, "\x80") == "\xe2\x82\xac");
}

TEST_CASE("mbedTLS: SHA-256 and an ECDSA signature with Windows' entropy source") {
  REQUIRE(psa_crypto_init() == PSA_SUCCESS);
  unsigned char digest[32];
  REQUIRE(mbedtls_sha256(reinterpret_cast<const unsigned char*>("abc"), 3, digest, 0) == 0);
  CHECK(hex(digest, 32) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&attributes, 256);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE);
  psa_set_key_algorithm(&attributes, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_key_id_t key = 0;
  REQUIRE(psa_generate_key(&attributes, &key) == PSA_SUCCESS);
  const unsigned char message[] = "MAIL FROM:<a@example.org>";
  unsigned char signature[PSA_SIGNATURE_MAX_SIZE];
  std::size_t length = 0;
  const auto algorithm = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
  REQUIRE(psa_sign_message(key, algorithm, message, sizeof message, signature, sizeof signature, &length) == PSA_SUCCESS);
  CHECK(psa_verify_message(key, algorithm, message, sizeof message, signature, length) == PSA_SUCCESS);
  psa_destroy_key(key);
}

TEST_CASE("nettle: MD4 for NTLM's NT hash") {
  md4_ctx context;
  md4_init(&context);
  md4_update(&context, 3, reinterpret_cast<const std::uint8_t*>("abc"));
  unsigned char digest[MD4_DIGEST_SIZE];
  md4_digest(&context, MD4_DIGEST_SIZE, digest);
  CHECK(hex(digest, MD4_DIGEST_SIZE) == "a448017aaf21d8525fc10ae87aa6729d");
}

TEST_CASE("nlohmann-json and fmt") {
  auto document = nlohmann::json::parse(R"({"host":"smtp.example.org","port":587})");
  CHECK(fmt::format("{}:{}", document["host"].get<std::string>(), document["port"].get<int>()) == "smtp.example.org:587");
}

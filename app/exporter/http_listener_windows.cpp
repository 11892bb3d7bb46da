// The exporter's listener on Windows: not ported to Winsock yet. Everything else of the exporter builds
// here; http_listener_posix.cpp is the one file a port replaces (WSAPoll for poll(), a loopback socket
// pair for the wake pipe, closesocket).
#include "exporter/http_listener.hpp"

namespace smtpwb::app {

struct HttpListener::Impl {};

HttpListener::HttpListener(const std::string& host, int port, std::size_t) {
  throw ListenError("cannot listen on " + host + " port " + std::to_string(port) +
                    ": the exporter is not available on Windows yet");
}

HttpListener::~HttpListener() = default;
int HttpListener::port() const { return 0; }
std::string HttpListener::address() const { return {}; }
void HttpListener::serve(const Handler&, const std::atomic<bool>&) {}
void HttpListener::wake() {}

std::size_t raise_open_file_limit() { return 512; }

}  // namespace smtpwb::app

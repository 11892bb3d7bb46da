#pragma once
// The exporter's HTTP listener, on the engine's sockets (smtpwb/net/io.hpp), the same on Linux and
// Windows; only the open-file limit differs per OS (open_files_posix.cpp, open_files_windows.cpp).
//
// One thread serves every connection (non-blocking sockets, one poll()); a handler answers at once or
// hands the reply to another thread. So the number of threads does not grow with the number of
// scrapes, and the number of open connections is capped.
#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "exporter/http.hpp"

namespace smtpwb::app {

struct ListenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class HttpListener {
 public:
  // Callable once, from any thread: queues the response and wakes the listener's thread.
  using Reply = HttpReply;
  // Runs on the listener's thread for each request and must not block.
  using Handler = std::function<void(const HttpRequest&, Reply)>;

  // Binds host:port (an address literal, or a name: its first address) and listens on it only.
  // Throws ListenError naming the address.
  HttpListener(const std::string& host, int port, std::size_t max_connections);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const;             // the bound port (useful with port 0)
  std::string address() const;  // "127.0.0.1:9125", "[::1]:9125"
  // Serves until `stop` turns true; it is checked at least every 100 ms and after wake().
  void serve(const Handler& handler, const std::atomic<bool>& stop);
  void wake();  // from any thread; on Linux async-signal-safe (a send on a socket pair)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Raises the soft limit of open files to the hard limit (each scrape in flight holds a socket); returns
// the new soft limit. On Windows, where there is no such limit, a fixed cap.
std::size_t raise_open_file_limit();

}  // namespace smtpwb::app

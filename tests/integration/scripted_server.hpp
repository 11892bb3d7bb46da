#pragma once
// A scripted SMTP server on a loopback port, for faults no real server produces: hostile bytes in the
// greeting and replies, a huge EHLO. It answers by the command's first word; each connection runs on a
// thread of its own (the port finder connects several times at once), all joined by the destructor.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "smtpwb/net/io.hpp"

namespace test {

struct Script {
  std::string banner = "220 scripted ESMTP\r\n";
  std::string ehlo_reply = "250 scripted\r\n";
  std::string quit_reply = "221 bye\r\n";  // empty: never answer QUIT (the client must end by itself)
  std::string other_reply = "502 not here\r\n";
};

class ScriptedServer {
 public:
  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    listener_ = smtpwb::net::listen_loopback(port_);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedServer() {
    stop_.store(true);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& t : connections_) t.join();
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  int port() const { return port_; }

 private:
  // Waits for fd to become readable, checking stop_ every 50 ms; false once stopped.
  bool wait_readable(int fd) {
    while (!stop_.load()) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  void accept_loop() {
    while (wait_readable(listener_.get())) {
      int fd = ::accept(listener_.get(), nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, fd] { serve(smtpwb::net::Fd(fd)); });
    }
  }

  static void send_all(int fd, const std::string& bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
      auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  static std::string first_word(const std::string& line) {
    std::string word;
    for (char c : line) {
      if (c == ' ' || c == '\r') break;
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return word;
  }

  void serve(smtpwb::net::Fd fd) {
    send_all(fd.get(), script_.banner);
    std::string buffer;
    while (wait_readable(fd.get())) {
      char chunk[4096];
      auto n = ::recv(fd.get(), chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        std::string word = first_word(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        if (word == "EHLO" || word == "HELO") send_all(fd.get(), script_.ehlo_reply);
        else if (word == "QUIT" && script_.quit_reply.empty()) continue;
        else if (word == "QUIT") return send_all(fd.get(), script_.quit_reply);
        else send_all(fd.get(), script_.other_reply);
      }
    }
  }

  Script script_;
  int port_ = 0;
  smtpwb::net::Fd listener_;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};

}  // namespace test

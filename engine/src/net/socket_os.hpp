#pragma once
// What io.cpp needs from the OS's socket implementation (net/socket_posix.cpp, net/socket_windows.cpp).
#include <string>
#include <vector>

#include "smtpwb/net/io.hpp"

namespace smtpwb::net::os {

// One wait on one socket: 1 ready, 0 not yet (timeout or interrupted), -1 failed with `error` set.
int poll_one(SocketHandle socket, Wait wait, int timeout_ms, int& error);
// Every A/AAAA of host through getaddrinfo, blocking. Throws ResolveError.
std::vector<Address> resolve_now(const std::string& host, int port);

}  // namespace smtpwb::net::os

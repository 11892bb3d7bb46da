#pragma once
// "Probe plain text" (--probe-plaintext): on a plain or STARTTLS port, before any TLS and without sending
// credentials, does the server advertise AUTH, and does it accept MAIL FROM? One connection of its own:
// greeting, EHLO, MAIL FROM, RSET, QUIT. On a submission port either is a finding
// (hint server-allows-plaintext-submission): credentials or mail could cross the network in clear.
#include <atomic>
#include <string>

#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb {

// The MAIL FROM address the probe tries: the test message's From, else postmaster@ the server's domain.
std::string plaintext_probe_sender(const ConnectionSettings& settings, const TestRequest& request);

// Runs the probe on the calling thread, through the connection's proxy, with its address family and
// source address, bounded by its timeout and the cancel flag. Never throws: a failure is in `error`.
PlaintextProbeFacts probe_plaintext(const ConnectionSettings& settings, const std::string& sender,
                                    const std::atomic<bool>& cancel);

}  // namespace smtpwb

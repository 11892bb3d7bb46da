#pragma once
// The SASL mechanisms' hashes come from the base layer (NTLM to an HTTP proxy uses them too).
#include "base/crypto.hpp"

namespace smtpwb::sasl {
namespace crypto = smtpwb::crypto;
}  // namespace smtpwb::sasl

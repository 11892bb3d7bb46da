#pragma once
// Server bytes are untrusted: they may hold terminal escapes, CR, NUL or bytes that are not UTF-8. The
// transcript keeps them as received; each output applies one of these at its edge.
#include <cstddef>
#include <string>
#include <string_view>

namespace smtpwb {

// A secret as every output shows it: "********" (fixed length, so its length does not leak either).
inline std::string masked_secret() { return "********"; }

// Bytes as one line of ASCII text: printable ASCII kept, anything else as \xNN (decoded challenges, garbage).
std::string printable(std::string_view bytes);

// Text for a terminal, a log file, a document or the window: valid UTF-8 kept, every control character
// (C0, DEL, C1) and every byte that is not part of valid UTF-8 shown as \xNN, so that nothing the server
// sent can move the cursor, erase a line or fake a line of ours. `keep` lists control characters that
// pass through (e.g. "\n" inside a block of our own lines).
std::string visible_text(std::string_view bytes, std::string_view keep = {});

// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF)
// starting at bytes[i], or 0 when bytes[i] does not start one.
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t i);
bool is_valid_utf8(std::string_view bytes);

// The lossless text form of bytes that are not valid UTF-8, for the JSON report: valid UTF-8 sequences
// kept, every other byte as \xNN, and a backslash as \\ (so the bytes can be decoded back from it).
std::string escape_invalid_utf8(std::string_view bytes);

// What bytes that are not valid UTF-8 probably are: "latin-1?" when they read as ISO 8859-1 text (no NUL,
// no C1 controls, few other controls), otherwise "binary".
std::string_view encoding_guess(std::string_view bytes);

}  // namespace smtpwb

#include "smtpwb/printable.hpp"

#include <cstdio>

namespace smtpwb {

namespace {
void append_hex(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

char32_t decode(std::string_view bytes, std::size_t i, std::size_t len) {
  auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(bytes[i + k])); };
  switch (len) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}
}  // namespace

std::string printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
      continue;
    }
    append_hex(out, c);
  }
  return out;
}

std::size_t utf8_sequence_length(std::string_view bytes, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[i + k]); };
  const unsigned char c = at(0);
  const std::size_t left = bytes.size() - i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && continuation(at(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !continuation(at(1)) || !continuation(at(2))) return 0;
    if (c == 0xE0 && at(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && at(1) >= 0xA0) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !continuation(at(1)) || !continuation(at(2)) || !continuation(at(3))) return 0;
    if (c == 0xF0 && at(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && at(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    auto len = utf8_sequence_length(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string visible_text(std::string_view bytes, std::string_view keep) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    auto len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      append_hex(out, static_cast<unsigned char>(bytes[i++]));
      continue;
    }
    char32_t cp = decode(bytes, i, len);
    if (is_control(cp) && !(len == 1 && keep.find(bytes[i]) != std::string_view::npos)) {
      for (std::size_t k = 0; k < len; ++k) append_hex(out, static_cast<unsigned char>(bytes[i + k]));
    } else {
      out.append(bytes.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string escape_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (std::size_t i = 0; i < bytes.size();) {
    auto len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      append_hex(out, static_cast<unsigned char>(bytes[i++]));
      continue;
    }
    if (bytes[i] == '\\') out += '\\';
    out.append(bytes.substr(i, len));
    i += len;
  }
  return out;
}

std::string_view encoding_guess(std::string_view bytes) {
  std::size_t controls = 0;
  for (unsigned char c : bytes) {
    if (c == 0 || (c >= 0x80 && c < 0xA0)) return "binary";
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F) ++controls;
  }
  return controls * 8 > bytes.size() ? "binary" : "latin-1?";
}

}  // namespace smtpwb

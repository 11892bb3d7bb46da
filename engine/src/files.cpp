#include "smtpwb/files.hpp"

#include <fstream>
#include <sstream>

#include "smtpwb/platform.hpp"

namespace smtpwb {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(platform::path_from_utf8(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace smtpwb

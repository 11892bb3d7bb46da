// libFuzzer target: the profile loader (the files `check --profile` reads and the GUI saves), through
// the real file path: JSON syntax errors with their line, then every field's type and value checks.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "smtpwb/report.hpp"

namespace {
struct ScratchFile {
  std::string path = "/tmp/smtpwb-fuzz-profile-" + std::to_string(::getpid()) + ".json";
  ~ScratchFile() { ::unlink(path.c_str()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchFile scratch;
  const std::string& path = scratch.path;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  smtpwb::ConnectionSettings settings;
  auto error = smtpwb::load_profile_file(path, settings);
  if (!error) (void)smtpwb::profile_json(settings).dump();
  return 0;
}

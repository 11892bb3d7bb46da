// Code pages on Linux: iconv converts, and glibc's gconv module lists say which encodings exist.
#include <iconv.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/code_pages.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::detail {

const std::string_view kOsConverter = "iconv";

OsConversion os_convert(std::string_view utf8, const std::string& code_page) {
  OsConversion result;
  iconv_t cd = iconv_open(code_page.c_str(), "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    result.status = OsConversion::Status::UnknownCodePage;
    return result;
  }
  std::string& out = result.out;
  out.resize(utf8.size() * 4 + 16);
  char* in_ptr = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) {
      auto used = static_cast<std::size_t>(out_ptr - out.data());
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    iconv_close(cd);
    result.status = OsConversion::Status::Unrepresentable;
    result.failed_at = static_cast<std::size_t>(in_ptr - utf8.data());
    return result;
  }
  // Flush any shift state (stateful encodings such as ISO-2022-JP).
  if (iconv(cd, nullptr, nullptr, &out_ptr, &out_left) == static_cast<std::size_t>(-1)) {
    iconv_close(cd);
    result.status = OsConversion::Status::Unfinished;
    return result;
  }
  out.resize(static_cast<std::size_t>(out_ptr - out.data()));
  iconv_close(cd);
  return result;
}

bool os_supports(const std::string& code_page) {
  iconv_t cd = iconv_open(code_page.c_str(), "UTF-8");
  const bool supported = cd != reinterpret_cast<iconv_t>(-1);
  if (supported) iconv_close(cd);
  return supported;
}

namespace {
// glibc's gconv module lists ("alias FROM// TO//" and "module FROM// TO// file cost") name every encoding.
void read_gconv_list(const std::filesystem::path& file, std::vector<std::string>& names) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind, a, b;
    if (!(words >> kind >> a >> b) || (kind != "alias" && kind != "module")) continue;
    for (auto* name : {&a, &b}) {
      if (name->size() < 3 || name->substr(name->size() - 2) != "//") continue;
      std::string n = name->substr(0, name->size() - 2);
      if (n != "INTERNAL" && n.find('/') == std::string::npos) names.push_back(n);
    }
  }
}

std::vector<std::filesystem::path> gconv_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (auto env = platform::env("GCONV_PATH")) dirs.emplace_back(*env);
  for (const char* d : {"/usr/lib/x86_64-linux-gnu/gconv", "/usr/lib/aarch64-linux-gnu/gconv", "/usr/lib/gconv", "/usr/lib64/gconv"})
    dirs.emplace_back(d);
  return dirs;
}
}  // namespace

std::vector<std::string> os_code_pages() {
  std::vector<std::string> names{"UTF-8", "ISO-8859-1", "ISO-8859-15", "WINDOWS-1252", "US-ASCII"};
  std::error_code ec;
  for (const auto& dir : gconv_dirs()) {
    read_gconv_list(dir / "gconv-modules", names);
    for (const auto& entry : std::filesystem::directory_iterator(dir / "gconv-modules.d", ec))
      if (entry.path().extension() == ".conf") read_gconv_list(entry.path(), names);
  }
  return names;
}

}  // namespace smtpwb::detail

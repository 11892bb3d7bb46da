// Durable file writes on Windows: a new temporary file beside the target (CREATE_NEW, so nothing planted
// there is reused), FlushFileBuffers, then MoveFileExW with REPLACE_EXISTING | WRITE_THROUGH. Paths go
// to the wide API. Privacy comes from the folder: the configuration lives under %APPDATA%, which only
// its user can read; a report written elsewhere gets that folder's permissions.
#include <windows.h>
#include <aclapi.h>

#include <filesystem>
#include <random>
#include <string_view>

#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb {

namespace {

std::string last_error() { return platform::error_text(static_cast<int>(GetLastError())); }

std::wstring random_suffix() {
  std::random_device random;
  static constexpr wchar_t kHex[] = L"0123456789abcdef";
  std::wstring out;
  for (int i = 0; i < 4; ++i)
    for (unsigned word = random(), k = 0; k < 8; ++k, word >>= 4) out += kHex[word & 15];
  return out;
}

bool write_all(HANDLE file, std::string_view data) {
  while (!data.empty()) {
    DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(data.size(), 1u << 30));
    DWORD written = 0;
    if (!WriteFile(file, data.data(), chunk, &written, nullptr) || written == 0) return false;
    data.remove_prefix(written);
  }
  return true;
}

// A new file that did not exist before (CREATE_NEW), in dir; INVALID_HANDLE_VALUE when none can be made.
HANDLE create_temporary(const std::filesystem::path& dir, const std::wstring& stem, std::filesystem::path& name) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    name = dir / (L"." + stem + L"." + random_suffix());
    HANDLE file = CreateFileW(name.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file != INVALID_HANDLE_VALUE || GetLastError() != ERROR_FILE_EXISTS) return file;
  }
  return INVALID_HANDLE_VALUE;
}

}  // namespace

std::string write_file_atomically(const std::string& path, const std::string& contents) {
  namespace fs = std::filesystem;
  const fs::path target = platform::path_from_utf8(path);
  const fs::path dir = target.parent_path().empty() ? fs::path(L".") : target.parent_path();
  fs::path tmp;
  HANDLE file = create_temporary(dir, target.filename().native(), tmp);
  if (file == INVALID_HANDLE_VALUE)
    return path + ": cannot write a temporary file in " + platform::utf8_from_path(dir) + " (" + last_error() + ")";
  auto fail = [&](const std::string& what) {
    std::string error = path + ": " + what + " (" + last_error() + ")";
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
    DeleteFileW(tmp.c_str());
    return error;
  };
  if (!write_all(file, contents)) return fail("write failed");
  if (!FlushFileBuffers(file)) return fail("cannot flush the file to disk");
  if (!CloseHandle(file)) {
    file = INVALID_HANDLE_VALUE;
    return fail("write failed");
  }
  file = INVALID_HANDLE_VALUE;
  if (!MoveFileExW(tmp.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
    return fail("cannot replace the file");
  return {};
}

// Windows has no access(W_OK) that looks at ACLs: creating (and at once deleting) a file is the test.
std::string check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path dir = platform::path_from_utf8(path).parent_path();
  if (dir.empty()) dir = L".";
  std::error_code ec;
  const std::string dir_text = platform::utf8_from_path(dir);
  if (!fs::is_directory(dir, ec)) return path + ": the directory " + dir_text + " does not exist";
  fs::path probe = dir / (L".smtpwb-write-test." + random_suffix());
  HANDLE file = CreateFileW(probe.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                            FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
  if (file == INVALID_HANDLE_VALUE) return path + ": the directory " + dir_text + " is not writable (" + last_error() + ")";
  CloseHandle(file);
  return {};
}

std::string create_private_file(const std::string& path) {
  HANDLE file = CreateFileW(platform::path_from_utf8(path).c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
                            nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return last_error();
  CloseHandle(file);
  return {};
}

namespace {

// The groups that stand for "other users": an allowed entry for one of them exposes the file.
struct OtherUsers {
  WELL_KNOWN_SID_TYPE type;
  const char* name;
};
constexpr OtherUsers kOtherUsers[] = {{WinWorldSid, "Everyone"},
                                      {WinAuthenticatedUserSid, "Authenticated Users"},
                                      {WinBuiltinUsersSid, "Users"},
                                      {WinBuiltinGuestsSid, "Guests"},
                                      {WinAnonymousSid, "Anonymous"}};
constexpr ACCESS_MASK kReadOrChange = FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_READ |
                                      GENERIC_WRITE | GENERIC_ALL | WRITE_DAC | WRITE_OWNER;

// The name of the first "other users" group that an allowed entry of the list lets read or change.
std::string exposed_to(const ACL& dacl) {
  for (DWORD i = 0; i < dacl.AceCount; ++i) {
    void* entry = nullptr;
    if (!GetAce(const_cast<ACL*>(&dacl), i, &entry)) continue;
    auto* ace = static_cast<ACCESS_ALLOWED_ACE*>(entry);
    if (ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE || (ace->Mask & kReadOrChange) == 0) continue;
    for (const auto& group : kOtherUsers) {
      if (IsWellKnownSid(reinterpret_cast<PSID>(&ace->SidStart), group.type)) return group.name;
    }
  }
  return {};
}

}  // namespace

std::string private_file_problem(const std::string& path) {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const std::wstring wide = platform::path_from_utf8(path).wstring();
  DWORD rc = GetNamedSecurityInfoW(wide.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                                   nullptr, &descriptor);
  if (rc != ERROR_SUCCESS) return "its permissions cannot be read: " + platform::error_text(static_cast<int>(rc));
  std::string who = dacl ? exposed_to(*dacl) : std::string("Everyone");  // no list: everyone has full access
  LocalFree(descriptor);
  if (who.empty()) return {};
  return "other users can read or change it (" + who + " is allowed to); make it private: icacls \"" + path +
         "\" /inheritance:r /grant:r \"%USERNAME%\":F";
}

}  // namespace smtpwb

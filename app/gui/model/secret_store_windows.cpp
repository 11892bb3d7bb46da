// The secret store on Windows: the Credential Manager, one generic credential per key, readable only by
// the Windows user who stored it.
#include <windows.h>
#include <wincred.h>

#include <string>

#include "model/secret_store.hpp"
#include "smtpwb/charset.hpp"

namespace smtpwb::gui {

namespace {

std::wstring wide(const std::string& utf8) {
  std::u16string u = utf8_to_utf16(utf8);
  return std::wstring(u.begin(), u.end());
}

// The target name holds the whole key, escaped so that two different keys never share one:
// "smtp-workbench:id:...\npassword\nhost\nuser" with the line breaks written as \n.
std::wstring target_name(const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return wide("smtp-workbench:" + escaped);
}

class CredentialSecretStore final : public SecretStore {
 public:
  std::optional<std::string> get(const std::string& key) override {
    PCREDENTIALW credential = nullptr;
    if (!CredReadW(target_name(key).c_str(), CRED_TYPE_GENERIC, 0, &credential)) return std::nullopt;
    std::string secret(reinterpret_cast<const char*>(credential->CredentialBlob), credential->CredentialBlobSize);
    CredFree(credential);
    return secret;
  }
  // The secret is stored as its UTF-8 bytes; a credential holds at most 2560 bytes (five 512-byte pages).
  bool set(const std::string& key, const std::string& secret) override {
    if (secret.size() > CRED_MAX_CREDENTIAL_BLOB_SIZE) return false;
    std::wstring target = target_name(key);
    std::wstring user = L"smtp-workbench";
    std::wstring comment = L"SMTP Workbench";
    CREDENTIALW credential{};
    credential.Type = CRED_TYPE_GENERIC;
    credential.TargetName = target.data();
    credential.Comment = comment.data();
    credential.CredentialBlobSize = static_cast<DWORD>(secret.size());
    credential.CredentialBlob = reinterpret_cast<LPBYTE>(const_cast<char*>(secret.data()));
    credential.Persist = CRED_PERSIST_LOCAL_MACHINE;
    credential.UserName = user.data();
    return CredWriteW(&credential, 0) != FALSE;
  }
  void remove(const std::string& key) override { CredDeleteW(target_name(key).c_str(), CRED_TYPE_GENERIC, 0); }
  bool persistent() const override { return true; }
  std::string description() const override { return "Passwords are kept in the Windows Credential Manager"; }
};

// A logon session without a user profile (some services) has no credential store: reading a name that
// does not exist then fails with ERROR_NO_SUCH_LOGON_SESSION instead of ERROR_NOT_FOUND.
bool credential_manager_available(std::string& why) {
  PCREDENTIALW credential = nullptr;
  if (CredReadW(target_name("availability check").c_str(), CRED_TYPE_GENERIC, 0, &credential)) {
    CredFree(credential);
    return true;
  }
  if (GetLastError() != ERROR_NO_SUCH_LOGON_SESSION) return true;
  why = "the Windows Credential Manager is not available in this logon session";
  return false;
}

}  // namespace

std::unique_ptr<SecretStore> open_secret_store() {
  std::string why;
  if (credential_manager_available(why)) return std::make_unique<CredentialSecretStore>();
  return std::make_unique<MemorySecretStore>(why);
}

}  // namespace smtpwb::gui

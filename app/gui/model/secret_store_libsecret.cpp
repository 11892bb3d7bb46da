// The secret store on Linux: the desktop keyring through libsecret (Secret Service on the session bus).
#include <libsecret/secret.h>

#include <algorithm>

#include "model/secret_store.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::gui {

namespace {
const SecretSchema* schema() {
  static const SecretSchema s = [] {
    SecretSchema schema{};
    schema.name = "org.smtpworkbench.Connection";
    schema.flags = SECRET_SCHEMA_NONE;
    schema.attributes[0] = {"key", SECRET_SCHEMA_ATTRIBUTE_STRING};
    return schema;
  }();
  return &s;
}

class KeyringSecretStore final : public SecretStore {
 public:
  std::optional<std::string> get(const std::string& key) override {
    GError* error = nullptr;
    gchar* value = secret_password_lookup_sync(schema(), nullptr, &error, "key", key.c_str(), nullptr);
    if (error) g_error_free(error);
    if (!value) return std::nullopt;
    std::string out(value);
    secret_password_free(value);
    return out;
  }
  bool set(const std::string& key, const std::string& secret) override {
    GError* error = nullptr;
    std::string label = "SMTP Workbench: " + key;
    std::replace(label.begin(), label.end(), '\n', ' ');
    bool ok = secret_password_store_sync(schema(), SECRET_COLLECTION_DEFAULT, label.c_str(), secret.c_str(), nullptr,
                                         &error, "key", key.c_str(), nullptr);
    if (error) g_error_free(error);
    return ok;
  }
  void remove(const std::string& key) override {
    GError* error = nullptr;
    secret_password_clear_sync(schema(), nullptr, &error, "key", key.c_str(), nullptr);
    if (error) g_error_free(error);
  }
  bool persistent() const override { return true; }
  std::string description() const override { return "Passwords are kept in the desktop keyring"; }
};

// A Secret Service is only asked for when a session bus exists: without one, libsecret would try to
// autolaunch D-Bus and the first lookup could stall.
bool keyring_available(std::string& why) {
  if (!platform::env("DBUS_SESSION_BUS_ADDRESS")) {
    why = "no D-Bus session, so no desktop keyring";
    return false;
  }
  GError* error = nullptr;
  SecretService* service = secret_service_get_sync(SECRET_SERVICE_NONE, nullptr, &error);
  if (!service) {
    why = std::string("the desktop keyring is not available: ") + (error ? error->message : "unknown error");
    if (error) g_error_free(error);
    return false;
  }
  g_object_unref(service);
  return true;
}
}  // namespace

std::unique_ptr<SecretStore> open_secret_store() {
  std::string why;
  if (keyring_available(why)) return std::make_unique<KeyringSecretStore>();
  return std::make_unique<MemorySecretStore>(why);
}

}  // namespace smtpwb::gui

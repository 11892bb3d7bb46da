#include "check/check_setup.hpp"

#include <cstdio>
#include <iostream>

#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/report.hpp"

namespace smtpwb::app {

namespace {

SetupError usage(std::string message) { return SetupError{{std::move(message)}, 2}; }

// The flag that sets a field; for the fields only a --profile file sets, the profile's key.
std::string flag_for(Field field, const ConnectionSettings& s) {
  const bool oauth = is_oauth(s.auth_type);
  switch (field) {
    case Field::Name: return "--name";
    case Field::Group: return "--group";
    case Field::Timeout: return "--timeout";
    case Field::CodePage: return "--code-page";
    case Field::Address: return "--host";
    case Field::Port: return "--port";
    case Field::EhloName: return "--ehlo";
    case Field::AuthDomain: return "auth.domain (--profile)";
    case Field::OAuthAccount: return "--user";
    case Field::OAuthTenant: return "--oauth-tenant";
    case Field::Username: return oauth ? "--oauth-client-id" : "--user";
    case Field::Password: return oauth ? "--oauth-client-secret-env" : "the password (--password-env, --password-file or --password-stdin)";
    case Field::TlsVersions: return "--tls-versions";
    case Field::SaslMechanisms: return "--sasl";
    case Field::ProxyAddress: return "--proxy (host)";
    case Field::ProxyPort: return "--proxy (port)";
    case Field::ProxyUsername: return "--proxy-user";
    case Field::ProxyPassword: return "--proxy-password-env";
    case Field::ProxyDomain: return "--proxy-domain";
    case Field::From: return "--from";
    case Field::To: return "--to";
    case Field::Subject: return "--subject";
    case Field::DsnNotify: return "--dsn-notify";
    case Field::DsnRet: return "--dsn-ret";
    case Field::DsnEnvid: return "--dsn-envid";
    case Field::AddressFamily: return "-4/--ipv4 or -6/--ipv6 (connection.address_family)";
    case Field::LocalAddress: return "--local-address";
  }
  return "?";
}

std::string first_line(std::string text) {
  auto nl = text.find_first_of("\r\n");
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

// The password comes from the environment, a file or stdin, never from argv.
std::optional<std::string> read_password(const CheckArgs& a, std::string& error) {
  switch (a.password_source) {
    case PasswordSource::None: return std::nullopt;
    case PasswordSource::Env: {
      auto v = platform::env(a.password_ref);
      if (!v) error = "--password-env: the environment variable " + a.password_ref + " is not set";
      return v;
    }
    case PasswordSource::File: {
      auto text = read_file(a.password_ref);
      if (!text) {
        error = "--password-file: cannot read " + a.password_ref;
        return std::nullopt;
      }
      return first_line(*text);
    }
    case PasswordSource::Stdin: {
      std::string line;
      if (!std::getline(std::cin, line)) {
        error = "--password-stdin: nothing to read on standard input";
        return std::nullopt;
      }
      return first_line(line);
    }
  }
  return std::nullopt;
}

// The secrets from the environment: the proxy password and an OAuth access token.
std::optional<SetupError> read_environment_secrets(const CheckArgs& args, CheckSetup& setup) {
  std::string error;
  if (args.proxy_password_env) {
    auto v = platform::env(*args.proxy_password_env);
    if (!v) return usage("--proxy-password-env: the environment variable " + *args.proxy_password_env + " is not set");
    setup.settings.proxy.password = *v;
  }
  if (args.client_key_password_env) {
    auto v = platform::env(*args.client_key_password_env);
    if (!v) return usage("--client-key-password-env: the environment variable " + *args.client_key_password_env + " is not set");
    setup.settings.client_key_password = *v;
  }
  if (args.oauth_token_env) {
    auto token = env_value("--oauth-token-env", *args.oauth_token_env, error);
    if (!token) return usage(error);
    setup.options.oauth_access_token = *token;
  }
  return std::nullopt;
}

// Validated with the message (validate(TestRequest)): the errors then name the flags.
void apply_message_extensions(const CheckArgs& args, MessageSpec& m) {
  m.smtputf8 = args.smtputf8;
  m.bdat = args.bdat;
  if (args.dsn_notify) m.dsn_notify = *args.dsn_notify;
  if (args.dsn_ret) m.dsn_ret = *args.dsn_ret;
  if (args.dsn_envid) m.dsn_envid = *args.dsn_envid;
}

std::optional<SetupError> build_request(const CheckArgs& args, TestRequest& request) {
  if (args.stop_after) request.stop_after = *args.stop_after;
  if (!args.from) return std::nullopt;
  MessageSpec m;
  m.from = *args.from;
  m.to = args.to;
  if (args.subject) m.subject = *args.subject;
  if (args.body_file) {
    auto body = read_file(*args.body_file);
    if (!body) return usage("--body-file: cannot read " + *args.body_file);
    m.body_utf8 = *body;
  }
  apply_message_extensions(args, m);
  request.message = m;
  return std::nullopt;
}

// --demo: starts the built-in server and points the settings at it (its user, unless flags name one).
std::optional<SetupError> start_demo(const CheckArgs& args, CheckSetup& setup) {
  DemoServerConfig config;
  if (args.demo_fault) {
    auto fault = parse_demo_fault(*args.demo_fault);
    if (!fault) return usage("--demo-fault: unknown fault \"" + *args.demo_fault + "\"");
    config.fault = *fault;
  }
  setup.demo = std::make_unique<DemoServer>(config);
  try {
    setup.demo->start();
  } catch (const std::exception& e) {
    return SetupError{{std::string("the demo server could not start: ") + e.what()}, 1};
  }
  auto& settings = setup.settings;
  settings.address = "localhost";
  if (!args.port) settings.port = settings.security == Security::Implicit ? setup.demo->implicit_port() : setup.demo->port();
  if (settings.name.empty()) settings.name = "Demo server";
  if (!args.user && !args.anonymous) {
    settings.anonymous = false;
    settings.username = config.username;
    if (settings.password.empty()) settings.password = config.password;
  }
  setup.options.extra_ca_file = setup.demo->ca_file();
  return std::nullopt;
}

// What OAuth changes in settings and options once every flag is read.
void settle_oauth(const CheckArgs& args, CheckSetup& setup) {
  auto& settings = setup.settings;
  auto& options = setup.options;
  // The sign-in flow is OAuth authentication whatever the provider; its endpoints come from the flags.
  if (args.oauth_flow() && !is_oauth(settings.auth_type)) settings.auth_type = AuthType::GmailOAuth;
  // A bearer token stands in for the password, which Default authentication otherwise requires.
  if (!options.oauth_access_token.empty() && settings.password.empty()) settings.password = options.oauth_access_token;
  // A profile saved by the window keeps the Application Id in username and the mail account apart.
  if (is_oauth(settings.auth_type) && !settings.oauth_account.empty()) options.oauth_user = settings.oauth_account;
}

}  // namespace

std::optional<std::string> env_value(const std::string& flag, const std::string& name, std::string& error) {
  auto v = platform::env(name);
  if (!v || v->empty()) {
    error = flag + ": the environment variable " + name + " is not set";
    return std::nullopt;
  }
  return v;
}

std::optional<SetupError> prepare_check(const CheckArgs& args, CheckSetup& setup) {
  auto& settings = setup.settings;
  if (!args.profile.empty()) {
    if (auto err = load_profile_file(args.profile, settings)) return usage("--profile " + err->message);
  }
  if (auto err = apply_check_args(args, settings)) return usage(err->message);
  std::string error;
  if (auto pw = read_password(args, error)) settings.password = *pw;
  if (!error.empty()) return usage(error);
  if (args.proxy && args.proxy->password)
    std::fprintf(stderr, "smtp-workbench check: warning: --proxy: the password inside the URL is visible to other users "
                         "in the process list; use --proxy-password-env VAR\n");
  if (auto err = read_environment_secrets(args, setup)) return err;
  if (auto err = build_request(args, setup.request)) return err;
  if (args.demo) {
    if (auto err = start_demo(args, setup)) return err;
  }
  if (args.probe_plaintext && settings.security == Security::Implicit)
    return usage("--probe-plaintext needs --security none or starttls: an implicit-TLS port has no plain-text phase");
  if (args.probe_tls && !settings.encrypted())
    return usage("--probe-tls needs --security starttls or implicit (the probe speaks the same mode)");
  settle_oauth(args, setup);
  if (auto errors = validate(settings, setup.request); !errors.empty()) {
    SetupError e;
    for (const auto& fe : errors) e.lines.push_back(flag_for(fe.field, settings) + ": " + fe.problem);
    return e;
  }
  return std::nullopt;
}

}  // namespace smtpwb::app

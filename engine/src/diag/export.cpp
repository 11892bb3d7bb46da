#include "smtpwb/export.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include "sasl/ntlm.hpp"
#include "smtpwb/event_format.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/report.hpp"
#include "text.hpp"

namespace smtpwb {

namespace {

// ---- one document model, rendered as Markdown or HTML ----
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
struct Block {
  enum class Kind { Paragraph, Fields, Table, Preformatted, Subheading } kind;
  std::string text;                                         // Paragraph, Preformatted, Subheading
  std::vector<std::pair<std::string, std::string>> fields;  // Fields
  Table table;                                              // Table
};
struct Section {
  std::string title;
  std::vector<Block> blocks;
  void paragraph(std::string t) { blocks.push_back({Block::Kind::Paragraph, std::move(t), {}, {}}); }
  void subheading(std::string t) { blocks.push_back({Block::Kind::Subheading, std::move(t), {}, {}}); }
  void fields(std::vector<std::pair<std::string, std::string>> f) { blocks.push_back({Block::Kind::Fields, {}, std::move(f), {}}); }
  void table(Table t) { blocks.push_back({Block::Kind::Table, {}, {}, std::move(t)}); }
  void pre(std::string t) { blocks.push_back({Block::Kind::Preformatted, std::move(t), {}, {}}); }
};
struct Document {
  std::string title;
  std::vector<Section> sections;
};

using text::join;
using json = nlohmann::ordered_json;

// ---- the JSON report is the model; Markdown and HTML show every fact of it ----
// A fact's label: by its path of keys ("server/address"; array indices left out), else its key in words.
std::string label_of(const std::string& path) {
  static const std::map<std::string, std::string, std::less<>> kLabels = {
      {"total_ms", "Total time"},
      {"failure/category", "Failure category"},
      {"failure/phase", "Failed in phase"},
      {"failure/reply_text", "Server reply"},
      {"stop_after", "Test stops after"},
      {"server/address", "Connected to"},
      {"server/ehlo_name", "EHLO name sent"},
      {"server/mx", "MX records of the mail domain"},
      {"proxy/address", "Proxy"},
      {"proxy/connected_address", "Proxy address used"},
      {"proxy/reply", "Proxy reply code"},
      {"proxy/reply_text", "Proxy reply"},
      {"tls/cipher", "Cipher suite"},
      {"tls/group", "Key exchange group"},
      {"tls/sni", "Server name (SNI)"},
      {"tls/chain", "Certificate chain (leaf first)"},
      {"tls/chain/subject_alt_names", "Names"},
      {"tls/chain/not_before", "Valid from"},
      {"tls/chain/not_after", "Valid to"},
      {"tls/server_versions", "Versions the server offers"},
      {"tls/client_certificate_requested", "Client certificate requested"},
      {"tls/client_certificate_ca_names", "Accepted client certificate issuers"},
      {"tls/client_certificate_sent", "Client certificate sent"},
      {"message/smtputf8", "SMTPUTF8"},
      {"message/bdat", "BDAT (CHUNKING)"},
      {"message/bdat_chunks", "BDAT chunks"},
      {"message/dsn", "Delivery status notification (DSN)"},
      {"message/dsn/notify", "NOTIFY"},
      {"message/dsn/ret", "RET"},
      {"message/dsn/envid", "ENVID"},
      {"auth/offered", "Offered by the server"},
      {"auth/permitted", "Enabled here"},
      {"auth/steps", "Exchange"},
      {"auth/ntlm_version", "NTLM version"},
      {"settings/ehlo_name", "EHLO name"},
  };
  if (auto it = kLabels.find(path); it != kLabels.end()) return it->second;
  static const std::map<std::string, std::string, std::less<>> kWords = {
      {"ca", "CA"},   {"dns", "DNS"}, {"ehlo", "EHLO"}, {"id", "id"},   {"jwt", "JWT"},   {"ms", "(ms)"},
      {"mx", "MX"},   {"s", "(s)"},   {"san", "SAN"},   {"sasl", "SASL"}, {"sha256", "SHA-256"}, {"sni", "SNI"},
      {"smtp", "SMTP"}, {"starttls", "STARTTLS"}, {"tls", "TLS"}, {"utf8", "UTF-8"}};
  std::string key = path.substr(path.rfind('/') + 1), out;
  for (std::size_t begin = 0; begin <= key.size();) {
    std::size_t end = std::min(key.find('_', begin), key.size());
    std::string word = key.substr(begin, end - begin);
    if (auto it = kWords.find(word); it != kWords.end()) word = it->second;
    out += (out.empty() ? "" : " ") + word;
    begin = end + 1;
  }
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

// A leaf value as text: yes/no, "-" for none, times in ms with their unit, lists joined.
std::string value_text(const std::string& key, const json& v) {
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  if (v.is_number_float() && key.ends_with("_ms")) return text::format_ms(v.get<double>());
  if (v.is_array()) {
    std::vector<std::string> items;
    for (const auto& item : v) items.push_back(value_text(key, item));
    return join(items);
  }
  return v.dump();
}

bool is_leaf(const json& v) {
  if (!v.is_array()) return !v.is_object();
  return std::none_of(v.begin(), v.end(), [](const json& item) { return item.is_structured(); });
}

// A list of records as one table, its columns every key of any record, in order of appearance.
Table records_table(const json& records, const std::string& path) {
  std::vector<std::string> keys;
  for (const auto& r : records)
    for (const auto& item : r.items())
      if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) keys.push_back(item.key());
  Table t;
  for (const auto& k : keys) t.header.push_back(label_of(path + "/" + k));
  for (const auto& r : records) {
    auto& row = t.rows.emplace_back();
    for (const auto& k : keys) row.push_back(r.contains(k) ? value_text(k, r.at(k)) : "-");
  }
  return t;
}

// Leaves first, as one Fields block; then each nested object or list of records under a subheading.
void object_blocks(Section& s, const json& object, const std::string& path) {
  std::vector<std::pair<std::string, std::string>> fields;
  auto here = [&](const std::string& key) { return path.empty() ? key : path + "/" + key; };
  for (const auto& item : object.items())
    if (is_leaf(item.value())) fields.emplace_back(label_of(here(item.key())), value_text(item.key(), item.value()));
  if (!fields.empty()) s.fields(std::move(fields));
  for (const auto& item : object.items()) {
    if (is_leaf(item.value())) continue;
    s.subheading(label_of(here(item.key())));
    if (item.value().is_object()) object_blocks(s, item.value(), here(item.key()));
    else s.table(records_table(item.value(), here(item.key())));
  }
}

// Top-level leaves shown at the head of another object's section (e.g. "stop_after" with the settings).
void prepend_fields(Section& s, const json& top_level, std::initializer_list<const char*> keys) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const char* key : keys) fields.emplace_back(label_of(key), value_text(key, top_level.at(key)));
  if (!s.blocks.empty() && s.blocks.front().kind == Block::Kind::Fields)
    s.blocks.front().fields.insert(s.blocks.front().fields.begin(), fields.begin(), fields.end());
  else
    s.blocks.insert(s.blocks.begin(), Block{Block::Kind::Fields, {}, std::move(fields), {}});
}

Section hints_section(const json& hints) {
  Section s{"Hints", {}};
  if (hints.empty()) s.paragraph("No hint: nothing in this session matched a known problem.");
  for (const auto& h : hints) {
    s.subheading("[" + h.at("severity").get<std::string>() + "] " + h.at("title").get<std::string>() + " (" +
                 h.at("id").get<std::string>() + ")");
    s.paragraph(h.at("explanation").get<std::string>());
    s.paragraph("Fix: " + h.at("fix").get<std::string>());
    std::string where = "Triggered in phase " + h.at("phase").get<std::string>();
    if (!h.at("transcript_index").is_null())
      where += ", transcript line " + std::to_string(h.at("transcript_index").get<std::size_t>() + 1);
    s.paragraph(where + ".");
  }
  return s;
}

Section timeline_section(const json& phases) {
  Section s{"Timeline", {}};
  Table t{{"Phase", "Start", "Duration"}, {}};
  for (const auto& p : phases)
    t.rows.push_back({p.at("name").get<std::string>(), text::format_ms(p.at("start_ms").get<double>()),
                      text::format_ms(p.at("duration_ms").get<double>())});
  s.table(std::move(t));
  return s;
}

Dir dir_named(std::string_view name) {
  for (auto d : {Dir::Client, Dir::Server, Dir::Tls, Dir::Info, Dir::Error})
    if (to_string(d) == name) return d;
  return Dir::Info;
}

Section transcript_section(const json& transcript) {
  Section s{"Transcript", {}};
  s.paragraph("Markers: -> / <- plain text, ~> / <~ inside TLS, === information, *** error. Secrets are masked.");
  LineStyle style;
  style.escape = false;  // render_markdown and render_html escape it, keeping the line breaks inside a line
  std::string text;
  for (const auto& line : transcript) {
    Event e;
    e.t_us = std::llround(line.at("t_ms").get<double>() * 1000.0);
    e.dir = dir_named(line.at("dir").get<std::string>());
    e.in_tls = line.at("tls").get<bool>();
    e.text = line.at("text").get<std::string>();
    text += format_line(e, style) + "\n";
  }
  s.pre(std::move(text));
  return s;
}

// A top-level object (or null: `absent` says what that means) as a section.
Section object_section(std::string title, const json& report, const std::string& key, std::string absent) {
  Section s{std::move(title), {}};
  if (report.contains(key) && report[key].is_object()) object_blocks(s, report[key], key);
  else s.paragraph(std::move(absent));
  return s;
}

Section result_section(const json& report) {
  Section s{"Result", {}};
  if (report.at("failure").is_object()) object_blocks(s, report.at("failure"), "failure");
  prepend_fields(s, report, {"result", "total_ms"});
  return s;
}

Section settings_section(const json& report) {
  Section s{"Settings", {}};
  object_blocks(s, report.at("settings"), "settings");
  prepend_fields(s, report, {"stop_after"});
  return s;
}

Document build_document(const json& report) {
  const json& settings = report.at("settings");
  Document d;
  d.title = "SMTP Workbench report: " + settings["address"].get<std::string>() + ":" + std::to_string(settings["port"].get<int>()) +
            " (" + report.at("result").get<std::string>() + ")";
  d.sections = {result_section(report),
                hints_section(report.at("hints")),
                settings_section(report),
                object_section("Server", report, "server", "-"),
                object_section("Proxy", report, "proxy", "No proxy was used."),
                object_section("TLS", report, "tls", "TLS was not used."),
                object_section("Authentication", report, "auth", "-"),
                object_section("Message", report, "message", "No message was sent.")};
  // Facts added to the report later (e.g. check's "tls_probe") are shown too.
  static const std::set<std::string, std::less<>> kShown = {"result", "failure",  "total_ms", "phases", "settings",
                                                            "stop_after", "server", "proxy", "tls", "auth",
                                                            "message", "hints", "transcript"};
  for (const auto& item : report.items()) {
    if (kShown.count(item.key())) continue;
    Section extra{label_of(item.key()), {}};
    if (item.value().is_object()) object_blocks(extra, item.value(), item.key());
    else object_blocks(extra, json{{item.key(), item.value()}}, "");
    d.sections.push_back(std::move(extra));
  }
  d.sections.push_back(timeline_section(report.at("phases")));
  d.sections.push_back(transcript_section(report.at("transcript")));
  return d;
}

// ---- Markdown ----
std::string longest_run(std::string_view text, char c) {
  std::size_t best = 0, run = 0;
  for (char x : text) {
    run = x == c ? run + 1 : 0;
    best = std::max(best, run);
  }
  return std::string(best, c);
}

std::string render_markdown(const Document& d) {
  std::string out = "# " + markdown_cell(d.title) + "\n";
  for (const auto& s : d.sections) {
    out += "\n## " + s.title + "\n";
    for (const auto& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::Paragraph: out += "\n" + markdown_cell(b.text) + "\n"; break;
        case Block::Kind::Subheading: out += "\n### " + markdown_cell(b.text) + "\n"; break;
        case Block::Kind::Fields:
          out += "\n| Field | Value |\n| --- | --- |\n";
          for (const auto& [k, v] : b.fields) out += "| " + markdown_cell(k) + " | " + markdown_cell(v) + " |\n";
          break;
        case Block::Kind::Table: {
          out += "\n|";
          for (const auto& h : b.table.header) out += " " + markdown_cell(h) + " |";
          out += "\n|";
          for (std::size_t i = 0; i < b.table.header.size(); ++i) out += " --- |";
          out += "\n";
          for (const auto& row : b.table.rows) {
            out += "|";
            for (const auto& cell : row) out += " " + markdown_cell(cell) + " |";
            out += "\n";
          }
          break;
        }
        case Block::Kind::Preformatted: {
          std::string text = visible_text(b.text, "\n");
          // A fence longer than any run of backticks inside cannot be closed by the content.
          std::string fence = std::max(std::string("```"), longest_run(text, '`') + "`");
          out += "\n" + fence + "text\n" + text + fence + "\n";
          break;
        }
      }
    }
  }
  return out;
}

// ---- HTML ----
constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.4rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}"
    "h3{font-size:1rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}pre{background:#f7f7f7;border:1px solid #ddd;padding:.6rem;"
    "overflow-x:auto;font-size:.85rem}";

std::string render_html(const Document& d) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(d.title) +
                    "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" + html_escape(d.title) + "</h1>\n";
  for (const auto& s : d.sections) {
    out += "<h2>" + html_escape(s.title) + "</h2>\n";
    for (const auto& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::Paragraph: out += "<p>" + html_escape(b.text) + "</p>\n"; break;
        case Block::Kind::Subheading: out += "<h3>" + html_escape(b.text) + "</h3>\n"; break;
        case Block::Kind::Fields:
          out += "<table>\n";
          for (const auto& [k, v] : b.fields) out += "<tr><th>" + html_escape(k) + "</th><td>" + html_escape(v) + "</td></tr>\n";
          out += "</table>\n";
          break;
        case Block::Kind::Table:
          out += "<table>\n<tr>";
          for (const auto& h : b.table.header) out += "<th>" + html_escape(h) + "</th>";
          out += "</tr>\n";
          for (const auto& row : b.table.rows) {
            out += "<tr>";
            for (const auto& cell : row) out += "<td>" + html_escape(cell) + "</td>";
            out += "</tr>\n";
          }
          out += "</table>\n";
          break;
        case Block::Kind::Preformatted: out += "<pre>" + html_escape(b.text) + "</pre>\n"; break;
      }
    }
  }
  return out + "</body>\n</html>\n";
}

// ---- command lines ----
class CommandLine {
 public:
  explicit CommandLine(std::string program) : text_(std::move(program)) {}
  CommandLine& arg(std::string_view a) {
    text_ += " " + shell_quote(a);
    return *this;
  }
  CommandLine& arg(std::string_view flag, std::string_view value) { return arg(flag).arg(value); }
  // A word that must reach the shell as written (an environment variable reference).
  CommandLine& raw(std::string_view word) {
    text_ += " " + std::string(word);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// "host:port", an IPv6 address in brackets (RFC 3986); in a URL its zone index's '%' is written %25.
std::string host_port(const std::string& host, int port, bool in_url = false) {
  if (host.find(':') == std::string::npos) return host + ":" + std::to_string(port);
  std::string inside = host;
  if (auto zone = inside.find('%'); in_url && zone != std::string::npos) inside.replace(zone, 1, "%25");
  return "[" + inside + "]:" + std::to_string(port);
}

bool authenticates(const ConnectionSettings& s) { return is_oauth(s.auth_type) || !s.anonymous; }

std::optional<std::pair<TlsVersion, TlsVersion>> version_range(TlsVersionSet set) {
  auto list = set.list();
  if (list.empty()) return std::nullopt;
  return std::pair{list.front(), list.back()};
}

std::string recipient_placeholder(const ConnectionSettings& s) {
  return authenticates(s) && s.username.find('@') != std::string::npos ? s.username : "postmaster@" + s.address;
}

// NTLM through an HTTP proxy: the engine's rule (a proxy domain given).
bool proxy_ntlm(const ProxySettings& p) { return p.type == ProxyType::Http && p.use_credentials && !p.domain.empty(); }

// swaks reads its arguments itself: a value that begins with '-' is taken for an option, in the
// "--opt value" and the "--opt=value" form alike (swaks 20201014 splits the latter and reads the rest as
// the next option), so "--auth-user --server=evil.example" would send the password elsewhere. Such a
// value cannot be written for swaks at all: the line is refused, naming the field (not its value).
class SwaksLine {
 public:
  SwaksLine() : c_("swaks") {}
  SwaksLine& flag(std::string_view f) {
    c_.arg(f);
    return *this;
  }
  SwaksLine& value(std::string_view f, std::string_view v, const char* field) {
    if (!v.empty() && v.front() == '-' && refused_.empty()) refused_ = field;
    c_.arg(f, v);
    return *this;
  }
  const std::string& refused() const { return refused_; }
  const std::string& str() const { return c_.str(); }

 private:
  CommandLine c_;
  std::string refused_;
};

std::string swaks_body(std::string body) {
  if (!body.empty() && body.front() == '@') body.insert(0, "@");  // "@x" names a file for swaks; "@@x" is "@x"
  // swaks also reads a body without a line break as a file name when such a file exists.
  if (body.find('\n') == std::string::npos) body += "\n";
  return body;
}

// The test message's extensions another client's line leaves out ("" when none is asked for).
// curl (7.71 and later) sends SMTPUTF8 by itself when an address is UTF-8 and the server offers it.
std::string extensions_not_carried(const TestRequest& req, const std::string& client, bool sends_smtputf8) {
  if (!req.message) return {};
  std::vector<std::string> missing;
  if (req.message->smtputf8 && !sends_smtputf8) missing.emplace_back("SMTPUTF8");
  if (req.message->bdat) missing.emplace_back("BDAT");
  if (req.message->wants_dsn()) missing.emplace_back("DSN (NOTIFY, RET, ENVID)");
  if (missing.empty()) return {};
  return " " + client + " has no option for " + join(missing, ", ") + ": this line sends without.";
}

EquivalentCommand swaks_command(const ConnectionSettings& s, const TestRequest& req) {
  static const char* kNames[] = {"sslv2", "sslv3", "tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3"};
  SwaksLine c;
  c.value("--server", s.address, "address").value("--port", std::to_string(s.port), "port");
  if (s.encrypted()) {
    c.flag(s.security == Security::Implicit ? "--tls-on-connect" : "--tls");
    std::vector<std::string> versions;
    for (auto v : s.tls_versions.list()) versions.emplace_back(kNames[static_cast<int>(v)]);
    c.value("--tls-protocol", join(versions, ","), "TLS versions");
    if (s.verify_certificate) c.flag("--tls-verify");
    if (!s.ca_file.empty()) c.value("--tls-ca-path", s.ca_file.front() == '-' ? "./" + s.ca_file : s.ca_file, "CA file");
    if (!s.client_cert.empty()) {  // the key's password is a secret: swaks asks for none, it is left out
      c.value("--tls-cert", s.client_cert, "client certificate");
      c.value("--tls-key", s.client_key.empty() ? s.client_cert : s.client_key, "client key");
    }
  }
  if (!s.ehlo_name.empty()) c.value("--ehlo", s.ehlo_name, "EHLO name");
  if (s.address_family != AddressFamily::Any) c.flag(s.address_family == AddressFamily::IPv4 ? "-4" : "-6");
  if (!s.local_address.empty()) c.value("--local-interface", s.local_address, "local address");
  if (authenticates(s)) {
    c.value("--auth", is_oauth(s.auth_type) ? "XOAUTH2" : join(sasl::permitted_mechanisms(s.sasl_mechanisms, false), ","),
            "SASL mechanisms");
    c.value("--auth-user", s.username, "user name");
    if (!s.auth_domain.empty() && !is_oauth(s.auth_type)) c.value("--auth-extra", "domain=" + s.auth_domain, "domain");
  }
  if (req.message) {
    c.value("--from", req.message->from, "sender").value("--to", join(req.message->to, ","), "recipient");
    c.value("--header", "Subject: " + req.message->subject, "subject");
    if (!req.message->body_utf8.empty()) c.value("--body", swaks_body(req.message->body_utf8), "message body");
  } else {
    c.value("--to", recipient_placeholder(s), "recipient");
  }
  switch (req.stop_after) {
    case StopAfter::Connect: c.value("--quit-after", "BANNER", ""); break;
    case StopAfter::Tls: c.value("--quit-after", "EHLO", ""); break;
    case StopAfter::Auth: c.value("--quit-after", "AUTH", ""); break;
    case StopAfter::Rcpt: c.value("--quit-after", "RCPT", ""); break;
    case StopAfter::Quit: break;
  }
  if (!c.refused().empty())
    return {"swaks", "",
            "not given: the " + c.refused() + " begins with '-', which swaks would read as an option of its own (use curl, or change the " +
                c.refused() + ")"};
  std::string note = authenticates(s) ? "swaks asks for the password (or add --auth-password \"$SMTP_PASSWORD\" after setting that variable)."
                                      : "No authentication (anonymous).";
  if (s.proxy.type != ProxyType::None) note += " swaks cannot use a SOCKS or HTTP proxy: this line connects directly.";
  note += extensions_not_carried(req, "swaks", false);
  return {"swaks", c.str(), note};
}

EquivalentCommand curl_command(const ConnectionSettings& s, const TestRequest& req) {
  static const char* kMin[] = {nullptr, nullptr, "--tlsv1.0", "--tlsv1.1", "--tlsv1.2", "--tlsv1.3"};
  static const char* kMax[] = {nullptr, nullptr, "1.0", "1.1", "1.2", "1.3"};
  // curl takes every option's value from the next word, so no value can become an option here.
  bool implicit = s.security == Security::Implicit;
  std::string url = std::string(implicit ? "smtps://" : "smtp://") + host_port(s.address, s.port, true) + "/" + s.ehlo_name;
  CommandLine c("curl");
  c.arg("--url", url);
  // Brackets of an IPv6 address or an address-literal EHLO name are not a curl URL glob.
  if (url.find_first_of("[]{}") != std::string::npos) c.arg("--globoff");
  if (s.encrypted()) {
    if (!implicit) c.arg("--ssl-reqd");
    if (auto range = version_range(s.tls_versions.without(TlsVersion::Ssl2).without(TlsVersion::Ssl3))) {
      c.arg(kMin[static_cast<int>(range->first)]).arg("--tls-max", kMax[static_cast<int>(range->second)]);
    }
    if (!s.ca_file.empty()) c.arg("--cacert", s.ca_file);
    if (!s.verify_certificate) c.arg("--insecure");
    if (!s.client_cert.empty()) c.arg("--cert", s.client_cert).arg("--key", s.client_key.empty() ? s.client_cert : s.client_key);
  }
  if (s.address_family != AddressFamily::Any) c.arg(s.address_family == AddressFamily::IPv4 ? "--ipv4" : "--ipv6");
  if (!s.local_address.empty()) c.arg("--interface", s.local_address);
  if (s.proxy.type != ProxyType::None) {
    c.arg("--proxy", std::string(proxy_scheme(s.proxy)) + "://" + host_port(s.proxy.address, s.proxy.port, true));
    if (s.proxy.type == ProxyType::Http) c.arg("--proxytunnel");
    if (proxy_ntlm(s.proxy)) c.arg("--proxy-ntlm").arg("--proxy-user", sasl::detail::ntlm_account(s.proxy.domain, s.proxy.username));
    else if (s.proxy.use_credentials) c.arg("--proxy-user", s.proxy.username);
  }
  if (authenticates(s)) {
    const bool ntlm = !is_oauth(s.auth_type) && !s.sasl_mechanisms.empty() && s.sasl_mechanisms.front() == "NTLM";
    c.arg("--user", ntlm ? sasl::detail::ntlm_account(s.auth_domain, s.username) : s.username);
    if (is_oauth(s.auth_type)) c.arg("--oauth2-bearer").raw("\"$SMTP_OAUTH_TOKEN\"");
    else if (!s.sasl_mechanisms.empty()) c.arg("--login-options", "AUTH=" + s.sasl_mechanisms.front());
  }
  if (req.message) {
    c.arg("--mail-from", req.message->from);
    for (const auto& to : req.message->to) c.arg("--mail-rcpt", to);
    c.arg("--upload-file", "message.eml");
  } else {
    c.arg("--request", "NOOP");
  }
  // curl splits --user and --proxy-user at the first ':' into name and password.
  if (authenticates(s) && s.username.find(':') != std::string::npos)
    return {"curl", "", "not given: the user name contains ':', which curl would read as the start of the password"};
  if (s.proxy.type != ProxyType::None && s.proxy.use_credentials && s.proxy.username.find(':') != std::string::npos)
    return {"curl", "", "not given: the proxy user name contains ':', which curl would read as the start of the password"};
  std::string note = authenticates(s) ? "curl asks for the password (--user without one)." : "No authentication (anonymous).";
  if (req.message) note += " message.eml holds the message: headers, an empty line, the body.";
  note += extensions_not_carried(req, "curl", true);
  return {"curl", c.str(), note};
}

EquivalentCommand openssl_command(const ConnectionSettings& s) {
  static const char* kOption[] = {nullptr, "-ssl3", "-tls1", "-tls1_1", "-tls1_2", "-tls1_3"};
  static const char* kProtocol[] = {nullptr, "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
  const bool ip = is_ip_literal(s.address);
  CommandLine c("openssl s_client");
  c.arg("-connect", host_port(s.address, s.port));
  if (s.security == Security::StartTls) {
    c.arg("-starttls", "smtp");
    if (!s.ehlo_name.empty()) c.arg("-name", s.ehlo_name);
  }
  if (!ip) c.arg("-servername", s.address);
  auto versions = s.tls_versions.without(TlsVersion::Ssl2);
  if (auto range = version_range(versions)) {
    if (range->first == range->second) c.arg(kOption[static_cast<int>(range->first)]);
    else c.arg("-min_protocol", kProtocol[static_cast<int>(range->first)]).arg("-max_protocol", kProtocol[static_cast<int>(range->second)]);
  }
  if (!s.ca_file.empty()) c.arg("-CAfile", s.ca_file);
  if (s.address_family != AddressFamily::Any) c.arg(s.address_family == AddressFamily::IPv4 ? "-4" : "-6");
  if (!s.client_cert.empty()) c.arg("-cert", s.client_cert).arg("-key", s.client_key.empty() ? s.client_cert : s.client_key);
  if (s.verify_certificate) c.arg("-verify_return_error").arg(ip ? "-verify_ip" : "-verify_hostname", s.address);
  std::string note = "Shows the handshake and the certificate chain, then lets you type SMTP commands (EHLO, QUIT).";
  if (!s.local_address.empty()) note += " openssl s_client cannot bind a local address: this line connects from any.";
  if (s.proxy.type == ProxyType::Http) {
    c.arg("-proxy", host_port(s.proxy.address, s.proxy.port));
    if (proxy_ntlm(s.proxy)) {
      note += " openssl s_client speaks only Basic to an HTTP proxy: the NTLM credentials are left out.";
    } else if (s.proxy.use_credentials) {
      c.arg("-proxy_user", s.proxy.username).arg("-proxy_pass").raw("env:SMTP_PROXY_PASSWORD");
      note += " Set SMTP_PROXY_PASSWORD to the proxy password first.";
    }
  } else if (s.proxy.type != ProxyType::None) {
    note += " openssl s_client cannot use a SOCKS proxy: this line connects directly.";
  }
  c.arg("-crlf");
  return {"openssl", c.str(), note};
}

}  // namespace

std::string shell_quote(std::string_view word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") ==
                           std::string_view::npos)
    return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : visible_text(text, "\n")) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : visible_text(text, "\n")) {
    if (c == '|' || c == '\\' || c == '<' || c == '>' || c == '`' || c == '*' || c == '_' || c == '[' || c == ']' || c == '#') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string report_markdown(const nlohmann::ordered_json& report) { return render_markdown(build_document(report)); }

std::string report_html(const nlohmann::ordered_json& report) { return render_html(build_document(report)); }

std::string report_markdown(const ConnectionSettings& settings, const TestRequest& request, const SessionResult& result) {
  return report_markdown(report_json(settings, request, result));
}

std::string report_html(const ConnectionSettings& settings, const TestRequest& request, const SessionResult& result) {
  return report_html(report_json(settings, request, result));
}

std::vector<EquivalentCommand> equivalent_commands(const ConnectionSettings& settings, const TestRequest& request) {
  std::vector<EquivalentCommand> out = {swaks_command(settings, request), curl_command(settings, request)};
  if (settings.encrypted()) out.push_back(openssl_command(settings));
  return out;
}

}  // namespace smtpwb

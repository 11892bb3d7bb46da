// TLS facts and the certificate chain as a tree, validity coloured by how close it is to expiry.
#include <imgui.h>

#include <cstdio>
#include <ctime>

#include "smtpwb/platform.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

std::optional<double> days_until(const std::string& iso_utc, std::time_t now) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (std::sscanf(iso_utc.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute, &second) != 6) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::difftime(platform::from_utc(tm), now) / 86400.0;
}

namespace {
void fact(const char* label, const std::string& value) {
  ImGui::TextDisabled("%s", label);
  ImGui::SameLine(ImGui::GetFontSize() * 9);
  ImGui::TextUnformatted(value.empty() ? "-" : value.c_str());
}

void certificate(const CertificateInfo& cert, const Palette& p) {
  std::string title = (cert.depth == 0 ? "Server: " : "Issuer " + std::to_string(cert.depth) + ": ") + cert.subject;
  ImGui::PushID(cert.depth);
  ImGui::SetNextItemOpen(cert.depth == 0, ImGuiCond_Once);
  if (ImGui::TreeNode(title.c_str())) {
    fact("Subject", cert.subject);
    fact("Issuer", cert.issuer);
    std::string sans;
    for (const auto& s : cert.subject_alt_names) sans += (sans.empty() ? "" : ", ") + s;
    fact("Names (SAN)", sans);
    fact("Valid from", cert.not_before);
    auto days = days_until(cert.not_after, std::time(nullptr));
    ImVec4 colour = !days ? p.info : *days < 0 ? p.error : *days < 30 ? p.warning : p.ok;
    ImGui::TextDisabled("Valid until");
    ImGui::SameLine(ImGui::GetFontSize() * 9);
    if (days) ImGui::TextColored(colour, "%s (%s%.0f days)", cert.not_after.c_str(), *days < 0 ? "expired " : "", *days < 0 ? -*days : *days);
    else ImGui::TextUnformatted(cert.not_after.c_str());
    fact("Key", cert.key_type + " " + std::to_string(cert.key_bits) + " bits");
    fact("Signature", cert.signature_algorithm);
    fact("SHA-256", cert.sha256_fingerprint);
    ImGui::TreePop();
  }
  ImGui::PopID();
}
// Whether the server asked for a client certificate, which issuers it accepts, and what was sent.
void client_certificate_facts(const TlsFacts& t) {
  fact("Client cert.", !t.client_certificate_requested ? std::string("not requested by the server")
                       : t.client_certificate_sent.empty() ? std::string("requested; none sent")
                                                           : "requested; sent " + t.client_certificate_sent);
  if (t.client_certificate_requested && t.client_certificate_ca_names.empty()) ImGui::BulletText("Accepted issuers: any (none named)");
  for (const auto& name : t.client_certificate_ca_names) ImGui::BulletText("Accepted issuer: %s", name.c_str());
}
}  // namespace

void draw_tls(const Run& run, const Palette& p) {
  if (!run.finished) {
    ImGui::TextDisabled("The TLS facts appear when the test ends.");
    return;
  }
  const TlsFacts& t = run.result.tls;
  if (!t.used) {
    ImGui::TextDisabled("No TLS in this test.");
    return;
  }
  fact("Version", t.version);
  fact("Cipher suite", t.cipher);
  fact("Key exchange", t.group);
  fact("Server name", t.sni);
  ImGui::TextDisabled("Certificate");
  ImGui::SameLine(ImGui::GetFontSize() * 9);
  if (t.verified) ImGui::TextColored(p.ok, "verified: trusted, valid, and issued for %s", t.sni.c_str());
  else if (!t.verification_enabled) ImGui::TextColored(p.warning, "not verified (verification switched off)");
  else ImGui::TextColored(p.error, "NOT trusted");
  for (const auto& e : t.verify_errors) ImGui::BulletText("%s", e.c_str());
  if (t.starttls_injection)
    ImGui::TextColored(p.error, "The server sent data after \"220\" to STARTTLS, before the handshake (discarded)");
  client_certificate_facts(t);
  ImGui::Separator();
  for (const auto& cert : t.chain) certificate(cert, p);
}

}  // namespace smtpwb::gui

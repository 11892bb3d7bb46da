#include "smtpwb/status_codes.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace smtpwb {

namespace {

using json = nlohmann::json;

std::string text_of(const json& entry, const char* key, const std::string& where) {
  if (!entry.is_object() || !entry.contains(key) || !entry[key].is_string() || entry[key].get<std::string>().empty())
    throw std::runtime_error("status codes: " + where + ": field \"" + key + "\" must be a non-empty string");
  return entry[key].get<std::string>();
}

std::vector<std::string> references_of(const json& entry, const std::string& where) {
  if (!entry.contains("reference") || !entry["reference"].is_array() || entry["reference"].empty())
    throw std::runtime_error("status codes: " + where + ": field \"reference\" must name at least one source");
  std::vector<std::string> out;
  for (const auto& r : entry["reference"]) {
    if (!r.is_string()) throw std::runtime_error("status codes: " + where + ": a reference must be a string");
    out.push_back(r.get<std::string>());
  }
  return out;
}

// Each entry of `list` (an array at doc[path...]) keyed by `key` (a string, or a number turned into one).
std::vector<StatusMeaning> read_list(const json& list, const char* name, const char* key, const char* title_key,
                                     const std::string& prefix, const std::string& suffix, bool need_reference) {
  if (!list.is_array()) throw std::runtime_error(std::string("status codes: \"") + name + "\" must be an array");
  std::vector<StatusMeaning> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    std::string where = std::string(name) + " entry " + std::to_string(i);
    if (!e.is_object() || !e.contains(key)) throw std::runtime_error("status codes: " + where + ": field \"" + key + "\" missing");
    StatusMeaning m;
    m.code = prefix + (e[key].is_string() ? e[key].get<std::string>() : e[key].dump()) + suffix;
    m.title = text_of(e, title_key, where);
    m.description = e.contains("description") ? text_of(e, "description", where) : "";
    if (need_reference || e.contains("reference")) m.references = references_of(e, where);
    out.push_back(std::move(m));
  }
  return out;
}

const StatusMeaning* find(const std::vector<StatusMeaning>& list, const std::string& code) {
  auto it = std::find_if(list.begin(), list.end(), [&](const StatusMeaning& m) { return m.code == code; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

StatusCodes StatusCodes::from_json(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("status codes: not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || doc.value("format", "") != "smtp-workbench-status-codes")
    throw std::runtime_error("status codes: field \"format\" must be \"smtp-workbench-status-codes\"");
  if (!doc.contains("enhanced") || !doc.contains("basic")) throw std::runtime_error("status codes: \"enhanced\" and \"basic\" are needed");
  const json &enhanced = doc["enhanced"], &basic = doc["basic"];
  StatusCodes c;
  c.classes_ = read_list(enhanced.value("classes", json()), "enhanced.classes", "class", "title", "", "", true);
  c.subjects_ = read_list(enhanced.value("subjects", json()), "enhanced.subjects", "subject", "title", "X.", "", true);
  c.enhanced_ = read_list(enhanced.value("codes", json()), "enhanced.codes", "code", "title", "", "", true);
  c.first_digit_ = read_list(basic.value("first_digit", json()), "basic.first_digit", "digit", "title", "", "yz", false);
  c.second_digit_ = read_list(basic.value("second_digit", json()), "basic.second_digit", "digit", "title", "x", "z", false);
  c.basic_ = read_list(basic.value("codes", json()), "basic.codes", "code", "text", "", "", true);
  return c;
}

ReplyMeaning StatusCodes::explain(int reply_code, const std::string& enhanced) const {
  ReplyMeaning out;
  out.transient = reply_code / 100 == 4;
  out.permanent = reply_code / 100 == 5;
  auto first_dot = enhanced.find('.'), second_dot = enhanced.find('.', first_dot == std::string::npos ? 0 : first_dot + 1);
  if (!enhanced.empty() && second_dot != std::string::npos) {
    const std::string generic = "X" + enhanced.substr(first_dot);               // "X.1.1"
    const std::string subject = "X" + enhanced.substr(first_dot, second_dot - first_dot);  // "X.1"
    if (const auto* c = find(classes_, enhanced.substr(0, first_dot))) out.class_meaning = *c;
    if (const auto* m = find(enhanced_, generic)) out.meanings.push_back(*m);
    if (const auto* s = find(subjects_, subject)) out.meanings.push_back(*s);
    if (!out.meanings.empty()) return out;
  }
  const std::string code = std::to_string(reply_code);
  if (const auto* c = find(first_digit_, code.substr(0, 1) + "yz")) out.class_meaning = *c;
  if (const auto* b = find(basic_, code)) out.meanings.push_back(*b);
  if (code.size() == 3)
    if (const auto* d = find(second_digit_, "x" + code.substr(1, 1) + "z")) out.meanings.push_back(*d);
  return out;
}

namespace detail {
extern const std::string_view kBuiltinStatusCodesJson;  // generated from assets/enhanced-status-codes.json
}

const StatusCodes& StatusCodes::builtin() {
  static const StatusCodes codes = from_json(detail::kBuiltinStatusCodesJson);
  return codes;
}

}  // namespace smtpwb

// Inputs that crashed a libFuzzer target (tests/fuzz/regressions/<target>/), replayed in the ordinary
// build: each must now be handled as bad input, never throw or crash.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "smtpwb/hints.hpp"
#include "smtpwb/report.hpp"

namespace fs = std::filesystem;

namespace {
std::vector<fs::path> regressions(const char* target) {
  fs::path dir = fs::path(SMTPWB_FUZZ_REGRESSIONS) / target;  // not __FILE__: a compiler cache may make it relative
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  return files;
}
}  // namespace

TEST_CASE("Fuzz regressions: profiles that once crashed the loader are clear errors", "[fuzz][profile]") {
  auto files = regressions("profile");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO(file.string());
    smtpwb::ConnectionSettings settings;
    std::optional<smtpwb::ProfileError> error;
    REQUIRE_NOTHROW(error = smtpwb::load_profile_file(file.string(), settings));
    REQUIRE(error);
    CHECK(error->message.find(file.string() + ":") == 0);
    CHECK(error->message.find("not valid JSON") != std::string::npos);
  }
}

TEST_CASE("A number beyond a double's range is a JSON error naming its line", "[fuzz][profile]") {
  auto path = fs::temp_directory_path() / "smtpwb-number-overflow.json";
  std::ofstream(path, std::ios::binary) << "{\n  \"name\": \"x\",\n  \"port\": 1E999\n}\n";
  smtpwb::ConnectionSettings settings;
  auto error = smtpwb::load_profile_file(path.string(), settings);
  fs::remove(path);
  REQUIRE(error);
  CHECK(error->message.find(path.string() + ":3: not valid JSON (number overflow") == 0);
}

TEST_CASE("Fuzz regressions: catalogue documents that once escaped as JSON exceptions are clear errors", "[fuzz][hints]") {
  for (const auto& file : regressions("hints")) {
    INFO(file.string());
    std::string bytes;
    {
      std::ifstream in(file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    // The fuzz target reads the catalogue after its 4 control bytes.
    REQUIRE(bytes.size() > 4);
    CHECK_THROWS_AS(smtpwb::HintCatalogue::from_json(std::string_view(bytes).substr(4)), std::runtime_error);
  }
  CHECK_THROWS_AS(smtpwb::HintCatalogue::from_json(R"({"format": 1, "rules": []})"), std::runtime_error);
}

// The real workbench binary under Xvfb: --run-test against the demo server and the suite's Postfix,
// checking the exit status and that the screenshot shows a drawn window.
#ifdef SMTPWB_WITH_GUI
#include <catch2/catch_test_macros.hpp>
#include <stb_image.h>

#include <set>

#include "smtpwb/report.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {
// A display number of our own (from the shell's PID): parallel `xvfb-run -a` can race for the same one.
const std::string kXvfb = "xvfb-run -a -n $((100 + $$ % 5000)) -s '-screen 0 1280x820x24'";

test::Run run_window(const std::filesystem::path& config, const std::string& name, const std::filesystem::path& shot,
                     const std::string& env = {}) {
  return test::run_binary("--config-dir " + config.string() + " --run-test '" + name + "' --screenshot " + shot.string() + " 2>&1",
                          env + " " + kXvfb);
}

// A blank or single-colour image has few distinct colours; a drawn window with text has hundreds.
std::size_t distinct_colours(const std::filesystem::path& png, int& width, int& height) {
  int channels = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &width, &height, &channels, 3);
  if (!pixels) return 0;
  std::set<std::uint32_t> colours;
  for (int i = 0; i < width * height; ++i)
    colours.insert(static_cast<std::uint32_t>(pixels[3 * i] << 16 | pixels[3 * i + 1] << 8 | pixels[3 * i + 2]));
  stbi_image_free(pixels);
  return colours.size();
}

void save_stack_connection(const std::filesystem::path& config, const std::string& name) {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.name = name;
  std::filesystem::create_directories(config / "connections");
  REQUIRE(save_profile_file((config / "connections" / "postfix.json").string(), s).empty());
}
}  // namespace

TEST_CASE("Window: the first start's demo connection runs its Test and the screenshot shows it", "[gui][xvfb]") {
  test::TempDir dir;
  auto r = run_window(dir.path / "config", "Demo server", dir.path / "demo.png");
  INFO(r.out);
  CHECK(r.status == 0);
  int w = 0, h = 0;
  CHECK(distinct_colours(dir.path / "demo.png", w, h) > 50);
  CHECK(w == 1280);
  CHECK(std::filesystem::exists(dir.path / "config" / "connections" / "demo-server.json"));
}

TEST_CASE("Window: Test against the real Postfix, right and wrong password", "[gui][xvfb]") {
  test::TempDir dir;
  save_stack_connection(dir.path / "config", "Postfix submission");
  auto ok = test::run_binary("--config-dir " + (dir.path / "config").string() +
                                 " --run-test 'Postfix submission' --password-env SMTPWB_TEST_PW --screenshot " +
                                 (dir.path / "ok.png").string() + " 2>&1",
                             "SMTPWB_TEST_PW='" + test::fact("MAILSTACK_PASSWORD") + "' " + kXvfb);
  {
    INFO(ok.out);
    CHECK(ok.status == 0);
  }
  auto bad = test::run_binary("--config-dir " + (dir.path / "config").string() +
                                  " --run-test 'Postfix submission' --password-env SMTPWB_TEST_PW --screenshot " +
                                  (dir.path / "bad.png").string() + " 2>&1",
                              "SMTPWB_TEST_PW=wrong-password " + kXvfb);
  INFO(bad.out);
  CHECK(bad.status == exit_code(FailureCategory::Auth));
  int w = 0, h = 0;
  CHECK(distinct_colours(dir.path / "bad.png", w, h) > 50);
}

TEST_CASE("Window: --run-test with an unknown name, and no display, fail clearly", "[gui]") {
  test::TempDir dir;
  auto unknown = run_window(dir.path / "config", "No such connection", dir.path / "x.png");
  CHECK(unknown.status == 2);
  CHECK(unknown.out.find("no connection named \"No such connection\"") != std::string::npos);
  auto headless = test::run_binary("--config-dir " + dir.path.string() + " 2>&1", "env -u DISPLAY -u WAYLAND_DISPLAY");
  CHECK(headless.status == 2);
  CHECK(headless.out.find("smtp-workbench check") != std::string::npos);
}
#endif

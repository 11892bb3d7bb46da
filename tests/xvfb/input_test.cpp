// Input as a desktop delivers it, from outside the process: taps whose press and release arrive in one
// batch (a touchpad tap, remote desktop, automation) and a drag of the splitter, sent with xdotool to the
// real window under Xvfb and checked through the window's --ui-state file (where each frame drew what).
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

#include "support.hpp"
#include "xvfb.hpp"

namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Rect {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int cx() const { return static_cast<int>((x0 + x1) / 2); }
  int cy() const { return static_cast<int>((y0 + y1) / 2); }
  double height() const { return y1 - y0; }
};

std::string output_of(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p);
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  return out;
}

// The workbench window on an X server of its own, started with --ui-state and stopped by PID.
class Window {
 public:
  Window() {
    REQUIRE(std::system("command -v xdotool >/dev/null") == 0);  // scripts/setup-deps.sh installs it
    const std::string config = (dir_.path / "config").string(), state = state_.string();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setenv("DISPLAY", x_.display().c_str(), 1);
      ::execl(SMTPWB_BINARY, SMTPWB_BINARY, "--config-dir", config.c_str(), "--ui-state", state.c_str(), nullptr);
      ::_exit(127);
    }
    REQUIRE(wait_for([&] { return has("tab:TLS") && has("tab:Connection settings"); }));
    id_ = output_of("DISPLAY=" + x_.display() + " xdotool search --sync --onlyvisible --name '^SMTP Workbench$' | head -n 1");
    while (!id_.empty() && id_.back() == '\n') id_.pop_back();
    REQUIRE_FALSE(id_.empty());
    wait_idle();
  }
  ~Window() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }

  // xdotool with its arguments; "{w}" stands for the window.
  void xdotool(std::string args) {
    for (auto at = args.find("{w}"); at != std::string::npos; at = args.find("{w}")) args.replace(at, 3, id_);
    REQUIRE(std::system(("DISPLAY=" + x_.display() + " xdotool " + args).c_str()) == 0);
  }
  void move_to(int x, int y) {
    xdotool("mousemove --window {w} " + std::to_string(x) + " " + std::to_string(y));
    wait_idle();
  }
  // Press and release with no delay between them, reaching the window in one batch: the window is paused
  // while they are sent, so it reads both at once whatever the scheduling (as over remote desktop).
  void tap() {
    REQUIRE(::kill(pid_, SIGSTOP) == 0);
    xdotool("mousedown 1 mouseup 1");
    REQUIRE(::kill(pid_, SIGCONT) == 0);
    wait_idle();
  }

  // A move to (x, y) and a click there, all in one batch (as automation and remote desktop send them).
  void move_and_tap(int x, int y) {
    REQUIRE(::kill(pid_, SIGSTOP) == 0);
    xdotool("mousemove --window {w} " + std::to_string(x) + " " + std::to_string(y) + " mousedown 1 mouseup 1");
    REQUIRE(::kill(pid_, SIGCONT) == 0);
    wait_idle();
  }

  bool has(const std::string& key) { return state()["rects"].contains(key); }
  Rect rect(const std::string& key) {
    auto r = state()["rects"].at(key);
    return {r[0], r[1], r[2], r[3]};
  }
  // Until no frame has been drawn for 400 ms: the window sleeps in glfwWaitEvents again.
  void wait_idle() {
    long last = -1;
    auto still_since = Clock::now();
    for (auto end = Clock::now() + 10s; Clock::now() < end; std::this_thread::sleep_for(20ms)) {
      long frame = state().value("frame", -1L);
      if (frame != last) {
        last = frame;
        still_since = Clock::now();
      } else if (Clock::now() - still_since > 400ms) {
        return;
      }
    }
    FAIL("the window kept drawing for 10 s");
  }

 private:
  nlohmann::json state() {
    auto text = test::slurp(state_);
    auto j = nlohmann::json::parse(text, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }
  template <class F>
  bool wait_for(F done) {
    for (auto end = Clock::now() + 20s; Clock::now() < end; std::this_thread::sleep_for(50ms))
      if (done()) return true;
    return false;
  }

  test::Xvfb x_;
  test::TempDir dir_;
  std::filesystem::path state_ = dir_.path / "ui-state.json";
  pid_t pid_ = -1;
  std::string id_;
};
}  // namespace

// Dear ImGui takes one change of a mouse button per frame: a window that slept after the press's frame
// never showed the tap (nor took the release until the next event woke it).
TEST_CASE("A tap with press and release in one batch switches the editor tabs and the result tabs", "[gui][xvfb][input]") {
  Window w;
  REQUIRE(w.has("open-tab:Common settings"));
  REQUIRE(w.has("open-tab:Transcript"));
  for (const char* tab : {"Connection settings", "TLS", "Timeline", "Common settings", "Find settings", "Transcript"}) {
    Rect r = w.rect(std::string("tab:") + tab);
    w.move_to(r.cx(), r.cy());
    w.tap();
    INFO("tab " << tab);
    CHECK(w.has(std::string("open-tab:") + tab));
  }
}

// ImGui hovers a tab only when the frame before had the pointer on it (or on nothing): a move and a press
// in one frame pressed nothing.
TEST_CASE("A move and a click in one batch switch the editor tabs and the result tabs", "[gui][xvfb][input]") {
  Window w;
  for (const char* tab : {"Connection settings", "TLS", "Common settings", "Timeline", "Connection settings", "Transcript"}) {
    Rect r = w.rect(std::string("tab:") + tab);
    w.move_and_tap(r.cx(), r.cy());
    INFO("tab " << tab);
    CHECK(w.has(std::string("open-tab:") + tab));
  }
  // A move and a press in one batch, the release in a later one: the press still selects the tab, and the
  // release is not lost (a button left held down keeps the window drawing, and wait_idle fails).
  Rect r = w.rect("tab:TLS");
  w.xdotool("mousemove --window {w} " + std::to_string(r.cx()) + " " + std::to_string(r.cy()) + " mousedown 1");
  std::this_thread::sleep_for(300ms);
  w.xdotool("mouseup 1");
  w.wait_idle();
  CHECK(w.has("open-tab:TLS"));
}

TEST_CASE("Dragging the splitter between the editor and the results", "[gui][xvfb][input]") {
  Window w;
  const Rect editor = w.rect("editor"), splitter = w.rect("editor-splitter"), tls = w.rect("tab:TLS");
  w.move_to(splitter.cx(), splitter.cy());
  w.xdotool("mousedown 1");
  for (int dy : {-20, -40, -60, -80}) {  // with the button held the window draws every frame: no idle wait
    w.xdotool("mousemove --window {w} " + std::to_string(splitter.cx()) + " " + std::to_string(splitter.cy() + dy));
    std::this_thread::sleep_for(100ms);
  }
  w.xdotool("mouseup 1");
  w.wait_idle();
  CHECK(std::abs(w.rect("editor").height() - (editor.height() - 80)) <= 2);
  CHECK(std::abs(w.rect("tab:TLS").y0 - (tls.y0 - 80)) <= 2);  // the results took the space
}

// The splitter's position goes to window.json on exit and comes back at the next start (--run-test exits
// by itself, through the same path as closing the window).
TEST_CASE("The editor's height in window.json is applied at start and saved back on exit", "[gui][xvfb][input]") {
  test::TempDir dir;
  const auto config = dir.path / "config";
  std::filesystem::create_directories(config);
  {
    std::ofstream(config / "window.json") << R"({"width": 1280, "height": 820, "editor_height": 150})";
  }
  test::Xvfb x;
  auto r = test::run_binary("--config-dir " + config.string() + " --run-test 'Demo server' --ui-state " +
                                (dir.path / "ui-state.json").string() + " 2>&1",
                            x.env());
  INFO(r.out);
  REQUIRE(r.status == 0);
  auto editor = nlohmann::json::parse(test::slurp(dir.path / "ui-state.json"))["rects"].at("editor");
  CHECK(std::abs(static_cast<double>(editor[3]) - static_cast<double>(editor[1]) - 150) <= 1);
  auto saved = nlohmann::json::parse(test::slurp(config / "window.json"));
  CHECK(std::abs(saved.value("editor_height", 0.0) - 150) <= 0.5);
}

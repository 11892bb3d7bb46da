// The workbench window: GLFW + OpenGL 3 + Dear ImGui, rendering only when there is input or engine
// activity (glfwWaitEventsTimeout, woken by glfwPostEmptyEvent from the background jobs' threads).
#include "gui_main.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <cfloat>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <tuple>
#include <nlohmann/json.hpp>

#include "exit_status.hpp"
#include "gui_args.hpp"
#include "model/workbench.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "views/ui_probe.hpp"
#include "views/views.hpp"
#include "window_prefs.hpp"

namespace fs = std::filesystem;

namespace smtpwb::gui {

namespace {
WindowPrefs load_prefs(const fs::path& dir) {
  auto text = read_file(platform::utf8_from_path(dir / "window.json"));
  return text ? parse_window_prefs(*text) : WindowPrefs{};
}

void save_prefs(const fs::path& dir, GLFWwindow* window, const ViewState& vs, float scale) {
  WindowPrefs p;
  glfwGetWindowSize(window, &p.width, &p.height);
  p.dark = vs.dark;
  p.left_width = vs.left_width / scale;
  p.editor_height = vs.editor_height / scale;
  write_file_atomically(platform::utf8_from_path(dir / "window.json"), window_prefs_json(p));
}

float content_scale(GLFWwindow* window) {
  float x = 1, y = 1;
  glfwGetWindowContentScale(window, &x, &y);
  return std::clamp(std::max(x, y), 1.0f, 4.0f);
}

void load_fonts(ViewState& vs, float scale) {
  ImGuiIO& io = ImGui::GetIO();
  const char* sans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  const char* mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
  std::error_code ec;
  if (fs::exists(sans, ec)) io.Fonts->AddFontFromFileTTF(sans, 15.0f * scale);
  else {
    ImFontConfig config;
    config.SizePixels = 13.0f * scale;
    io.Fonts->AddFontDefault(&config);
  }
  vs.mono = fs::exists(mono, ec) ? io.Fonts->AddFontFromFileTTF(mono, 14.0f * scale) : nullptr;
}

bool write_screenshot(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  stbi_flip_vertically_on_write(1);
  return stbi_write_png(path.c_str(), w, h, 4, pixels.data(), w * 4) != 0;
}

int run_exit_code(const Run& run) { return run.result.ok ? 0 : app::exit_status(run.result.failure->category); }

struct RunPasswords {
  std::optional<std::string> password, proxy_password;
};

// Scripts have no keyring: --run-test may take the passwords from the environment. False when a named
// variable is not set (said on stderr).
bool read_run_passwords(const GuiArgs& args, RunPasswords& out) {
  for (auto [flag, var, value] : {std::tuple{"--password-env", &args.password_env, &out.password},
                                  std::tuple{"--proxy-password-env", &args.proxy_password_env, &out.proxy_password}}) {
    if (!*var) continue;
    *value = platform::env(**var);
    if (!*value) {
      std::fprintf(stderr, "smtp-workbench: %s: %s is not set\n", flag, (*var)->c_str());
      return false;
    }
  }
  return true;
}

// GLFW with an OpenGL 3 window, or nullptr with the reason on stderr.
GLFWwindow* open_window(const WindowPrefs& prefs) {
  glfwSetErrorCallback([](int, const char* text) { std::fprintf(stderr, "smtp-workbench: GLFW: %s\n", text); });
  if (!glfwInit()) {
    std::fputs("smtp-workbench: the display could not be opened. For a headless test use: smtp-workbench check --help\n", stderr);
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* window = glfwCreateWindow(prefs.width, prefs.height, "SMTP Workbench", nullptr, nullptr);
  if (!window) {
    glfwTerminate();
    std::fputs("smtp-workbench: no OpenGL 3 window could be created. For a headless test use: smtp-workbench check --help\n", stderr);
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  return window;
}

// --run-test: starts the named connection's Test; nullptr (and exit_status 2) when it cannot.
Run* start_automated_test(Workbench& wb, const std::string& name, const RunPasswords& passwords,
                          const fs::path& config_dir, int& exit_status) {
  Connection* c = wb.find_by_name(name);
  if (!c) {
    std::fprintf(stderr, "smtp-workbench: --run-test: no connection named \"%s\" in %s\n", name.c_str(),
                 platform::utf8_from_path(config_dir / "connections").c_str());
    exit_status = 2;
    return nullptr;
  }
  if (passwords.password) c->saved.password = c->draft.password = *passwords.password;
  if (passwords.proxy_password) c->saved.proxy.password = c->draft.proxy.password = *passwords.proxy_password;
  wb.apply(cmd::SelectConnection{c->id});
  wb.apply(cmd::RunTest{c->id});
  Run* run = c->current_run();
  if (!run) {
    std::fprintf(stderr, "smtp-workbench: --run-test: %s\n", wb.status().c_str());
    exit_status = 2;
  }
  return run;
}

// ImGui applies at most one change of a mouse button per frame (io.ConfigInputTrickleEventQueue), and a
// tab selected by a press shows one frame later: a press and release that arrive in one batch (a touchpad
// tap, remote desktop, automation) need several frames. So the loop draws until ImGui's input queue is
// empty, and this many frames more, before it sleeps again.
constexpr int kFramesAfterInput = 3;

bool input_queued() { return ImGui::GetCurrentContext()->InputEventsQueue.Size > 0; }

// ImGui applies a move and the press after it in one frame, but a tab item (it allows overlap) is only
// hovered when the frame before had the pointer on it or on nothing: a move and a click in one batch
// (automation, remote desktop, a tap somewhere new) pressed nothing. ImGui's own rule for touch screens
// gives the move a frame of its own; here a wheel event of zero between them does (a button change after a
// wheel event waits for the next frame). The events stay in ImGui's queue, in order, so nothing is lost.
void give_moves_a_frame_before_a_press(ImGuiContext& g) {
  auto& queue = g.InputEventsQueue;
  bool moved = false;
  for (int i = 0; i < queue.Size; ++i) {
    const auto type = queue[i].Type;
    if (type == ImGuiInputEventType_MousePos) moved = true;
    if (type == ImGuiInputEventType_MouseWheel) moved = false;
    if (type != ImGuiInputEventType_MouseButton || !moved) continue;
    ImGuiInputEvent barrier{};
    barrier.Type = ImGuiInputEventType_MouseWheel;
    barrier.Source = ImGuiInputSource_Mouse;
    barrier.EventId = g.InputEventsNextEventId++;
    barrier.MouseWheel.MouseSource = ImGuiMouseSource_Mouse;
    queue.insert(queue.begin() + i, barrier);
    moved = false;
    ++i;
  }
}

// --ui-state: where the last frame drew the widgets the views note (tabs, splitters), for a test that
// drives the window from outside; written whole, so a reader never sees half a file.
void write_ui_state(const std::string& path, long frame) {
  nlohmann::json rects = nlohmann::json::object();
  for (const auto& [key, r] : probe::all()) rects[key] = {r.x0, r.y0, r.x1, r.y1};
  write_file_atomically(path, nlohmann::json{{"frame", frame}, {"rects", rects}}.dump() + "\n");
}

struct FrameLoop {
  GLFWwindow* window;
  Workbench& wb;
  ViewState& vs;
  const GuiArgs& args;
  float scale;
  Run* automated;
  int exit_status;
  long frames_drawn = 0;

  // Draws until the window closes; returns the exit status.
  int run() {
    int frames_after_finish = 0;
    int busy_frames = 2;  // a few frames after any activity let hover and layout settle
    bool style_dark = vs.dark;
    std::vector<Command> commands;
    while (!glfwWindowShouldClose(window)) {
      if (busy_frames > 0) glfwPollEvents();
      else glfwWaitEventsTimeout(30.0);  // and whenever a job wakes it: an event, a new phase, a probe row, the end
      busy_frames = std::max(busy_frames - 1, 0);
      give_moves_a_frame_before_a_press(*ImGui::GetCurrentContext());
      if (input_queued()) busy_frames = std::max(busy_frames, kFramesAfterInput);
      if (wb.poll()) busy_frames = std::max(busy_frames, 2);
      if (ImGui::GetIO().WantTextInput || ImGui::IsMouseDown(ImGuiMouseButton_Left)) busy_frames = std::max(busy_frames, 1);
      if (style_dark != vs.dark) {
        apply_style(vs.dark, scale);
        style_dark = vs.dark;
      }
      if (draw_frame(commands)) busy_frames = std::max(busy_frames, 2);
      if (automated && automated->finished && ++frames_after_finish >= 3) finish_automated_test();
      if (automated && automated->finished) busy_frames = std::max(busy_frames, 1);
      glfwSwapBuffers(window);
    }
    return exit_status;
  }

  // One frame: the views, then their commands; true when there were commands.
  bool draw_frame(std::vector<Command>& commands) {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    // --run-test drives the window itself: wherever the pointer rests, nothing should look hovered.
    if (args.run_test) ImGui::GetIO().AddMousePosEvent(-FLT_MAX, -FLT_MAX);
    if (args.ui_state) probe::enable(true);  // only what this frame draws
    ImGui::NewFrame();
    commands.clear();
    draw_workbench(wb, vs, commands);
    ImGui::Render();
    if (args.ui_state) write_ui_state(*args.ui_state, ++frames_drawn);
    for (const auto& cmd : commands) wb.apply(cmd);
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(0.1f, 0.1f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    return !commands.empty();
  }

  void finish_automated_test() {
    exit_status = run_exit_code(*automated);
    if (args.screenshot && !write_screenshot(window, *args.screenshot)) {
      std::fprintf(stderr, "smtp-workbench: --screenshot: %s could not be written\n", args.screenshot->c_str());
      exit_status = 1;
    }
    glfwSetWindowShouldClose(window, GLFW_TRUE);
  }
};

}  // namespace

int run_gui(const std::vector<std::string>& argv) {
  auto parsed = parse_gui_args(argv);
  if (auto* err = std::get_if<GuiUsageError>(&parsed)) {
    std::fprintf(stderr, "smtp-workbench: %s\n%s", err->message.c_str(), kGuiUsage);
    return 2;
  }
  const GuiArgs& args = std::get<GuiArgs>(parsed);
  if (args.help) {
    std::fputs(kGuiUsage, stdout);
    return 0;
  }
  RunPasswords passwords;
  if (!read_run_passwords(args, passwords)) return 2;
  if (auto why = platform::missing_display(); !why.empty()) {
    std::fprintf(stderr, "smtp-workbench: %s, so the window cannot open.\n"
                 "To test a server without a window, use: smtp-workbench check --host HOST ... (see smtp-workbench check --help)\n",
                 why.c_str());
    return 2;
  }
  const fs::path config_dir = args.config_dir.empty() ? default_config_dir() : platform::path_from_utf8(args.config_dir);
  std::error_code ec;
  fs::create_directories(config_dir, ec);
  WindowPrefs prefs = load_prefs(config_dir);
  GLFWwindow* window = open_window(prefs);
  if (!window) return 2;

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  const std::string ini = platform::utf8_from_path(config_dir / "imgui.ini");
  ImGui::GetIO().IniFilename = ini.c_str();
  ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  const float scale = content_scale(window);
  ViewState vs;
  vs.dark = prefs.dark;
  vs.left_width = prefs.left_width * scale;
  vs.editor_height = prefs.editor_height * scale;
  load_fonts(vs, scale);
  apply_style(vs.dark, scale);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  auto workbench = std::make_unique<Workbench>(config_dir, open_secret_store(), [] { glfwPostEmptyEvent(); });
  workbench->load();
  int exit_status = 0;
  Run* automated = nullptr;
  if (args.run_test) {
    automated = start_automated_test(*workbench, *args.run_test, passwords, config_dir, exit_status);
    if (!automated) glfwSetWindowShouldClose(window, GLFW_TRUE);
  }
  exit_status = FrameLoop{window, *workbench, vs, args, scale, automated, exit_status}.run();

  save_prefs(config_dir, window, vs, scale);
  workbench.reset();  // joins session threads while GLFW can still take their wake-ups
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_status;
}

}  // namespace smtpwb::gui

// GUI figures for BENCHMARKS.md, measured in a real GLFW + OpenGL window (run it under Xvfb):
//   gui_bench transcript LINES FRAMES   frame CPU time with a LINES-line transcript, unfiltered and
//                                        filtered, and resident memory
//   gui_bench first-frame               time from process start to the first frame on screen
//   gui_bench load SESSIONS             frame times while SESSIONS tests of the demo server run at once
// Output: one "key value" pair per line, for bench/gui_bench.sh to collect.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "model/workbench.hpp"
#include "views/views.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;

namespace {
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

// Milliseconds since this process started (its start time in /proc is in clock ticks since boot).
double ms_since_process_start() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto after_name = text.rfind(')');
  std::vector<std::string> fields;
  std::size_t pos = after_name + 2;
  while (pos < text.size()) {
    auto next = text.find(' ', pos);
    fields.push_back(text.substr(pos, next - pos));
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  double start_s = std::stod(fields[19]) / static_cast<double>(sysconf(_SC_CLK_TCK));  // field 22 overall
  timespec up{};
  clock_gettime(CLOCK_BOOTTIME, &up);
  return (static_cast<double>(up.tv_sec) + static_cast<double>(up.tv_nsec) / 1e9 - start_s) * 1e3;
}

struct Window {
  GLFWwindow* window = nullptr;
  bool open() {
    if (!glfwInit()) return false;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    window = glfwCreateWindow(1280, 820, "gui_bench", nullptr, nullptr);
    if (!window) return false;
    glfwMakeContextCurrent(window);
    glfwSwapInterval(0);
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::GetIO().Fonts->AddFontFromFileTTF("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 15.0f);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 130");
    return true;
  }
  // One frame; returns the CPU milliseconds spent building the UI (NewFrame to Render).
  double frame(Workbench& wb, ViewState& vs) {
    glfwPollEvents();
    double t0 = thread_cpu_ms();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    std::vector<Command> commands;
    draw_workbench(wb, vs, commands);
    ImGui::Render();
    double ui = thread_cpu_ms() - t0;
    int w, h;
    glfwGetFramebufferSize(window, &w, &h);
    glViewport(0, 0, w, h);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
    return ui;
  }
};

void print_stats(const char* name, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%s_median_ms %.3f\n%s_worst_ms %.3f\n", name, v[v.size() / 2], name, v.back());
}

// Realistic lines: a dialogue repeated, so the filter has matches spread through the transcript.
const char* const kLines[] = {"EHLO client.example.com", "250-mail.example.test", "250-PIPELINING", "250-SIZE 10240000",
                              "250-AUTH PLAIN LOGIN CRAM-MD5", "250 CHUNKING", "AUTH PLAIN ******** (user=\"alice\")",
                              "235 2.7.0 Authentication successful", "MAIL FROM:<a@example.test>", "250 2.1.0 Ok"};

int transcript_bench(std::size_t lines, int frames) {
  Window win;
  if (!win.open()) return 2;
  char tmpl[] = "/tmp/smtpwb-gui-bench-XXXXXX";
  Workbench wb(mkdtemp(tmpl), std::make_unique<MemorySecretStore>(), [] {});
  wb.load();
  Connection& c = *wb.selected();
  auto run = std::make_unique<Run>();
  run->finished = true;
  run->result.ok = true;
  long rss_before = rss_kib();
  for (std::size_t i = 0; i < lines; ++i)
    run->transcript.append(Event{static_cast<std::int64_t>(i * 10), i % 2 ? Dir::Server : Dir::Client, Phase::Ehlo, true,
                                 kLines[i % 10]});
  c.runs.push_back(std::move(run));
  c.shown_run = 0;
  ViewState vs;
  std::vector<double> unfiltered, filtered;
  win.frame(wb, vs);
  for (int i = 0; i < frames; ++i) unfiltered.push_back(win.frame(wb, vs));
  vs.transcript.filter = "AUTH";
  double rebuild = win.frame(wb, vs);  // the one frame that scans every line for the new filter
  for (int i = 0; i < frames; ++i) filtered.push_back(win.frame(wb, vs));
  std::printf("lines %zu\n", lines);
  print_stats("frame_cpu_unfiltered", unfiltered);
  print_stats("frame_cpu_filtered", filtered);
  std::printf("filter_rebuild_ms %.3f\n", rebuild);
  std::printf("rss_mib %.1f\n", static_cast<double>(rss_kib()) / 1024);
  std::printf("transcript_mib %.1f\n", static_cast<double>(rss_kib() - rss_before) / 1024);
  return 0;
}

// The window while N tests of the demo connection run at once: frame CPU and frame wall time (all
// sessions stream into their transcripts meanwhile), and how long until the last one finished.
int load_bench(int sessions) {
  Window win;
  if (!win.open()) return 2;
  char tmpl[] = "/tmp/smtpwb-gui-bench-XXXXXX";
  Workbench wb(mkdtemp(tmpl), std::make_unique<MemorySecretStore>(), [] { glfwPostEmptyEvent(); });
  wb.load();
  Connection& demo = *wb.selected();
  ViewState vs;
  win.frame(wb, vs);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < sessions; ++i) wb.apply(cmd::RunTest{demo.id});
  std::vector<double> cpu, wall;
  int failed = 0;
  while (wb.any_running()) {
    auto f0 = std::chrono::steady_clock::now();
    wb.poll();
    cpu.push_back(win.frame(wb, vs));
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - f0).count());
  }
  double total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  wb.poll();
  for (const auto& run : demo.runs) failed += !run->result.ok;
  std::printf("load_sessions %d\nload_total_ms %.1f\nload_frames %zu\nload_failed_of_kept %d\n", sessions, total, cpu.size(), failed);
  print_stats("load_frame_cpu", cpu);
  print_stats("load_frame_wall", wall);
  return 0;
}

int first_frame_bench() {
  Window win;
  if (!win.open()) return 2;
  char tmpl[] = "/tmp/smtpwb-gui-bench-XXXXXX";
  Workbench wb(mkdtemp(tmpl), std::make_unique<MemorySecretStore>(), [] {});
  wb.load();
  ViewState vs;
  win.frame(wb, vs);
  glFinish();
  std::printf("first_frame_ms %.1f\n", ms_since_process_start());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "transcript") == 0) return transcript_bench(std::stoul(argv[2]), std::stoi(argv[3]));
  if (argc >= 2 && std::strcmp(argv[1], "first-frame") == 0) return first_frame_bench();
  if (argc >= 3 && std::strcmp(argv[1], "load") == 0) return load_bench(std::stoi(argv[2]));
  std::fputs("usage: gui_bench transcript LINES FRAMES | gui_bench first-frame | gui_bench load SESSIONS\n", stderr);
  return 2;
}

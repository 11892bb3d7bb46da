#pragma once
// An ImGui context with no renderer: real views drawn frame by frame, driven through io input events.
#include <imgui.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "model/workbench.hpp"
#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace guitest {

// A fresh config directory under the system temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("smtpwb-gui-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct Harness {
  TempDir dir;
  smtpwb::gui::Workbench wb;
  smtpwb::gui::ViewState vs;
  std::vector<smtpwb::gui::Command> emitted;  // every command the views emitted, in order
  bool apply_commands = true;

  Harness() : wb(dir.path, std::make_unique<smtpwb::gui::MemorySecretStore>(), [] {}) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1280, 800);
    io.DeltaTime = 1.0f / 60;
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    smtpwb::gui::probe::enable(true);
  }
  ~Harness() {
    smtpwb::gui::probe::enable(false);
    ImGui::DestroyContext();
  }

  void frame() {
    wb.poll();
    smtpwb::gui::probe::enable(true);  // only what this frame draws
    ImGui::NewFrame();
    std::vector<smtpwb::gui::Command> commands;
    smtpwb::gui::draw_workbench(wb, vs, commands);
    ImGui::Render();
    for (const auto& c : commands) {
      emitted.push_back(c);
      if (apply_commands) wb.apply(c);
    }
  }
  void frames(int n) {
    for (int i = 0; i < n; ++i) frame();
  }

  // Clicks the widget the last frame noted under `key`; false if it was not drawn.
  bool click(const std::string& key) {
    auto r = smtpwb::gui::probe::find(key);
    if (!r) return false;
    ImGuiIO& io = ImGui::GetIO();
    io.AddMousePosEvent(r->cx(), r->cy());
    frame();
    io.AddMouseButtonEvent(0, true);
    frame();
    io.AddMouseButtonEvent(0, false);
    frame();
    frame();
    return true;
  }
  void type(const std::string& text) {
    ImGui::GetIO().AddInputCharactersUTF8(text.c_str());
    frames(2);
  }
  void key(ImGuiKey k, bool ctrl = false) {
    ImGuiIO& io = ImGui::GetIO();
    if (ctrl) io.AddKeyEvent(ImGuiMod_Ctrl, true);
    io.AddKeyEvent(k, true);
    frame();
    io.AddKeyEvent(k, false);
    if (ctrl) io.AddKeyEvent(ImGuiMod_Ctrl, false);
    frames(2);
  }
  template <class C>  // one of smtpwb::gui::cmd
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& c : emitted) n += std::holds_alternative<C>(c);
    return n;
  }
  // Frames until `done` or ~10 s; then one more frame, so the views have drawn the new state.
  bool frames_until(const std::function<bool()>& done) {
    for (int i = 0; i < 1000; ++i) {
      frame();
      if (done()) {
        frame();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

}  // namespace guitest

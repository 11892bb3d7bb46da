// The window's libraries for Windows (GLFW, OpenGL 3 through Wine's opengl32, Dear ImGui with FreeType
// from the prefix, stb) draw a frame under Wine + Xvfb: a window with a button, read back and saved as a
// PNG. Exits 0 only if the frame is not blank. usage: window_smoke.exe OUT.png
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <set>
#include <vector>

namespace {

void draw_frame(GLFWwindow* window) {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(10, 10));
  ImGui::Begin("SMTP Workbench on Windows");
  ImGui::TextUnformatted("220 smtp.example.org ESMTP");
  ImGui::Button("Test");
  ImGui::End();
  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window, &width, &height);
  glViewport(0, 0, width, height);
  glClearColor(0.1f, 0.1f, 0.12f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// Distinct colours in the frame: a blank (or unrendered) frame has one.
std::size_t save_frame(GLFWwindow* window, const char* path) {
  int width = 0, height = 0;
  glfwGetFramebufferSize(window, &width, &height);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * 4);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  stbi_flip_vertically_on_write(1);
  if (!stbi_write_png(path, width, height, 4, pixels.data(), width * 4)) return 0;
  std::set<unsigned> colours;
  for (std::size_t i = 0; i + 3 < pixels.size(); i += 4)
    colours.insert(pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]);
  return colours.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) { std::fprintf(stderr, "usage: window_smoke OUT.png\n"); return 2; }
  if (!glfwInit()) { std::fprintf(stderr, "glfwInit failed\n"); return 1; }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* window = glfwCreateWindow(480, 240, "window smoke", nullptr, nullptr);
  if (!window) { std::fprintf(stderr, "no OpenGL 3 window\n"); return 1; }
  glfwMakeContextCurrent(window);
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  for (int frame = 0; frame < 3; ++frame) draw_frame(window);
  const std::size_t colours = save_frame(window, argv[1]);
  std::printf("OpenGL %s (%s): %zu colours in the frame\n", glGetString(GL_VERSION), glGetString(GL_RENDERER), colours);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwTerminate();
  return colours > 2 ? 0 : 1;
}

// The window's layout: the splitter between the connection editor and the results, and the window
// state that remembers it (window.json).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>

#include "gui_harness.hpp"
#include "window_prefs.hpp"

using namespace smtpwb::gui;
using Catch::Matchers::WithinAbs;

TEST_CASE("The editor pane takes the dragged height, no more than its content, and leaves the results their minimum", "[gui][layout]") {
  // wanted, content, available, min editor, min results
  CHECK(editor_pane_height(300, 1000, 800, 60, 200) == 300);  // what the user dragged it to
  CHECK(editor_pane_height(500, 350, 800, 60, 200) == 350);   // the results get what the editor does not use
  CHECK(editor_pane_height(700, 1000, 800, 60, 200) == 600);  // the results keep their minimum
  CHECK(editor_pane_height(10, 1000, 800, 60, 200) == 60);    // the editor keeps its own
  CHECK(editor_pane_height(300, 40, 800, 60, 200) == 40);     // ... unless its content is smaller
  CHECK(editor_pane_height(300, 1000, 150, 60, 200) == 60);   // too small a window: the editor's minimum wins
}

TEST_CASE("window.json keeps the splitter positions across restarts", "[gui][layout]") {
  WindowPrefs p;
  p.width = 1000;
  p.height = 700;
  p.dark = false;
  p.left_width = 333;
  p.editor_height = 222.5f;
  WindowPrefs back = parse_window_prefs(window_prefs_json(p));
  CHECK(back.width == 1000);
  CHECK(back.height == 700);
  CHECK_FALSE(back.dark);
  CHECK(back.left_width == 333);
  CHECK(back.editor_height == 222.5f);
}

TEST_CASE("window.json from an older version, out of range or damaged gives defaults", "[gui][layout]") {
  WindowPrefs defaults;
  auto old = parse_window_prefs(R"({"width": 900, "height": 600, "dark": true, "left_width": 250})");
  CHECK(old.width == 900);
  CHECK(old.editor_height == defaults.editor_height);
  CHECK(parse_window_prefs(R"({"editor_height": -5})").editor_height == 60);
  CHECK(parse_window_prefs(R"({"editor_height": 1e9})").editor_height == 5000);
  auto damaged = parse_window_prefs("{\"width\": 900, \"editor_height\": \"tall\"}");
  CHECK(damaged.width == defaults.width);
  CHECK(damaged.editor_height == defaults.editor_height);
  CHECK(parse_window_prefs("not json").editor_height == defaults.editor_height);
}

namespace {
// Drags from the centre of the rectangle noted as `key` by `dy` pixels, one frame per event.
void drag(guitest::Harness& h, const std::string& key, float dy) {
  auto r = probe::find(key);
  REQUIRE(r);
  ImGuiIO& io = ImGui::GetIO();
  io.AddMousePosEvent(r->cx(), r->cy());
  h.frame();
  io.AddMouseButtonEvent(0, true);
  h.frame();
  for (int step = 1; step <= 4; ++step) {
    io.AddMousePosEvent(r->cx(), r->cy() + dy * step / 4);
    h.frame();
  }
  io.AddMouseButtonEvent(0, false);
  h.frames(2);
}
// A connection whose editor content is taller than the window's share for it.
void tall_editor(guitest::Harness& h, float editor_height) {
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("tab:Connection settings"));
  h.vs.editor_height = editor_height;
  h.frames(3);
}
float height(const std::string& key) {
  auto r = probe::find(key);
  REQUIRE(r);
  return r->y1 - r->y0;
}
}  // namespace

TEST_CASE("Dragging the splitter moves the editor's lower edge; the results get the rest", "[gui][layout]") {
  guitest::Harness h;
  tall_editor(h, 200);
  REQUIRE(probe::find("editor-splitter"));
  const float editor = height("editor");
  const float tabs_top = probe::find("tab:TLS")->y0;
  CHECK_THAT(editor, WithinAbs(200, 0.5));

  drag(h, "editor-splitter", 80);
  CHECK_THAT(height("editor"), WithinAbs(editor + 80, 1));
  CHECK_THAT(h.vs.editor_height, WithinAbs(editor + 80, 1));
  CHECK_THAT(probe::find("tab:TLS")->y0, WithinAbs(tabs_top + 80, 1));

  drag(h, "editor-splitter", -150);
  CHECK_THAT(height("editor"), WithinAbs(editor + 80 - 150, 1));

  drag(h, "editor-splitter", -1000);  // not above the editor's minimum
  CHECK(height("editor") >= ImGui::GetFrameHeightWithSpacing() * 3 - 1);
}

TEST_CASE("The splitter survives a window too small for it and comes back when the window grows", "[gui][layout]") {
  guitest::Harness h;
  tall_editor(h, 400);
  const float editor = height("editor");
  ImGui::GetIO().DisplaySize = ImVec2(1280, 400);
  h.frames(3);
  CHECK(height("editor") < editor);
  CHECK(probe::find("tab:TLS"));  // the results keep their room
  CHECK(probe::find("tab:TLS")->y1 < 400);
  ImGui::GetIO().DisplaySize = ImVec2(1280, 800);
  h.frames(3);
  CHECK_THAT(height("editor"), WithinAbs(editor, 0.5));
  CHECK(h.vs.editor_height == 400);
}

#pragma once
// Colours from assets/theme.json (dark and light), and the ImGui style that goes with them.
#include <imgui.h>

#include "smtpwb/event.hpp"

namespace smtpwb::gui {

struct Palette {
  ImVec4 client, server, client_tls, server_tls, tls, info, error, warning, ok, time, selection, bar, bar_slow;
};

const Palette& palette(bool dark);
ImVec4 line_colour(const Palette& p, Dir dir, bool in_tls);
void apply_style(bool dark, float scale);

}  // namespace smtpwb::gui

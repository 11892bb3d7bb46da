#include "smtpwb/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>

#include "smtpwb/event_format.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"

namespace smtpwb::log {

namespace {
std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;
std::atomic<bool> g_open{false};  // every event asks; without a log file it costs no lock

std::shared_ptr<spdlog::logger> current() {
  if (!g_open.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard lock(g_mutex);
  return g_logger;
}

// Appends to a file opened by its UTF-8 path through the OS's path type. spdlog's own file sink opens a
// narrow path, which on Windows means the ANSI code page: a path outside it could not be opened.
class PathFileSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit PathFileSink(const std::string& path)
      : out_(platform::path_from_utf8(path), std::ios::binary | std::ios::app) {
    if (!out_) throw spdlog::spdlog_ex("cannot be opened for appending");
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  void flush_() override { out_.flush(); }

 private:
  std::ofstream out_;
};
}  // namespace

std::string open_file(const std::string& path) {
  // A new log file is private (it holds server replies and names); the path is the user's own choice,
  // so a symlink there is followed as they asked. An existing file keeps its mode.
  if (auto error = create_private_file(path); !error.empty()) return "log file " + path + ": " + error;
  try {
    auto sink = std::make_shared<PathFileSink>(path);
    auto logger = std::make_shared<spdlog::logger>("smtpwb", sink);
    // "\n" on every OS (spdlog's default on Windows is "\r\n"): one log format, and a CR in the file is
    // then always the server's, shown escaped.
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e %v",
                                                                       spdlog::pattern_time_type::local, "\n"));
    logger->flush_on(spdlog::level::info);
    std::lock_guard lock(g_mutex);
    g_logger = std::move(logger);
    g_open.store(true, std::memory_order_release);
    return {};
  } catch (const spdlog::spdlog_ex& e) {
    return std::string("log file ") + path + ": " + e.what();
  }
}

void close() {
  std::lock_guard lock(g_mutex);
  if (g_logger) g_logger->flush();
  g_logger.reset();
  g_open.store(false, std::memory_order_release);
}

void event(const std::string& session, const Event& e) {
  if (auto l = current()) {
    LineStyle style;
    style.phase = true;
    l->info("[{}] {}", visible_text(session), format_line(e, style));
  }
}

void note(const std::string& text) {
  if (auto l = current()) l->info("{}", visible_text(text));
}

}  // namespace smtpwb::log

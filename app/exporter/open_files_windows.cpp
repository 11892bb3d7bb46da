// The exporter's open-file limit on Windows: Winsock has no per-process limit on sockets to raise, and
// WSAPoll takes any number; this many connections at once keeps the exporter's memory bounded.
#include "exporter/http_listener.hpp"

namespace smtpwb::app {

std::size_t raise_open_file_limit() { return 8192; }

}  // namespace smtpwb::app

// The end-to-end server fuzzer (issue 13): whole hostile dialogues over a real loopback socket against
// the real engine (smtpwb::Session, as `check` runs it). A scripted server replays recorded healthy
// dialogues (tests/fuzz/corpus/dialogues/) mutated with a seeded PRNG. Every run must end within the
// session timeout + 1 s with a result, leak no thread or descriptor, and give a JSON report that parses.
// Dialogues that once failed a check are replayed first (tests/fuzz/regressions/dialogues/).
//
//   smtpwb_dialogue_fuzzer [--dialogues N] [--seed S] [--seconds T] [--timeout S] [--save DIR]
//                          [--corpus DIR] [--regressions DIR] [--only I] [--verbose] [FILE...]
// With FILEs, only those dialogues are played, unmutated (to replay a saved finding).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "smtpwb/diagnose.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/report.hpp"
#include "smtpwb/session.hpp"
#include "resources.hpp"

namespace fs = std::filesystem;
using namespace smtpwb;
using Clock = std::chrono::steady_clock;
using Rng = std::mt19937_64;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// ---- dialogues: what the server says, turn by turn ----

// What the server does around a turn's bytes.
enum class Tls { None, Handshake, CutServerHello, PartialRecord };

// One turn: the server's answer to one client line (the first turn, "connect", is the greeting).
struct Turn {
  std::string label;  // what the client sent, for people reading the file
  Tls before = Tls::None, after = Tls::None;
  std::size_t cut = 0;          // CutServerHello: bytes of the ServerHello sent before closing
  std::string bytes;
  std::size_t split_at = 0;     // > 0: written in two pieces, split_delay_ms apart
  int split_delay_ms = 0;
  bool bytewise = false;        // one byte per write (splits at every offset)
  bool close = false;           // close the connection after this turn
  bool hold = false;            // then say nothing more, keeping the connection open
};

struct Dialogue {
  std::string name;
  Security security = Security::StartTls;  // "! mode none|explicit|implicit" in the corpus files
  bool authenticate = false;
  bool message = false;
  std::vector<std::string> sasl;  // the client's permitted mechanisms; empty: all
  int cancel_after_ms = -1;  // >= 0: the session is cancelled this long after it started
  std::vector<Turn> turns;
};

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    if (c == 'r') out += '\r';
    else if (c == 'n') out += '\n';
    else if (c == 't') out += '\t';
    else if (c == 'x' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else out += c;
  }
  return out;
}

std::string escape(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\\') out += "\\\\";
    else if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

// A body line as sent. "\*N line" stands for N copies of the line, '#' in them replaced by the copy's
// number (0 to N-1): big hostile replies stay small in a file.
std::string expand(const std::string& line, bool raw) {
  const std::string end = raw ? "" : "\r\n";
  if (line.rfind("\\*", 0) != 0) return unescape(line) + end;
  auto space = line.find(' ');
  std::size_t copies = std::stoul(line.substr(2, space - 2));
  std::string pattern = unescape(line.substr(space + 1)), out;
  for (std::size_t i = 0; i < copies; ++i) {
    std::string copy = pattern;
    for (auto at = copy.find('#'); at != std::string::npos; at = copy.find('#', at)) {
      copy.replace(at, 1, std::to_string(i));
      at += std::to_string(i).size();
    }
    out += copy + end;
  }
  return out;
}

std::string_view to_string(Tls t) {
  switch (t) {
    case Tls::Handshake: return "tls";
    case Tls::CutServerHello: return "tls-cut";
    case Tls::PartialRecord: return "tls-partial-record";
    default: return "";
  }
}

std::optional<Tls> parse_tls(std::string_view s) {
  for (Tls t : {Tls::Handshake, Tls::CutServerHello, Tls::PartialRecord})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

// The file format: "! option" lines, then turns. A turn starts with "@ label flag...", and each line
// after it is sent with CRLF appended (\r \n \xNN \\ escapes), or as is when the turn is "raw";
// "\*N " before a line repeats it (see expand()).
Dialogue parse_dialogue(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  Dialogue d;
  d.name = path.filename().string();
  std::string line;
  bool raw = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() && d.turns.empty()) continue;
    if (line.rfind("#", 0) == 0) continue;
    if (line.rfind("! ", 0) == 0) {
      std::istringstream words(line.substr(2));
      std::string key, value;
      words >> key >> value;
      if (key == "mode") {
        d.security = value == "none" ? Security::None : value == "implicit" ? Security::Implicit : Security::StartTls;
      } else if (key == "auth") d.authenticate = true;
      else if (key == "message") d.message = true;
      else if (key == "sasl") d.sasl.push_back(value);
      else if (key == "cancel-after-ms") d.cancel_after_ms = std::stoi(value);
      else throw std::runtime_error(path.string() + ": unknown option " + key);
      continue;
    }
    if (line.rfind("@ ", 0) == 0) {
      std::istringstream words(line.substr(2));
      Turn t;
      words >> t.label;
      std::string flag;
      raw = false;
      while (words >> flag) {
        auto eq = flag.find('=');
        std::string key = flag.substr(0, eq), value = eq == std::string::npos ? "" : flag.substr(eq + 1);
        if (key == "raw") raw = true;
        else if (key == "before") t.before = parse_tls(value).value();
        else if (key == "after") t.after = parse_tls(value).value();
        else if (key == "cut") t.cut = std::stoul(value);
        else if (key == "split") {
          t.split_at = std::stoul(value.substr(0, value.find(':')));
          t.split_delay_ms = std::stoi(value.substr(value.find(':') + 1));
        } else if (key == "bytewise") t.bytewise = true;
        else if (key == "close") t.close = true;
        else if (key == "hold") t.hold = true;
        else throw std::runtime_error(path.string() + ": unknown turn flag " + flag);
      }
      d.turns.push_back(std::move(t));
      continue;
    }
    if (d.turns.empty()) throw std::runtime_error(path.string() + ": text before the first turn");
    d.turns.back().bytes += expand(line, raw);
  }
  if (d.turns.empty()) throw std::runtime_error(path.string() + ": no turns");
  return d;
}

std::string format_dialogue(const Dialogue& d) {
  std::string out = "# " + d.name + "\n";
  out += std::string("! mode ") + (d.security == Security::StartTls ? "explicit" : std::string(to_string(d.security))) + "\n";
  if (d.authenticate) out += "! auth\n";
  for (const auto& m : d.sasl) out += "! sasl " + m + "\n";
  if (d.message) out += "! message\n";
  if (d.cancel_after_ms >= 0) out += "! cancel-after-ms " + std::to_string(d.cancel_after_ms) + "\n";
  for (const auto& t : d.turns) {
    out += "@ " + t.label + " raw";
    if (t.before != Tls::None) out += " before=" + std::string(to_string(t.before));
    if (t.after != Tls::None) out += " after=" + std::string(to_string(t.after));
    if (t.cut) out += " cut=" + std::to_string(t.cut);
    if (t.split_at) out += " split=" + std::to_string(t.split_at) + ":" + std::to_string(t.split_delay_ms);
    if (t.bytewise) out += " bytewise";
    if (t.close) out += " close";
    if (t.hold) out += " hold";
    out += "\n" + escape(t.bytes) + "\n";
  }
  return out;
}

// ---- the scripted server ----

// A TLS 1.2 ServerHello record (random bytes zero): cut short, it is a handshake the server abandons.
std::string server_hello() {
  std::string body = std::string("\x03\x03", 2) + std::string(32, '\x00') + std::string("\x00\xc0\x2f\x00\x00\x00", 6);
  std::string handshake = std::string("\x02\x00\x00", 3) + static_cast<char>(body.size()) + body;
  return std::string("\x16\x03\x03\x00", 4) + static_cast<char>(handshake.size()) + handshake;
}

// A fresh self-signed certificate for the TLS turns (the client does not verify it). RSA: with a P-256
// key written by openssl, the mbedTLS server handshake crashed in ECDSA signing (not investigated; the
// demo server's P-256 keys, written by mbedTLS, work).
struct Identity {
  fs::path dir;
  net::TlsServerIdentity tls;
  Identity() {
    char tmpl[] = "/tmp/smtpwb-dialogue-fuzzer-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                      " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " + (dir / "key.pem").string() +
                      " -out " + (dir / "cert.pem").string() + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make the test certificate");
    tls.chain_pem = slurp(dir / "cert.pem");
    tls.key_pem = slurp(dir / "key.pem");
  }
  ~Identity() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

// Plays one dialogue's server side for one connection, on its own thread. Its own waits are short and
// bounded in total (kPatience), so the session's timeout stays the bound of the whole run.
class ScriptedServer {
 public:
  ScriptedServer(const Dialogue& d, const net::TlsServerIdentity& identity) : dialogue_(d), identity_(identity) {
    listener_ = net::listen_loopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return port_; }

 private:
  static constexpr std::chrono::milliseconds kLineWait{150};
  static constexpr std::chrono::milliseconds kPatience{500};

  void run() {
    try {
      auto fd = accept();
      if (!fd) return;
      stream_ = std::make_unique<net::Stream>(std::move(fd), stop_);
      play();
    } catch (const std::exception&) {
      // The client went away, or a stop: the dialogue ends here.
    }
    stream_.reset();
  }

  net::Fd accept() {
    auto until = Clock::now() + std::chrono::seconds(5);
    while (!stop_ && Clock::now() < until) {
      pollfd p{static_cast<int>(listener_.get()), POLLIN, 0};  // a POSIX descriptor: this fuzzer runs on Linux
      if (::poll(&p, 1, static_cast<int>(net::kSlice.count())) <= 0) continue;
      int c = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) continue;
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return net::Fd(c);
    }
    return {};
  }

  net::Deadline idle() const { return net::Deadline::in(std::chrono::seconds(5)); }

  void play() {
    bool in_data = false;
    for (std::size_t i = 0; i < dialogue_.turns.size(); ++i) {
      const Turn& t = dialogue_.turns[i];
      if (i > 0 && !await_client_line(in_data)) return;
      if (!tls_step(t, t.before)) return;
      send(t);
      in_data = t.bytes.rfind("354", 0) == 0;
      if (!tls_step(t, t.after)) return;
      if (t.hold) return hold();
      if (t.close) return;
    }
  }

  // Waits for the client's next line (after 354: the message up to its final dot). On silence the
  // server goes on after kLineWait: a client stuck on a broken reply then gets the next turn's bytes.
  bool await_client_line(bool message_first) {
    while (true) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (!message_first || line == "." || line == ".\r") return true;
        continue;
      }
      auto wait = std::min<std::chrono::milliseconds>(kLineWait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                     kPatience - waited_));
      if (wait.count() <= 0) return false;  // patience spent: close
      auto t0 = Clock::now();
      char buf[4096];
      try {
        auto n = stream_->read_some(buf, sizeof buf, net::Deadline::in(wait));
        if (n == 0) return false;
        buffer_.append(buf, n);
      } catch (const net::TimedOut&) {
        waited_ += std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
        buffer_.clear();
        return true;
      }
    }
  }

  void send(const Turn& t) {
    std::string_view bytes = t.bytes;
    if (t.bytewise) {
      for (char c : bytes) stream_->write_all(std::string_view(&c, 1), idle());
      return;
    }
    if (t.split_at > 0 && t.split_at < bytes.size()) {
      stream_->write_all(bytes.substr(0, t.split_at), idle());
      pause(std::chrono::milliseconds(t.split_delay_ms));
      bytes = bytes.substr(t.split_at);
    }
    if (!bytes.empty()) stream_->write_all(bytes, idle());
  }

  void pause(std::chrono::milliseconds how_long) {
    how_long = std::min(how_long, std::chrono::duration_cast<std::chrono::milliseconds>(kPatience - waited_));
    if (how_long.count() <= 0) return;
    std::this_thread::sleep_for(how_long);
    waited_ += how_long;
  }

  // false: the dialogue ends (the connection closes).
  bool tls_step(const Turn& t, Tls step) {
    switch (step) {
      case Tls::None: return true;
      case Tls::Handshake:
        buffer_.clear();  // like a real server: nothing pipelined before the handshake is acted on
        stream_->start_tls_server(identity_, TlsVersionSet::modern(), net::Deadline::in(std::chrono::seconds(3)));
        return true;
      case Tls::CutServerHello: {
        read_client_hello();
        static const std::string hello = server_hello();
        raw_write(hello.substr(0, std::min(hello.size() - 1, t.cut)));
        return false;
      }
      case Tls::PartialRecord:
        // An application-data record that announces 64 bytes and brings 7, beneath the TLS layer.
        raw_write(std::string("\x17\x03\x03\x00\x40" "partial", 12));
        return false;
    }
    return true;
  }

  void read_client_hello() {
    char buf[4096];
    try {
      stream_->read_some(buf, sizeof buf, net::Deadline::in(std::chrono::milliseconds(300)));
    } catch (const net::TimedOut&) {
    }
  }

  void raw_write(const std::string& bytes) { (void)!::send(stream_->fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  void hold() {
    char buf[4096];
    while (!stop_) {
      try {
        if (stream_->read_some(buf, sizeof buf, net::Deadline::in(std::chrono::seconds(1))) == 0) return;
      } catch (const net::TimedOut&) {
      }
    }
  }

  const Dialogue& dialogue_;
  const net::TlsServerIdentity& identity_;
  int port_ = 0;
  net::Fd listener_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<net::Stream> stream_;
  std::string buffer_;
  std::chrono::milliseconds waited_{0};
  std::thread thread_;
};

// ---- mutations ----

enum class Mutation {
  ByteFlip, Split, Bytewise, HugeLine, EmptyLines, ControlChars, NonUtf8, Continuations, OutOfOrder, EarlyClose,
  Stall, TlsCut, TlsGarbage, TlsPartialRecord, Cancel,
};
constexpr Mutation kMutations[] = {
    Mutation::ByteFlip,   Mutation::Split,      Mutation::Bytewise,   Mutation::HugeLine,   Mutation::EmptyLines,
    Mutation::ControlChars, Mutation::NonUtf8,  Mutation::Continuations, Mutation::OutOfOrder, Mutation::EarlyClose,
    Mutation::Stall,      Mutation::TlsCut,     Mutation::TlsGarbage, Mutation::TlsPartialRecord, Mutation::Cancel,
};
const char* name(Mutation m) {
  constexpr const char* names[] = {"byte-flip",  "split",     "bytewise",    "huge-line",   "empty-lines",
                                   "control-chars", "non-utf8", "continuations", "out-of-order", "early-close",
                                   "stall",      "tls-cut",   "tls-garbage", "tls-partial-record", "cancel"};
  return names[static_cast<int>(m)];
}

std::size_t pick(Rng& rng, std::size_t n) { return n ? std::uniform_int_distribution<std::size_t>(0, n - 1)(rng) : 0; }
bool chance(Rng& rng, int percent) { return static_cast<int>(pick(rng, 100)) < percent; }

// Turns with bytes, and the turns around a TLS handshake.
std::vector<std::size_t> turns_where(const Dialogue& d, auto predicate) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < d.turns.size(); ++i)
    if (predicate(d.turns[i])) out.push_back(i);
  return out;
}
Turn* any_turn(Dialogue& d, Rng& rng) {
  auto with_bytes = turns_where(d, [](const Turn& t) { return !t.bytes.empty(); });
  return with_bytes.empty() ? nullptr : &d.turns[with_bytes[pick(rng, with_bytes.size())]];
}
Turn* handshake_turn(Dialogue& d, Rng& rng) {
  auto tls = turns_where(d, [](const Turn& t) { return t.before == Tls::Handshake || t.after == Tls::Handshake; });
  return tls.empty() ? nullptr : &d.turns[tls[pick(rng, tls.size())]];
}
std::size_t handshake_index(const Dialogue& d) {
  auto tls = turns_where(d, [](const Turn& t) { return t.before == Tls::Handshake || t.after == Tls::Handshake; });
  return tls.empty() ? d.turns.size() : tls.front();
}

void insert_at_random(std::string& bytes, const std::string& what, Rng& rng) { bytes.insert(pick(rng, bytes.size() + 1), what); }

std::string random_bytes(Rng& rng, std::size_t n, unsigned char low, unsigned char high) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(std::uniform_int_distribution<int>(low, high)(rng));
  return out;
}

// Applies m; false when it does not apply to this dialogue (no TLS, say).
bool mutate(Dialogue& d, Mutation m, Rng& rng) {
  using enum Mutation;
  Turn* t = m == TlsCut || m == TlsGarbage ? handshake_turn(d, rng) : any_turn(d, rng);
  if (!t && m != Cancel && m != TlsPartialRecord) return false;
  switch (m) {
    case ByteFlip:
      for (int n = 1 + static_cast<int>(pick(rng, 4)); n > 0; --n) t->bytes[pick(rng, t->bytes.size())] ^= static_cast<char>(1 << pick(rng, 8));
      return true;
    case Split:
      t->split_at = 1 + pick(rng, t->bytes.size());
      t->split_delay_ms = static_cast<int>(pick(rng, 60));
      return true;
    case Bytewise: t->bytewise = t->bytes.size() <= 8192; return t->bytewise;
    case HugeLine: {
      std::string line = (chance(rng, 50) ? "250-" : chance(rng, 50) ? "250 " : "") + std::string(1 << 20, 'x');
      insert_at_random(t->bytes, line + (chance(rng, 50) ? "\r\n" : ""), rng);
      return true;
    }
    case EmptyLines:
      if (chance(rng, 30)) t->bytes = "\r\n";
      else for (int n = 1 + static_cast<int>(pick(rng, 20)); n > 0; --n) insert_at_random(t->bytes, chance(rng, 50) ? "\r\n" : "\n", rng);
      return true;
    case ControlChars: {
      static const std::string controls("\x1b[2K\r\x00\x07\x08\x7f\x1b]0;x\x07\r\n\x0c\x0b", 17);
      for (int n = 1 + static_cast<int>(pick(rng, 8)); n > 0; --n)
        insert_at_random(t->bytes, controls.substr(pick(rng, controls.size()), 1 + pick(rng, 4)), rng);
      return true;
    }
    case NonUtf8: {
      static const char* pieces[] = {"Gr\xFC\xDF" "e", "\xE4", "\xC0\x80", "\xFF\xFE", "\xED\xA0\x80", "\x80\x80\x80", "\xF4\x90\x80\x80", "\xC3"};
      for (int n = 1 + static_cast<int>(pick(rng, 6)); n > 0; --n) insert_at_random(t->bytes, pieces[pick(rng, std::size(pieces))], rng);
      return true;
    }
    case Continuations: {
      std::string code = t->bytes.size() >= 3 ? t->bytes.substr(0, 3) : "250";
      std::string many;
      std::size_t n = chance(rng, 50) ? 10 + pick(rng, 990) : 1000 + pick(rng, 9000);
      // Short lines, or capability lines full of mechanism names (and hint placeholders) up to 4 KiB.
      std::string filler = "x";
      if (chance(rng, 50)) {
        filler = "AUTH";
        for (std::size_t k = 1 + pick(rng, 400), variety = 1 + pick(rng, 1000); k > 0 && filler.size() < 4000; --k)
          filler += chance(rng, 5) ? " {reply}" : " M" + std::to_string(pick(rng, variety));
      }
      for (std::size_t i = 0; i < n; ++i) many += code + "-" + filler + "\r\n";
      t->bytes = many + t->bytes;
      return true;
    }
    case OutOfOrder: {
      if (d.turns.size() < 2) return false;
      std::size_t a = pick(rng, d.turns.size()), b = pick(rng, d.turns.size());
      switch (pick(rng, 3)) {
        case 0: std::swap(d.turns[a].bytes, d.turns[b].bytes); break;
        case 1: d.turns.insert(d.turns.begin() + static_cast<long>(a), d.turns[b]); break;
        default: d.turns[a].bytes += d.turns[b].bytes; break;  // a reply ahead of its command
      }
      return true;
    }
    case EarlyClose:
      t->bytes.resize(pick(rng, t->bytes.size() + 1));
      t->close = true;
      t->after = Tls::None;
      return true;
    case Stall:
      t->bytes.resize(chance(rng, 50) ? t->bytes.size() : pick(rng, t->bytes.size() + 1));
      t->hold = true;
      t->after = Tls::None;
      return true;
    case TlsCut:
      (t->before == Tls::Handshake ? t->before : t->after) = Tls::CutServerHello;
      t->cut = pick(rng, server_hello().size());
      return true;
    case TlsGarbage:
      // Garbage after "220" to STARTTLS (or in place of the implicit-TLS ServerHello).
      if (t->after == Tls::Handshake) {
        t->after = Tls::None;
        t->bytes += random_bytes(rng, 1 + pick(rng, 2000), 0, 255);
        t->close = chance(rng, 50);
      } else {
        t->before = Tls::None;
        t->bytes = random_bytes(rng, 1 + pick(rng, 2000), 0, 255) + t->bytes;
      }
      return true;
    case TlsPartialRecord: {
      std::size_t first = handshake_index(d);
      if (first + 1 >= d.turns.size()) return false;
      auto& later = d.turns[first + 1 + pick(rng, d.turns.size() - first - 1)];
      later.after = Tls::PartialRecord;
      return true;
    }
    case Cancel:
      // Mostly while the session waits on a server that stopped talking: the cancel must end that wait.
      if (chance(rng, 70)) t->hold = true;
      d.cancel_after_ms = static_cast<int>(pick(rng, 600));
      return true;
  }
  return false;
}

// ---- one run and its checks ----

struct Outcome {
  std::string category;       // "ok" or the failure category
  std::vector<std::string> problems;  // failed checks (empty: all passed)
  bool cancel_race = false;           // cancelled while running, yet ended with another result
  double elapsed_ms = 0;
};

ConnectionSettings settings_for(const Dialogue& d, int port, int timeout_s) {
  ConnectionSettings s;
  s.name = "dialogue fuzzer";
  s.address = "127.0.0.1";  // a literal: no resolver thread
  s.port = port;
  s.security = d.security;
  s.verify_certificate = false;  // a fresh self-signed certificate
  s.anonymous = !d.authenticate;
  s.username = "fuzz";
  s.password = "fuzz-password";
  s.allow_plaintext_auth = true;
  s.sasl_mechanisms = d.sasl;
  s.ehlo_name = "client.example.org";
  s.timeout_s = timeout_s;
  return s;
}

TestRequest request_for(const Dialogue& d) {
  TestRequest r;
  if (d.message) r.message = MessageSpec{"fuzz@localhost", {"rcpt@localhost"}, "fuzz", "body\n"};
  return r;
}

// The report exactly as `check --json` writes it: it must serialise and parse again.
void check_report(const ConnectionSettings& s, const TestRequest& request, const SessionResult& result, Outcome& out) {
  try {
    auto text = report_text(report_json(s, request, result));
    auto parsed = nlohmann::json::parse(text);
    if (!parsed.is_object()) out.problems.push_back("the JSON report is not an object");
  } catch (const nlohmann::json::exception& e) {
    out.problems.push_back(std::string("the JSON report does not parse: ") + e.what());
  }
}

Outcome play(const Dialogue& d, const net::TlsServerIdentity& identity, int timeout_s) {
  Outcome out;
  const test::Resources before;
  const auto limit_ms = (timeout_s + 1) * 1000.0;
  {
    ScriptedServer server(d, identity);
    auto settings = settings_for(d, server.port(), timeout_s);
    auto request = request_for(d);
    Session session(settings, request, std::make_shared<EventQueue>());
    auto t0 = Clock::now();
    session.start();
    std::optional<Clock::time_point> cancelled_at;
    bool cancelled_while_running = false;
    // Waits past the limit, so that a hang is measured rather than cut short; cancel after 5 s more.
    while (!session.finished() && ms_since(t0) < limit_ms + 5000) {
      if (d.cancel_after_ms >= 0 && !cancelled_at && ms_since(t0) >= d.cancel_after_ms) {
        cancelled_at = Clock::now();
        cancelled_while_running = !session.finished();
        session.cancel();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    out.elapsed_ms = ms_since(t0);
    if (!session.finished()) {
      out.problems.push_back("hang: the session was still running after " + std::to_string(static_cast<int>(out.elapsed_ms)) + " ms");
      session.cancel();
      auto c0 = Clock::now();
      while (!session.finished() && ms_since(c0) < 5000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!session.finished()) {
        // Its thread cannot be joined: nothing else can be checked in this process.
        std::fprintf(stderr, "FATAL: %s: the session ran %.0f ms and ignored cancel for 5 s more (a CPU loop over "
                     "server data?)\n", d.name.c_str(), out.elapsed_ms);
        std::_Exit(3);
      }
    }
    session.wait();
    const SessionResult r = diag::finished(settings, session.take_result());
    if (out.elapsed_ms > limit_ms) out.problems.push_back("took " + std::to_string(static_cast<int>(out.elapsed_ms)) + " ms, over timeout + 1 s");
    if (cancelled_at) {
      double after_cancel = out.elapsed_ms - std::chrono::duration<double, std::milli>(*cancelled_at - t0).count();
      if (after_cancel > 200) out.problems.push_back("cancel took " + std::to_string(static_cast<int>(after_cancel)) + " ms");
    }
    if (r.ok == r.failure.has_value()) out.problems.push_back("the result is neither ok nor one failure");
    out.category = r.ok ? "ok" : std::string(to_string(r.failure->category));
    if (r.failure && r.failure->category == FailureCategory::Internal)
      out.problems.push_back("internal error: " + r.failure->message);
    if (cancelled_while_running && (r.ok || r.failure->category != FailureCategory::Cancelled))
      out.cancel_race = true;  // counted: it finished on its own in the same instant, or ignored the cancel
    check_report(settings, request, r, out);
  }
  const test::Resources after = test::settled(before, std::chrono::seconds(3));
  if (after.threads > before.threads) out.problems.push_back("leaked " + std::to_string(after.threads - before.threads) + " thread(s)");
  if (after.fds > before.fds)
    out.problems.push_back("leaked " + std::to_string(after.fds - before.fds) + " descriptor(s):\n" + test::open_fds());
  return out;
}

// ---- the command line ----

struct Options {
  long dialogues = 200;
  std::uint64_t seed = 1;
  double seconds = 0;  // > 0: stop after this long even if fewer dialogues were played
  int timeout_s = 1;
  long only = -1;
  bool verbose = false;
  fs::path corpus = SMTPWB_DIALOGUE_CORPUS;
  fs::path regressions = SMTPWB_DIALOGUE_REGRESSIONS;
  fs::path save;
  std::vector<fs::path> files;
};

[[noreturn]] void usage() {
  std::fputs("usage: smtpwb_dialogue_fuzzer [--dialogues N] [--seed S] [--seconds T] [--timeout S] [--save DIR]\n"
             "                              [--corpus DIR] [--regressions DIR] [--only I] [--verbose] [FILE...]\n",
             stderr);
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--dialogues") o.dialogues = std::stol(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--seconds") o.seconds = std::stod(value());
    else if (a == "--timeout") o.timeout_s = std::stoi(value());
    else if (a == "--only") o.only = std::stol(value());
    else if (a == "--corpus") o.corpus = value();
    else if (a == "--regressions") o.regressions = value();
    else if (a == "--save") o.save = value();
    else if (a == "--verbose") o.verbose = true;
    else if (a.rfind("--", 0) == 0) usage();
    else o.files.emplace_back(a);
  }
  return o;
}

std::vector<Dialogue> load_dir(const fs::path& dir) {
  std::vector<fs::path> paths;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".dialogue") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<Dialogue> out;
  for (const auto& p : paths) out.push_back(parse_dialogue(p));
  return out;
}

struct Tally {
  long played = 0, findings = 0, cancel_races = 0;
  double max_elapsed_ms = 0;
  std::map<std::string, long> mutations, categories;
};

void save(const Dialogue& d, const std::string& what, const fs::path& file) {
  fs::create_directories(file.parent_path());
  Dialogue saved = d;
  saved.name = what;
  std::ofstream(file, std::ios::binary) << format_dialogue(saved);
  std::printf("  saved as %s\n", file.c_str());
}

// Plays d and reports; returns false when a check failed.
bool run_and_report(const Dialogue& d, const std::string& what, const Options& o, const net::TlsServerIdentity& identity,
                    Tally& tally) {
  Outcome out = play(d, identity, o.timeout_s);
  ++tally.played;
  ++tally.categories[out.category];
  tally.max_elapsed_ms = std::max(tally.max_elapsed_ms, out.elapsed_ms);
  if (out.cancel_race) ++tally.cancel_races;
  if (o.verbose)
    std::printf("%s: %s in %.0f ms%s\n", what.c_str(), out.category.c_str(), out.elapsed_ms,
                out.cancel_race ? " (cancelled while running)" : "");
  if (out.problems.empty()) return true;
  ++tally.findings;
  std::printf("FINDING %s (%s):\n", what.c_str(), out.category.c_str());
  for (const auto& p : out.problems) std::printf("  - %s\n", p.c_str());
  if (!o.save.empty()) save(d, what, o.save / ("finding-" + std::to_string(tally.findings) + ".dialogue"));
  std::fflush(stdout);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse_options(argc, argv);
    const Identity identity;
    net::init_crypto();
    Tally tally;
    auto t0 = Clock::now();
    bool passed = true;

    if (!o.files.empty()) {
      for (const auto& f : o.files) passed &= run_and_report(parse_dialogue(f), f.string(), o, identity.tls, tally);
    } else {
      auto seeds = load_dir(o.corpus);
      if (seeds.empty()) throw std::runtime_error("no *.dialogue seeds in " + o.corpus.string());
      // The seeds unmutated: each must succeed, or the harness itself is broken and finds nothing.
      for (const auto& s : seeds) {
        Outcome out = play(s, identity.tls, o.timeout_s);
        ++tally.played;
        tally.max_elapsed_ms = std::max(tally.max_elapsed_ms, out.elapsed_ms);
        if (out.category != "ok" || !out.problems.empty()) {
          std::printf("seed %s does not play cleanly: %s\n", s.name.c_str(), out.category.c_str());
          for (const auto& p : out.problems) std::printf("  - %s\n", p.c_str());
          passed = false;
        }
      }
      for (const auto& r : load_dir(o.regressions)) passed &= run_and_report(r, "regression " + r.name, o, identity.tls, tally);
      for (long i = 0; i < o.dialogues; ++i) {
        if (o.seconds > 0 && ms_since(t0) > o.seconds * 1000) break;
        if (o.only >= 0 && i != o.only) continue;
        Rng rng(o.seed * 1000003u + static_cast<std::uint64_t>(i));
        Dialogue d = seeds[pick(rng, seeds.size())];
        std::string applied;
        for (int n = 1 + static_cast<int>(pick(rng, 3)); n > 0;) {
          Mutation m = kMutations[pick(rng, std::size(kMutations))];
          if (!mutate(d, m, rng)) continue;
          ++tally.mutations[name(m)];
          applied += std::string(applied.empty() ? "" : "+") + name(m);
          --n;
        }
        std::string what = "seed " + std::to_string(o.seed) + " dialogue " + std::to_string(i) + " (" + d.name + ": " + applied + ")";
        d.name = what;
        passed &= run_and_report(d, what, o, identity.tls, tally);
      }
    }

    std::printf("dialogues played: %ld in %.1f s (longest %.0f ms); findings: %ld\n",
                tally.played, ms_since(t0) / 1000, tally.max_elapsed_ms, tally.findings);
    std::printf("cancelled while running but ended otherwise (finished in the same instant): %ld\n", tally.cancel_races);
    std::printf("mutations:");
    for (const auto& [m, n] : tally.mutations) std::printf(" %s=%ld", m.c_str(), n);
    std::printf("\nresults:");
    for (const auto& [c, n] : tally.categories) std::printf(" %s=%ld", c.c_str(), n);
    std::printf("\n");
    return passed ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smtpwb_dialogue_fuzzer: %s\n", e.what());
    return 2;
  }
}

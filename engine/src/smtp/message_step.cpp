#include <algorithm>

#include "smtp/dialogue.hpp"
#include "smtpwb/smtp/message.hpp"
#include "text.hpp"

namespace smtpwb::smtp {

namespace {

struct Command {
  std::string line;
  Phase phase;
  std::vector<int> ok;  // the reply codes that let the dialogue go on
  std::string refusal;  // what another reply means
};

std::optional<Failure> rejection(Dialogue& d, const Reply& r, const std::vector<int>& ok, const std::string& what) {
  if (std::find(ok.begin(), ok.end(), r.code) != ok.end()) return std::nullopt;
  FailureCategory c = FailureCategory::Smtp;
  if (r.code == 530) c = text::contains_ci(r.text(), "starttls") ? FailureCategory::Tls : FailureCategory::Auth;
  return d.rec.failure(c, what + ": " + r.first_line(), &r);
}

void expect(Dialogue& d, const Reply& r, const std::vector<int>& ok, const std::string& what) {
  if (auto refused = rejection(d, r, ok, what)) throw Failed{std::move(*refused)};
}

void run_one_by_one(Dialogue& d, const std::vector<Command>& group) {
  for (const auto& c : group) {
    if (d.rec.phase() != c.phase) d.rec.begin_phase(c.phase);
    if (c.phase == Phase::Data) d.res.message.attempted = true;
    expect(d, d.command(c.line), c.ok, c.refusal);
  }
}

// Sends the commands and checks each reply in order. Pipelined, they go out in one write and the
// replies, which come back in the same order, are all read (and shown) before the first refusal fails
// the test. The last command of a group is one whose reply decides what comes next (DATA).
void run_group(Dialogue& d, const std::vector<Command>& group) {
  if (!d.pipelining()) return run_one_by_one(d, group);
  d.rec.begin_phase(group.front().phase);
  std::string wire;
  for (const auto& c : group) {
    d.rec.emit(Dir::Client, c.line, d.client->tls(), c.phase);
    wire += c.line + "\r\n";
  }
  d.client->write_bytes(wire);
  std::optional<Failure> refused;
  Reply r;
  for (const auto& c : group) {
    if (d.rec.phase() != c.phase) d.rec.begin_phase(c.phase);
    if (c.phase == Phase::Data && !refused) d.res.message.attempted = true;
    try {
      r = d.client->read_reply();
    } catch (const WireError&) {
      if (refused) break;  // e.g. the server closed after refusing: its refusal is the news
      throw;
    }
    if (!refused) refused = rejection(d, r, c.ok, c.refusal);
  }
  if (!refused) return;
  if (r.code == 354)
    d.rec.info("The server accepted DATA although an earlier command was refused; closing the connection without "
               "sending the message, so that nothing is delivered");
  throw Failed{*refused};
}

BuiltMessage build(Dialogue& d, const MessageSpec& spec) {
  try {
    return build_message(spec, d.s.code_page, d.res.server.ehlo_name, d.caps.has("8BITMIME"));
  } catch (const ConversionError& e) {
    d.rec.fail(FailureCategory::Config, e.what());
  }
}

void announce(Dialogue& d, const BuiltMessage& msg, const std::string& how) {
  d.rec.info("Sending the message" + how + ": " + std::to_string(msg.data.size()) + " bytes, charset " + msg.charset + ", " +
             msg.transfer_encoding);
}

// The reply to the message's end (the final dot or the last BDAT chunk).
void finish(Dialogue& d, const Reply& done) {
  d.res.message.server_reply = done.first_line();
  expect(d, done, {250}, "The server did not accept the message");
  d.res.message.accepted = true;
}

std::vector<Command> envelope(Dialogue& d, const MessageSpec& spec, const BuiltMessage& msg, std::size_t wire_size) {
  std::string mail = "MAIL FROM:<" + spec.from + ">";
  if (msg.needs_8bitmime) mail += " BODY=8BITMIME";
  if (d.caps.has("SIZE")) mail += " SIZE=" + std::to_string(wire_size);
  mail += mail_parameters(spec);
  std::vector<Command> commands{{mail, Phase::Mail, {250}, "The server rejected the sender " + spec.from}};
  for (const auto& to : spec.to)
    commands.push_back({"RCPT TO:<" + to + ">" + rcpt_parameters(spec, to), Phase::Rcpt, {250, 251},
                        "The server rejected the recipient " + to});
  return commands;
}

// An extension the message asks for and the server's EHLO does not offer fails the test before MAIL FROM,
// rather than letting the server refuse (or, worse, ignore) the parameter.
void require_extension(Dialogue& d, const char* keyword, FailureCause cause, const std::string& what) {
  if (d.caps.has(keyword)) return;
  if (d.rec.phase() != Phase::Mail) d.rec.begin_phase(Phase::Mail);
  d.rec.fail_because(cause, FailureCategory::Smtp, "The server does not offer " + std::string(keyword) + " in its EHLO reply, so " +
                                                        what + " cannot be sent; nothing was sent");
}

void require_extensions(Dialogue& d, const MessageSpec& spec) {
  if (spec.smtputf8)
    require_extension(d, "SMTPUTF8", FailureCause::NoSmtpUtf8, "a message with SMTPUTF8 (UTF-8 addresses and headers)");
  if (spec.wants_dsn())
    require_extension(d, "DSN", FailureCause::NoDsn, "the delivery status notification request (NOTIFY, RET, ENVID)");
  if (spec.bdat && d.req.stop_after != StopAfter::Rcpt)
    require_extension(d, "CHUNKING", FailureCause::NoChunking, "the message with BDAT");
}

std::string chunk_refusal(std::size_t index, std::size_t count, const BdatChunk& chunk) {
  return "The server refused BDAT chunk " + std::to_string(index + 1) + " of " + std::to_string(count) + " (" +
         chunk.command + ")";
}

// The reply to chunk `index`: the last one's ends the message, any other's must be 250.
void check_chunk_reply(Dialogue& d, const Reply& r, std::size_t index, const std::vector<BdatChunk>& chunks) {
  if (index + 1 < chunks.size()) return expect(d, r, {250}, chunk_refusal(index, chunks.size(), chunks[index]));
  d.res.message.server_reply = r.first_line();
  if (chunks.size() > 1) expect(d, r, {250}, chunk_refusal(index, chunks.size(), chunks[index]));
  finish(d, r);
}

// RFC 3030: each chunk's BDAT command and its bytes in one write, its 250 read before the next chunk.
void send_bdat_one_by_one(Dialogue& d, const std::vector<BdatChunk>& chunks) {
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    // Between chunks only BDAT or RSET may follow (RFC 3030 2): the step gate takes no typed command there.
    d.client->send_raw(chunks[i].command + "\r\n" + std::string(chunks[i].payload), chunks[i].command, i == 0);
    d.rec.emit(Dir::Client, "<message chunk, " + std::to_string(chunks[i].payload.size()) + " bytes>", d.client->tls());
    check_chunk_reply(d, d.client->read_reply(), i, chunks);
  }
}

// Writes every chunk, BDAT command and bytes, without waiting for a reply. A server that refuses a chunk
// may stop reading or close; then the replies already sent say why, so the write's failure is kept for
// when they do not.
std::optional<WireError> write_chunks(Dialogue& d, const std::vector<BdatChunk>& chunks) {
  const bool tls = d.client->tls();
  for (const auto& chunk : chunks) {
    d.rec.emit(Dir::Client, chunk.command, tls);
    d.rec.emit(Dir::Client, "<message chunk, " + std::to_string(chunk.payload.size()) + " bytes>", tls);
    try {
      d.client->write_bytes(chunk.command + "\r\n" + std::string(chunk.payload));
    } catch (const WireError& e) {
      return e;
    }
  }
  return std::nullopt;
}

// RFC 3030 4.2 with RFC 2920: all chunks go out first, then their replies are read in order (and shown
// after the commands, as for MAIL and RCPT). The first refusal fails the message naming its chunk; the
// replies after it are still read, so the transcript shows what the server said to the rest.
void send_bdat_pipelined(Dialogue& d, const std::vector<BdatChunk>& chunks) {
  auto write_failed = write_chunks(d, chunks);
  std::optional<Failed> refused;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    Reply r;
    try {
      r = d.client->read_reply();
    } catch (const WireError&) {
      if (refused) break;  // e.g. the server closed after refusing: its refusal is the news
      if (write_failed) throw *write_failed;
      throw;
    }
    if (refused) continue;
    try {
      check_chunk_reply(d, r, i, chunks);
    } catch (Failed& f) {
      refused = std::move(f);
    }
  }
  if (refused) throw *refused;
  if (write_failed) throw *write_failed;
}

void send_bdat(Dialogue& d, const std::string& data) {
  auto chunks = bdat_chunks(data);
  if (d.pipelining()) return send_bdat_pipelined(d, chunks);
  send_bdat_one_by_one(d, chunks);
}

// The message after "354"; pipelined (RFC 2920), QUIT follows the final dot and its reply is read after the dot's.
void send_body(Dialogue& d, const std::string& stuffed) {
  std::string body_display = "<message body, " + std::to_string(stuffed.size()) + " bytes>";
  const bool tls = d.client->tls();
  if (d.pipelining()) {
    d.rec.emit(Dir::Client, body_display, tls);
    d.rec.emit(Dir::Client, ".", tls);
    d.rec.emit(Dir::Client, "QUIT", tls, Phase::Quit);
    d.client->write_bytes(stuffed + ".\r\nQUIT\r\n");
    d.quit_sent = true;
  } else {
    d.client->send_raw(stuffed + ".\r\n", body_display, false);
    d.rec.emit(Dir::Client, ".", tls);
  }
}

void send_with_bdat(Dialogue& d, const std::vector<Command>& envelope_commands, const BuiltMessage& msg) {
  run_group(d, envelope_commands);
  d.rec.begin_phase(Phase::Data);
  d.res.message.attempted = true;
  d.res.message.bdat_chunks = bdat_chunks(msg.data).size();
  announce(d, msg, " with BDAT in " + std::to_string(d.res.message.bdat_chunks) + " chunk(s)");
  send_bdat(d, msg.data);
}

}  // namespace

void send_message(Dialogue& d) {
  MessageSpec spec;
  if (d.req.message) spec = *d.req.message;
  if (spec.from.empty() || spec.to.empty())
    d.rec.fail(FailureCategory::Config, "Sender and recipient are needed to check RCPT or to send a message (From, To)");
  if (spec.body_utf8.empty())
    spec.body_utf8 = "This is a test message from SMTP Workbench.\nIf you can read it, the connection settings work.\n";

  BuiltMessage msg = build(d, spec);
  std::string stuffed = dot_stuff(msg.data);
  auto& facts = d.res.message;
  facts.charset = msg.charset;
  facts.transfer_encoding = msg.transfer_encoding;
  facts.size_bytes = msg.data.size();
  if (auto limit = d.caps.size_limit(); limit && *limit > 0 && msg.data.size() > *limit)
    d.rec.fail_because(FailureCause::SizeLimit, FailureCategory::Smtp, "The message (" + std::to_string(msg.data.size()) +
                                                                " bytes) exceeds the server's SIZE limit of " + std::to_string(*limit));

  require_extensions(d, spec);
  auto commands = envelope(d, spec, msg, spec.bdat ? msg.data.size() : stuffed.size());
  if (d.req.stop_after == StopAfter::Rcpt) return run_group(d, commands);
  if (spec.bdat) return send_with_bdat(d, commands, msg);
  commands.push_back({"DATA", Phase::Data, {354}, "The server refused DATA"});
  run_group(d, commands);

  announce(d, msg, "");
  send_body(d, stuffed);
  finish(d, d.client->read_reply());
}

}  // namespace smtpwb::smtp

// EventQueue: wake-ups, ordering, overflow accounting, and a concurrent producer/consumer.
#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "smtpwb/event_queue.hpp"

using smtpwb::Event;
using smtpwb::EventQueue;

namespace {
Event numbered(long n) {
  Event e;
  e.t_us = n;
  e.text = "event " + std::to_string(n);
  return e;
}

long number_of(const Event& e) { return std::stol(e.text.substr(6)); }
}  // namespace

TEST_CASE("EventQueue: wake is called when the queue goes from empty to non-empty", "[event_queue]") {
  int wakes = 0;
  EventQueue q([&] { ++wakes; });
  std::vector<Event> out;

  CHECK(wakes == 0);
  q.push(numbered(1));
  CHECK(wakes == 1);
  q.push(numbered(2));
  q.push(numbered(3));
  CHECK(wakes == 1);  // not once per push

  q.drain(out);
  CHECK(out.size() == 3);
  CHECK(wakes == 1);  // draining does not wake

  q.push(numbered(4));
  CHECK(wakes == 2);  // empty again, so the next push wakes
  q.push(numbered(5));
  CHECK(wakes == 2);

  q.drain(out);
  q.drain(out);  // draining an empty queue
  CHECK(out.empty());
  q.push(numbered(6));
  CHECK(wakes == 3);
}

TEST_CASE("EventQueue: without a wake function pushing still works", "[event_queue]") {
  EventQueue q;
  q.push(numbered(1));
  std::vector<Event> out;
  CHECK(q.drain(out) == 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].text == "event 1");
}

TEST_CASE("EventQueue: drain returns events in order and empties the queue", "[event_queue]") {
  EventQueue q;
  for (long i = 0; i < 10; ++i) {
    auto e = numbered(i);
    e.dir = i % 2 ? smtpwb::Dir::Server : smtpwb::Dir::Client;
    e.phase = smtpwb::Phase::Ehlo;
    e.in_tls = i > 5;
    q.push(e);
  }
  std::vector<Event> out{numbered(999)};  // drain clears what was there
  CHECK(q.drain(out) == 0);
  REQUIRE(out.size() == 10);
  for (long i = 0; i < 10; ++i) {
    CHECK(number_of(out[static_cast<std::size_t>(i)]) == i);
    CHECK(out[static_cast<std::size_t>(i)].t_us == i);
    CHECK(out[static_cast<std::size_t>(i)].dir == (i % 2 ? smtpwb::Dir::Server : smtpwb::Dir::Client));
    CHECK(out[static_cast<std::size_t>(i)].in_tls == (i > 5));
  }
  std::vector<Event> again;
  CHECK(q.drain(again) == 0);
  CHECK(again.empty());
}

TEST_CASE("EventQueue: overflow counts dropped events", "[event_queue]") {
  int wakes = 0;
  EventQueue q([&] { ++wakes; }, 4);
  for (long i = 0; i < 10; ++i) q.push(numbered(i));
  CHECK(wakes == 1);
  std::vector<Event> out;
  CHECK(q.drain(out) == 6);
  REQUIRE(out.size() == 4);
  for (long i = 0; i < 4; ++i) CHECK(number_of(out[static_cast<std::size_t>(i)]) == i);  // the oldest are kept
  // The count is reset by drain, and the capacity is free again.
  for (long i = 10; i < 15; ++i) q.push(numbered(i));
  CHECK(q.drain(out) == 1);
  REQUIRE(out.size() == 4);
  CHECK(number_of(out.front()) == 10);
  CHECK(q.drain(out) == 0);
}

TEST_CASE("EventQueue: concurrent producer and consumer lose and duplicate nothing", "[event_queue][thread]") {
  constexpr long kTotal = 100000;
  std::atomic<int> wakes{0};
  EventQueue q([&] { wakes.fetch_add(1, std::memory_order_relaxed); }, kTotal + 1);  // no drops possible
  std::atomic<bool> done{false};

  std::thread producer([&] {
    for (long i = 0; i < kTotal; ++i) q.push(numbered(i));
    done.store(true, std::memory_order_release);
  });

  std::vector<long> received;
  received.reserve(kTotal);
  std::size_t dropped = 0;
  std::size_t batches = 0;
  std::vector<Event> batch;
  while (true) {
    bool finished = done.load(std::memory_order_acquire);
    dropped += q.drain(batch);
    if (!batch.empty()) ++batches;
    for (const auto& e : batch) received.push_back(number_of(e));
    if (finished && batch.empty()) break;
    if (batch.empty()) std::this_thread::yield();
  }
  producer.join();

  CHECK(dropped == 0);
  REQUIRE(received.size() == static_cast<std::size_t>(kTotal));
  bool in_order = true;
  for (long i = 0; i < kTotal; ++i)
    if (received[static_cast<std::size_t>(i)] != i) {
      in_order = false;
      FAIL_CHECK("event " << i << " is " << received[static_cast<std::size_t>(i)]);
      break;
    }
  CHECK(in_order);
  // Every batch began with a push onto an empty queue, and only such pushes wake: one wake per batch.
  CHECK(static_cast<std::size_t>(wakes.load()) == batches);
}

TEST_CASE("EventQueue: with a small capacity, what arrives is in order and the rest is counted",
          "[event_queue][thread]") {
  constexpr long kTotal = 100000;
  EventQueue q({}, 64);
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (long i = 0; i < kTotal; ++i) q.push(numbered(i));
    done.store(true, std::memory_order_release);
  });
  std::size_t dropped = 0, received = 0;
  long last = -1;
  bool increasing = true;
  std::vector<Event> batch;
  while (true) {
    bool finished = done.load(std::memory_order_acquire);
    dropped += q.drain(batch);
    for (const auto& e : batch) {
      long n = number_of(e);
      if (n <= last) increasing = false;
      last = n;
      ++received;
    }
    if (finished && batch.empty()) break;
    if (batch.empty()) std::this_thread::yield();
  }
  producer.join();
  dropped += q.drain(batch);
  received += batch.size();
  CHECK(increasing);
  CHECK(received + dropped == static_cast<std::size_t>(kTotal));
  CHECK(received >= 1);
}

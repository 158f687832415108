// The simulators' signed notices to the merchant (sim/common/notifier.hpp): the signature, the retry
// schedule, the journal and its reload, hold and release, the control endpoints; and one delivery test
// against a local HTTP server (port 0): signatures verify, duplicates carry the same id and body, and
// held notices released in reverse arrive in reverse. Also the RFC 3339 times of sim/common/utc_time.hpp.

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/http_server.hpp"
#include "notifier.hpp"
#include "utc_time.hpp"

using namespace kessai;
using sim::Notice;
using sim::Notifier;
using sim::NotifierOptions;

namespace {

NotifierOptions options(bool hold = false, double duplicate_rate = 0.0) {
  return NotifierOptions{"whsec_test", "pen", duplicate_rate, 0, hold, 1};
}

std::optional<Notice> notify(Notifier& notifier, const std::string& reference,
                             const std::string& url = "http://127.0.0.1:9/hook") {
  return notifier.notify("payment.paid", reference, url, boost::json::object{{"reference", reference}},
                         "2026-04-01T00:00:00Z");
}

runtime::HttpRequest request(const std::string& method, const std::string& target,
                             const std::string& body = "") {
  runtime::HttpRequest out;
  out.method = method;
  out.target = target;
  out.body = body;
  return out;
}

boost::json::object body_of(const runtime::HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

}  // namespace

TEST_CASE("RFC 3339 UTC times are read into Unix seconds and written back", "[sim][notifier]") {
  using sim::format_utc_seconds;
  using sim::parse_utc_seconds;
  CHECK(parse_utc_seconds("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_utc_seconds("2026-04-01T00:00:00Z") == 1775001600);
  CHECK(parse_utc_seconds("2024-02-29T23:59:59Z") == 1709251199);  // a leap day
  CHECK(parse_utc_seconds("2026-04-01T00:00:00.123Z") == 1775001600);
  CHECK(parse_utc_seconds("2026-04-01T00:00:00+00:00") == 1775001600);
  CHECK(format_utc_seconds(1775001600) == "2026-04-01T00:00:00Z");
  CHECK(format_utc_seconds(1709251199) == "2024-02-29T23:59:59Z");
  for (const char* text : {"", "2026-04-01", "2026-04-01T00:00:00", "2026-04-01T00:00:00+09:00",
                           "2026-04-01 00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
                           "2026-13-01T00:00:00Z", "2026-04-01T24:00:00Z", "2026-04-01T00:60:00Z",
                           "2026-04-01T00:00:00.Z", "2026-04-01T00:00:00Zjunk", "２０２６-04-01T00:00:00Z"}) {
    INFO(text);
    CHECK_FALSE(parse_utc_seconds(text));
  }
}

TEST_CASE("a notice is signed over its time and its raw body, afresh for each attempt", "[sim][notifier]") {
  const std::string body = R"({"id":"pen_000001"})";
  // Expected value from an independent HMAC-SHA256 (Python's hmac module).
  CHECK(sim::notice_signature("whsec_test", 1700000000, body) ==
        "t=1700000000,v1=2e8c9027015c4d6ac44b98dc89925e41074676bfc71c954201bb7e0e08a14198");
  CHECK(sim::notice_signature("whsec_test", 1700000001, body) !=
        sim::notice_signature("whsec_test", 1700000000, body));
  CHECK(sim::notice_signature("other", 1700000000, body) !=
        sim::notice_signature("whsec_test", 1700000000, body));

  CHECK(
      sim::notice_body("pen_000001", "payment.paid", "2026-04-01T00:00:00Z", boost::json::object{{"a", 1}}) ==
      R"({"id":"pen_000001","type":"payment.paid","created_at":"2026-04-01T00:00:00Z","data":{"a":1}})");
}

TEST_CASE("failed attempts are retried after 200 ms doubling to at most 5 s, 30 times", "[sim][notifier]") {
  using std::chrono::milliseconds;
  CHECK(sim::callback_backoff(1) == milliseconds(200));
  CHECK(sim::callback_backoff(2) == milliseconds(400));
  CHECK(sim::callback_backoff(3) == milliseconds(800));
  CHECK(sim::callback_backoff(4) == milliseconds(1600));
  CHECK(sim::callback_backoff(5) == milliseconds(3200));
  CHECK(sim::callback_backoff(6) == milliseconds(5000));
  CHECK(sim::callback_backoff(29) == milliseconds(5000));
  CHECK(sim::kCallbackAttemptsMax == 30);
  milliseconds total{0};
  for (int attempt = 1; attempt < sim::kCallbackAttemptsMax; ++attempt)
    total += sim::callback_backoff(attempt);
  CHECK(total == milliseconds(200 + 400 + 800 + 1600 + 3200 + 24 * 5000));
}

TEST_CASE("notify URLs are http:// with a host; the rest is the target", "[sim][notifier]") {
  const auto url = sim::split_notify_url("http://127.0.0.1:8080/hooks/payeasy?x=1#frag");
  REQUIRE(url);
  CHECK(url->base == "http://127.0.0.1:8080");
  CHECK(url->target == "/hooks/payeasy?x=1");
  CHECK(sim::split_notify_url("http://localhost")->target == "/");
  CHECK(sim::split_notify_url("http://localhost?a=b")->target == "/?a=b");
  CHECK(sim::split_notify_url("http://[::1]:8080/x")->base == "http://[::1]:8080");
  for (const std::string& bad :
       {std::string("https://127.0.0.1/hook"), std::string("ftp://127.0.0.1/"), std::string("http://"),
        std::string("http:///path"), std::string("http://:8080/"), std::string("http://host:port/"),
        std::string("http://host:123456/"), std::string("http://user@host/"), std::string("http://host/a b"),
        std::string("127.0.0.1:8080/hook"), "http://h/" + std::string(sim::kNotifyUrlBytesMax, 'a')}) {
    INFO(bad);
    CHECK_FALSE(sim::split_notify_url(bad));
  }
}

TEST_CASE("notices are kept, journalled and held until released, in either order", "[sim][notifier]") {
  std::ostringstream journal;
  Notifier notifier(options(true), journal);
  CHECK(notifier.configured());
  CHECK(notifier.has_room());
  const auto first = notify(notifier, "pi_1");
  REQUIRE(first);
  CHECK(first->id == "pen_000001");
  CHECK(first->type == "payment.paid");
  CHECK(first->held);
  CHECK_FALSE(first->delivered());
  CHECK(first->body == R"({"id":"pen_000001","type":"payment.paid","created_at":"2026-04-01T00:00:00Z",)"
                       R"("data":{"reference":"pi_1"}})");
  CHECK(notify(notifier, "pi_2")->id == "pen_000002");
  CHECK(journal.str().find("pen_000002") != std::string::npos);

  const auto listed = sim::callbacks_reply(notifier, request("GET", "/sim/callbacks"));
  REQUIRE(listed);
  const auto list = body_of(*listed);
  CHECK(list.at("object") == "list");
  REQUIRE(list.at("data").as_array().size() == 2);
  const auto& item = list.at("data").as_array()[0].as_object();
  CHECK(item.at("id") == "pen_000001");
  CHECK(item.at("type") == "payment.paid");
  CHECK(item.at("reference") == "pi_1");
  CHECK(item.at("attempts") == 0);
  CHECK(item.at("delivered") == false);
  CHECK(item.at("last_status") == 0);
  CHECK(item.at("held") == true);

  const auto bad =
      sim::callbacks_reply(notifier, request("POST", "/sim/callbacks/release", R"({"order":"lifo"})"));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(sim::callbacks_reply(notifier, request("POST", "/sim/callbacks/release", "[1]"))->status == 400);
  const auto released =
      sim::callbacks_reply(notifier, request("POST", "/sim/callbacks/release", R"({"order":"reverse"})"));
  REQUIRE(released);
  CHECK(released->status == 200);
  CHECK(body_of(*released).at("released") == 2);
  for (const Notice& notice : notifier.all()) CHECK_FALSE(notice.held);
  // Nothing left to release; an empty body is fifo.
  CHECK(body_of(*sim::callbacks_reply(notifier, request("POST", "/sim/callbacks/release"))).at("released") ==
        0);
  CHECK_FALSE(sim::callbacks_reply(notifier, request("GET", "/v1/numbers")));
  CHECK_FALSE(sim::callbacks_reply(notifier, request("GET", "/sim/callbacks/release")));

  Notifier unsigned_notifier(NotifierOptions{"", "qon", 0, 0, false, 1}, journal);
  CHECK_FALSE(unsigned_notifier.configured());
}

TEST_CASE("a share of notices drawn from the seed is marked to be delivered twice", "[sim][notifier]") {
  std::ostringstream journal;
  Notifier always(options(true, 1.0), journal);
  Notifier never(options(true, 0.0), journal);
  CHECK(notify(always, "pi_1")->duplicate);
  CHECK_FALSE(notify(never, "pi_1")->duplicate);

  Notifier half_a(NotifierOptions{"s", "pen", 0.5, 0, true, 42}, journal);
  Notifier half_b(NotifierOptions{"s", "pen", 0.5, 0, true, 42}, journal);
  int duplicates = 0;
  for (int i = 0; i < 40; ++i) {
    const bool a = notify(half_a, "pi_" + std::to_string(i))->duplicate;
    CHECK(a == notify(half_b, "pi_" + std::to_string(i))->duplicate);
    duplicates += a ? 1 : 0;
  }
  CHECK(duplicates > 5);
  CHECK(duplicates < 35);
}

TEST_CASE("at start the journal's unfinished notices are queued again, the others kept", "[sim][notifier]") {
  std::ostringstream written;
  {
    Notifier before(options(true, 0.0), written);
    notify(before, "pi_1");
    notify(before, "pi_2");
  }
  Notice delivered = *sim::parse_notice_line(written.str().substr(0, written.str().find('\n')));
  delivered.deliveries = 1;
  delivered.attempts = 3;
  delivered.last_status = 204;
  Notice abandoned = delivered;
  abandoned.id = "pen_000003";
  abandoned.deliveries = 0;
  abandoned.abandoned = true;
  abandoned.attempts = 30;
  abandoned.last_status = 500;
  Notice duplicate_half_done = delivered;
  duplicate_half_done.id = "pen_000004";
  duplicate_half_done.duplicate = true;
  std::string lines = written.str();
  lines += boost::json::serialize(sim::notice_line(delivered)) + "\n";  // pen_000001's latest line wins
  lines += boost::json::serialize(sim::notice_line(abandoned)) + "\n";
  lines += boost::json::serialize(sim::notice_line(duplicate_half_done)) + "\n";
  lines += R"({"id":"pen_000005","type":"pay)";  // torn by a crash

  std::ostringstream journal;
  Notifier after(options(true), journal);
  std::istringstream in(lines);
  const sim::NoticeLoad load = after.load(in);
  CHECK(load.notices == 4);
  CHECK(load.queued_again == 2);  // pen_000002 (never delivered), pen_000004 (its duplicate not yet)
  CHECK(load.skipped_lines == 1);
  const auto all = after.all();
  REQUIRE(all.size() == 4);
  CHECK(all[0].delivered());
  CHECK(all[0].attempts == 3);
  CHECK(all[0].last_status == 204u);
  CHECK_FALSE(all[0].held);
  CHECK(all[1].held);
  CHECK(all[2].abandoned);
  CHECK(all[3].held);
  CHECK(all[1].body == R"({"id":"pen_000002","type":"payment.paid","created_at":"2026-04-01T00:00:00Z",)"
                       R"("data":{"reference":"pi_2"}})");
  CHECK(after.release(sim::ReleaseOrder::fifo) == 2);
  // Numbering goes on after the journal's notices.
  CHECK(notify(after, "pi_9")->id == "pen_000005");

  CHECK_FALSE(sim::parse_notice_line(""));
  CHECK_FALSE(sim::parse_notice_line(R"({"id":"pen_000001"})"));
  CHECK_FALSE(sim::parse_notice_line("[]"));
}

// ---- Delivery, against a local HTTP server ----

namespace {

struct Received {
  std::string id;
  std::string body;
  bool signature_ok = false;
};

// A merchant on port 0 that verifies each notice's signature and answers `fail_first` failures (503) to
// the first attempts, then 200.
class Merchant {
 public:
  explicit Merchant(int fail_first = 0)
      : fail_first_(fail_first),
        server_(
            "127.0.0.1", 0, runtime::ServerLimits{},
            [this](runtime::HttpRequest request, runtime::Responder respond) {
              runtime::HttpResponse answer;
              answer.status = record(request) ? 200 : 503;
              respond(std::move(answer));
            },
            1),
        thread_([this] { server_.run(); }) {}
  ~Merchant() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hooks/kessai"; }

  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  // Whether to answer 2xx.
  bool record(const runtime::HttpRequest& request) {
    std::lock_guard lock(mutex_);
    if (failures_ < fail_first_) {
      ++failures_;
      return false;
    }
    Received notice;
    notice.body = request.body;
    notice.id = std::string(boost::json::parse(request.body).at("id").as_string());
    const std::string signature(request.header("x-notify-signature").value_or(""));
    const std::size_t comma = signature.find(",v1=");
    if (signature.starts_with("t=") && comma != std::string::npos && request.target == "/hooks/kessai") {
      const std::string t = signature.substr(2, comma - 2);
      notice.signature_ok =
          signature.substr(comma + 4) == runtime::hmac_sha256_hex("whsec_test", t + "." + request.body);
    }
    received_.push_back(notice);
    return true;
  }

  int fail_first_;
  int failures_ = 0;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  runtime::HttpServer server_;
  std::thread thread_;
};

bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace

TEST_CASE("notices reach the merchant signed; duplicates repeat id and body; a failed attempt is retried",
          "[sim][notifier]") {
  Merchant merchant(1);  // the first attempt gets a 503
  std::ostringstream journal;
  Notifier notifier(options(false, 1.0), journal);
  notifier.start();
  const auto sent = notify(notifier, "pi_1", merchant.url());
  REQUIRE(sent);
  REQUIRE(eventually([&] { return merchant.received().size() == 2; }));
  const auto received = merchant.received();
  for (const Received& notice : received) {
    CHECK(notice.signature_ok);
    CHECK(notice.id == "pen_000001");
    CHECK(notice.body == sent->body);
  }
  REQUIRE(eventually([&] { return notifier.all()[0].finished(); }));
  const Notice kept = notifier.all()[0];
  CHECK(kept.attempts == 3);
  CHECK(kept.deliveries == 2);
  CHECK(kept.last_status == 200u);
  CHECK(journal.str().find(R"("deliveries":2)") != std::string::npos);
}

TEST_CASE("held notices released in reverse arrive in reverse", "[sim][notifier]") {
  Merchant merchant;
  std::ostringstream journal;
  Notifier notifier(options(true), journal);
  notifier.start();
  for (const char* reference : {"pi_1", "pi_2", "pi_3"}) REQUIRE(notify(notifier, reference, merchant.url()));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(merchant.received().empty());
  CHECK(notifier.release(sim::ReleaseOrder::reverse) == 3);
  REQUIRE(eventually([&] { return merchant.received().size() == 3; }));
  const auto received = merchant.received();
  CHECK(received[0].id == "pen_000003");
  CHECK(received[1].id == "pen_000002");
  CHECK(received[2].id == "pen_000001");
  for (const Received& notice : received) CHECK(notice.signature_ok);
}

#pragma once
// Signed callbacks from a processor to the merchant: the Pay-easy centre's quick notice (速報) that a
// number was paid or cancelled by the bank (取消), the QR provider's notice that a payer paid an order.
// A notice is POSTed to the notify_url the merchant gave with the number or order, signed, and retried
// until the merchant answers 2xx; a share of notices is delivered twice, and notices can be held and
// released in any order, so kessai's handling of duplicates and reordering is exercised.
//
// Body (the same bytes in every attempt and in a duplicate):
//   {"id": "pen_000001", "type": "payment.paid", "created_at": "2026-04-01T09:00:00Z", "data": {...}}
// Header:  X-Notify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   (t is the time of the attempt: each attempt is signed afresh).
// Every notice is kept in <state-dir>/notices.jsonl (a line when queued, delivered or abandoned; the
// latest line of a notice wins); at start the notices not yet delivered are queued again.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <istream>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "kessai/runtime/http_types.hpp"
#include "record_index.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

// One delivery (and a duplicate's second delivery) is tried at most this often; then callback_abandoned.
constexpr int kCallbackAttemptsMax = 30;
// The wait after a failed attempt: 200 ms, doubling, at most 5 s.
constexpr std::chrono::milliseconds kCallbackBackoffFirstMs{200};
constexpr std::chrono::milliseconds kCallbackBackoffMaxMs{5'000};
constexpr std::chrono::milliseconds kCallbackConnectTimeoutMs{1'000};
constexpr std::chrono::milliseconds kCallbackRequestTimeoutMs{5'000};
// Notices held or waiting to be sent; a change that would add one more is refused (503) instead.
constexpr std::size_t kNoticesPendingMax = 10'000;
// The merchant's notify_url: http:// only (a loopback simulator), at most this long.
constexpr std::size_t kNotifyUrlBytesMax = 2'000;
// --callback-delay-ms: 0..this.
constexpr int kCallbackDelayMsMax = 600'000;

// "http://127.0.0.1:8080/hooks/payeasy?x=1" → base "http://127.0.0.1:8080", target "/hooks/payeasy?x=1".
struct NotifyUrl {
  std::string base;
  std::string target;
};
// nullopt unless "http://" with a host, no spaces or control characters, at most kNotifyUrlBytesMax.
std::optional<NotifyUrl> split_notify_url(std::string_view url);

// "t=<unix_seconds>,v1=<lower-case hex HMAC-SHA256(secret, "<unix_seconds>.<body>")>".
std::string notice_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// The wait after failed attempt number `attempt` (1, 2, …): 200, 400, 800, 1600, 3200, then 5000 ms.
std::chrono::milliseconds callback_backoff(int attempt);

struct Notice {
  std::string id;          // "pen_000001"
  std::string type;        // "payment.paid", "payment.reversed", "order.paid"
  std::string reference;   // the merchant's reference of what it is about
  std::string notify_url;  // where it is POSTed
  std::string created_at;
  std::string body;          // the bytes sent, the same in every attempt
  bool duplicate = false;    // delivered a second time once the first delivery succeeded
  int attempts = 0;          // of both deliveries
  int deliveries = 0;        // 2xx answers: 0, 1, or 2 for a duplicate
  bool abandoned = false;    // kCallbackAttemptsMax attempts of one delivery failed
  unsigned last_status = 0;  // the last attempt's HTTP status; 0: none yet, or no answer
  bool held = false;         // waiting for POST /sim/callbacks/release; not journalled

  bool delivered() const { return deliveries > 0; }
  // Nothing more will be sent.
  bool finished() const { return abandoned || deliveries >= (duplicate ? 2 : 1); }
};

// {"id", "type", "created_at", "data"}, serialized: a notice's body.
std::string notice_body(const std::string& id, std::string_view type, const std::string& created_at,
                        const boost::json::object& data);

// A journal line: the notice with its body and delivery state; and back (nullopt: not a notice line).
boost::json::object notice_line(const Notice& notice);
std::optional<Notice> parse_notice_line(std::string_view line);

// GET /sim/callbacks's item: {"id", "type", "reference", "attempts", "delivered", "last_status", …}.
boost::json::object notice_summary_json(const Notice& notice);

struct NotifierOptions {
  std::string secret;         // signs every attempt; empty: the simulator sends no notices
  std::string id_prefix;      // "pen" → "pen_000001"
  double duplicate_rate = 0;  // 0..1: share of notices delivered twice, drawn from seed
  int delay_ms = 0;           // before the first attempt of each notice
  bool hold = false;          // queue without sending until release()
  std::uint64_t seed = 1;
};

struct NoticeLoad {
  std::size_t notices = 0;        // distinct notices in the journal
  std::size_t queued_again = 0;   // not yet delivered: sent (or held) again
  std::size_t skipped_lines = 0;  // unreadable lines, left out
};

// Stable numbers; never renumber.
enum class ReleaseOrder : std::uint8_t { fifo = 1, reverse = 2 };

// Keeps the notices and sends them from one worker thread, one after the other, in queue order. Without
// start() nothing is sent (the fronts' unit tests): notices are only kept and journalled. Safe from
// several threads.
class Notifier {
 public:
  // Journal: where every notice's lines are appended (notices.jsonl), flushed at once.
  Notifier(NotifierOptions options, std::ostream& journal);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Whether notices can be signed at all (a secret was given).
  bool configured() const { return !options_.secret.empty(); }

  // Before start(): the journal's notices back, the unfinished ones queued (or held) again.
  NoticeLoad load(std::istream& lines);

  // Whether one more notice fits (kNoticesPendingMax).
  bool has_room() const;

  // Keeps, journals and queues (or holds) a new notice; nullopt when there is no room. The caller checks
  // configured() and has_room() first, under the lock its own change is made with.
  std::optional<Notice> notify(std::string_view type, const std::string& reference,
                               const std::string& notify_url, const boost::json::object& data,
                               const std::string& created_at);

  // Queues every held notice, in the order asked; how many.
  std::size_t release(ReleaseOrder order);

  std::vector<Notice> all() const;

  // The worker thread; stop() (or the destructor) ends it, within one attempt's timeout.
  void start();
  void stop();

 private:
  struct Queued {
    std::string id;
    std::chrono::steady_clock::time_point not_before;
  };

  void queue_locked(Notice& notice);
  void run();
  void deliver(const std::string& id);
  // One delivery with its retries; false when abandoned (also at once for an unusable URL) or stopping.
  bool deliver_once(Notice& notice, const std::optional<NotifyUrl>& url);
  // Waits, unless stopping (then false at once).
  bool pause(std::chrono::milliseconds wait);
  void journal_locked(const Notice& notice);

  NotifierOptions options_;
  std::ostream& journal_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  RecordIndex<Notice> notices_;
  std::deque<Queued> queue_;
  std::deque<std::string> held_;
  std::size_t pending_ = 0;  // not finished: held, queued or being sent
  std::mt19937_64 random_;
  bool stopping_ = false;
  std::thread worker_;
};

// A simulator process's notifier: its options from the command line (--callback-secret,
// --duplicate-callback-rate, --callback-delay-ms, --hold-callbacks, --seed), <state-dir>/notices.jsonl
// reloaded (unfinished notices queued again) and appended to, and the worker started. Without a secret
// nothing is loaded or started: configured() is false.
class NotifierProcess {
 public:
  NotifierProcess(const SimOptions& options, std::string id_prefix);
  NotifierProcess(const NotifierProcess&) = delete;
  NotifierProcess& operator=(const NotifierProcess&) = delete;

  Notifier& notifier() { return notifier_; }

 private:
  std::ofstream journal_;  // before notifier_, which writes to it
  Notifier notifier_;
};

// The control endpoints of a simulator that sends notices; nullopt for any other request.
//   GET  /sim/callbacks           {"object": "list", "data": [notice_summary_json, …]}, oldest first
//   POST /sim/callbacks/release   body {"order": "fifo"|"reverse"} (optional) → {"released": N}
std::optional<runtime::HttpResponse> callbacks_reply(Notifier& notifier, const runtime::HttpRequest& request);

}  // namespace kessai::sim

#include "notifier.hpp"

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/http_client.hpp"
#include "kessai/runtime/log.hpp"
#include "utc_time.hpp"

namespace kessai::sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kHttpScheme = "http://";
constexpr std::size_t kPortDigitsMax = 5;
// An HTTP status has three digits; a journal line claiming another is not read.
constexpr std::int64_t kHttpStatusMax = 999;
// Attempts and deliveries add up over restarts; a journal line claiming more is not read.
constexpr std::int64_t kJournalCountMax = 1'000'000;

bool is_success(unsigned status) {
  return status >= 200 && status < 300;
}

// "host", "host:port" or "[v6]:port"; a port, when given, is 1..5 digits.
bool is_authority(std::string_view authority) {
  if (authority.empty() || authority.front() == ':' || authority.find('@') != std::string_view::npos) {
    return false;
  }
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) return true;
  const std::string_view port = authority.substr(colon + 1);
  return !port.empty() && port.size() <= kPortDigitsMax &&
         std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> count_at(const json::object& object, std::string_view key) {
  const std::optional<std::int64_t> value = amount_at(object, key);
  if (!value || *value > kJournalCountMax) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<bool> bool_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_bool()) return std::nullopt;
  return value->as_bool();
}

}  // namespace

std::optional<NotifyUrl> split_notify_url(std::string_view url) {
  if (url.size() > kNotifyUrlBytesMax || !url.starts_with(kHttpScheme)) return std::nullopt;
  const bool printable = std::ranges::all_of(url, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte != 0x7f;
  });
  if (!printable) return std::nullopt;
  const std::string_view rest = url.substr(kHttpScheme.size());
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (!is_authority(authority)) return std::nullopt;
  std::string target =
      authority_end == std::string_view::npos ? std::string() : std::string(rest.substr(authority_end));
  target = target.substr(0, target.find('#'));  // a fragment is never sent
  if (!target.starts_with('/')) target.insert(0, "/");
  return NotifyUrl{std::string(kHttpScheme) + std::string(authority), std::move(target)};
}

std::string notice_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_text = t + ".";
  signed_text += body;
  return "t=" + t + ",v1=" + runtime::hmac_sha256_hex(secret, signed_text);
}

std::chrono::milliseconds callback_backoff(int attempt) {
  assert(attempt >= 1);
  std::chrono::milliseconds wait = kCallbackBackoffFirstMs;
  for (int i = 1; i < attempt && wait < kCallbackBackoffMaxMs; ++i) wait *= 2;
  return std::min(wait, kCallbackBackoffMaxMs);
}

std::string notice_body(const std::string& id, std::string_view type, const std::string& created_at,
                        const json::object& data) {
  return json::serialize(
      json::object{{"id", id}, {"type", type}, {"created_at", created_at}, {"data", data}});
}

json::object notice_line(const Notice& notice) {
  return json::object{{"id", notice.id},
                      {"type", notice.type},
                      {"reference", notice.reference},
                      {"notify_url", notice.notify_url},
                      {"created_at", notice.created_at},
                      {"body", notice.body},
                      {"duplicate", notice.duplicate},
                      {"attempts", notice.attempts},
                      {"deliveries", notice.deliveries},
                      {"abandoned", notice.abandoned},
                      {"last_status", notice.last_status}};
}

std::optional<Notice> parse_notice_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  auto id = string_at(*object, "id");
  auto type = string_at(*object, "type");
  auto reference = string_at(*object, "reference");
  auto notify_url = string_at(*object, "notify_url");
  auto created_at = string_at(*object, "created_at");
  auto body = string_at(*object, "body");
  const auto duplicate = bool_at(*object, "duplicate");
  const auto attempts = count_at(*object, "attempts");
  const auto deliveries = count_at(*object, "deliveries");
  const auto abandoned = bool_at(*object, "abandoned");
  const auto status = amount_at(*object, "last_status");
  if (!id || !type || !reference || !notify_url || !created_at || !body || !duplicate || !attempts ||
      !deliveries || !abandoned || !status || *status > kHttpStatusMax) {
    return std::nullopt;
  }
  Notice notice;
  notice.id = std::move(*id);
  notice.type = std::move(*type);
  notice.reference = std::move(*reference);
  notice.notify_url = std::move(*notify_url);
  notice.created_at = std::move(*created_at);
  notice.body = std::move(*body);
  notice.duplicate = *duplicate;
  notice.attempts = *attempts;
  notice.deliveries = *deliveries;
  notice.abandoned = *abandoned;
  notice.last_status = static_cast<unsigned>(*status);
  return notice;
}

json::object notice_summary_json(const Notice& notice) {
  return json::object{{"id", notice.id},
                      {"type", notice.type},
                      {"reference", notice.reference},
                      {"attempts", notice.attempts},
                      {"delivered", notice.delivered()},
                      {"last_status", notice.last_status},
                      {"deliveries", notice.deliveries},
                      {"duplicate", notice.duplicate},
                      {"held", notice.held},
                      {"abandoned", notice.abandoned},
                      {"created_at", notice.created_at}};
}

Notifier::Notifier(NotifierOptions options, std::ostream& journal)
    : options_(std::move(options)), journal_(journal), random_(options_.seed ^ 0x6e6f74696365ull) {
  assert(!options_.id_prefix.empty());
  assert(options_.delay_ms >= 0 && options_.delay_ms <= kCallbackDelayMsMax);
}

Notifier::~Notifier() {
  stop();
}

NoticeLoad Notifier::load(std::istream& lines) {
  NoticeLoad load;
  const std::vector<Notice> read = read_lines(lines, &parse_notice_line, load.skipped_lines);
  std::lock_guard lock(mutex_);
  assert(!worker_.joinable() && notices_.all().empty());
  for (const Notice& notice : read) notices_.put(notice);
  for (Notice& notice : notices_.mutable_all()) {
    if (notice.finished()) continue;
    ++pending_;
    ++load.queued_again;
    queue_locked(notice);
  }
  load.notices = notices_.all().size();
  return load;
}

bool Notifier::has_room() const {
  std::lock_guard lock(mutex_);
  return pending_ < kNoticesPendingMax;
}

std::optional<Notice> Notifier::notify(std::string_view type, const std::string& reference,
                                       const std::string& notify_url, const json::object& data,
                                       const std::string& created_at) {
  assert(configured());
  std::lock_guard lock(mutex_);
  if (pending_ >= kNoticesPendingMax) return std::nullopt;
  Notice notice;
  notice.id = notices_.next_id(options_.id_prefix);
  notice.type = type;
  notice.reference = reference;
  notice.notify_url = notify_url;
  notice.created_at = created_at;
  notice.body = notice_body(notice.id, type, created_at, data);
  if (options_.duplicate_rate > 0.0) {
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    notice.duplicate = roll(random_) < options_.duplicate_rate;
  }
  journal_locked(notice);
  ++pending_;
  queue_locked(notice);
  notices_.put(notice);
  log::info("callback_queued", {{"id", notice.id},
                                {"type", notice.type},
                                {"reference", notice.reference},
                                {"duplicate", notice.duplicate},
                                {"held", notice.held}});
  return notice;
}

std::size_t Notifier::release(ReleaseOrder order) {
  std::lock_guard lock(mutex_);
  if (order == ReleaseOrder::reverse) std::reverse(held_.begin(), held_.end());
  const auto not_before = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.delay_ms);
  const std::size_t released = held_.size();
  for (const std::string& id : held_) {
    if (Notice* notice = notices_.find(id)) notice->held = false;
    queue_.push_back(Queued{id, not_before});
  }
  held_.clear();
  wake_.notify_all();
  log::info("callbacks_released", {{"released", std::uint64_t{released}},
                                   {"order", order == ReleaseOrder::fifo ? "fifo" : "reverse"}});
  return released;
}

std::vector<Notice> Notifier::all() const {
  std::lock_guard lock(mutex_);
  return notices_.all();
}

void Notifier::start() {
  std::lock_guard lock(mutex_);
  assert(!worker_.joinable());
  stopping_ = false;
  worker_ = std::thread([this] { run(); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

// Held until released, or queued to be sent once the delay has passed.
void Notifier::queue_locked(Notice& notice) {
  if (options_.hold) {
    notice.held = true;
    held_.push_back(notice.id);
    return;
  }
  queue_.push_back(
      Queued{notice.id, std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.delay_ms)});
  wake_.notify_all();
}

// One notice at a time, in queue order: a notice that keeps failing holds up the ones behind it, as a
// processor's single sender would.
void Notifier::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const Queued next = queue_.front();
    if (wake_.wait_until(lock, next.not_before, [this] { return stopping_; })) return;
    queue_.pop_front();
    lock.unlock();
    deliver(next.id);
    lock.lock();
  }
}

void Notifier::deliver(const std::string& id) {
  Notice notice;
  {
    std::lock_guard lock(mutex_);
    const Notice* known = notices_.find(id);
    if (known == nullptr || known->finished()) return;
    notice = *known;
  }
  const std::optional<NotifyUrl> url = split_notify_url(notice.notify_url);
  while (!notice.finished()) {
    if (!deliver_once(notice, url)) return;
  }
}

bool Notifier::deliver_once(Notice& notice, const std::optional<NotifyUrl>& url) {
  runtime::ClientLimits limits;
  limits.connect_timeout = kCallbackConnectTimeoutMs;
  limits.request_timeout = kCallbackRequestTimeoutMs;
  limits.idle_connections_max = 1;
  std::optional<runtime::HttpClient> client;
  try {
    if (url) client.emplace(url->base, limits);
  } catch (const std::invalid_argument&) {
  }
  if (!client) log::warn("callback_url_unusable", {{"id", notice.id}, {"notify_url", notice.notify_url}});
  for (int attempt = 1; client && attempt <= kCallbackAttemptsMax; ++attempt) {
    const std::string signature = notice_signature(options_.secret, unix_seconds_now(), notice.body);
    auto answer = client->request("POST", url->target, notice.body, "application/json",
                                  {{"X-Notify-Signature", signature}});
    const unsigned status = answer ? answer->status : 0;
    {
      std::lock_guard lock(mutex_);
      Notice* kept = notices_.find(notice.id);
      assert(kept != nullptr);
      ++kept->attempts;
      kept->last_status = status;
      if (is_success(status)) {
        ++kept->deliveries;
        if (kept->finished()) --pending_;
        journal_locked(*kept);
      }
      notice = *kept;
    }
    if (is_success(status)) {
      log::info("callback_delivered", {{"id", notice.id},
                                       {"type", notice.type},
                                       {"status", status},
                                       {"attempts", notice.attempts},
                                       {"deliveries", notice.deliveries}});
      return true;
    }
    log::info("callback_attempt_failed", {{"id", notice.id},
                                          {"attempt", attempt},
                                          {"status", status},
                                          {"error", answer ? std::string() : answer.error().message}});
    if (attempt < kCallbackAttemptsMax && !pause(callback_backoff(attempt))) return false;
  }
  {
    std::lock_guard lock(mutex_);
    Notice* kept = notices_.find(notice.id);
    if (stopping_) return false;  // not abandoned: queued again at the next start
    kept->abandoned = true;
    --pending_;
    journal_locked(*kept);
    notice = *kept;
  }
  log::warn("callback_abandoned", {{"id", notice.id},
                                   {"type", notice.type},
                                   {"attempts", notice.attempts},
                                   {"last_status", notice.last_status}});
  return false;
}

bool Notifier::pause(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, wait, [this] { return stopping_; });
}

void Notifier::journal_locked(const Notice& notice) {
  append_line(journal_, notice_line(notice));
}

NotifierProcess::NotifierProcess(const SimOptions& options, std::string id_prefix)
    : notifier_(
          NotifierOptions{options.callback_secret, std::move(id_prefix), options.duplicate_callback_rate,
                          options.callback_delay_ms, options.hold_callbacks, options.seed},
          journal_) {
  if (!notifier_.configured()) {
    log::info("callbacks_not_configured", {{"message", "no --callback-secret: no notices are sent"}});
    return;
  }
  const std::filesystem::path path = std::filesystem::path(options.state_dir) / "notices.jsonl";
  std::filesystem::create_directories(options.state_dir);
  {
    std::ifstream lines(path);
    const NoticeLoad loaded = notifier_.load(lines);
    log::info("notices_loaded", {{"notices", std::uint64_t{loaded.notices}},
                                 {"queued_again", std::uint64_t{loaded.queued_again}},
                                 {"skipped_lines", std::uint64_t{loaded.skipped_lines}}});
  }
  open_journal(journal_, path);
  if (!journal_) throw std::runtime_error("cannot append to " + path.string());
  notifier_.start();
}

std::optional<runtime::HttpResponse> callbacks_reply(Notifier& notifier,
                                                     const runtime::HttpRequest& request) {
  const std::string_view path = request.path();
  if (path == "/sim/callbacks" && request.method == "GET") {
    json::array data;
    for (const Notice& notice : notifier.all()) data.push_back(notice_summary_json(notice));
    return reply(200, list_json(std::move(data)));
  }
  if (path != "/sim/callbacks/release" || request.method != "POST") return std::nullopt;
  ReleaseOrder order = ReleaseOrder::fifo;
  if (!request.body.empty()) {
    json::error_code ec;
    const json::value parsed = json::parse(request.body, ec);
    if (ec || !parsed.is_object()) return bad_request("body must be a JSON object");
    if (const json::value* wanted = parsed.as_object().if_contains("order")) {
      if (wanted->is_string() && wanted->as_string() == "reverse") {
        order = ReleaseOrder::reverse;
      } else if (!wanted->is_string() || wanted->as_string() != "fifo") {
        return bad_request("order must be \"fifo\" or \"reverse\"");
      }
    }
  }
  const std::size_t released = notifier.release(order);
  return reply(200, json::object{{"released", released}});
}

}  // namespace kessai::sim

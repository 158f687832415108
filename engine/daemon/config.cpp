#include "config.hpp"

#include <cstdlib>
#include <set>
#include <sstream>

#include "toml_file.hpp"

#include "kessai/ledger/pg/pool.hpp"
#include "kessai/runtime/http_server.hpp"

namespace kessai::daemon {

namespace {

using Error = std::string;

std::optional<Error> reject_unknown_keys(const toml::table& table, const std::set<std::string>& known,
                                         const std::string& where) {
  for (const auto& [key, value] : table) {
    if (!known.contains(std::string(key.str()))) {
      return "unknown key '" + std::string(key.str()) + "' in " + where + " (known: " + [&] {
        std::string list;
        for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
        return list;
      }() + ")";
    }
  }
  return std::nullopt;
}

template <class T>
std::optional<Error> read_count(const toml::table& table, std::string_view key, const std::string& where,
                                T& out, std::int64_t min, std::int64_t max) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const std::optional<std::int64_t> value = node->value<std::int64_t>();
  if (!node->is_integer() || !value || *value < min || *value > max) {
    return where + "." + std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
           std::to_string(max);
  }
  out = static_cast<T>(*value);
  return std::nullopt;
}

std::optional<Error> read_string(const toml::table& table, std::string_view key, const std::string& where,
                                 std::string& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_string()) return where + "." + std::string(key) + " must be a string";
  out = *node->value<std::string>();
  return std::nullopt;
}

const toml::table* sub_table(const toml::table& root, std::string_view key, Error& error) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) error = "[" + std::string(key) + "] must be a table";
  return node->as_table();
}

std::optional<Error> apply_listen(Config& config, const std::string& text, const std::string& where) {
  const auto address = runtime::parse_listen_address(text);
  if (!address)
    return where + " must be HOST:PORT with a numeric IP address, e.g. 127.0.0.1:8080 (got '" + text + "')";
  config.listen_host = address->host;
  config.listen_port = address->port;
  return std::nullopt;
}

std::optional<Error> read_server(const toml::table& root, Config& config) {
  Error error;
  const toml::table* server = sub_table(root, "server", error);
  if (!error.empty() || server == nullptr) return error.empty() ? std::nullopt : std::optional(error);
  if (auto e = reject_unknown_keys(*server,
                                   {"listen", "io_threads", "worker_threads", "worker_queue_max",
                                    "payment_threads", "body_bytes_max", "public_url"},
                                   "[server]")) {
    return e;
  }
  if (auto e = read_string(*server, "public_url", "server", config.public_url)) return e;
  if (!config.public_url.empty()) {
    const bool scheme = config.public_url.starts_with("http://") || config.public_url.starts_with("https://");
    if (!scheme || config.public_url.ends_with("/") || config.public_url.size() > 200)
      return Error("server.public_url must be http(s)://host[:port][/path] without a trailing '/'");
  }
  std::string listen;
  if (auto e = read_string(*server, "listen", "server", listen)) return e;
  if (!listen.empty()) {
    if (auto e = apply_listen(config, listen, "server.listen")) return e;
  }
  if (auto e = read_count(*server, "io_threads", "server", config.io_threads, 1, 64)) return e;
  if (auto e = read_count(*server, "worker_threads", "server", config.worker_threads, 1, 1024)) return e;
  if (auto e = read_count(*server, "worker_queue_max", "server", config.worker_queue_max, 1, 1'000'000))
    return e;
  if (auto e = read_count(*server, "payment_threads", "server", config.payment_threads, 0, 64)) return e;
  return read_count(*server, "body_bytes_max", "server", config.body_bytes_max, 1024, 16 * 1024 * 1024);
}

// [processors.jpqr]: the JPQR merchant data printed into merchant-presented codes (checked by the adapter).
std::optional<Error> read_jpqr(const toml::table& processor, const std::string& where,
                               adapters::ProcessorConfig::Jpqr& jpqr) {
  const toml::node* node = processor.get("jpqr");
  if (node == nullptr) return std::nullopt;
  const toml::table* table = node->as_table();
  const std::string here = where + ".jpqr";
  if (table == nullptr) return here + " must be a table";
  if (auto e = reject_unknown_keys(*table,
                                   {"merchant_code", "code_02", "code_03", "code_04", "category_code", "name",
                                    "city", "postal_code", "name_japanese", "city_japanese"},
                                   here)) {
    return e;
  }
  for (const auto& [key, field] : std::initializer_list<std::pair<std::string_view, std::string*>>{
           {"merchant_code", &jpqr.merchant_code},
           {"code_02", &jpqr.code_02},
           {"code_03", &jpqr.code_03},
           {"code_04", &jpqr.code_04},
           {"category_code", &jpqr.category_code},
           {"name", &jpqr.name},
           {"city", &jpqr.city},
           {"postal_code", &jpqr.postal_code},
           {"name_japanese", &jpqr.name_japanese},
           {"city_japanese", &jpqr.city_japanese}}) {
    if (auto e = read_string(*table, key, here, *field)) return e;
  }
  return std::nullopt;
}

std::optional<Error> read_processors(const toml::table& root, Config& config) {
  const toml::node* node = root.get("processors");
  if (node == nullptr) return std::nullopt;
  const toml::array* array = node->as_array();
  if (array == nullptr) return Error("processors must be an array of tables: [[processors]]");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = "processors[" + std::to_string(i) + "]";
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) return where + " must be a table";
    if (auto e = reject_unknown_keys(*table,
                                     {"id", "kind", "url", "connect_timeout_ms", "request_timeout_ms",
                                      "notice_secret", "settlement_profile", "jpqr"},
                                     where)) {
      return e;
    }
    std::string id_text, kind, url;
    if (auto e = read_string(*table, "id", where, id_text)) return e;
    if (auto e = read_string(*table, "kind", where, kind)) return e;
    if (auto e = read_string(*table, "url", where, url)) return e;
    const std::optional<ProcessorId> id = ProcessorId::parse(id_text);
    if (!id) return where + ".id must be 1-64 letters, digits, '-' or '_'";
    if (!seen.insert(id_text).second) return where + ": processor id '" + id_text + "' appears twice";
    if (kind.empty()) return where + ".kind is required";
    if (url.empty()) return where + ".url is required";
    adapters::ProcessorConfig processor{.id = *id, .kind = kind, .url = url};
    std::int64_t connect_ms = processor.connect_timeout.count();
    std::int64_t request_ms = processor.request_timeout.count();
    if (auto e = read_count(*table, "connect_timeout_ms", where, connect_ms, 1, 10'000)) return e;
    // Below the idempotency lease (60 s), so a retry never takes over a request still waiting on a processor.
    if (auto e = read_count(*table, "request_timeout_ms", where, request_ms, 1, 50'000)) return e;
    processor.connect_timeout = std::chrono::milliseconds(connect_ms);
    processor.request_timeout = std::chrono::milliseconds(request_ms);
    if (auto e = read_string(*table, "notice_secret", where, processor.notice_secret)) return e;
    if (auto e = read_string(*table, "settlement_profile", where, processor.settlement_profile)) return e;
    if (auto e = read_jpqr(*table, where, processor.jpqr)) return e;
    config.processors.push_back(std::move(processor));
  }
  return std::nullopt;
}

std::optional<Error> read_routing(const toml::table& root, Config& config) {
  Error error;
  const toml::table* routing = sub_table(root, "routing", error);
  if (!error.empty() || routing == nullptr) return error.empty() ? std::nullopt : std::optional(error);
  for (const auto& [key, value] : *routing) {
    const std::optional<engine::Means> means = engine::parse_means(key.str());
    if (!means) return "routing." + std::string(key.str()) + ": not a means (card, emoney, qr, payeasy)";
    const std::optional<std::string> target = value.value<std::string>();
    const adapters::ProcessorConfig* processor = nullptr;
    for (const auto& candidate : config.processors) {
      if (target && candidate.id.str() == *target) processor = &candidate;
    }
    if (processor == nullptr)
      return "routing." + std::string(key.str()) + " must name a configured processor id";
    // Each means is served by processors of its own kind: a card payment cannot go to a QR provider.
    if (processor->kind != engine::to_string(*means)) {
      return "routing." + std::string(key.str()) + " names processor '" + processor->id.str() +
             "' of kind '" + processor->kind + "', which cannot take " + std::string(key.str()) + " payments";
    }
    config.routes.push_back(engine::Route{*means, "", "", "", {*ProcessorId::parse(*target)}, {}});
  }
  return std::nullopt;
}

// [[routes]]: means, optional facility / procedure / brand, processors (primary first), optional weights.
std::optional<Error> read_route_rows(const toml::table& root, Config& config) {
  const toml::node* node = root.get("routes");
  if (node == nullptr) return std::nullopt;
  const toml::array* array = node->as_array();
  if (array == nullptr) return Error("routes must be an array of tables: [[routes]]");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = "routes[" + std::to_string(i) + "]";
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) return where + " must be a table";
    if (auto e = reject_unknown_keys(
            *table, {"means", "facility", "procedure", "brand", "processors", "weights"}, where)) {
      return e;
    }
    engine::Route route;
    std::string means;
    if (auto e = read_string(*table, "means", where, means)) return e;
    const auto parsed_means = engine::parse_means(means);
    if (!parsed_means) return where + ".means must be card, emoney, qr or payeasy";
    route.means = *parsed_means;
    if (auto e = read_string(*table, "facility", where, route.facility)) return e;
    if (auto e = read_string(*table, "procedure", where, route.procedure)) return e;
    if (auto e = read_string(*table, "brand", where, route.brand)) return e;
    if (!route.facility.empty() && !route.procedure.empty())
      return where + ": give a facility or a procedure, not both";
    const toml::array* processors = table->get("processors") ? table->get("processors")->as_array() : nullptr;
    if (processors == nullptr || processors->empty())
      return where + ".processors must be a non-empty list of ids";
    for (const toml::node& item : *processors) {
      const auto id = item.value<std::string>();
      const auto parsed = id ? ProcessorId::parse(*id) : std::nullopt;
      if (!parsed) return where + ".processors must list processor ids";
      route.processors.push_back(*parsed);
    }
    if (const toml::node* weights = table->get("weights")) {
      const toml::array* list = weights->as_array();
      if (list == nullptr) return where + ".weights must be a list of whole numbers";
      for (const toml::node& item : *list) {
        const auto weight = item.value<std::int64_t>();
        if (!item.is_integer() || !weight || *weight < 0 || *weight > 1'000'000) {
          return where + ".weights must be whole numbers from 0 to 1000000";
        }
        route.weights.push_back(static_cast<unsigned>(*weight));
      }
    }
    config.routes.push_back(std::move(route));
  }
  return std::nullopt;
}

std::optional<Error> read_rest(const toml::table& root, Config& config) {
  Error error;
  if (const toml::table* database = sub_table(root, "database", error)) {
    if (auto e = reject_unknown_keys(
            *database, {"url", "connections_max", "group_commit_threads", "group_commit_batch_max"},
            "[database]")) {
      return e;
    }
    if (auto e = read_string(*database, "url", "database", config.database_url)) return e;
    if (auto e = read_count(*database, "connections_max", "database", config.database_connections_max, 1,
                            static_cast<std::int64_t>(ledger::pg::kPoolConnectionsMax))) {
      return e;
    }
    if (auto e =
            read_count(*database, "group_commit_threads", "database", config.group_commit_threads, 0, 16)) {
      return e;
    }
    if (auto e = read_count(*database, "group_commit_batch_max", "database", config.group_commit_batch_max, 1,
                            10'000)) {
      return e;
    }
  }
  if (const toml::table* business_day = sub_table(root, "business_day", error)) {
    if (auto e = reject_unknown_keys(*business_day, {"time_zone", "cutoff"}, "[business_day]")) return e;
    if (auto e = read_string(*business_day, "time_zone", "business_day", config.time_zone)) return e;
    if (auto e = read_string(*business_day, "cutoff", "business_day", config.cutoff)) return e;
  }
  if (const toml::table* log_table = sub_table(root, "log", error)) {
    if (auto e = reject_unknown_keys(*log_table, {"level"}, "[log]")) return e;
    std::string level = "info";
    if (auto e = read_string(*log_table, "level", "log", level)) return e;
    const auto parsed = log::parse_level(level);
    if (!parsed) return Error("log.level must be debug, info, warn or error");
    config.log_level = *parsed;
  }
  if (const toml::table* webhooks = sub_table(root, "webhooks", error)) {
    if (auto e = reject_unknown_keys(*webhooks,
                                     {"poll_interval_ms", "request_timeout_ms", "retry_initial_ms",
                                      "retry_max_ms", "give_up_after_hours"},
                                     "[webhooks]")) {
      return e;
    }
    std::int64_t poll = config.webhook_poll_interval.count(),
                 timeout = config.webhook_request_timeout.count();
    std::int64_t initial = config.webhook_retry_initial.count(), max = config.webhook_retry_max.count();
    std::int64_t give_up = config.webhook_give_up_after.count();
    if (auto e = read_count(*webhooks, "poll_interval_ms", "webhooks", poll, 10, 60'000)) return e;
    if (auto e = read_count(*webhooks, "request_timeout_ms", "webhooks", timeout, 100, 60'000)) return e;
    if (auto e = read_count(*webhooks, "retry_initial_ms", "webhooks", initial, 100, 3'600'000)) return e;
    if (auto e = read_count(*webhooks, "retry_max_ms", "webhooks", max, 100, 86'400'000)) return e;
    if (auto e = read_count(*webhooks, "give_up_after_hours", "webhooks", give_up, 24, 24 * 30)) return e;
    config.webhook_poll_interval = std::chrono::milliseconds(poll);
    config.webhook_request_timeout = std::chrono::milliseconds(timeout);
    config.webhook_retry_initial = std::chrono::milliseconds(initial);
    config.webhook_retry_max = std::chrono::milliseconds(max);
    config.webhook_give_up_after = std::chrono::hours(give_up);
    if (initial > max) return Error("webhooks.retry_initial_ms must not be above webhooks.retry_max_ms");
  }
  if (const toml::table* payments = sub_table(root, "payments", error)) {
    if (auto e = reject_unknown_keys(
            *payments,
            {"inquiry_after_ms", "inquiry_interval_ms", "payeasy_expires_after_s", "jpqr_expires_after_s"},
            "[payments]"))
      return e;
    std::int64_t after = config.inquiry_after.count(), interval = config.inquiry_interval.count();
    if (auto e = read_count(*payments, "inquiry_after_ms", "payments", after, 100, 3'600'000)) return e;
    if (auto e = read_count(*payments, "inquiry_interval_ms", "payments", interval, 50, 600'000)) return e;
    config.inquiry_after = std::chrono::milliseconds(after);
    config.inquiry_interval = std::chrono::milliseconds(interval);
    std::int64_t payeasy_s = config.payeasy_expires_after.count(), jpqr_s = config.jpqr_expires_after.count();
    // Pay-easy centres accept deadlines up to 60 days ahead; a shown code is for minutes, at most a day.
    if (auto e = read_count(*payments, "payeasy_expires_after_s", "payments", payeasy_s, 1, 60 * 86'400))
      return e;
    if (auto e = read_count(*payments, "jpqr_expires_after_s", "payments", jpqr_s, 1, 86'400)) return e;
    config.payeasy_expires_after = std::chrono::seconds(payeasy_s);
    config.jpqr_expires_after = std::chrono::seconds(jpqr_s);
  }
  if (!error.empty()) return error;
  return std::nullopt;
}

}  // namespace

Result<Config, std::string> load_config(const std::string& path) {
  Config config;
  auto file = daemon::parse_toml_file(path);
  if (!file.ok()) return fail(file.error());
  const toml::table& root = file.value();
  if (auto e = reject_unknown_keys(root,
                                   {"server", "database", "business_day", "log", "processors", "routing",
                                    "routes", "webhooks", "payments"},
                                   "the top level")) {
    return fail(path + ": " + *e);
  }
  for (auto* reader : {read_server, read_processors, read_routing, read_route_rows, read_rest}) {
    if (auto e = reader(root, config)) return fail(path + ": " + *e);
  }
  if (const char* url = std::getenv("KESSAI_DATABASE_URL"); url != nullptr && *url != '\0')
    config.database_url = url;
  if (const char* listen = std::getenv("KESSAI_LISTEN"); listen != nullptr && *listen != '\0') {
    if (auto e = apply_listen(config, listen, "KESSAI_LISTEN")) return fail(*e);
  }
  if (const char* level = std::getenv("KESSAI_LOG_LEVEL"); level != nullptr && *level != '\0') {
    const auto parsed = log::parse_level(level);
    if (!parsed) return fail(std::string("KESSAI_LOG_LEVEL must be debug, info, warn or error"));
    config.log_level = *parsed;
  }
  // An unknown outcome is asked about only after any request to a processor has surely ended; asking
  // sooner could find "no such charge" for a request still on its way, and fail a payment that is charged.
  for (const auto& processor : config.processors) {
    if (config.inquiry_after <= processor.connect_timeout + processor.request_timeout) {
      return fail(path + ": payments.inquiry_after_ms (" + std::to_string(config.inquiry_after.count()) +
                  ") must be above processors '" + processor.id.str() +
                  "' connect_timeout_ms + request_timeout_ms (" +
                  std::to_string((processor.connect_timeout + processor.request_timeout).count()) + ")");
    }
  }
  if (config.database_url.empty()) {
    return fail(std::string("no database: set KESSAI_DATABASE_URL or database.url in ") + path +
                " (ops/stack up starts an embedded one)");
  }
  return config;
}

}  // namespace kessai::daemon

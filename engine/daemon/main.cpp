// kessaid: the kessai engine daemon. Serves the payment API, talks to the processors, writes the ledger.

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "kessai/adapters/factory.hpp"
#include "kessai/engine/api.hpp"
#include "kessai/engine/dashboard.hpp"
#include "kessai/engine/group_commit.hpp"
#include "kessai/engine/openapi.hpp"
#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/engine/pg_pos_store.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/engine/pos_api.hpp"
#include "kessai/ledger/pg/migrate.hpp"
#include "kessai/runtime/fibers.hpp"
#include "kessai/runtime/http_server.hpp"
#include "kessai/runtime/periodic_task.hpp"
#include "webhook_dispatcher.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: kessaid --config FILE [--listen HOST:PORT] [--port-file FILE]\n"
    "  --config FILE      TOML configuration (see ops/config/kessaid.toml)\n"
    "  --listen HOST:PORT overrides server.listen; port 0 picks a free port\n"
    "  --port-file FILE   writes the bound port there once listening\n"
    "environment: KESSAI_DATABASE_URL, KESSAI_LISTEN, KESSAI_LOG_LEVEL\n";

struct Arguments {
  std::string config_path;
  std::string listen;
  std::string port_file;
};

std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) return std::nullopt;
    if (flag == "--config") {
      arguments.config_path = argv[++i];
    } else if (flag == "--listen") {
      arguments.listen = argv[++i];
    } else if (flag == "--port-file") {
      arguments.port_file = argv[++i];
    } else {
      return std::nullopt;
    }
  }
  if (arguments.config_path.empty()) return std::nullopt;
  return arguments;
}

// The system's time. A pause taken on a request fiber suspends the fiber, not its thread.
class DaemonClock final : public kessai::engine::SystemClock {
 public:
  void sleep_for(std::chrono::milliseconds delay) const override { kessai::runtime::fiber::sleep_for(delay); }
};

// The schema must be migrated and the processors' accounts present before serving.
std::optional<std::string> prepare_database(kessai::ledger::pg::ConnectionPool& pool,
                                            const kessai::daemon::Config& config) {
  try {
    kessai::ledger::pg::Lease lease = pool.acquire();
    const int version = kessai::ledger::pg::schema_version(*lease);
    const int expected = kessai::ledger::pg::embedded_migrations().back().version;
    if (version != expected) {
      return "the database schema is at version " + std::to_string(version) + ", this kessaid needs " +
             std::to_string(expected) + ": run `kessai migrate`";
    }
    std::vector<kessai::ProcessorId> processors;
    for (const auto& processor : config.processors) processors.push_back(processor.id);
    kessai::engine::ensure_processor_accounts(*lease, processors);
  } catch (const std::exception& error) {
    return std::string("cannot use the database ") + kessai::ledger::pg::redact_url(config.database_url) +
           ": " + error.what();
  }
  return std::nullopt;
}

int run(const Arguments& arguments) {
  using namespace kessai;
  Result<daemon::Config, std::string> loaded = daemon::load_config(arguments.config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "kessaid: %s\n", loaded.error().c_str());
    return 2;
  }
  daemon::Config config = std::move(loaded).value();
  if (!arguments.listen.empty()) {
    const auto address = runtime::parse_listen_address(arguments.listen);
    if (!address) {
      std::fprintf(stderr, "kessaid: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
      return 2;
    }
    config.listen_host = address->host;
    config.listen_port = address->port;
  }
  log::configure("kessaid", config.log_level);

  Result<engine::BusinessDay, std::string> business_day =
      engine::BusinessDay::make(config.time_zone, config.cutoff);
  if (!business_day.ok()) {
    std::fprintf(stderr, "kessaid: business_day: %s\n", business_day.error().c_str());
    return 2;
  }

  // Before the processors: connections their HTTP clients make on a fiber belong to its loop, and must be
  // closed before the loop goes.
  std::unique_ptr<runtime::FiberPool> fibers;
  if (config.payment_threads > 0 && config.group_commit_threads > 0) {
    fibers = std::make_unique<runtime::FiberPool>(config.payment_threads, config.worker_queue_max);
  }
  std::vector<std::unique_ptr<adapters::Processor>> processors;
  DaemonClock clock;
  engine::Router router(clock);
  for (const adapters::ProcessorConfig& processor_config : config.processors) {
    auto made = adapters::make_processor(processor_config);
    if (!made.ok()) {
      std::fprintf(stderr, "kessaid: %s\n", made.error().c_str());
      return 2;
    }
    processors.push_back(std::move(made).value());
  }
  for (const auto& processor : processors) router.add_processor(processor.get());
  if (auto problem = router.set_routes(config.routes)) {
    std::fprintf(stderr, "kessaid: routing: %s\n", problem->c_str());
    return 2;
  }

  ledger::pg::ConnectionPool pool(config.database_url, config.database_connections_max,
                                  std::chrono::seconds(5));
  if (auto problem = prepare_database(pool, config)) {
    log::error("startup_failed", {{"reason", *problem}});
    std::fprintf(stderr, "kessaid: %s\n", problem->c_str());
    return 1;
  }

  // Declared before the stores and the workers, so it outlives every request that may hand it a write.
  std::unique_ptr<engine::GroupCommitter> committer;
  if (config.group_commit_threads > 0) {
    committer = std::make_unique<engine::GroupCommitter>(
        config.database_url, engine::GroupCommitOptions{.committers = config.group_commit_threads,
                                                        .batch_max = config.group_commit_batch_max});
  }
  engine::PgPaymentStore store(pool, committer.get());
  engine::PgApiKeyStore keys(pool);
  engine::PgIdempotencyStore idempotency(pool, committer.get());
  engine::PgWebhookEndpointStore webhook_endpoints(pool);
  engine::IdGenerator ids;
  engine::PaymentService service(store, router, clock, ids, business_day.value());
  runtime::WorkerPool workers(config.worker_threads, config.worker_queue_max);
  engine::PgPosStore pos_store(pool);
  engine::PosApi pos(engine::PosServices{.payments = service,
                                         .payment_store = store,
                                         .store = pos_store,
                                         .router = router,
                                         .clock = clock,
                                         .ids = ids,
                                         .business_day = business_day.value(),
                                         .workers = workers});
  engine::Api api(engine::ApiServices{
      .payments = service,
      .keys = keys,
      .idempotency = idempotency,
      .webhooks = webhook_endpoints,
      .workers = workers,
      .readiness = [&pool]() -> std::optional<std::string> {
        try {
          ledger::pg::Lease lease = pool.acquire();
          pqxx::nontransaction tx(*lease);
          tx.exec("select 1");
          return std::nullopt;
        } catch (const std::exception& error) {
          return std::string("database not reachable: ") + error.what();
        }
      },
      .openapi_json = std::string(engine::openapi_document()),
      .fibers = fibers.get(),
  });
  // Finance staff's pages under /dashboard (docs/dashboard.md); the cookie is Secure when kessaid is
  // reached over https.
  engine::Dashboard dashboard(
      engine::DashboardServices{.pool = pool,
                                .keys = keys,
                                .workers = workers,
                                .clock = clock,
                                .business_day = business_day.value(),
                                .session_lifetime = engine::kDashboardSessionLifetime,
                                .secure_cookie = config.public_url.starts_with("https://")});

  engine::WebhookDispatcher dispatcher(
      pool,
      [&store](const std::string& type, const std::string& id) -> std::optional<std::string> {
        if (type == "payment_intent") {
          if (auto intent = store.find_intent(id)) return engine::intent_json(*intent);
        } else if (type == "refund") {
          if (auto refund = store.find_refund(id)) return engine::refund_json(*refund);
        }
        return std::nullopt;
      },
      engine::WebhookSettings{.poll_interval = config.webhook_poll_interval,
                              .request_timeout = config.webhook_request_timeout,
                              .retry_initial = config.webhook_retry_initial,
                              .retry_max = config.webhook_retry_max,
                              .give_up_after = config.webhook_give_up_after});
  dispatcher.start();
  runtime::PeriodicTask purge("idempotency_purge", std::chrono::minutes(10), [&idempotency] {
    idempotency.purge_older_than(engine::kIdempotencyRetention);
  });
  // Routing changes apply without a restart: the file is re-read when it changes. Processors themselves
  // (their URLs, kinds) need a restart; a reload that names unknown ones is refused and logged.
  runtime::PeriodicTask reload(
      "routing_reload", std::chrono::seconds(2),
      [&router, path = arguments.config_path,
       seen = std::filesystem::last_write_time(arguments.config_path)]() mutable {
        const auto now = std::filesystem::last_write_time(path);
        if (now == seen) return;
        seen = now;
        auto reloaded = daemon::load_config(path);
        if (!reloaded.ok()) {
          log::error("routing_reload_refused", {{"reason", reloaded.error()}});
          return;
        }
        if (auto problem = router.set_routes(reloaded->routes)) {
          log::error("routing_reload_refused", {{"reason", *problem}});
          return;
        }
        log::info("routing_reloaded", {{"routes", std::uint64_t{reloaded->routes.size()}}});
      });
  runtime::ServerLimits limits;
  limits.body_bytes_max = config.body_bytes_max;
  std::unique_ptr<runtime::HttpServer> server;
  try {
    server = std::make_unique<runtime::HttpServer>(
        config.listen_host, config.listen_port, limits,
        // Terminals speak Protobuf under /pos/ (docs/pos-protocol.md); backends JSON under /v1/; finance
        // staff use the dashboard under /dashboard.
        [&api, &pos, &dashboard](runtime::HttpRequest request, runtime::Responder respond) {
          if (engine::PosApi::serves(request.path())) {
            pos.handle(std::move(request), std::move(respond));
          } else if (engine::Dashboard::serves(request.path())) {
            dashboard.handle(std::move(request), std::move(respond));
          } else {
            api.handle(std::move(request), std::move(respond));
          }
        },
        config.io_threads);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessaid: cannot listen on %s:%u: %s\n", config.listen_host.c_str(),
                 static_cast<unsigned>(config.listen_port), error.what());
    return 1;
  }
  // Known only now with --listen 127.0.0.1:0; set before the server runs, so before any request.
  service.set_payer_settings(engine::PayerSettings{
      .payeasy_expires_after = config.payeasy_expires_after,
      .jpqr_expires_after = config.jpqr_expires_after,
      .notify_base_url = config.public_url.empty()
                             ? "http://" + config.listen_host + ":" + std::to_string(server->port())
                             : config.public_url});
  // Started after the settings above: both read them.
  runtime::PeriodicTask resolver("payment_inquiry", config.inquiry_interval,
                                 [&service, &config] { service.resolve_due(config.inquiry_after, 100); });
  // Payers' deadlines and lost notices: waiting payments are asked about from inquiry_after on, with
  // backoff, and withdrawn at the processor once past their deadline.
  runtime::PeriodicTask payer_watch("payer_watch", config.inquiry_interval, [&service, &config] {
    service.check_awaiting_payers(config.inquiry_after, 100);
  });

  if (!arguments.port_file.empty()) runtime::write_port_file(arguments.port_file, server->port());
  log::info("kessaid_listening", {{"address", config.listen_host + ":" + std::to_string(server->port())},
                                  {"database", ledger::pg::redact_url(config.database_url)},
                                  {"processors", std::uint64_t{processors.size()}}});
  server->run();
  // Payments still in progress end before the committer and the processors go.
  if (fibers) fibers->shutdown();
  workers.shutdown();
  dispatcher.stop();
  log::info("kessaid_stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Arguments> arguments = parse_arguments(argc, argv);
  if (!arguments) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  try {
    return run(*arguments);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessaid: fatal: %s\n", error.what());
    return 1;
  }
}

#pragma once
// kessaid's configuration: read once at start-up from a TOML file plus environment overrides,
// validated into an immutable value. Every problem is reported with the key it concerns.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "kessai/adapters/processor.hpp"
#include "kessai/engine/payment_intent.hpp"
#include "kessai/engine/router.hpp"
#include "kessai/result.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::daemon {

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::size_t io_threads = 2;
  std::size_t worker_threads = 128;
  std::size_t worker_queue_max = 10'000;
  // Threads running POST /v1/payment_intents on fibers (runtime/fibers.hpp), with group commit on; 0: on
  // the workers.
  std::size_t payment_threads = 2;
  std::size_t body_bytes_max = 64 * 1024;
  std::string database_url;
  std::size_t database_connections_max = 16;
  // Payment writes of concurrent requests share transactions (engine/store/group_commit.hpp), written by
  // this many threads with a connection each; 0: each request commits its own.
  std::size_t group_commit_threads = 2;
  std::size_t group_commit_batch_max = 512;
  std::string time_zone = "Asia/Tokyo";
  std::string cutoff = "00:00";
  log::Level log_level = log::Level::info;
  std::vector<adapters::ProcessorConfig> processors;
  std::vector<engine::Route> routes;  // [routing] shorthands and [[routes]] rows
  std::chrono::milliseconds webhook_poll_interval{500};
  std::chrono::milliseconds webhook_request_timeout{10'000};
  std::chrono::milliseconds webhook_retry_initial{30'000};
  std::chrono::milliseconds webhook_retry_max{3'600'000};
  std::chrono::hours webhook_give_up_after{72};
  // A payment whose outcome is unknown is asked about once this long has passed since it was sent.
  std::chrono::milliseconds inquiry_after{30'000};
  std::chrono::milliseconds inquiry_interval{5'000};
  // Payments that wait for their payer (Pay-easy numbers, merchant-presented JPQR codes).
  std::chrono::seconds payeasy_expires_after{std::chrono::hours(24 * 14)};
  std::chrono::seconds jpqr_expires_after{std::chrono::minutes(5)};
  // kessaid's address as processors reach it, for their notices; empty: http://<listen address>.
  std::string public_url;
};

// Environment: KESSAI_DATABASE_URL (database.url), KESSAI_LISTEN (server.listen), KESSAI_LOG_LEVEL.
Result<Config, std::string> load_config(const std::string& path);

}  // namespace kessai::daemon

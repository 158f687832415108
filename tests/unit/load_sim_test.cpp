// kessai-sim load, the load generator: its pure parts (the latency histogram, the open loop's timetable,
// the options, the requests it renders, the problem codes it reads, the results as JSON).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "latency_histogram.hpp"
#include "load_options.hpp"
#include "load_report.hpp"
#include "load_request.hpp"
#include "rate_schedule.hpp"

using namespace kessai::sim::load;

namespace {

// The nearest-rank percentile of the samples, the way a person would compute it.
std::uint64_t exact_percentile(std::vector<std::uint64_t> samples, double percentile) {
  std::sort(samples.begin(), samples.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(percentile / 100.0 * static_cast<double>(samples.size()) - 1e-9));
  return samples[std::max<std::size_t>(rank, 1) - 1];
}

void check_percentiles(const std::vector<std::uint64_t>& samples) {
  LatencyHistogram histogram;
  for (const std::uint64_t sample : samples) histogram.record(sample);
  for (const double percentile : {0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const auto exact = static_cast<double>(exact_percentile(samples, percentile));
    const auto measured = static_cast<double>(histogram.percentile_us(percentile));
    INFO("p" << percentile << ": exact " << exact << ", from the histogram " << measured);
    CHECK(std::abs(measured - exact) <= 0.01 * exact);
  }
  CHECK(histogram.count() == samples.size());
  CHECK(histogram.max_us() == *std::max_element(samples.begin(), samples.end()));
  CHECK(histogram.min_us() == *std::min_element(samples.begin(), samples.end()));
  double sum = 0;
  for (const std::uint64_t sample : samples) sum += static_cast<double>(sample);
  CHECK(histogram.mean_us() == Approx(sum / static_cast<double>(samples.size())));
}

std::variant<LoadOptions, std::string> parse(std::vector<std::string> args,
                                             std::optional<std::string> env_key = std::nullopt) {
  return parse_load_options(args, std::move(env_key));
}

std::string problem_of(std::vector<std::string> args) {
  auto parsed = parse(std::move(args), "ksk_env");
  REQUIRE(std::holds_alternative<std::string>(parsed));
  return std::get<std::string>(parsed);
}

}  // namespace

TEST_CASE("load histogram: percentiles of random samples are within 1 % of the sorted samples'") {
  std::mt19937_64 random(20261122);
  SECTION("uniform from 1 us to 1 s") {
    std::vector<std::uint64_t> samples(20'000);
    for (auto& sample : samples) sample = 1 + random() % 1'000'000;
    check_percentiles(samples);
  }
  SECTION("log-uniform from 1 us to 100 s") {
    std::vector<std::uint64_t> samples(20'000);
    for (auto& sample : samples) {
      const double exponent = static_cast<double>(random() % 1'000'000) / 1'000'000.0 * 8.0;
      sample = static_cast<std::uint64_t>(std::pow(10.0, exponent));
    }
    check_percentiles(samples);
  }
  SECTION("a latency-like mix: most near 5 ms, a long tail of stalls") {
    std::vector<std::uint64_t> samples(50'000);
    std::exponential_distribution<double> tail(1.0 / 40'000.0);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const bool stall = random() % 100 == 0;
      samples[i] = stall ? 5'000 + static_cast<std::uint64_t>(tail(random)) : 4'000 + random() % 2'000;
    }
    check_percentiles(samples);
  }
  SECTION("few samples, all below 256 us: exact") {
    const std::vector<std::uint64_t> samples{3, 250, 17, 17, 99, 0, 255};
    LatencyHistogram histogram;
    for (const std::uint64_t sample : samples) histogram.record(sample);
    for (const double percentile : {1.0, 30.0, 50.0, 80.0, 100.0})
      CHECK(histogram.percentile_us(percentile) == exact_percentile(samples, percentile));
  }
}

TEST_CASE("load histogram: buckets tile the range, each at most 1/128 of its value wide") {
  CHECK(LatencyHistogram::bucket_of(0) == 0);
  CHECK(LatencyHistogram::bucket_of(255) == 255);
  CHECK(LatencyHistogram::bucket_of(256) == 256);
  CHECK(LatencyHistogram::bucket_of(257) == 256);  // 256 and 257 share a 2 us bucket
  CHECK(LatencyHistogram::bucket_of(258) == 257);
  for (std::size_t bucket = 0; bucket + 1 < LatencyHistogram::kBucketCount; ++bucket) {
    INFO("bucket " << bucket);
    REQUIRE(LatencyHistogram::bucket_high_us(bucket) + 1 == LatencyHistogram::bucket_low_us(bucket + 1));
    const std::uint64_t low = LatencyHistogram::bucket_low_us(bucket);
    const std::uint64_t width = LatencyHistogram::bucket_high_us(bucket) - low + 1;
    REQUIRE(LatencyHistogram::bucket_of(low) == bucket);
    REQUIRE(LatencyHistogram::bucket_of(LatencyHistogram::bucket_high_us(bucket)) == bucket);
    if (low >= 256) REQUIRE(width * 128 <= low);
  }
  CHECK(LatencyHistogram::bucket_high_us(LatencyHistogram::kBucketCount - 1) ==
        LatencyHistogram::kTrackableUsMax);
}

TEST_CASE("load histogram: empty, beyond the trackable range, merged") {
  LatencyHistogram empty;
  CHECK(empty.count() == 0);
  CHECK(empty.percentile_us(99) == 0);
  CHECK(empty.max_us() == 0);
  CHECK(empty.min_us() == 0);
  CHECK(empty.mean_us() == 0.0);

  LatencyHistogram huge;
  huge.record(LatencyHistogram::kTrackableUsMax * 4);
  CHECK(huge.percentile_us(50) == LatencyHistogram::kTrackableUsMax * 4);  // max stays exact

  LatencyHistogram first;
  LatencyHistogram second;
  std::vector<std::uint64_t> all;
  for (std::uint64_t i = 1; i <= 1000; ++i) {
    (i % 3 == 0 ? first : second).record(i * 37);
    all.push_back(i * 37);
  }
  first.merge(second);
  first.merge(empty);
  CHECK(first.count() == 1000);
  CHECK(first.min_us() == 37);
  CHECK(first.max_us() == 37'000);
  const auto p99 = static_cast<double>(exact_percentile(all, 99));
  CHECK(std::abs(static_cast<double>(first.percentile_us(99)) - p99) <= 0.01 * p99);
  CHECK(nearest_rank(99.9, 1000) == 999);
  CHECK(nearest_rank(50, 1) == 1);
  CHECK(nearest_rank(0, 10) == 1);
}

TEST_CASE("load rate schedule: requests due at even intervals from the start, without drift") {
  const RateSchedule every_ms(1000);
  CHECK(every_ms.due_ns(0) == 0);
  CHECK(every_ms.due_ns(1) == 1'000'000);
  CHECK(every_ms.due_ns(999) == 999'000'000);
  CHECK(every_ms.due_ns(3'600'000) == 3'600'000'000'000);  // an hour later, to the nanosecond
  CHECK(every_ms.due_by(-1) == 0);
  CHECK(every_ms.due_by(0) == 1);
  CHECK(every_ms.due_by(999'999) == 1);
  CHECK(every_ms.due_by(1'000'000) == 2);
  CHECK(every_ms.due_before(2'000'000'000) == 2000);  // a 2 s run at 1000/s sends 2000

  const RateSchedule thirds(3);  // 1/3 s does not divide into nanoseconds: floored, never accumulated
  CHECK(thirds.due_ns(1) == 333'333'333);
  CHECK(thirds.due_ns(2) == 666'666'666);
  CHECK(thirds.due_ns(3) == 1'000'000'000);
  CHECK(thirds.due_ns(3'000'001) == 1'000'000'333'333'333);
  CHECK(RateSchedule(200).due_before(2'000'000'000) == 400);
  CHECK(RateSchedule(kRatePerSecondMax).due_ns(kRatePerSecondMax * 86'400) == 86'400'000'000'000);
}

TEST_CASE("load rate schedule: threads take every T-th request and together make the run's timetable") {
  for (const std::uint64_t rate : {1ull, 7ull, 200ull, 2'000ull, 12'345ull}) {
    for (const std::uint64_t threads : {1ull, 2ull, 3ull, 8ull}) {
      INFO("rate " << rate << ", threads " << threads);
      const RateSchedule run(rate);
      std::vector<std::int64_t> merged;
      for (std::uint64_t t = 0; t < threads; ++t) {
        const RateSchedule thread(rate, threads, t);
        for (std::uint64_t k = 0; thread.request_of(k) < 3 * rate; ++k) {
          REQUIRE(thread.due_ns(k) == run.due_ns(thread.request_of(k)));
          merged.push_back(thread.due_ns(k));
        }
        // due_by counts exactly the requests due at or before a time, for times around each due time.
        for (std::uint64_t k = 0; k < 50 && thread.request_of(k) < 3 * rate; ++k) {
          REQUIRE(thread.due_by(thread.due_ns(k)) == k + 1);
          REQUIRE(thread.due_by(thread.due_ns(k) - 1) == k);
        }
      }
      std::sort(merged.begin(), merged.end());
      REQUIRE(merged.size() == 3 * rate);
      for (std::size_t i = 0; i < merged.size(); ++i) REQUIRE(merged[i] == run.due_ns(i));
      std::uint64_t total = 0;
      for (std::uint64_t t = 0; t < threads; ++t)
        total += RateSchedule(rate, threads, t).due_before(3'000'000'000);
      CHECK(total == 3 * rate);
    }
  }
}

TEST_CASE("load options: defaults, every option, the API key from the environment") {
  auto parsed = parse({"--url", "http://127.0.0.1:8080"}, "ksk_env");
  REQUIRE(std::holds_alternative<LoadOptions>(parsed));
  const LoadOptions defaults = std::get<LoadOptions>(parsed);
  CHECK(defaults.host == "127.0.0.1");
  CHECK(defaults.port == 8080);
  CHECK(defaults.api_key == "ksk_env");
  CHECK(defaults.connections == 64);
  CHECK(defaults.rate_per_s == 0);
  CHECK_FALSE(defaults.open_loop());
  CHECK(defaults.duration_ms == 10'000);
  CHECK(defaults.warmup_ms == 0);
  CHECK(defaults.threads == 1);
  CHECK(defaults.body == BodyPreset::card);
  CHECK(defaults.seed == 1);
  CHECK(defaults.timeout_ms == 10'000);
  CHECK(defaults.json_path.empty());
  CHECK(defaults.record_path.empty());
  CHECK_FALSE(defaults.quiet);

  parsed = parse({"--url",           "http://localhost:9/",
                  "--api-key",       "ksk_flag",
                  "--connections",   "8",
                  "--rate",          "2000",
                  "--duration",      "2.5",
                  "--warmup",        "0.25",
                  "--threads",       "2",
                  "--body-template", "card-decline",
                  "--seed",          "42",
                  "--run-id",        "bench_1",
                  "--timeout-ms",    "500",
                  "--json",          "out.json",
                  "--record",        "acknowledged.tsv",
                  "--quiet"},
                 "ksk_env");
  REQUIRE(std::holds_alternative<LoadOptions>(parsed));
  const LoadOptions all = std::get<LoadOptions>(parsed);
  CHECK(all.host == "localhost");
  CHECK(all.port == 9);
  CHECK(all.api_key == "ksk_flag");  // the flag wins over the environment
  CHECK(all.connections == 8);
  CHECK(all.rate_per_s == 2000);
  CHECK(all.open_loop());
  CHECK(all.duration_ms == 2'500);
  CHECK(all.warmup_ms == 250);
  CHECK(all.threads == 2);
  CHECK(all.body == BodyPreset::card_decline);
  CHECK(all.seed == 42);
  CHECK(all.run_id == "bench_1");
  CHECK(all.timeout_ms == 500);
  CHECK(all.json_path == "out.json");
  CHECK(all.record_path == "acknowledged.tsv");
  CHECK(all.quiet);

  CHECK(parse_seconds_ms("2", 10'000) == 2'000);
  CHECK(parse_seconds_ms("0.5", 10'000) == 500);
  CHECK(parse_seconds_ms("1.005", 10'000) == 1'005);
  CHECK(parse_seconds_ms("10", 10'000) == 10'000);
  CHECK_FALSE(parse_seconds_ms("10.001", 10'000));
  CHECK_FALSE(parse_seconds_ms("1.0001", 10'000));
  CHECK_FALSE(parse_seconds_ms(".5", 10'000));
  CHECK_FALSE(parse_seconds_ms("5.", 10'000));
  CHECK_FALSE(parse_seconds_ms("-1", 10'000));
  CHECK_FALSE(parse_seconds_ms("1e3", 10'000));
}

TEST_CASE("load options: invalid input is a usage error naming the option") {
  CHECK(problem_of({}) == "--url is required");
  CHECK(std::get<std::string>(parse({"--url", "http://127.0.0.1:1"})) ==
        "--api-key (or KESSAI_API_KEY) is required");
  CHECK(std::get<std::string>(parse({"--url", "http://127.0.0.1:1"}, "")) ==
        "--api-key (or KESSAI_API_KEY) is required");
  CHECK(problem_of({"--url", "https://127.0.0.1:1"}) == "--url must be http://HOST:PORT");
  CHECK(problem_of({"--url", "http://127.0.0.1:0"}) == "--url must be http://HOST:PORT");
  CHECK(problem_of({"--url", "http://127.0.0.1:1/v1"}) == "--url must be http://HOST:PORT");
  CHECK(problem_of({"--url", "http://:8080"}) == "--url must be http://HOST:PORT");
  CHECK(problem_of({"--url", "http://h:1", "--connections", "0"}) ==
        "--connections must be a whole number from 1 to 10000");
  CHECK(problem_of({"--url", "http://h:1", "--rate", "1.5"}) ==
        "--rate must be a whole number from 1 to 1000000");
  CHECK(problem_of({"--url", "http://h:1", "--rate", "0"}) ==
        "--rate must be a whole number from 1 to 1000000");
  CHECK(problem_of({"--url", "http://h:1", "--duration", "0"}) ==
        "--duration must be seconds (up to 3 decimals) above 0 to 86400");
  CHECK(problem_of({"--url", "http://h:1", "--warmup", "x"}) ==
        "--warmup must be seconds (up to 3 decimals) from 0 to 3600");
  CHECK(problem_of({"--url", "http://h:1", "--timeout-ms", "0"}) ==
        "--timeout-ms must be a whole number from 1 to 600000");
  CHECK(problem_of({"--url", "http://h:1", "--body-template", "qr"}) ==
        "--body-template must be card or card-decline");
  CHECK(problem_of({"--url", "http://h:1", "--run-id", "a b"}) ==
        "--run-id must be 1 to 200 letters, digits, '-' or '_'");
  CHECK(problem_of({"--url", "http://h:1", "--api-key", "ksk\r\nX-Evil: 1"}) ==
        "--api-key must be visible ASCII characters");
  CHECK(problem_of({"--url", "http://h:1", "--connections", "2", "--threads", "3"}) ==
        "--threads must be at most --connections");
  CHECK(problem_of({"--url", "http://h:1", "--record", ""}) == "--record must not be empty");
  CHECK(problem_of({"--url", "http://h:1", "--record"}) == "--record needs a value");
  CHECK(problem_of({"--url", "http://h:1", "--record", "out", "--json", "out"}) ==
        "--record and --json must be different files");
  CHECK(problem_of({"--url", "http://h:1", "--rate"}) == "--rate needs a value");
  CHECK(problem_of({"--url", "http://h:1", "--frobnicate", "1"}) == "unknown option --frobnicate");
}

TEST_CASE("load request: the whole HTTP request, its body and its own Idempotency-Key") {
  LoadOptions options;
  options.host = "127.0.0.1";
  options.port = 8080;
  options.api_key = "ksk_test";
  options.run_id = "run7";
  std::string request;
  RequestTemplate(options).render(42, 1234, request);
  const std::string body =
      R"({"amount": 1234, "currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001", )"
      R"("confirm": true, "payment_method": {"card_token": "tok_visa"}})";
  CHECK(request ==
        "POST /v1/payment_intents HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: kessai-sim-load\r\n"
        "Authorization: Bearer ksk_test\r\nContent-Type: application/json\r\nIdempotency-Key: run7-42\r\n"
        "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(boost::json::parse(body).as_object().at("amount") == 1234);

  options.body = BodyPreset::card_decline;
  RequestTemplate(options).render(7, 100, request);
  CHECK_THAT(request, Catch::Contains("Idempotency-Key: run7-7\r\n"));
  CHECK_THAT(request, Catch::EndsWith(R"({"card_token": "tok_decline"}})"));

  // Amounts: 100..20000 yen, the same for the same seed and sequence, spread over the range.
  std::set<std::int64_t> amounts;
  for (std::uint64_t sequence = 0; sequence < 10'000; ++sequence) {
    const std::int64_t amount = amount_of(5, sequence);
    REQUIRE(amount >= kAmountYenMin);
    REQUIRE(amount <= kAmountYenMax);
    REQUIRE(amount == amount_of(5, sequence));
    amounts.insert(amount);
  }
  CHECK(amounts.size() > 7'000);
  CHECK(amount_of(5, 1) != amount_of(6, 1));
}

TEST_CASE("load request: the problem code is the top-level code member, read without a JSON parser") {
  CHECK(problem_code(R"({"type":"urn:kessai:problem:card_declined","status":402,"code":"card_declined"})") ==
        "card_declined");
  // A nested code (the failed intent's last_payment_error) is not the problem's.
  CHECK(problem_code(
            R"({"payment_intent":{"last_payment_error":{"code":"expired_card"}},"detail":"a \"code\": x",)"
            R"( "code" : "card_declined"})") == "card_declined");
  CHECK(problem_code(R"({"errors":[{"code":"inner"}],"status":500})") == "");
  CHECK(problem_code(R"({"code":42})") == "");
  CHECK(problem_code(R"({"code":"with\"escape"})") == "");
  CHECK(problem_code(R"(["code","x"])") == "");
  CHECK(problem_code(R"({"code":"unterminated)") == "");
  CHECK(problem_code("") == "");
  CHECK(problem_code("not json") == "");

  CHECK(failure_key(402, "application/problem+json", R"({"code":"card_declined"})") == "402 card_declined");
  CHECK(failure_key(503, "application/problem+json", R"({"status":503})") == "503");
  CHECK(failure_key(200, "application/json", R"({"code":"not_a_problem"})") == "200");
}

TEST_CASE("load request: an acknowledged payment is a 201 succeeded intent, recorded as id and amount") {
  const std::string intent =
      R"({"id":"pi_01HZX","object":"payment_intent","status":"succeeded","amount":1234,)"
      R"("metadata":{"id":"nested","status":"failed"},"last_payment_error":null})";
  CHECK(top_level_string(intent, "id") == "pi_01HZX");
  CHECK(top_level_string(intent, "status") == "succeeded");
  CHECK(top_level_string(intent, "object") == "payment_intent");
  CHECK(top_level_string(intent, "amount") == "");  // a number, not a string
  CHECK(top_level_string(intent, "missing") == "");
  CHECK(acknowledged_intent_id(201, intent) == "pi_01HZX");
  // The nested members come first here; only the top-level ones count.
  CHECK(acknowledged_intent_id(
            201, R"({"metadata":{"status":"succeeded","id":"x"}, "id" : "pi_2", "status" : "processing"})") ==
        "");
  CHECK(acknowledged_intent_id(
            201, R"({"metadata":{"status":"failed","id":"x"}, "id" : "pi_2", "status" : "succeeded"})") ==
        "pi_2");
  // Not acknowledged: another status code, an intent whose outcome is unknown, a failed one, no id.
  CHECK(acknowledged_intent_id(200, intent) == "");
  CHECK(acknowledged_intent_id(402, R"({"id":"pi_3","status":"succeeded"})") == "");
  CHECK(acknowledged_intent_id(201, R"({"id":"pi_4","status":"processing"})") == "");
  CHECK(acknowledged_intent_id(201, R"({"id":"pi_5","status":"failed"})") == "");
  CHECK(acknowledged_intent_id(201, R"({"status":"succeeded"})") == "");
  CHECK(acknowledged_intent_id(201, R"({"id":"pi_\"6","status":"succeeded"})") == "");
  CHECK(acknowledged_intent_id(201, "") == "");

  std::string lines;
  append_record_line(lines, "pi_01HZX", 1234);
  append_record_line(lines, "pi_2", 20'000);
  CHECK(lines == "pi_01HZX\t1234\npi_2\t20000\n");
}

TEST_CASE("load report: the results as JSON, with every member the benchmark reads") {
  LoadOptions options;
  options.connections = 16;
  options.rate_per_s = 2000;
  options.duration_ms = 10'000;
  options.warmup_ms = 2'000;
  options.run_id = "r1";
  LoadTally first;
  first.sent = 10;
  first.succeeded = 8;
  first.succeeded_in_window = 9;  // one more arrived in the window than was due in it: from the warm-up
  first.failed = 1;
  first.late_starts = 2;
  first.failed_by_code["402 card_declined"] = 1;
  first.count_error(kErrorTimeout);
  for (std::uint64_t us = 1000; us <= 9000; us += 1000) first.latency.record(us);
  LoadTally second;
  second.sent = 5;
  second.succeeded = 5;
  second.succeeded_in_window = 4;
  second.latency.record(20'000);
  second.count_error(kErrorTimeout);
  second.count_error(kErrorConnect);
  first.merge(second);
  CHECK(first.error_count() == 3);

  const std::string text = boost::json::serialize(result_json(options, first, 10.0));
  const boost::json::object result = boost::json::parse(text).as_object();  // well formed, read back
  CHECK(result.at("mode") == "open");
  CHECK(result.at("target_rate") == 2000);
  CHECK(result.at("connections") == 16);
  CHECK(result.at("duration_s").as_double() == 10.0);
  CHECK(result.at("warmup_s").as_double() == 2.0);
  CHECK(result.at("run_id") == "r1");
  CHECK(result.at("sent") == 15);
  CHECK(result.at("succeeded") == 13);
  CHECK(result.at("failed") == 1);
  CHECK(result.at("failed_by_code").as_object().at("402 card_declined") == 1);
  CHECK(result.at("errors").as_object().at("timeout") == 2);
  CHECK(result.at("errors").as_object().at("connect") == 1);
  CHECK(result.at("late_starts") == 2);
  CHECK(result.at("tps").as_double() == 1.3);  // 13 within the 10 s measured
  CHECK(result.at("last_answer_s").as_double() == 10.0);
  CHECK(result.at("answers") == 10);
  CHECK(result.at("p50_ms").as_double() == Approx(5.0).epsilon(0.01));  // within a bucket's precision
  CHECK(result.at("p90_ms").as_double() == Approx(9.0).epsilon(0.01));
  CHECK(result.at("p99_ms").as_double() == Approx(20.0).epsilon(0.01));
  CHECK(result.at("p999_ms").as_double() == Approx(20.0).epsilon(0.01));
  CHECK(result.at("max_ms").as_double() == 20.0);
  CHECK(result.at("mean_ms").as_double() == 6.5);

  options.rate_per_s = 0;
  const boost::json::object closed = result_json(options, LoadTally{}, 10.0);
  CHECK(closed.at("mode") == "closed");
  CHECK(closed.at("target_rate").is_null());
  CHECK(closed.at("failed_by_code").as_object().empty());
  CHECK(closed.at("errors").as_object().empty());
  CHECK(closed.at("p99_ms").as_double() == 0.0);
  CHECK(closed.at("tps").as_double() == 0.0);

  const std::string summary = summary_text(options, first, 10.0);
  CHECK_THAT(summary, Catch::Contains("closed loop, 16 connections"));
  CHECK_THAT(summary, Catch::Contains("1.3 payments/s"));
  CHECK_THAT(summary, Catch::Contains("failed 402 card_declined: 1"));
  CHECK_THAT(summary, Catch::Contains("error timeout: 2"));
}

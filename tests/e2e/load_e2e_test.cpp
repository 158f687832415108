// kessai-sim load, the throughput benchmark's load generator, against the real kessaid and card acquirer
// simulator: an open-loop and a closed-loop run, each success a new succeeded payment intent in the
// database, the results file well formed. Nothing here is timed: the rates and latencies are only > 0.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "stack_fixture.hpp"

namespace kessai::testing {

namespace {

struct LoadRun {
  int status = -1;
  std::string output = "";
  boost::json::object result = {};
};

LoadRun run_load(Stack& stack, const std::string& run_id, const std::vector<std::string>& extra) {
  const std::string json_path = stack.dir + "/" + run_id + ".json";
  std::vector<std::string> args{"load",     "--url",   stack.url,   "--connections", "8",
                                "--run-id", run_id,    "--json",    json_path,       "--seed",
                                "7",        "--quiet", "--api-key", stack.api_key};
  args.insert(args.end(), extra.begin(), extra.end());
  LoadRun run;
  run.status = run_command(kBin + "/kessai-sim", args, {}, run.output);
  INFO("kessai-sim load output:\n" << run.output);
  REQUIRE(run.status == 0);
  std::ifstream file(json_path);
  const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  INFO("results: " << text);
  boost::json::error_code error;
  const boost::json::value parsed = boost::json::parse(text, error);
  REQUIRE_FALSE(error);
  REQUIRE(parsed.is_object());
  run.result = parsed.as_object();
  return run;
}

std::uint64_t whole(const boost::json::object& result, const char* key) {
  INFO(key);
  REQUIRE(result.contains(key));
  REQUIRE(result.at(key).is_number());
  return result.at(key).to_number<std::uint64_t>();
}

double number(const boost::json::object& result, const char* key) {
  INFO(key);
  REQUIRE(result.contains(key));
  REQUIRE(result.at(key).is_number());
  return result.at(key).to_number<double>();
}

std::uint64_t sum_of(const boost::json::object& counts) {
  std::uint64_t sum = 0;
  for (const auto& [key, count] : counts) sum += count.to_number<std::uint64_t>();
  return sum;
}

std::uint64_t error_count(const boost::json::object& result, const char* name) {
  const boost::json::value* count = result.at("errors").as_object().if_contains(name);
  return count ? count->to_number<std::uint64_t>() : 0;
}

// The members every result has, and their agreement with each other.
void check_result(const boost::json::object& result, const char* mode) {
  INFO(boost::json::serialize(result));
  CHECK(result.at("mode") == mode);
  CHECK(whole(result, "connections") == 8);
  REQUIRE(result.at("failed_by_code").is_object());
  REQUIRE(result.at("errors").is_object());
  const std::uint64_t sent = whole(result, "sent");
  const std::uint64_t succeeded = whole(result, "succeeded");
  CHECK(sent > 0);
  CHECK(succeeded > 0);
  CHECK(whole(result, "failed") == sum_of(result.at("failed_by_code").as_object()));
  // Every request sent was answered or ended in an error; the errors may also count requests never sent.
  CHECK(succeeded + whole(result, "failed") <= sent);
  CHECK(sent <= succeeded + whole(result, "failed") + sum_of(result.at("errors").as_object()));
  CHECK(whole(result, "answers") == succeeded + whole(result, "failed"));
  for (const char* key : {"tps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms", "duration_s"})
    CHECK(number(result, key) > 0);
  CHECK(number(result, "p50_ms") <= number(result, "p99_ms"));
  CHECK(number(result, "p99_ms") <= number(result, "max_ms"));
}

std::int64_t succeeded_intents(Stack& stack, const std::string& run_id) {
  return stack.count(
      "select count(*) from payment_intents where status = 'succeeded' and idempotency_key like '" + run_id +
      "-%'");
}

}  // namespace

TEST_CASE("kessai-sim load: open and closed loop, every success a new succeeded payment intent") {
  Stack stack;
  const std::int64_t before = stack.count("select count(*) from payment_intents where status = 'succeeded'");

  const LoadRun open = run_load(stack, "e2e-open", {"--rate", "200", "--duration", "2"});
  check_result(open.result, "open");
  CHECK(whole(open.result, "target_rate") == 200);
  // The timetable of a 2 s run at 200/s has 400 requests; each was sent, or given up in the queue.
  CHECK(whole(open.result, "sent") + error_count(open.result, "timeout_in_queue") <= 400);
  const std::int64_t after_open =
      stack.count("select count(*) from payment_intents where status = 'succeeded'");
  CHECK(after_open - before == static_cast<std::int64_t>(whole(open.result, "succeeded")));
  CHECK(succeeded_intents(stack, "e2e-open") == static_cast<std::int64_t>(whole(open.result, "succeeded")));

  const LoadRun closed = run_load(stack, "e2e-closed", {"--duration", "2"});
  check_result(closed.result, "closed");
  CHECK(closed.result.at("target_rate").is_null());
  const std::int64_t after_closed =
      stack.count("select count(*) from payment_intents where status = 'succeeded'");
  CHECK(after_closed - after_open == static_cast<std::int64_t>(whole(closed.result, "succeeded")));
  CHECK(succeeded_intents(stack, "e2e-closed") ==
        static_cast<std::int64_t>(whole(closed.result, "succeeded")));
  CHECK_THAT(closed.output, Catch::Contains("payments/s"));

  // Declined cards are counted by their problem code, and make no succeeded intent.
  const LoadRun declined =
      run_load(stack, "e2e-decline", {"--rate", "50", "--duration", "1", "--body-template", "card-decline"});
  INFO(boost::json::serialize(declined.result));
  CHECK(whole(declined.result, "succeeded") == 0);
  CHECK(whole(declined.result, "failed") > 0);
  CHECK(whole(declined.result.at("failed_by_code").as_object(), "402 card_declined") ==
        whole(declined.result, "failed"));
  CHECK(succeeded_intents(stack, "e2e-decline") == 0);
  CHECK(stack.count("select count(*) from (select journal_id from postings group by journal_id having "
                    "sum(amount_yen) <> 0) unbalanced") == 0);
}

TEST_CASE("kessai-sim load: exit 1 when kessaid cannot be reached, 2 for usage errors") {
  std::string output;
  // Port 1 on loopback: nothing listens there.
  CHECK(run_command(kBin + "/kessai-sim", {"load", "--url", "http://127.0.0.1:1", "--api-key", "ksk_x"}, {},
                    output) == 1);
  CHECK_THAT(output, Catch::Contains("cannot connect"));
  CHECK(run_command(kBin + "/kessai-sim", {"load", "--url", "http://127.0.0.1:1"}, {"KESSAI_API_KEY="},
                    output) == 2);
  CHECK_THAT(output, Catch::Contains("--api-key (or KESSAI_API_KEY) is required"));
}

}  // namespace kessai::testing

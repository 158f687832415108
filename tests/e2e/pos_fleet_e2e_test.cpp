// The terminal fleet simulator against the real kessaid and processor simulators: facilities with
// several counters each, network drops with offline periods, lost replies, duplicate and partial uploads,
// refunds, and every terminal's day close matching kessai's records.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "stack_fixture.hpp"

namespace kessai::testing {

namespace {

// Registers `terminals` terminals at each facility through the CLI; the credentials file the fleet reads.
std::string register_fleet(Stack& stack, const std::vector<std::string>& facilities, int terminals) {
  const std::string path = stack.dir + "/terminals.tsv";
  std::ofstream file(path);
  for (const std::string& facility : facilities) {
    for (int i = 1; i <= terminals; ++i) {
      const std::string output = must_run("kessai",
                                          {"terminal", "register", "--facility", facility, "--name",
                                           facility + " 窓口" + std::to_string(i), "--format", "tsv"},
                                          stack.database.url());
      std::istringstream lines(output);
      for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(facility + "\tterm_")) file << line << "\n";
      }
    }
  }
  return path;
}

boost::json::object run_fleet(Stack& stack, const std::string& credentials,
                              const std::vector<std::string>& extra) {
  std::vector<std::string> args{"pos",
                                "--kessai-url",
                                stack.url,
                                "--credentials",
                                credentials,
                                "--facilities",
                                "3",
                                "--terminals",
                                "2",
                                "--state-dir",
                                stack.dir + "/pos",
                                "--report",
                                stack.dir + "/fleet.json"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string output;
  const int status = run_command(kBin + "/kessai-sim", args, {}, output);
  std::ifstream report(stack.dir + "/fleet.json");
  const std::string text{std::istreambuf_iterator<char>(report), std::istreambuf_iterator<char>()};
  INFO("kessai-sim pos output (tail):\n" << output.substr(output.size() > 2000 ? output.size() - 2000 : 0));
  boost::json::object summary = boost::json::parse(text).as_object();
  // What went wrong, terminal by terminal, when something did.
  std::string problems;
  if (const auto* terminals = summary.if_contains("per_terminal"); terminals && terminals->is_array()) {
    for (const auto& terminal : terminals->as_array()) {
      if (const auto* found = terminal.as_object().if_contains("problems");
          found && !found->as_array().empty())
        problems += boost::json::serialize(*found) + "\n";
    }
  }
  INFO("problems:\n" << problems);
  REQUIRE(status == 0);
  return summary;
}

std::int64_t number(const boost::json::object& summary, const char* key) {
  INFO(key);
  REQUIRE(summary.contains(key));
  return summary.at(key).as_int64();
}

}  // namespace

TEST_CASE(
    "POS fleet: 3 facilities x 2 counters with network drops, lost replies and resent uploads close their "
    "day") {
  Stack stack;
  const std::string credentials = register_fleet(stack, {"FAC001", "FAC002", "FAC003"}, 2);
  const auto summary =
      run_fleet(stack, credentials,
                {"--payments", "25", "--seed", "11", "--drop-rate", "0.15", "--offline-payments", "4",
                 "--lost-reply-rate", "0.1", "--duplicate-upload-rate", "0.4", "--partial-upload-rate", "0.5",
                 "--refund-rate", "0.1", "--decline-rate", "0.05"});
  CHECK(summary.at("passed").as_bool());
  CHECK(number(summary, "day_close_match") == 6);
  CHECK(number(summary, "day_close_mismatch") == 0);
  CHECK(number(summary, "payments_offline") > 0);
  CHECK(number(summary, "lost_replies_recovered") > 0);
  CHECK(number(summary, "duplicates_acknowledged") > 0);
  CHECK(number(summary, "duplicates_unacknowledged") == 0);
  // Every payment the fleet made is in kessai once, attributed to its terminal; every close is kept.
  CHECK(stack.count("select count(*) from payment_intents where terminal_id is not null") ==
        number(summary, "payments_online") + number(summary, "payments_offline"));
  CHECK(stack.count("select count(*) from payment_intents where taken_offline") ==
        number(summary, "payments_offline"));
  CHECK(stack.count("select count(distinct terminal_id) from pos_day_closes where result = 'match'") == 6);
  CHECK(stack.count("select count(*) from pos_day_closes where result = 'mismatch'") == 0);
  // The takings the terminals counted are what the ledger holds for them.
  CHECK(
      stack.count(
          "select coalesce(sum(amount_captured_yen), 0) from payment_intents where terminal_id is not null") -
          stack.count(
              "select coalesce(sum(amount_yen), 0) from refunds where terminal_id is not null and status = "
              "'succeeded'") ==
      number(summary, "takings_yen"));
  CHECK(stack.count("select count(*) from (select journal_id from postings group by journal_id having "
                    "sum(amount_yen) <> 0) unbalanced") == 0);
}

TEST_CASE(
    "POS fleet: processors that lose answers and fail leave payments pending until kessai learns the "
    "outcome") {
  const std::vector<std::string> faults{"--lost-response-rate", "0.1", "--fail-rate", "0.05", "--seed", "5"};
  Stack stack(StackOptions{.simulator_args = faults, .qr_args = faults, .emoney_args = faults});
  const std::string credentials = register_fleet(stack, {"FAC001", "FAC002", "FAC003"}, 2);
  const auto summary =
      run_fleet(stack, credentials,
                {"--payments", "15", "--seed", "3", "--drop-rate", "0.1", "--lost-reply-rate", "0.05"});
  CHECK(summary.at("passed").as_bool());
  CHECK(number(summary, "day_close_match") == 6);
  CHECK(number(summary, "pending_unresolved") == 0);
  CHECK(stack.count(
            "select count(*) from payment_intents where terminal_id is not null and status = 'processing'") ==
        0);
}

}  // namespace kessai::testing

// End to end: kessaid killed (SIGKILL) under load loses no payment it acknowledged. kessai-sim load writes
// down every answer 201 "succeeded" it receives (--record); after the crash each one must be in the
// database, succeeded, for its amount, with its balanced capture journal, and the ledger must balance.
// kessaid started again takes new payments and settles by inquiry what the crash left processing. The
// test relies on nothing but "an acknowledged payment is durable": not on how or when kessaid commits.
// Nothing here is timed: waits are polls with a deadline.

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "stack_fixture.hpp"

namespace kessai::testing {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// kessaid is killed only after at least this many payments were acknowledged, and not before this long
// into the run: the crash comes in the middle of the load, with payments before it and requests in flight.
constexpr std::size_t kAcknowledgedBeforeKillMin = 50;
constexpr std::chrono::milliseconds kKillAfter{2'000};
// Bounds on the waits; none is expected to come near its bound.
constexpr std::chrono::seconds kAcknowledgedWaitMax{60};
constexpr std::chrono::seconds kExitWaitMax{120};
constexpr std::chrono::seconds kSettledWaitMax{120};  // the fixture asks after 4 s, every 100 ms

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::size_t line_count(const std::string& path) {
  const std::string text = read_text(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Polls until the condition holds or the limit passes; whether it held.
template <typename Condition>
bool eventually(std::chrono::seconds limit, Condition condition) {
  const auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// kessaid's process id: the child of this process started with this stack's config. ChildProcess keeps
// the id to itself, and /proc tells it without touching the fixture.
pid_t daemon_pid(const Stack& stack) {
  const std::string config = stack.dir + "/kessaid.toml";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::vector<std::string> args;
    std::istringstream cmdline(read_text(entry.path().string() + "/cmdline"));
    for (std::string arg; std::getline(cmdline, arg, '\0');) args.push_back(arg);
    if (args.empty() || !args[0].ends_with("/kessaid") ||
        std::find(args.begin(), args.end(), config) == args.end())
      continue;
    // The parent is the 4th field of /proc/PID/stat, the 2nd after the command's closing parenthesis.
    const std::string stat = read_text(entry.path().string() + "/stat");
    std::istringstream after_command(stat.substr(stat.rfind(')') + 1));
    std::string state;
    pid_t parent = 0;
    after_command >> state >> parent;
    if (parent == ::getpid()) return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

struct Recorded {
  std::string id = "";
  std::int64_t amount_yen = 0;
};

// The lines of --record: "ID<TAB>AMOUNT".
std::vector<Recorded> read_record(const std::string& path) {
  std::vector<Recorded> recorded;
  std::istringstream lines(read_text(path));
  for (std::string line; std::getline(lines, line);) {
    INFO("--record line " << recorded.size() + 1 << ": " << line);
    const std::size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    REQUIRE(line.starts_with("pi_"));
    REQUIRE(line.find_first_not_of("0123456789", tab + 1) == std::string::npos);
    recorded.push_back({line.substr(0, tab), std::stoll(line.substr(tab + 1))});
  }
  return recorded;
}

// What the database holds of an intent and its capture journals (kind 'capture', referenced by the
// intent's id: ledger::capture_journal).
struct Kept {
  std::string status = "";
  std::int64_t amount_yen = 0;
  std::int64_t captured_yen = 0;
  std::int64_t capture_journals = 0;
  std::int64_t posted_yen = 0;   // the sum of the capture journals' postings: 0 when balanced
  std::int64_t debited_yen = 0;  // their positive postings: the amount captured
};

std::map<std::string, Kept> kept_intents(Stack& stack) {
  pqxx::connection connection(stack.database.url());
  pqxx::read_transaction tx(connection);
  const pqxx::result rows = tx.exec(
      "select i.id, i.status, i.amount_yen, i.amount_captured_yen,"
      "       count(distinct j.id), coalesce(sum(p.amount_yen), 0),"
      "       coalesce(sum(p.amount_yen) filter (where p.amount_yen > 0), 0)"
      "  from payment_intents i"
      "  left join journal_entries j on j.kind = 'capture' and j.reference = i.id"
      "  left join postings p on p.journal_id = j.id"
      " group by i.id");
  std::map<std::string, Kept> kept;
  for (const auto& row : rows) {
    kept[row[0].as<std::string>()] =
        Kept{row[1].as<std::string>(),  row[2].as<std::int64_t>(), row[3].as<std::int64_t>(),
             row[4].as<std::int64_t>(), row[5].as<std::int64_t>(), row[6].as<std::int64_t>()};
  }
  return kept;
}

// Why a payment acknowledged for amount_yen is not kept as such; empty when it is.
std::string not_kept(const std::map<std::string, Kept>& kept, const std::string& id,
                     std::int64_t amount_yen) {
  const auto found = kept.find(id);
  if (found == kept.end()) return id + ": no such payment intent";
  const Kept& intent = found->second;
  std::ostringstream problem;
  if (intent.status != "succeeded") problem << " status " << intent.status;
  if (intent.amount_yen != amount_yen) problem << " amount " << intent.amount_yen << " not " << amount_yen;
  if (intent.captured_yen != amount_yen) problem << " captured " << intent.captured_yen;
  if (intent.capture_journals != 1) problem << " " << intent.capture_journals << " capture journals";
  if (intent.posted_yen != 0) problem << " capture postings sum to " << intent.posted_yen;
  if (intent.debited_yen != amount_yen) problem << " capture debits " << intent.debited_yen;
  return problem.str().empty() ? "" : id + ":" + problem.str();
}

void check_ledger_balances(Stack& stack) {
  CHECK(stack.count("select coalesce(sum(amount_yen), 0) from postings") == 0);
  CHECK(stack.count("select count(*) from (select journal_id from postings group by journal_id"
                    " having sum(amount_yen) <> 0) unbalanced") == 0);
}

json::object read_json(const std::string& path) {
  const std::string text = read_text(path);
  INFO("--json: " << text);
  json::error_code error;
  const json::value parsed = json::parse(text, error);
  REQUIRE_FALSE(error);
  REQUIRE(parsed.is_object());
  return parsed.as_object();
}

}  // namespace

TEST_CASE_METHOD(Stack, "kessaid killed under load loses no payment it acknowledged") {
  const std::string record_path = dir + "/acknowledged.tsv";
  const std::string json_path = dir + "/load.json";
  ChildProcess load(
      kBin + "/kessai-sim",
      {"load",          "--url",    url,          "--api-key", api_key,    "--rate",    "300",
       "--connections", "32",       "--duration", "6",         "--record", record_path, "--json",
       json_path,       "--run-id", "crash-e2e",  "--seed",    "11",       "--quiet"},
      {}, dir + "/load.log");
  const auto started = Clock::now();

  // The crash, in the middle of the load.
  const bool acknowledged_enough = eventually(kAcknowledgedWaitMax, [&] {
    return !load.running() ||
           (Clock::now() - started >= kKillAfter && line_count(record_path) >= kAcknowledgedBeforeKillMin);
  });
  INFO("kessai-sim load: " << load.log_tail());
  INFO("kessaid: " << daemon->log_tail());
  REQUIRE(acknowledged_enough);
  REQUIRE(load.running());  // still loading when kessaid dies
  const pid_t pid = daemon_pid(*this);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  CHECK(daemon->wait_exit(kExitWaitMax) == 128 + SIGKILL);

  // The generator counts what follows as errors and ends its run: exit 0, since kessaid answered some of
  // its requests (1 only when it answered none).
  const int load_status = load.wait_exit(kExitWaitMax);
  INFO("kessai-sim load, at its end: " << load.log_tail());
  REQUIRE(load_status == 0);
  const json::object result = read_json(json_path);
  INFO("--json: " << json::serialize(result));
  std::uint64_t errors = 0;
  for (const auto& [name, count] : result.at("errors").as_object())
    errors += count.to_number<std::uint64_t>();
  CHECK(errors > 0);  // the crash was felt within the run

  // Every payment acknowledged is kept: succeeded, for its amount, captured and journaled once.
  const std::vector<Recorded> acknowledged = read_record(record_path);
  INFO(acknowledged.size() << " payments acknowledged");
  REQUIRE(acknowledged.size() >= kAcknowledgedBeforeKillMin);
  CHECK(acknowledged.size() <= result.at("succeeded").to_number<std::uint64_t>());
  const std::map<std::string, Kept> after_crash = kept_intents(*this);
  std::vector<std::string> lost;
  std::set<std::string> seen;
  for (const Recorded& payment : acknowledged) {
    if (!seen.insert(payment.id).second) lost.push_back(payment.id + ": acknowledged twice");
    if (std::string problem = not_kept(after_crash, payment.id, payment.amount_yen); !problem.empty())
      lost.push_back(problem);
  }
  INFO(lost.size() << " acknowledged payments not kept, the first: " << (lost.empty() ? "" : lost.front())
                   << (lost.size() > 1 ? ", " + lost[1] : ""));
  CHECK(lost.empty());
  check_ledger_balances(*this);

  // What the crash left processing: charged or not, the acquirer knows, and kessaid's inquiry settles it.
  std::vector<std::string> processing;
  for (const auto& [id, intent] : after_crash) {
    if (intent.status == "processing") processing.push_back(id);
  }
  INFO(processing.size() << " payments left processing by the crash");

  start_daemon();
  const auto response = post(card_payment("tok_visa", 4321));
  INFO(response.body);
  REQUIRE(response.status == 201);
  const json::object paid = body_of(response);
  CHECK(paid.at("status") == "succeeded");
  const std::string paid_id(paid.at("id").as_string());

  const bool settled = eventually(kSettledWaitMax, [&] {
    return count("select count(*) from payment_intents where status = 'processing'") == 0;
  });
  INFO("kessaid after the restart: " << daemon->log_tail());
  CHECK(settled);
  const std::map<std::string, Kept> after_restart = kept_intents(*this);
  CHECK(not_kept(after_restart, paid_id, 4321).empty());
  for (const std::string& id : processing) {
    const Kept& intent = after_restart.at(id);
    const json::array charges = simulator_charges(id);
    INFO(id << " settled " << intent.status << ", " << charges.size() << " charges at the acquirer");
    if (intent.status == "succeeded") {
      CHECK(not_kept(after_restart, id, intent.amount_yen).empty());
      REQUIRE(charges.size() == 1);
      CHECK(charges[0].at("status") == "captured");
    } else {
      CHECK(intent.status == "failed");
      CHECK(intent.capture_journals == 0);
      CHECK(charges.empty());
    }
  }
  // Across the whole database: a succeeded payment has one capture journal, any other none.
  CHECK(count("select count(*) from payment_intents i where (i.status = 'succeeded') <>"
              " exists (select 1 from journal_entries j where j.kind = 'capture' and j.reference = i.id)") ==
        0);
  CHECK(count("select count(*) from (select reference from journal_entries where kind = 'capture'"
              " group by reference having count(*) > 1) twice") == 0);
  check_ledger_balances(*this);
}

}  // namespace kessai::testing

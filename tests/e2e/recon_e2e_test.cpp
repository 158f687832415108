// The nightly reconciliation against the simulators' ground truth: a business day of card, e-money, QR
// and Pay-easy payments and refunds through the real kessaid; the processors' settlement files and the
// bank's statement written by `kessai-sim bank` with discrepancies injected and recorded; `kessai recon
// run` must find exactly those discrepancies — no more, no fewer — and post the rest.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "kessai/ledger/journal.hpp"
#include "stack_fixture.hpp"

using namespace kessai;
using namespace kessai::testing;
namespace json = boost::json;

namespace {

using Finding = std::pair<std::string, std::string>;  // (reason, reference or processor id)

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::chrono::year_month_day tokyo_today() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now + std::chrono::hours(9))};
}

std::string processor_id_of(const std::string& simulator) {
  if (simulator == "card-acquirer") return "card-sim";
  if (simulator == "emoney-centre") return "emoney-sim";
  if (simulator == "qr-provider") return "qr-sim";
  if (simulator == "payeasy-centre") return "payeasy-sim";
  FAIL("no processor for simulator " << simulator);
  return "";
}

// What the reconciliation must report for each thing the simulators injected.
std::multiset<Finding> expected_findings(const json::object& truth) {
  std::multiset<Finding> expected;
  for (const json::value& value : truth.at("injected").as_array()) {
    const json::object& injected = value.as_object();
    const std::string reason(injected.at("reason").as_string());
    const std::string processor = processor_id_of(std::string(injected.at("processor").as_string()));
    if (reason == "deposit_short" || reason == "deposit_missing") {
      expected.emplace("deposit_mismatch", processor);
      continue;
    }
    const std::string reference(injected.at("reference").as_string());
    if (reason == "missing" || reason == "late") {
      expected.emplace("missing_in_settlement", reference);
    } else if (reason == "duplicate") {
      expected.emplace("duplicate_settlement", reference);
    } else if (reason == "unknown") {
      expected.emplace("unknown_in_ledger", reference);
    } else {
      expected.emplace(reason, reference);  // amount_mismatch, fee_mismatch, settled_after_refund
    }
  }
  return expected;
}

std::multiset<Finding> findings(const json::array& exceptions) {
  std::multiset<Finding> found;
  for (const json::value& value : exceptions) {
    const json::object& e = value.as_object();
    const std::string reason(e.at("reason").as_string());
    found.emplace(reason, std::string(reason == "deposit_mismatch" ? e.at("processor").as_string()
                                                                   : e.at("reference").as_string()));
  }
  return found;
}

std::string describe(const std::multiset<Finding>& set) {
  std::string out;
  for (const auto& [reason, subject] : set) out += "  " + reason + " " + subject + "\n";
  return out.empty() ? "  (none)\n" : out;
}

struct Day {
  Stack& stack;
  int codes = 0;
  std::vector<std::string> card{}, emoney{}, qr{};

  std::string pay(const std::string& body) {
    const auto response = stack.post(body);
    INFO(response.body);
    REQUIRE(response.status == 201);
    const json::object intent = body_of(response);
    CHECK(intent.at("status") == "succeeded");
    return std::string(intent.at("id").as_string());
  }
  void refund(const std::string& id, std::optional<int> amount = std::nullopt) {
    const std::string body = R"({"payment_intent": ")" + id + "\"" +
                             (amount ? ", \"amount\": " + std::to_string(*amount) : std::string()) + "}";
    const auto response = stack.request("POST", "/v1/refunds", body);
    INFO(response.body);
    REQUIRE(response.status == 201);
  }
  std::string card_payment(int amount, const std::string& facility) {
    return pay(R"({"amount": )" + std::to_string(amount) +
               R"(, "currency": "JPY", "means": "card", "fee_code": "F001",)"
               R"( "facility_id": ")" +
               facility + R"(", "confirm": true, "payment_method": {"card_token": "tok_visa"}})");
  }
  std::string emoney_payment(int amount, const std::string& brand) {
    return pay(R"({"amount": )" + std::to_string(amount) +
               R"(, "currency": "JPY", "means": "emoney", "fee_code": "F001", "facility_id": "FAC001",)"
               R"( "confirm": true, "payment_method": {"emoney": {"brand": ")" +
               brand + R"(", "idm": "0123456789ABCDEF"}}})");
  }
  std::string qr_payment(int amount, const std::string& prefix) {
    const std::string serial = std::to_string(100'000'000 + ++codes);  // 9 digits, never ending 0000 here
    const std::string digits = prefix + "1234567" + serial;
    return pay(R"({"amount": )" + std::to_string(amount) +
               R"(, "currency": "JPY", "means": "qr", "fee_code": "F003", "facility_id": "FAC002",)"
               R"( "confirm": true, "payment_method": {"qr_code": ")" +
               digits + R"("}})");
  }
  void payeasy_payment(int amount) {
    const auto created = stack.post(R"({"amount": )" + std::to_string(amount) +
                                    R"(, "currency": "JPY", "means": "payeasy", "fee_code": "F003",)"
                                    R"( "procedure_id": "PROC001", "confirm": true})");
    REQUIRE(created.status == 201);
    const json::object intent = body_of(created);
    const json::object& number = intent.at("next_action").at("payeasy").as_object();
    runtime::HttpClient client(stack.payeasy_url, runtime::ClientLimits{});
    const auto paid =
        client.request("POST", "/sim/pay",
                       json::serialize(json::object{{"institution_number", number.at("institution_number")},
                                                    {"customer_number", number.at("customer_number")},
                                                    {"confirmation_number", number.at("confirmation_number")},
                                                    {"amount", amount}}),
                       "application/json");
    REQUIRE(paid.ok());
    REQUIRE(paid->status / 100 == 2);
    const std::string id(intent.at("id").as_string());
    for (int i = 0; i < 300; ++i) {
      if (body_of(stack.get("/v1/payment_intents/" + id)).at("status") == "succeeded") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("Pay-easy payment " << id << " did not succeed after the quick notice");
  }
};

json::value run_json(Stack& stack, const std::vector<std::string>& args, int expected_status = 0) {
  std::string output;
  const int status = run_command(
      kBin + "/kessai", args,
      {"KESSAI_DATABASE_URL=" + stack.database.url(), "KESSAI_RECON_CONFIG=" + stack.dir + "/recon.toml"},
      output);
  INFO("kessai " << args.at(0) << " " << args.at(1) << " output:\n" << output);
  REQUIRE(status == expected_status);
  // The JSON is the last line; warnings may come before it on stderr.
  const std::size_t last = output.find_last_of('{') == std::string::npos ? 0 : output.rfind("\n{");
  return json::parse(output.substr(last == std::string::npos ? 0 : last));
}

std::string sim_bank(Stack& stack, std::chrono::year_month_day date, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"bank",
                                "--date",
                                ledger::format_date(date),
                                "--processor",
                                "card-acquirer=" + stack.sim_url,
                                "--processor",
                                "emoney-centre=" + stack.emoney_url,
                                "--processor",
                                "qr-provider=" + stack.qr_url,
                                "--processor",
                                "payeasy-centre=" + stack.payeasy_url,
                                "--out",
                                stack.dir + "/bank-outbox",
                                "--state-dir",
                                stack.dir + "/bank-state",
                                "--truth",
                                stack.dir + "/truth-" + ledger::format_date(date) + ".json"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string output;
  const int status = run_command(kBin + "/kessai-sim", args, {}, output);
  INFO("kessai-sim bank output:\n" << output);
  REQUIRE(status == 0);
  return read_file(stack.dir + "/truth-" + ledger::format_date(date) + ".json");
}

// recon.toml as shipped, its inboxes pointed at this stack's simulators.
void write_recon_config(Stack& stack) {
  std::string config = read_file(kSource + "/ops/config/recon.toml");
  replace_all(config, "profiles = \"settlement\"", "profiles = \"" + kSource + "/ops/config/settlement\"");
  replace_all(config, "../../var/stack/sim/card-acquirer/settlement", stack.dir + "/sim/settlement");
  for (const char* name : {"emoney-centre", "qr-provider", "payeasy-centre"}) {
    replace_all(config, std::string("../../var/stack/sim/") + name + "/settlement",
                stack.dir + "/" + name + "/settlement");
  }
  replace_all(config, "../../var/stack/bank", stack.dir + "/bank");
  std::filesystem::create_directories(stack.dir + "/bank");
  std::ofstream(stack.dir + "/recon.toml") << config;
}

}  // namespace

TEST_CASE("reconciliation finds exactly the discrepancies the simulators injected, no more, no fewer") {
  Stack stack;
  write_recon_config(stack);
  const std::chrono::year_month_day day = tokyo_today();
  const std::chrono::year_month_day next{std::chrono::sys_days(day) + std::chrono::days(1)};

  // A business day: each means, several merchants and brands, refunds whole and in part.
  Day d{stack};
  for (int i = 0; i < 10; ++i) d.card.push_back(d.card_payment(1000 + 130 * i, i % 2 ? "FAC001" : "FAC002"));
  d.refund(d.card[0]);
  d.refund(d.card[1]);
  d.refund(d.card[2], 300);
  for (int i = 0; i < 5; ++i)
    d.emoney.push_back(d.emoney_payment(200 + 50 * i, i % 2 ? "transit_ic" : "waon"));
  d.emoney.push_back(d.emoney_payment(700, "id"));
  d.refund(d.emoney[0]);
  for (int i = 0; i < 5; ++i) d.qr.push_back(d.qr_payment(900 + 10 * i, i % 2 ? "27" : "28"));
  d.refund(d.qr[0]);
  d.refund(d.qr[1], 100);
  for (int i = 0; i < 3; ++i) d.payeasy_payment(1200 + 100 * i);

  // The processors settle the day with discrepancies, the bank pays them in; then the next day's files
  // (holding the late lines) and its payouts. The statements wait in the bank's outbox until both days
  // are paid, as a bank statement of a day lists that whole day.
  const json::object truth =
      json::parse(sim_bank(stack, day,
                           {"--inject",
                            "missing=1,late=1,duplicate=1,amount_mismatch=1,fee_mismatch=1,"
                            "unknown=1,settled_after_refund=1",
                            "--deposit-short", "1", "--deposit-missing", "1", "--seed", "11"}))
          .as_object();
  const json::object truth_next = json::parse(sim_bank(stack, next, {})).as_object();
  CHECK(truth_next.at("injected").as_array().empty());

  std::multiset<Finding> expected = expected_findings(truth);
  std::size_t late = 0;
  for (const auto& value : truth.at("injected").as_array()) late += value.at("reason") == "late" ? 1 : 0;
  // Every kind of settlement discrepancy was injected somewhere (the day has enough lines for each).
  for (const char* reason :
       {"missing_in_settlement", "duplicate_settlement", "amount_mismatch", "fee_mismatch",
        "unknown_in_ledger", "settled_after_refund", "deposit_mismatch"}) {
    INFO(reason);
    CHECK(std::any_of(expected.begin(), expected.end(), [&](const Finding& f) { return f.first == reason; }));
  }
  CHECK(late > 0);

  // Night of the day: the processors' files; the deposit discrepancies wait for the statement.
  const json::value first = run_json(stack, {"recon", "run", "--date", ledger::format_date(day), "--json"});
  for (const auto& file : first.at("files").as_array()) {
    INFO(json::serialize(file));
    const std::string status(file.at("status").as_string());
    CHECK((status == "accepted" || status == "later"));
  }
  std::multiset<Finding> without_deposits;
  for (const auto& f : expected) {
    if (f.first != "deposit_mismatch") without_deposits.insert(f);
  }
  const json::array after_first =
      run_json(stack, {"recon", "exceptions", "list", "--format", "json"}).as_array();
  INFO("found after the first night:\n"
       << describe(findings(after_first)) << "injected:\n"
       << describe(without_deposits));
  CHECK(findings(after_first) == without_deposits);

  // Next night: the late lines settle, late; their missing exceptions are closed by kessai.
  const json::value second = run_json(stack, {"recon", "run", "--date", ledger::format_date(next), "--json"});
  CHECK(second.at("auto_resolved").as_int64() == static_cast<std::int64_t>(late));
  CHECK(second.at("new_exceptions").as_object().size() == 1);
  CHECK(second.at("new_exceptions").at("late_settlement").as_int64() == static_cast<std::int64_t>(late));

  // The bank's statements arrive: the deposits are matched, the short and the missing one found.
  for (const auto& entry : std::filesystem::directory_iterator(stack.dir + "/bank-outbox")) {
    if (entry.path().filename().string().starts_with("zengin03_")) {
      std::filesystem::copy_file(entry.path(), stack.dir + "/bank/" + entry.path().filename().string());
    }
  }
  run_json(stack, {"recon", "run", "--date", ledger::format_date(next), "--json"});
  std::multiset<Finding> final_expected;
  for (const auto& f : expected) {
    if (f.first != "missing_in_settlement") final_expected.insert(f);
  }
  // Late ones were resolved; truly missing ones stay open.
  for (const auto& value : truth.at("injected").as_array()) {
    const std::string reason(value.at("reason").as_string());
    const std::string reference =
        value.as_object().contains("reference") ? std::string(value.at("reference").as_string()) : "";
    if (reason == "missing") final_expected.emplace("missing_in_settlement", reference);
    if (reason == "late") final_expected.emplace("late_settlement", reference);
  }
  const json::array open = run_json(stack, {"recon", "exceptions", "list", "--format", "json"}).as_array();
  INFO("open at the end:\n" << describe(findings(open)) << "expected:\n" << describe(final_expected));
  CHECK(findings(open) == final_expected);

  // Running the nights again changes nothing.
  const auto journals = stack.count("select count(*) from journal_entries");
  const json::value again = run_json(stack, {"recon", "run", "--date", ledger::format_date(next), "--json"});
  CHECK(again.at("new_exceptions").as_object().empty());
  CHECK(stack.count("select count(*) from journal_entries") == journals);

  // The ledger still balances, and every clearing account nets to the payouts still unpaid.
  CHECK_THAT(must_run("kessai", {"ledger", "trial-balance"}, stack.database.url()),
             Catch::Contains("balanced"));
  CHECK(stack.count("select count(*) from recon_payouts where bank_line_id is null") ==
        static_cast<std::int64_t>(
            std::count_if(truth.at("injected").as_array().begin(), truth.at("injected").as_array().end(),
                          [](const json::value& v) { return v.at("reason") == "deposit_missing"; })));

  // hledger reads the whole reconciled ledger and finds it sound.
  must_run("kessai", {"ledger", "export", "--format", "hledger", "--out", stack.dir + "/ledger.journal"},
           stack.database.url());
  std::string checked;
  const int hledger = run_command("/usr/bin/hledger",
                                  {"-f", stack.dir + "/ledger.journal", "check", "--strict"}, {}, checked);
  INFO("hledger check (ops/install-deps installs hledger):\n" << checked);
  CHECK(hledger == 0);

  // A finance officer works through the queue.
  const std::int64_t id = open.at(0).at("id").as_int64();
  std::string output;
  REQUIRE(run_command(kBin + "/kessai",
                      {"recon", "exceptions", "resolve", std::to_string(id), "--note",
                       "checked with the acquirer", "--by", "tanaka"},
                      {"KESSAI_DATABASE_URL=" + stack.database.url()}, output) == 0);
  CHECK_THAT(output, Catch::Contains("resolved exception"));
  REQUIRE(run_command(kBin + "/kessai", {"recon", "exceptions", "show", std::to_string(id)},
                      {"KESSAI_DATABASE_URL=" + stack.database.url()}, output) == 0);
  CHECK_THAT(output, Catch::Contains("by tanaka: checked with the acquirer"));
  const json::array still_open =
      run_json(stack, {"recon", "exceptions", "list", "--format", "json"}).as_array();
  CHECK(still_open.size() == open.size() - 1);
}

TEST_CASE("a clean day: nothing injected, nothing found, every receivable and clearing account at zero") {
  Stack stack;
  write_recon_config(stack);
  const std::chrono::year_month_day day = tokyo_today();
  Day d{stack};
  for (int i = 0; i < 4; ++i) d.card.push_back(d.card_payment(2000 + i, "FAC001"));
  d.refund(d.card[0], 500);
  d.emoney.push_back(d.emoney_payment(300, "transit_ic"));
  d.qr.push_back(d.qr_payment(1500, "29"));
  d.payeasy_payment(1200);
  sim_bank(stack, day, {});
  for (const auto& entry : std::filesystem::directory_iterator(stack.dir + "/bank-outbox")) {
    if (entry.path().filename().string().starts_with("zengin03_")) {
      std::filesystem::copy_file(entry.path(), stack.dir + "/bank/" + entry.path().filename().string());
    }
  }
  const json::value run = run_json(stack, {"recon", "run", "--date", ledger::format_date(day), "--json"});
  CHECK(run.at("new_exceptions").as_object().empty());
  CHECK(run.at("open_exceptions").as_int64() == 0);
  // Per processor and business date, the receivable nets to zero.
  CHECK(stack.count(
            "select count(*) from (select p.account_code, j.business_date from postings p"
            " join journal_entries j on j.id = p.journal_id where p.account_code like 'assets:receivable:%'"
            " group by 1, 2 having sum(p.amount_yen) <> 0) unsettled") == 0);
  CHECK(stack.count("select coalesce(sum(amount_yen), 0) from postings where account_code like "
                    "'assets:receivable:%'") == 0);
  CHECK(
      stack.count(
          "select coalesce(sum(amount_yen), 0) from postings where account_code like 'assets:clearing:%'") ==
      0);
  CHECK(
      stack.count(
          "select coalesce(sum(amount_yen), 0) from postings where account_code = 'liabilities:suspense'") ==
      0);
  CHECK(stack.count("select count(*) from settlement_lines where settles_journal_id is null") == 0);
}

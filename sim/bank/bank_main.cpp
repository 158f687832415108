// kessai-sim bank: the receiving bank's day. The bank's rules are the kessai_sim_bank library's
// (bank_day.hpp, zengin_statement.hpp); here are the process's parts: the processors asked over HTTP,
// the book in --state-dir (locked, read, appended), the statement and the truth file written atomically,
// the summary on stdout.

#include "bank_main.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <boost/json.hpp>

#include "bank_day.hpp"
#include "bank_options.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/bank_calendar.hpp"
#include "kessai/runtime/http_client.hpp"
#include "kessai/runtime/log.hpp"
#include "settlement_file.hpp"
#include "zengin_statement.hpp"

namespace kessai::sim::bank {

namespace {

namespace json = boost::json;

// A processor writes a day's file before it answers: a million lines take a while.
constexpr std::chrono::milliseconds kSettlementTimeout{600'000};
constexpr std::chrono::milliseconds kConnectTimeout{2'000};
constexpr std::size_t kAnswerBytesMax = 64 * 1024 * 1024;  // the injected list of a large file
constexpr std::uintmax_t kBookBytesMax = 256 * 1024 * 1024;
constexpr std::string_view kBookFile = "account.jsonl";
constexpr std::string_view kLockFile = "lock";

// One run at a time on a book: a second would number its records from the same 照会番号.
class BookLock {
 public:
  explicit BookLock(const std::filesystem::path& path)
      : descriptor_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (descriptor_ < 0) throw std::runtime_error("cannot open " + path.string());
    if (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0) {
      ::close(descriptor_);
      throw std::runtime_error("another kessai-sim bank is using " + path.parent_path().string());
    }
  }
  ~BookLock() { ::close(descriptor_); }
  BookLock(const BookLock&) = delete;
  BookLock& operator=(const BookLock&) = delete;

 private:
  int descriptor_;
};

// Each processor's file of the date, asked in the order given; the first failure ends the run.
Result<std::vector<SettlementAnswer>, std::string> ask_processors(const BankOptions& options) {
  // Every URL is checked (HttpClient throws std::invalid_argument) before any processor is asked.
  std::vector<std::unique_ptr<runtime::HttpClient>> clients;
  for (const ProcessorEndpoint& processor : options.processors) {
    clients.push_back(std::make_unique<runtime::HttpClient>(
        processor.url, runtime::ClientLimits{kConnectTimeout, kSettlementTimeout, kAnswerBytesMax, 1}));
  }
  std::vector<SettlementAnswer> answers;
  const std::string body = settlement_request_body(options.date, options.inject, options.seed);
  for (std::size_t i = 0; i < options.processors.size(); ++i) {
    const ProcessorEndpoint& processor = options.processors[i];
    const std::string who = processor.name + " at " + processor.url;
    auto response = clients[i]->request("POST", "/sim/settlement", body);
    if (!response) return fail(who + ": " + response.error().message);
    if (response->status != 201) {
      return fail(who + " answered " + std::to_string(response->status) + ": " +
                  response->body.substr(0, 500));
    }
    auto answer = parse_settlement_answer(processor.name, options.date, response->body);
    if (!answer) return fail(answer.error());
    log::info("settlement_received", {{"processor", processor.name},
                                      {"path", answer->path},
                                      {"lines", answer->lines},
                                      {"net_total_yen", answer->net_total_yen},
                                      {"injected", std::uint64_t{answer->injected.size()}}});
    answers.push_back(std::move(answer).value());
  }
  return answers;
}

Result<std::vector<BookRecord>, std::string> read_book(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::vector<BookRecord>{};
  const std::uintmax_t bytes = std::filesystem::file_size(path, error);
  if (error) return fail("cannot read " + path.string() + ": " + error.message());
  if (bytes > kBookBytesMax)
    return fail(path.string() + " is larger than " + std::to_string(kBookBytesMax) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read " + path.string());
  std::size_t skipped = 0;
  std::vector<BookRecord> book = read_lines<BookRecord>(in, parse_book_record, skipped);
  if (skipped > 0)
    log::warn("book_lines_skipped", {{"path", path.string()}, {"lines", std::uint64_t{skipped}}});
  return book;
}

std::optional<std::string> append_to_book(const std::filesystem::path& path,
                                          const std::vector<BookRecord>& added) {
  std::ofstream journal;
  open_journal(journal, path);
  for (const BookRecord& record : added) append_line(journal, book_record_json(record));
  if (!journal) return "cannot append to " + path.string();
  return std::nullopt;
}

// Tells on stderr when fewer deposits could go wrong than asked (too few payouts with money due).
void warn_fewer_faults(const BankOptions& options, const DayRecords& day) {
  if (!day.already_recorded.empty()) return;  // the earlier run decided
  std::uint64_t shorts = 0;
  std::uint64_t missing = 0;
  for (const BookRecord& record : day.added) {
    shorts += record.reason == kDepositShort ? 1 : 0;
    missing += record.reason == kDepositMissing ? 1 : 0;
  }
  if (shorts < options.deposit_faults.short_count || missing < options.deposit_faults.missing_count) {
    std::fprintf(
        stderr,
        "kessai-sim bank: only %llu of --deposit-short %llu and %llu of --deposit-missing %llu could "
        "apply: too few payouts with money due\n",
        static_cast<unsigned long long>(shorts),
        static_cast<unsigned long long>(options.deposit_faults.short_count),
        static_cast<unsigned long long>(missing),
        static_cast<unsigned long long>(options.deposit_faults.missing_count));
  }
}

json::object summary_json(const BankOptions& options, std::chrono::year_month_day deposit_date,
                          const std::filesystem::path& statement_path,
                          const std::filesystem::path& truth_path, const StatementFile& statement,
                          const DayRecords& day) {
  json::array recorded;
  for (const BookRecord& record : day.added) recorded.emplace_back(record.processor);
  json::array already;
  for (const std::string& processor : day.already_recorded) already.emplace_back(processor);
  std::uint64_t shorts = 0;
  std::uint64_t missing = 0;
  for (const BookRecord& record : day.of_day) {
    shorts += record.reason == kDepositShort ? 1 : 0;
    missing += record.reason == kDepositMissing ? 1 : 0;
  }
  return json::object{{"date", format_date(options.date, "%F")},
                      {"deposit_date", format_date(deposit_date, "%F")},
                      {"statement", statement_path.string()},
                      {"truth", truth_path.string()},
                      {"deposits", statement.deposits},
                      {"deposit_total_yen", statement.deposit_total_yen},
                      {"withdrawals", statement.withdrawals},
                      {"withdrawal_total_yen", statement.withdrawal_total_yen},
                      {"balance_after_yen", statement.balance_after_yen},
                      {"recorded", std::move(recorded)},
                      {"already_recorded", std::move(already)},
                      {"deposit_short", shorts},
                      {"deposit_missing", missing}};
}

// The run after the options: 0 done, 1 failed.
int run(const BankOptions& options) {
  auto answers = ask_processors(options);
  if (!answers) {
    std::fprintf(stderr, "kessai-sim bank: %s; nothing written\n", answers.error().c_str());
    return 1;
  }
  const std::chrono::year_month_day deposit_date = runtime::next_bank_business_day(options.date);
  const std::filesystem::path state_dir(options.state_dir);
  std::error_code error;
  std::filesystem::create_directories(state_dir, error);
  if (error)
    throw std::runtime_error("cannot create --state-dir " + options.state_dir + ": " + error.message());
  const BookLock lock(state_dir / kLockFile);
  const std::filesystem::path book_path = state_dir / kBookFile;
  auto book = read_book(book_path);
  if (!book) throw std::runtime_error(book.error());

  const std::vector<Deposit> deposits =
      plan_deposits(answers.value(), options.deposit_faults, options.seed, options.date);
  auto day = record_day(book.value(), deposits, options.date, deposit_date);
  if (!day) throw std::runtime_error(day.error());
  warn_fewer_faults(options, day.value());
  // The statement is made before the book changes: a book it cannot be made from is never written.
  std::vector<BookRecord> after = book.value();
  after.insert(after.end(), day->added.begin(), day->added.end());
  auto statement = statement_of(after, deposit_date, Account{});
  if (!statement) throw std::runtime_error(statement.error());
  auto file = statement_file(statement.value());
  if (!file) throw std::runtime_error(file.error());

  if (auto problem = append_to_book(book_path, day->added)) throw std::runtime_error(*problem);
  const auto statement_path = write_file_atomically(options.out_dir, file->name, file->content);
  if (!statement_path) throw std::runtime_error(statement_path.error());
  const std::filesystem::path truth(options.truth_path);
  const json::object truth_object =
      truth_json(options.date, deposit_date, statement_path->string(), answers.value(), day->of_day);
  const auto truth_path =
      write_file_atomically(truth.has_parent_path() ? truth.parent_path() : ".", truth.filename().string(),
                            json::serialize(truth_object) + "\n");
  if (!truth_path) throw std::runtime_error(truth_path.error());
  log::info("statement_written", {{"path", statement_path->string()},
                                  {"deposit_date", format_date(deposit_date, "%F")},
                                  {"deposits", file->deposits},
                                  {"withdrawals", file->withdrawals},
                                  {"balance_after_yen", file->balance_after_yen}});
  const std::string summary = json::serialize(summary_json(options, deposit_date, statement_path.value(),
                                                           truth_path.value(), file.value(), day.value()));
  std::fprintf(stdout, "%s\n", summary.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int run_bank(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kBankUsage.data(), stdout);
      return 0;
    }
  }
  auto parsed = parse_bank_options(args);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "kessai-sim bank: %s\n%s", problem->c_str(), kBankUsage.data());
    return 2;
  }
  log::configure("kessai-sim bank", log::Level::info);
  const BankOptions& options = std::get<BankOptions>(parsed);
  try {
    return run(options);
  } catch (const std::invalid_argument& error) {  // a URL HttpClient does not take
    std::fprintf(stderr, "kessai-sim bank: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai-sim bank: %s\n", error.what());
    return 1;
  }
}

}  // namespace kessai::sim::bank

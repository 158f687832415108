#include "kessai/recon/recon_store.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <sstream>
#include <unordered_map>

#include <pqxx/tablewriter>

#include "kessai/identifier.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/runtime/crypto.hpp"

namespace kessai::recon {
namespace {

using std::chrono::year_month_day;

constexpr const char* kActor = "kessai recon";
// Ledger items are looked for this far back from a file's date: a line settling anything older is
// treated as unknown (no processor settles two months late).
constexpr std::chrono::days kItemWindow{62};
// One `kessai recon run` at a time, cluster-wide.
constexpr std::int64_t kRunLock = 0x6b657373'61697263;  // "kessairc"
// Rows read per fetch from an item query's cursor: a few megabytes of result at a time.
constexpr std::size_t kItemFetchRows = 50'000;

std::string date_text(year_month_day date) {
  return ledger::format_date(date);
}

year_month_day tokyo_date(std::chrono::sys_seconds instant) {
  return year_month_day{std::chrono::floor<std::chrono::days>(instant + std::chrono::hours(9))};
}

Result<std::string, std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  // One read of the size the file has, not a character at a time: a night's file is 100 MB.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) return fail("cannot read " + path.string());
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), size);
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  // A file still growing: what has arrived since, as before (the reader rejects a cut-off file).
  bytes.append(std::istreambuf_iterator<char>(in.rdbuf()), std::istreambuf_iterator<char>());
  if (in.bad()) return fail("cannot read " + path.string());
  return bytes;
}

// The inbox's files a profile reads, by name.
std::vector<std::filesystem::path> inbox_files(const std::filesystem::path& inbox,
                                               const StatementProfile& profile,
                                               std::vector<std::string>& warnings) {
  std::vector<std::filesystem::path> files{};
  std::error_code error{};
  if (!std::filesystem::is_directory(inbox, error)) {
    warnings.push_back("inbox " + inbox.string() + " (profile " + profile.name +
                       ") does not exist or is no folder");
    return files;
  }
  for (const auto& entry : std::filesystem::directory_iterator(inbox, error)) {
    if (!entry.is_regular_file()) continue;
    if (profile_matches(profile, entry.path().filename().string())) files.push_back(entry.path());
  }
  if (error) warnings.push_back("inbox " + inbox.string() + ": " + error.message());
  std::sort(files.begin(), files.end());
  return files;
}

struct Candidate {
  std::filesystem::path path{};
  const StatementProfile* profile = nullptr;
  const ProcessorContract* contract = nullptr;  // null: a bank statement
  std::optional<year_month_day> name_date{};    // the business date in its name
  std::string sha256{};
};

// Records a rejected file once per content; seeing it again only updates when it was seen.
void record_rejection(pqxx::connection& connection, const Candidate& candidate, const Rejection& rejection) {
  pqxx::work tx(connection);
  tx.exec_params(
      "insert into recon_files (file_name, sha256, profile, content, processor_id, status, rejection_code,"
      " rejection_message, rejection_record, path)"
      " values ($1, $2, $3, $4, $5, 'rejected', $6, $7, $8, $9)"
      " on conflict (sha256) where status = 'rejected' do update set rejection_code = "
      "excluded.rejection_code,"
      " rejection_message = excluded.rejection_message, rejection_record = excluded.rejection_record,"
      " profile = excluded.profile, last_seen_at = now()",
      candidate.path.filename().string(), candidate.sha256,
      candidate.profile == nullptr ? std::optional<std::string>()
                                   : std::optional<std::string>(candidate.profile->name),
      candidate.contract == nullptr ? std::string("bank_statement") : std::string("settlement"),
      candidate.contract == nullptr ? std::optional<std::string>()
                                    : std::optional<std::string>(candidate.contract->processor_id),
      rejection.code, rejection.message, static_cast<int>(rejection.record), candidate.path.string());
  tx.commit();
}

// Other bytes under the name of a file accepted already: refused, never replaced.
std::optional<Rejection> replaced(pqxx::transaction_base& tx, const Candidate& candidate,
                                  const StatementFile& file) {
  const pqxx::result same_name = tx.exec_params(
      "select received_at::text from recon_files where status = 'accepted' and content = $1 and file_name = "
      "$2",
      std::string(candidate.contract == nullptr ? "bank_statement" : "settlement"), file.file_name);
  if (same_name.empty()) return std::nullopt;
  return Rejection{
      .code = "replaced",
      .message =
          "another file named " + file.file_name + " was accepted at " + same_name[0][0].as<std::string>() +
          "; an accepted file is never replaced: ask the sender for a corrected file under a new name"};
}

// Records the candidate's rejection and reports it.
void reject(pqxx::connection& connection, const Candidate& candidate, const Rejection& rejection,
            FileReport& report) {
  record_rejection(connection, candidate, rejection);
  report.status = "rejected";
  report.code = rejection.code;
  report.message = rejection.message;
}

std::int64_t insert_file(pqxx::work& tx, const Candidate& candidate, const StatementFile& file) {
  const pqxx::result row = tx.exec_params(
      "insert into recon_files (file_name, sha256, profile, content, processor_id, business_date, status, "
      "lines,"
      " amount_total_yen, fee_total_yen, net_total_yen, path)"
      " values ($1, $2, $3, $4, $5, $6::date, 'accepted', $7, $8, $9, $10, $11) returning id",
      file.file_name, candidate.sha256, file.profile,
      file.content == FileContent::settlement ? std::string("settlement") : std::string("bank_statement"),
      candidate.contract == nullptr ? std::optional<std::string>()
                                    : std::optional<std::string>(candidate.contract->processor_id),
      date_text(file.business_date), static_cast<std::int64_t>(file.lines.size()), file.amount_total_yen,
      file.fee_total_yen, file.net_total_yen, candidate.path.string());
  return row[0][0].as<std::int64_t>();
}

// Opens an exception unless it is open or was resolved already (the same reason and subject); the
// audit trail says who opened it. True when it is new.
bool open_exception(pqxx::work& tx, const FoundException& e, const std::string& subject,
                    const std::string& processor_id, year_month_day business_date,
                    const std::string& reference, const std::string& payment_intent_id,
                    std::optional<std::int64_t> file_id, std::optional<std::int64_t> line_id,
                    std::optional<std::int64_t> bank_line_id) {
  const pqxx::result row = tx.exec_params(
      "insert into recon_exceptions (reason, subject, processor_id, business_date, reference, "
      "payment_intent_id,"
      " file_id, settlement_line_id, bank_line_id, expected_yen, actual_yen, suspense_yen, detail)"
      " values ($1, $2, nullif($3, ''), $4::date, nullif($5, ''), nullif($6, ''), $7, $8, $9, $10, $11, $12, "
      "$13)"
      " on conflict (reason, subject) do nothing returning id",
      std::string(to_string(e.reason)), subject, processor_id, date_text(business_date), reference,
      payment_intent_id, file_id, line_id, bank_line_id, e.expected_yen, e.actual_yen, e.suspense_yen,
      e.detail);
  if (row.empty()) return false;
  tx.exec_params("insert into recon_exception_audit (exception_id, action, actor) values ($1, 'opened', $2)",
                 row[0][0].as<std::int64_t>(), std::string(kActor));
  return true;
}

std::size_t auto_resolve(pqxx::work& tx, Reason reason, const std::string& subject, const std::string& note) {
  const pqxx::result rows = tx.exec_params(
      "update recon_exceptions set status = 'resolved', resolved_at = now(), resolved_by = $3,"
      " resolution_note = $4 where reason = $1 and subject = $2 and status = 'open' returning id",
      std::string(to_string(reason)), subject, std::string(kActor), note);
  for (const auto& row : rows) {
    tx.exec_params(
        "insert into recon_exception_audit (exception_id, action, actor, note) values ($1, 'auto_resolved', "
        "$2, $3)",
        row[0].as<std::int64_t>(), std::string(kActor), note);
  }
  return rows.size();
}

// Posts a journal of the given amounts (debit > 0) after dropping zeros; none when all are zero.
std::optional<std::int64_t> post(pqxx::work& tx, const std::string& kind, const std::string& reference,
                                 year_month_day date,
                                 std::vector<std::pair<ledger::AccountCode, std::int64_t>> amounts) {
  std::vector<ledger::Posting> postings{};
  for (auto& [account, amount] : amounts) {
    if (amount != 0) postings.push_back(ledger::Posting{account, Yen(amount)});
  }
  if (postings.empty()) return std::nullopt;
  auto journal = ledger::Journal::build(kind, reference.substr(0, ledger::kJournalTextBytesMax), date,
                                        std::move(postings));
  if (!journal.ok()) {
    throw std::runtime_error("the " + kind + " journal of " + reference +
                             " does not balance: " + std::string(ledger::to_string(journal.error())));
  }
  return ledger::pg::insert_journal(tx, journal.value());
}

// Runs `query` through a cursor, kItemFetchRows rows at a time, and gives `each` every row: a night's
// million rows are never one result in memory next to what is made of them. The next batch is asked
// for before `each` sees this one, so the database makes it while kessai reads these.
template <typename Each>
void for_each_row(pqxx::work& tx, const std::string& query, Each each) {
  // For this transaction only: the hash joins of a night's million items stay in memory; the cursor is
  // read to its end, so plan for all its rows, not the first few; compiling the query (JIT) costs more
  // than it saves on a million rows of simple expressions.
  tx.exec("set local work_mem = '256MB'; set local cursor_tuple_fraction = 1; set local jit = off");
  tx.exec("declare recon_rows no scroll cursor for " + query);
  const std::string fetch = "fetch forward " + std::to_string(kItemFetchRows) + " from recon_rows";
  {
    pqxx::pipeline batches(tx);
    batches.retain(0);  // each fetch goes out as soon as it is inserted
    pqxx::pipeline::query_id next = batches.insert(fetch);
    for (;;) {
      const pqxx::result rows = batches.retrieve(next);
      const bool last = rows.size() < kItemFetchRows;
      if (!last) next = batches.insert(fetch);
      for (const auto& row : rows) each(row);
      if (last) break;
    }
    batches.complete();
  }
  tx.exec("close recon_rows");
}

// The journals that moved the processor's receivable in the days around `date`: the from (`j` the
// journal, `p` its posting on the receivable, `r` its refund if it is one) and where of the item queries,
// with `joins` between them.
std::string item_journals(pqxx::work& tx, const std::string& processor, year_month_day date,
                          const std::string& joins) {
  const std::string account = ledger::chart::receivable(*ProcessorId::parse(processor)).str();
  const year_month_day from{std::chrono::sys_days(date) - kItemWindow};
  return " from journal_entries j"
         " join postings p on p.journal_id = j.id and p.account_code = " +
         tx.quote(account) + " left join refunds r on j.kind = 'refund' and r.id = j.reference" + joins +
         " where j.kind in ('capture', 'refund', 'reversal') and j.business_date between " +
         tx.quote(date_text(from)) + "::date and " + tx.quote(date_text(date)) + "::date + 1";
}

std::string text_of(const pqxx::field& field) {
  return std::string(field.c_str(), field.size());
}

// A date sent as days since 1970-01-01: no text to parse per row.
year_month_day day_of(const pqxx::field& field) {
  return year_month_day{std::chrono::sys_days(std::chrono::days(field.as<int>()))};
}

// The processor's ledger items around `date`, in journal order; only those no line settled yet when
// `unsettled_only`. Without their processor_reference, merchant and time: those take a join with every
// payment of the days, and only a line not found by its reference needs them (load_item_details, which
// match_settlement_file calls then).
// `expected` sizes the vector (the file's lines: about as many).
std::vector<LedgerItem> load_items(pqxx::work& tx, const std::string& processor, year_month_day date,
                                   bool unsettled_only = false, std::size_t expected = 0) {
  std::vector<LedgerItem> items{};
  items.reserve(expected);
  // Kinds as ItemKind's numbers. A capture's payment is its own reference: left empty, not sent twice.
  const std::string query =
      "select j.id, case j.kind when 'capture' then 1 when 'refund' then 2 else 3 end, j.reference,"
      "  j.business_date - date '1970-01-01', abs(p.amount_yen),"
      "  case when j.kind = 'capture' then '' else coalesce(r.payment_intent_id, j.reference) end,"
      "  s.id is not null, (j.created_at at time zone 'Asia/Tokyo')::date - date '1970-01-01'" +
      item_journals(tx, processor, date, " left join settlement_lines s on s.settles_journal_id = j.id") +
      (unsettled_only ? " and s.id is null" : "");
  for_each_row(tx, query, [&items](const pqxx::row& row) {
    LedgerItem& item = items.emplace_back();
    item.journal_id = row[0].as<std::int64_t>();
    item.kind = static_cast<ItemKind>(row[1].as<int>());
    item.reference = text_of(row[2]);
    item.business_date = day_of(row[3]);
    item.amount_yen = row[4].as<std::int64_t>();
    item.payment_intent_id = row[5].size() == 0 ? item.reference : text_of(row[5]);
    item.settled = row[6].c_str()[0] == 't';
    item.settlement_date = day_of(row[7]);
  });
  // In journal order, whatever order the joins gave: which item a key finds first, and the order of
  // the exceptions opened for missing items, do not depend on the plan. Sorting here costs less than
  // sorting the rows in the database.
  const auto by_journal = [](const LedgerItem& a, const LedgerItem& b) {
    return a.journal_id < b.journal_id;
  };
  if (!std::is_sorted(items.begin(), items.end(), by_journal)) {
    std::sort(items.begin(), items.end(), by_journal);
  }
  return items;
}

// Completes the items of load_items (the same processor and date) with the processor's id of the
// charge or refund, the merchant, and when the payment was taken or the refund made.
void load_item_details(pqxx::work& tx, const std::string& processor, year_month_day date,
                       std::vector<LedgerItem>& items) {
  const std::string query =
      "select j.id,"
      "  coalesce(case when j.kind = 'refund' then r.processor_reference else pi.processor_reference end, "
      "''),"
      "  coalesce(pi.facility_id, pi.procedure_id, ''),"
      "  extract(epoch from coalesce(case when j.kind = 'capture' then pi.taken_at end, "
      "j.created_at))::bigint" +
      item_journals(tx, processor, date,
                    " left join payment_intents pi on pi.id = coalesce(r.payment_intent_id, j.reference)");
  for_each_row(tx, query, [&items](const pqxx::row& row) {
    const std::int64_t journal_id = row[0].as<std::int64_t>();
    const auto found =
        std::lower_bound(items.begin(), items.end(), journal_id,
                         [](const LedgerItem& item, std::int64_t id) { return item.journal_id < id; });
    // A journal booked since load_items read the items is not one of them.
    if (found == items.end() || found->journal_id != journal_id) return;
    found->processor_reference = text_of(row[1]);
    found->merchant = text_of(row[2]);
    found->at = std::chrono::sys_seconds(std::chrono::seconds(row[3].as<std::int64_t>()));
  });
}

// Rows for COPY in its text format (a tab between fields, \N for NULL, a backslash before a tab, line end
// or backslash in a value), formatted into one buffer and sent 256 KB at a time. pqxx::stream_to
// escapes every field into a string of its own: 2 to 3 s more CPU on a million lines. libpqxx 6.4's
// only raw-line writer is tablewriter, deprecated in favour of stream_to; its warning about multibyte
// text is about its own escaping, which this does not use.
class CopyRows {
 public:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  CopyRows(pqxx::transaction_base& tx, const std::string& table, const std::vector<std::string>& columns)
      : writer_(tx, table, columns.begin(), columns.end()) {
    chunk_.reserve(kChunkBytes + 4096);
  }
#pragma GCC diagnostic pop

  CopyRows& text(std::string_view value) {
    separate();
    // Nearly every value has nothing to escape: appended whole, up to the next character that has.
    for (std::size_t at = 0; at < value.size();) {
      const std::size_t special = value.find_first_of("\\\t\n\r", at);
      chunk_.append(value.substr(at, special - at));
      if (special == std::string_view::npos) break;
      const char c = value[special];
      chunk_ += '\\';
      chunk_ += c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
      at = special + 1;
    }
    return *this;
  }
  CopyRows& number(std::int64_t value) {
    separate();
    char digits[24];
    chunk_.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
    return *this;
  }
  CopyRows& null() {
    separate();
    chunk_ += "\\N";
    return *this;
  }
  // As timestamptz reads it: "2026-11-19 15:00:00+00".
  CopyRows& timestamp(std::chrono::sys_seconds instant) {
    separate();
    const auto day = std::chrono::floor<std::chrono::days>(instant);
    const year_month_day date{day};
    const std::chrono::hh_mm_ss time{instant - day};
    digits(static_cast<int>(date.year()), 4);
    chunk_ += '-';
    digits(static_cast<int>(static_cast<unsigned>(date.month())), 2);
    chunk_ += '-';
    digits(static_cast<int>(static_cast<unsigned>(date.day())), 2);
    chunk_ += ' ';
    digits(static_cast<int>(time.hours().count()), 2);
    chunk_ += ':';
    digits(static_cast<int>(time.minutes().count()), 2);
    chunk_ += ':';
    digits(static_cast<int>(time.seconds().count()), 2);
    chunk_ += "+00";
    return *this;
  }
  void end_row() {
    chunk_ += '\n';
    row_started_ = false;
    if (chunk_.size() >= kChunkBytes) flush();
  }
  void complete() {
    flush();
    writer_.complete();
  }

 private:
  static constexpr std::size_t kChunkBytes = 256 * 1024;

  void separate() {
    if (row_started_) chunk_ += '\t';
    row_started_ = true;
  }
  // 0-padded to `width`; a year of the files' range (1 to 9999).
  void digits(int value, int width) {
    char text[8];
    for (int i = width - 1; i >= 0; --i, value /= 10) text[i] = static_cast<char>('0' + value % 10);
    chunk_.append(text, static_cast<std::size_t>(width));
  }
  void flush() {
    if (chunk_.empty()) return;
    chunk_.pop_back();  // write_raw_line ends the last row itself
    writer_.write_raw_line(chunk_);
    chunk_.clear();
  }

  pqxx::tablewriter writer_;
  std::string chunk_{};
  bool row_started_ = false;
};

// Writes the file's lines with COPY, in the file's transaction. COPY gives no ids back: line_ids reads
// those the exceptions need.
void insert_lines(pqxx::work& tx, std::int64_t file_id, const std::string& processor,
                  const StatementFile& file, const FileMatch& match, const std::vector<LedgerItem>& items) {
  const std::string business_date = date_text(file.business_date);
  CopyRows copy(tx, "settlement_lines",
                {"file_id", "record", "processor_id", "business_date", "kind", "reference",
                 "processor_transaction_id", "merchant", "brand", "transacted_at", "amount_yen", "fee_yen",
                 "net_yen", "settles_journal_id", "matched_by", "ledger_amount_yen", "payment_intent_id"});
  for (std::size_t l = 0; l < file.lines.size(); ++l) {
    const StatementLine& line = file.lines[l];
    const LineOutcome& outcome = match.lines[l];
    copy.number(file_id).number(line.record).text(processor).text(business_date);
    copy.text(line.kind == LineKind::sale ? "sale" : "refund").text(line.reference);
    copy.text(line.processor_transaction_id).text(line.merchant).text(line.brand);
    copy.timestamp(line.occurred_at).number(line.amount_yen).number(line.fee_yen).number(line.net_yen);
    if (outcome.item) {
      copy.number(items[*outcome.item].journal_id);
    } else {
      copy.null();
    }
    if (outcome.matched_by.empty()) {
      copy.null();
    } else {
      copy.text(outcome.matched_by);
    }
    copy.number(outcome.ledger_amount_yen);
    if (outcome.payment_item && !items[*outcome.payment_item].payment_intent_id.empty()) {
      copy.text(items[*outcome.payment_item].payment_intent_id);
    } else {
      copy.null();
    }
    copy.end_row();
  }
  copy.complete();
}

// The ids of the lines with an exception, by their index in the file.
std::unordered_map<std::size_t, std::int64_t> line_ids(pqxx::work& tx, std::int64_t file_id,
                                                       const StatementFile& file, const FileMatch& match) {
  std::unordered_map<std::size_t, std::int64_t> ids{};
  if (match.exceptions.empty()) return ids;
  std::unordered_map<std::uint32_t, std::size_t> line_of_record{};
  std::string records = "{";  // an int[] literal
  for (const FoundException& e : match.exceptions) {
    const std::uint32_t record = file.lines[*e.line].record;
    if (!line_of_record.emplace(record, *e.line).second) continue;
    if (records.size() > 1) records += ',';
    records += std::to_string(record);
  }
  records += '}';
  for (const auto& row : tx.exec_params(
           "select record, id from settlement_lines where file_id = $1 and record = any($2::int[])", file_id,
           records)) {
    ids.emplace(line_of_record.at(row[0].as<std::uint32_t>()), row[1].as<std::int64_t>());
  }
  return ids;
}

// Reads a settlement file (its `bytes`), matches and posts it in one transaction, or records its
// rejection. The file is parsed on another thread while the transaction reads the ledger items of the
// date in its name: on a night of a million lines, the second the parse takes is no longer spent
// waiting for the database, nor the other way round.
void ingest_settlement(pqxx::connection& connection, const ReconConfig& config, const Candidate& candidate,
                       std::string bytes, FileReport& report, RunReport& run) {
  const ProcessorContract& contract = *candidate.contract;
  const ProcessorId processor = *ProcessorId::parse(contract.processor_id);
  std::future<Result<StatementFile, Rejection>> parsing = std::async(
      std::launch::async, [&] { return read_statement(*candidate.profile, report.file_name, bytes); });
  pqxx::work tx(connection);
  std::vector<LedgerItem> items{};
  if (candidate.name_date) {  // else the reader rejects the name
    // About as many items as the file has lines.
    const auto lines = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    items = load_items(tx, contract.processor_id, *candidate.name_date, false, lines);
  }
  Result<StatementFile, Rejection> parsed = parsing.get();
  bytes = std::string();
  if (!parsed.ok()) {
    tx.abort();
    reject(connection, candidate, parsed.error(), report);
    return;
  }
  if (std::optional<Rejection> rejection = replaced(tx, candidate, parsed.value())) {
    tx.abort();
    reject(connection, candidate, *rejection, report);
    return;
  }
  const StatementFile file = std::move(parsed.value());
  // The reader takes the business date from the name as business_date_of does.
  assert(candidate.name_date && file.business_date == *candidate.name_date);
  const std::int64_t file_id = insert_file(tx, candidate, file);
  const FileMatch match =
      match_settlement_file(file, contract, config, items, [&](std::vector<LedgerItem>& incomplete) {
        load_item_details(tx, contract.processor_id, file.business_date, incomplete);
      });
  insert_lines(tx, file_id, contract.processor_id, file, match, items);
  const std::unordered_map<std::size_t, std::int64_t> ids = line_ids(tx, file_id, file, match);

  for (std::size_t l = 0; l < match.lines.size(); ++l) {
    if (!match.lines[l].item) continue;
    ++report.matched;
    const LedgerItem& item = items[*match.lines[l].item];
    if (item.settlement_date < file.business_date) {
      run.auto_resolved +=
          auto_resolve(tx, Reason::missing_in_settlement, "journal:" + std::to_string(item.journal_id),
                       "settled late: " + file.file_name + " line " + std::to_string(file.lines[l].record));
    }
  }
  for (const FoundException& e : match.exceptions) {
    const StatementLine& line = file.lines[*e.line];
    const LineOutcome& outcome = match.lines[*e.line];
    const std::int64_t line_id = ids.at(*e.line);
    const std::string& payment =
        outcome.payment_item ? items[*outcome.payment_item].payment_intent_id : std::string();
    if (open_exception(tx, e, "line:" + std::to_string(line_id), contract.processor_id, file.business_date,
                       line.reference, payment, file_id, line_id, std::nullopt)) {
      ++report.exceptions[std::string(to_string(e.reason))];
      ++run.new_exceptions[std::string(to_string(e.reason))];
    }
  }

  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(processor));
  // Dr clearing (the payout on its way) + Dr fee expense = Cr receivable (the items settled) + Cr suspense.
  const std::optional<std::int64_t> journal =
      post(tx, "settlement", file.file_name, file.business_date,
           {{ledger::chart::clearing(processor), match.net_yen},
            {ledger::chart::processor_fee_expense(processor), match.fee_yen},
            {ledger::chart::receivable(processor), -match.receivable_yen},
            {ledger::chart::suspense(), -match.suspense_yen}});
  if (journal) tx.exec_params("update recon_files set journal_id = $2 where id = $1", file_id, *journal);
  if (match.net_yen != 0) {
    tx.exec_params(
        "insert into recon_payouts (file_id, processor_id, business_date, due_date, net_yen)"
        " values ($1, $2, $3::date, $4::date, $5)",
        file_id, contract.processor_id, date_text(file.business_date),
        date_text(payout_due_date(file.business_date, contract)), match.net_yen);
  }
  tx.commit();
  report.status = "accepted";
  report.lines = file.lines.size();
  report.net_yen = file.net_total_yen;
}

std::vector<Payout> load_open_payouts(pqxx::work& tx) {
  std::vector<Payout> payouts{};
  for (const auto& row :
       tx.exec("select file_id, processor_id, business_date::text, due_date::text, net_yen from recon_payouts"
               " where bank_line_id is null order by due_date, file_id")) {
    payouts.push_back(Payout{.file_id = row[0].as<std::int64_t>(),
                             .processor_id = row[1].as<std::string>(),
                             .business_date = *ledger::parse_date(row[2].as<std::string>()),
                             .due_date = *ledger::parse_date(row[3].as<std::string>()),
                             .net_yen = row[4].as<std::int64_t>()});
  }
  return payouts;
}

// Reads a bank statement (its `bytes`) and posts its deposits in one transaction, or records its rejection.
void ingest_bank_statement(pqxx::connection& connection, const ReconConfig& config,
                           const Candidate& candidate, std::string bytes, FileReport& report,
                           RunReport& run) {
  Result<StatementFile, Rejection> parsed = read_statement(*candidate.profile, report.file_name, bytes);
  bytes = std::string();
  if (!parsed.ok()) {
    reject(connection, candidate, parsed.error(), report);
    return;
  }
  pqxx::work tx(connection);
  if (std::optional<Rejection> rejection = replaced(tx, candidate, parsed.value())) {
    tx.abort();
    reject(connection, candidate, *rejection, report);
    return;
  }
  const StatementFile file = std::move(parsed.value());
  const std::int64_t file_id = insert_file(tx, candidate, file);
  std::vector<Payout> payouts = load_open_payouts(tx);
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  for (const StatementLine& line : file.lines) {
    const year_month_day account_date = tokyo_date(line.occurred_at);
    DepositMatch match = match_deposit(line, config, payouts);
    const pqxx::result row = tx.exec_params(
        "insert into bank_lines (file_id, record, account_date, value_date, kind, amount_yen, inquiry_number,"
        " transaction_type, payer_code, payer_name, description, processor_id)"
        " values ($1, $2, $3::date, $4::date, $5, $6, $7, $8, $9, $10, $11, nullif($12, '')) returning id",
        file_id, static_cast<int>(line.record), date_text(account_date), date_text(line.value_date),
        std::string(line.kind == LineKind::deposit ? "deposit" : "withdrawal"), line.amount_yen,
        line.reference, line.transaction_type, line.payer_code, line.payer_name, line.description,
        match.processor_id);
    const std::int64_t bank_line_id = row[0][0].as<std::int64_t>();
    std::vector<std::pair<ledger::AccountCode, std::int64_t>> amounts{
        {ledger::chart::bank(), line.amount_yen}};
    if (!match.processor_id.empty()) {
      const ProcessorId processor = *ProcessorId::parse(match.processor_id);
      ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(processor));
      amounts.emplace_back(ledger::chart::clearing(processor), -match.expected_yen);
    }
    const std::int64_t suspense = match.exception ? match.exception->suspense_yen : 0;
    amounts.emplace_back(ledger::chart::suspense(), -suspense);
    const std::optional<std::int64_t> journal =
        post(tx, line.kind == LineKind::deposit ? "deposit" : "withdrawal",
             file.file_name + "#" + std::to_string(line.record), account_date, std::move(amounts));
    if (journal)
      tx.exec_params("update bank_lines set journal_id = $2 where id = $1", bank_line_id, *journal);
    for (std::size_t i : match.payouts) {
      tx.exec_params("update recon_payouts set bank_line_id = $2 where file_id = $1", payouts[i].file_id,
                     bank_line_id);
      run.auto_resolved +=
          auto_resolve(tx, Reason::deposit_mismatch, "payout:" + std::to_string(payouts[i].file_id),
                       "deposited: " + file.file_name + " line " + std::to_string(line.record));
    }
    if (match.exception) {
      if (open_exception(tx, *match.exception, "deposit:" + std::to_string(bank_line_id), match.processor_id,
                         account_date, line.reference, "", file_id, std::nullopt, bank_line_id)) {
        ++report.exceptions["deposit_mismatch"];
        ++run.new_exceptions["deposit_mismatch"];
      }
    } else {
      ++report.matched;
    }
  }
  tx.commit();
  report.status = "accepted";
  report.lines = file.lines.size();
  report.net_yen = file.net_total_yen;
}

// Ledger items of dates whose file was accepted that no line settled.
void record_missing_settlements(pqxx::connection& connection, const ReconConfig& config, year_month_day date,
                                RunReport& run) {
  for (const ProcessorContract& contract : config.processors) {
    pqxx::work tx(connection);
    std::vector<year_month_day> closed{};
    for (const auto& row : tx.exec_params(
             "select distinct business_date::text from recon_files where status = 'accepted'"
             " and content = 'settlement' and processor_id = $1 and business_date <= $2::date order by 1",
             contract.processor_id, date_text(date))) {
      closed.push_back(*ledger::parse_date(row[0].as<std::string>()));
    }
    if (closed.empty()) continue;
    std::vector<std::string> covered{};
    for (const auto& row : tx.exec_params(
             "select distinct payment_intent_id from recon_exceptions where reason = 'settled_after_refund'"
             " and processor_id = $1 and payment_intent_id is not null",
             contract.processor_id)) {
      covered.push_back(row[0].as<std::string>());
    }
    const std::vector<LedgerItem> items = load_items(tx, contract.processor_id, date, true);
    for (std::size_t i : missing_items(items, closed, covered)) {
      const LedgerItem& item = items[i];
      FoundException e{.reason = Reason::missing_in_settlement,
                       .expected_yen = item.kind == ItemKind::capture ? item.amount_yen : -item.amount_yen,
                       .actual_yen = 0,
                       .detail = std::string(to_string(item.kind)) + " " + item.reference + " of " +
                                 std::to_string(item.amount_yen) + " yen on " +
                                 date_text(item.business_date) + " is in no line of " +
                                 contract.processor_id + "'s settlement file of that date"};
      if (open_exception(tx, e, "journal:" + std::to_string(item.journal_id), contract.processor_id,
                         item.business_date, item.reference, item.payment_intent_id, std::nullopt,
                         std::nullopt, std::nullopt)) {
        ++run.new_exceptions["missing_in_settlement"];
      }
    }
    tx.commit();
  }
}

// Payouts due by the last date a bank statement covers that no deposit paid.
void record_missing_deposits(pqxx::connection& connection, RunReport& run) {
  pqxx::work tx(connection);
  const pqxx::result last = tx.exec(
      "select max(business_date)::text from recon_files where status = 'accepted' and content = "
      "'bank_statement'");
  if (last[0][0].is_null()) return;
  const year_month_day statement_date = *ledger::parse_date(last[0][0].as<std::string>());
  for (const Payout& payout : load_open_payouts(tx)) {
    if (payout.due_date > statement_date) continue;
    FoundException e{.reason = Reason::deposit_mismatch,
                     .expected_yen = payout.net_yen,
                     .actual_yen = 0,
                     .detail = payout.processor_id + "'s payout of " + std::to_string(payout.net_yen) +
                               " yen for " + date_text(payout.business_date) + ", due " +
                               date_text(payout.due_date) + ", is in no bank statement up to " +
                               date_text(statement_date)};
    if (open_exception(tx, e, "payout:" + std::to_string(payout.file_id), payout.processor_id,
                       payout.business_date, "", "", payout.file_id, std::nullopt, std::nullopt)) {
      ++run.new_exceptions["deposit_mismatch"];
    }
  }
  tx.commit();
}

// Before reading a file: the same bytes accepted already, or a settlement file of a later date.
bool worth_reading(pqxx::connection& connection, const Candidate& candidate, year_month_day date,
                   FileReport& report) {
  pqxx::read_transaction tx(connection);
  if (!tx.exec_params("select 1 from recon_files where status = 'accepted' and sha256 = $1", candidate.sha256)
           .empty()) {
    report.status = "already_ingested";
    return false;
  }
  if (candidate.contract != nullptr && candidate.name_date && *candidate.name_date > date) {
    report.status = "later";
    return false;
  }
  return true;
}

}  // namespace

bool RunReport::rejected_files() const {
  return std::any_of(files.begin(), files.end(), [](const FileReport& f) { return f.status == "rejected"; });
}

Result<RunReport, std::string> run_reconciliation(pqxx::connection& connection, const ReconConfig& config,
                                                  year_month_day date) {
  auto profiles = load_profiles(config.profiles_dir);
  if (!profiles.ok()) return fail(profiles.error());
  auto profile_named = [&](const std::string& name) -> const StatementProfile* {
    for (const StatementProfile& profile : profiles.value()) {
      if (profile.name == name) return &profile;
    }
    return nullptr;
  };
  RunReport run;
  run.date = date;
  std::vector<Candidate> settlements, statements;
  for (const ProcessorContract& contract : config.processors) {
    const StatementProfile* profile = profile_named(contract.profile);
    if (profile == nullptr || profile->content != FileContent::settlement) {
      return fail("processor " + contract.processor_id + ": no settlement profile '" + contract.profile +
                  "' in " + config.profiles_dir.string());
    }
    for (auto& path : inbox_files(contract.inbox, *profile, run.warnings)) {
      settlements.push_back(Candidate{.path = path, .profile = profile, .contract = &contract});
    }
  }
  for (const BankAccount& bank : config.banks) {
    const StatementProfile* profile = profile_named(bank.profile);
    if (profile == nullptr || profile->content != FileContent::bank_statement) {
      return fail("bank inbox " + bank.inbox.string() + ": no bank statement profile '" + bank.profile +
                  "' in " + config.profiles_dir.string());
    }
    for (auto& path : inbox_files(bank.inbox, *profile, run.warnings)) {
      statements.push_back(Candidate{.path = path, .profile = profile});
    }
  }

  {
    pqxx::nontransaction lock(connection);
    if (!lock.exec_params("select pg_try_advisory_lock($1)", kRunLock)[0][0].as<bool>()) {
      return fail("another kessai recon run is in progress; wait for it to finish");
    }
  }
  struct Unlock {
    pqxx::connection& connection;
    ~Unlock() {
      try {
        pqxx::nontransaction tx(connection);
        tx.exec_params("select pg_advisory_unlock($1)", kRunLock);
      } catch (...) {
      }
    }
  } unlock{connection};

  const auto started = std::chrono::system_clock::now();
  // Settlement files by date, then the bank's: a deposit finds the payouts of files read in the same run.
  // One file in memory at a time.
  for (auto* group : {&settlements, &statements}) {
    for (Candidate& candidate : *group) {
      candidate.name_date = business_date_of(*candidate.profile, candidate.path.filename().string());
    }
    std::stable_sort(group->begin(), group->end(), [](const Candidate& a, const Candidate& b) {
      const auto key = [](const Candidate& c) {
        return c.name_date ? std::chrono::sys_days(*c.name_date) : std::chrono::sys_days{};
      };
      return key(a) < key(b);
    });
    for (Candidate& candidate : *group) {
      FileReport report{.path = candidate.path.string(),
                        .file_name = candidate.path.filename().string(),
                        .profile = candidate.profile->name};
      auto bytes = read_whole_file(candidate.path);
      if (!bytes.ok()) return fail(bytes.error());
      candidate.sha256 = runtime::sha256_hex(bytes.value());
      if (worth_reading(connection, candidate, date, report)) {
        if (candidate.contract != nullptr) {
          ingest_settlement(connection, config, candidate, std::move(bytes.value()), report, run);
        } else {
          ingest_bank_statement(connection, config, candidate, std::move(bytes.value()), report, run);
        }
      }
      run.files.push_back(std::move(report));
    }
  }
  record_missing_settlements(connection, config, date, run);
  record_missing_deposits(connection, run);

  pqxx::work tx(connection);
  run.open_exceptions =
      tx.exec("select count(*) from recon_exceptions where status = 'open'")[0][0].as<std::size_t>();
  std::ostringstream summary{};
  summary << "{\"files\": " << run.files.size() << ", \"rejected\": "
          << std::count_if(run.files.begin(), run.files.end(),
                           [](const FileReport& f) { return f.status == "rejected"; })
          << ", \"new_exceptions\": {";
  bool first = true;
  for (const auto& [reason, count] : run.new_exceptions) {
    summary << (first ? "" : ", ") << '"' << reason << "\": " << count;
    first = false;
  }
  summary << "}, \"auto_resolved\": " << run.auto_resolved << ", \"open_exceptions\": " << run.open_exceptions
          << "}";
  tx.exec_params(
      "insert into recon_runs (business_date, started_at, summary) values ($1::date, to_timestamp($2), "
      "$3::jsonb)",
      date_text(date), std::chrono::floor<std::chrono::seconds>(started).time_since_epoch().count(),
      summary.str());
  tx.commit();
  return run;
}

namespace {

constexpr const char* kExceptionColumns =
    "e.id, e.reason, e.status, e.business_date::text, coalesce(e.processor_id, ''), coalesce(e.reference, "
    "''),"
    " coalesce(e.payment_intent_id, ''), coalesce(f.file_name, ''), e.expected_yen, e.actual_yen, "
    "e.suspense_yen,"
    " e.detail, to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " coalesce(to_char(e.resolved_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
    " coalesce(e.resolved_by, ''), coalesce(e.resolution_note, '')";

ExceptionRow exception_row(const pqxx::row& row) {
  ExceptionRow e;
  e.id = row[0].as<std::int64_t>();
  e.reason = row[1].as<std::string>();
  e.status = row[2].as<std::string>();
  e.business_date = row[3].as<std::string>();
  e.processor_id = row[4].as<std::string>();
  e.reference = row[5].as<std::string>();
  e.payment_intent_id = row[6].as<std::string>();
  e.file_name = row[7].as<std::string>();
  if (!row[8].is_null()) e.expected_yen = row[8].as<std::int64_t>();
  if (!row[9].is_null()) e.actual_yen = row[9].as<std::int64_t>();
  e.suspense_yen = row[10].as<std::int64_t>();
  e.detail = row[11].as<std::string>();
  e.created_at = row[12].as<std::string>();
  e.resolved_at = row[13].as<std::string>();
  e.resolved_by = row[14].as<std::string>();
  e.resolution_note = row[15].as<std::string>();
  return e;
}

}  // namespace

std::vector<ExceptionRow> list_exceptions(pqxx::connection& connection, const ExceptionFilter& filter) {
  pqxx::read_transaction tx(connection);
  const pqxx::result rows =
      tx.exec_params(std::string("select ") + kExceptionColumns +
                         " from recon_exceptions e left join recon_files f on f.id = e.file_id"
                         " where ($1 = 'all' or e.status = $1) and ($2 = '' or e.business_date >= $2::date)"
                         " and ($3 = '' or e.business_date <= $3::date) and ($4 = '' or e.reason = $4)"
                         " order by e.business_date, e.id",
                     filter.status, filter.from ? date_text(*filter.from) : std::string(),
                     filter.to ? date_text(*filter.to) : std::string(),
                     filter.reason ? std::string(to_string(*filter.reason)) : std::string());
  std::vector<ExceptionRow> out{};
  for (const auto& row : rows) out.push_back(exception_row(row));
  return out;
}

Result<ExceptionRow, std::string> resolve_exception(pqxx::connection& connection, std::int64_t id,
                                                    const std::string& actor, const std::string& note) {
  if (note.find_first_not_of(" \t\r\n") == std::string::npos) {
    return fail("a resolution needs a note saying what was done (--note \"…\")");
  }
  pqxx::work tx(connection);
  const pqxx::result current =
      tx.exec_params("select status from recon_exceptions where id = $1 for update", id);
  if (current.empty()) return fail("no exception " + std::to_string(id));
  if (current[0][0].as<std::string>() != "open") {
    return fail("exception " + std::to_string(id) +
                " is resolved already; see kessai recon exceptions list --status resolved");
  }
  tx.exec_params(
      "update recon_exceptions set status = 'resolved', resolved_at = now(), resolved_by = $2,"
      " resolution_note = $3 where id = $1",
      id, actor, note);
  tx.exec_params(
      "insert into recon_exception_audit (exception_id, action, actor, note) values ($1, 'resolved', $2, $3)",
      id, actor, note);
  const pqxx::result row =
      tx.exec_params(std::string("select ") + kExceptionColumns +
                         " from recon_exceptions e left join recon_files f on f.id = e.file_id"
                         " where e.id = $1",
                     id);
  ExceptionRow resolved = exception_row(row[0]);
  tx.commit();
  return resolved;
}

std::optional<ExceptionRow> find_exception(pqxx::connection& connection, std::int64_t id) {
  pqxx::read_transaction tx(connection);
  const pqxx::result row =
      tx.exec_params(std::string("select ") + kExceptionColumns +
                         " from recon_exceptions e left join recon_files f on f.id = e.file_id"
                         " where e.id = $1",
                     id);
  if (row.empty()) return std::nullopt;
  return exception_row(row[0]);
}

std::vector<AuditRow> exception_audit(pqxx::connection& connection, std::int64_t exception_id) {
  pqxx::read_transaction tx(connection);
  std::vector<AuditRow> out{};
  for (const auto& row : tx.exec_params("select exception_id, action, actor, coalesce(note, ''),"
                                        " to_char(at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                                        " from recon_exception_audit where exception_id = $1 order by id",
                                        exception_id)) {
    out.push_back(AuditRow{.exception_id = row[0].as<std::int64_t>(),
                           .action = row[1].as<std::string>(),
                           .actor = row[2].as<std::string>(),
                           .note = row[3].as<std::string>(),
                           .at = row[4].as<std::string>()});
  }
  return out;
}

}  // namespace kessai::recon

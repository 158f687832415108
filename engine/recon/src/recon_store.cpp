#include "kessai/recon/recon_store.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

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
constexpr std::size_t kInsertBatch = 5'000;

std::string date_text(year_month_day date) {
  return ledger::format_date(date);
}

year_month_day tokyo_date(std::chrono::sys_seconds instant) {
  return year_month_day{std::chrono::floor<std::chrono::days>(instant + std::chrono::hours(9))};
}

// A PostgreSQL array literal of text values, each quoted (commas, quotes, Japanese text are safe);
// nullopt elements are NULL.
class ArrayLiteral {
 public:
  void add(const std::string& value) {
    separate();
    out_.push_back('"');
    for (char c : value) {
      if (c == '"' || c == '\\') out_.push_back('\\');
      out_.push_back(c);
    }
    out_.push_back('"');
  }
  void add(std::int64_t value) {
    separate();
    out_ += std::to_string(value);
  }
  void add(const std::optional<std::int64_t>& value) {
    if (value) {
      add(*value);
    } else {
      separate();
      out_ += "NULL";
    }
  }
  std::string str() const { return out_ + "}"; }

 private:
  void separate() {
    if (out_.size() > 1) out_.push_back(',');
  }
  std::string out_ = "{";
};

Result<std::string, std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
  std::optional<StatementFile> file{};
  std::optional<Rejection> rejection{};
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

// The processor's ledger items around `date`; only those no line settled yet when `unsettled_only`.
std::vector<LedgerItem> load_items(pqxx::work& tx, const std::string& processor, year_month_day date,
                                   bool unsettled_only = false) {
  // A night's million items sort in memory, not on disk (for this transaction only).
  tx.exec("set local work_mem = '256MB'");
  const std::string account = ledger::chart::receivable(*ProcessorId::parse(processor)).str();
  const year_month_day from{std::chrono::sys_days(date) - kItemWindow};
  const pqxx::result rows = tx.exec_params(
      "select j.id, j.kind, j.reference, j.business_date::text, abs(p.amount_yen),"
      "  coalesce(r.payment_intent_id, j.reference),"
      "  coalesce(case when j.kind = 'refund' then r.processor_reference else pi.processor_reference end, "
      "''),"
      "  coalesce(pi.facility_id, pi.procedure_id, ''),"
      "  extract(epoch from coalesce(case when j.kind = 'capture' then pi.taken_at end, "
      "j.created_at))::bigint,"
      "  s.id is not null, (j.created_at at time zone 'Asia/Tokyo')::date::text"
      " from journal_entries j"
      " join postings p on p.journal_id = j.id and p.account_code = $1"
      " left join refunds r on j.kind = 'refund' and r.id = j.reference"
      " left join payment_intents pi on pi.id = coalesce(r.payment_intent_id, j.reference)"
      " left join settlement_lines s on s.settles_journal_id = j.id"
      " where j.kind in ('capture', 'refund', 'reversal') and j.business_date between $2::date and $3::date "
      "+ 1" +
          std::string(unsettled_only ? "  and s.id is null" : "") + " order by j.id",
      account, date_text(from), date_text(date));
  std::vector<LedgerItem> items{};
  items.reserve(rows.size());
  for (const auto& row : rows) {
    LedgerItem item;
    item.journal_id = row[0].as<std::int64_t>();
    const std::string kind = row[1].as<std::string>();
    item.kind = kind == "capture"  ? ItemKind::capture
                : kind == "refund" ? ItemKind::refund
                                   : ItemKind::reversal;
    item.reference = row[2].as<std::string>();
    item.business_date = *ledger::parse_date(row[3].as<std::string>());
    item.amount_yen = row[4].as<std::int64_t>();
    item.payment_intent_id = row[5].as<std::string>();
    item.processor_reference = row[6].as<std::string>();
    item.merchant = row[7].as<std::string>();
    item.at = std::chrono::sys_seconds(std::chrono::seconds(row[8].as<std::int64_t>()));
    item.settled = row[9].as<bool>();
    item.settlement_date = *ledger::parse_date(row[10].as<std::string>());
    items.push_back(std::move(item));
  }
  return items;
}

// Inserts the file's lines in batches; returns their ids in order.
std::vector<std::int64_t> insert_lines(pqxx::work& tx, std::int64_t file_id, const std::string& processor,
                                       const StatementFile& file, const FileMatch& match,
                                       const std::vector<LedgerItem>& items) {
  std::vector<std::int64_t> ids{};
  ids.reserve(file.lines.size());
  for (std::size_t start = 0; start < file.lines.size(); start += kInsertBatch) {
    const std::size_t end = std::min(file.lines.size(), start + kInsertBatch);
    ArrayLiteral record, kind, reference, txn, merchant, brand, at, amount, fee, net, settles, matched_by,
        ledger_amount, payment;
    for (std::size_t l = start; l < end; ++l) {
      const StatementLine& line = file.lines[l];
      const LineOutcome& outcome = match.lines[l];
      record.add(static_cast<std::int64_t>(line.record));
      kind.add(std::string(line.kind == LineKind::sale ? "sale" : "refund"));
      reference.add(line.reference);
      txn.add(line.processor_transaction_id);
      merchant.add(line.merchant);
      brand.add(line.brand);
      at.add(static_cast<std::int64_t>(line.occurred_at.time_since_epoch().count()));
      amount.add(line.amount_yen);
      fee.add(line.fee_yen);
      net.add(line.net_yen);
      settles.add(outcome.item ? std::optional<std::int64_t>(items[*outcome.item].journal_id) : std::nullopt);
      matched_by.add(outcome.matched_by);
      ledger_amount.add(outcome.ledger_amount_yen);
      payment.add(outcome.payment_intent_id);
    }
    const pqxx::result rows = tx.exec_params(
        "insert into settlement_lines (file_id, record, processor_id, business_date, kind, reference,"
        " processor_transaction_id, merchant, brand, transacted_at, amount_yen, fee_yen, net_yen,"
        " settles_journal_id, matched_by, ledger_amount_yen, payment_intent_id)"
        " select $1, u.record, $2, $3::date, u.kind, u.reference, u.txn, u.merchant, u.brand, "
        "to_timestamp(u.at), "
        "u.amount, u.fee,"
        "  u.net, u.settles, nullif(u.matched_by, ''), u.ledger_amount, nullif(u.payment, '')"
        " from unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
        "$10::bigint[],"
        "  $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[], $16::bigint[], "
        "$17::text[])"
        "  with ordinality as u(record, kind, reference, txn, merchant, brand, at, amount, fee, net, settles,"
        "  matched_by, ledger_amount, payment, n)"
        " order by u.n returning id",
        file_id, processor, date_text(file.business_date), record.str(), kind.str(), reference.str(),
        txn.str(), merchant.str(), brand.str(), at.str(), amount.str(), fee.str(), net.str(), settles.str(),
        matched_by.str(), ledger_amount.str(), payment.str());
    for (const auto& row : rows) ids.push_back(row[0].as<std::int64_t>());
  }
  return ids;
}

void ingest_settlement(pqxx::connection& connection, const ReconConfig& config, Candidate& candidate,
                       FileReport& report, RunReport& run) {
  const StatementFile& file = *candidate.file;
  const ProcessorContract& contract = *candidate.contract;
  const ProcessorId processor = *ProcessorId::parse(contract.processor_id);
  pqxx::work tx(connection);
  const std::int64_t file_id = insert_file(tx, candidate, file);
  std::vector<LedgerItem> items = load_items(tx, contract.processor_id, file.business_date);
  const FileMatch match = match_settlement_file(file, contract, config, items);
  const std::vector<std::int64_t> line_ids =
      insert_lines(tx, file_id, contract.processor_id, file, match, items);

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
    const std::string subject = "line:" + std::to_string(line_ids[*e.line]);
    if (open_exception(tx, e, subject, contract.processor_id, file.business_date, line.reference,
                       outcome.payment_intent_id, file_id, line_ids[*e.line], std::nullopt)) {
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

void ingest_bank_statement(pqxx::connection& connection, const ReconConfig& config, Candidate& candidate,
                           FileReport& report, RunReport& run) {
  const StatementFile& file = *candidate.file;
  pqxx::work tx(connection);
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

// Other bytes under the name of a file accepted already: refused, never replaced.
void refuse_replaced(pqxx::connection& connection, Candidate& candidate) {
  pqxx::read_transaction tx(connection);
  const pqxx::result same_name = tx.exec_params(
      "select received_at::text from recon_files where status = 'accepted' and content = $1 and file_name = "
      "$2",
      std::string(candidate.contract == nullptr ? "bank_statement" : "settlement"),
      candidate.file->file_name);
  if (same_name.empty()) return;
  candidate.rejection = Rejection{
      .code = "replaced",
      .message =
          "another file named " + candidate.file->file_name + " was accepted at " +
          same_name[0][0].as<std::string>() +
          "; an accepted file is never replaced: ask the sender for a corrected file under a new name"};
  candidate.file.reset();
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
        auto file = read_statement(*candidate.profile, report.file_name, bytes.value());
        bytes.value() = std::string();
        if (file.ok()) {
          candidate.file = std::move(file.value());
          refuse_replaced(connection, candidate);
        } else {
          candidate.rejection = file.error();
        }
        if (candidate.rejection) {
          record_rejection(connection, candidate, *candidate.rejection);
          report.status = "rejected";
          report.code = candidate.rejection->code;
          report.message = candidate.rejection->message;
        } else if (candidate.contract != nullptr) {
          ingest_settlement(connection, config, candidate, report, run);
        } else {
          ingest_bank_statement(connection, config, candidate, report, run);
        }
      }
      candidate.file.reset();
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

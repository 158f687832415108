#pragma once
// Matching a settlement file against the ledger, and bank deposits against the processors' payouts.
// Pure: the items and payouts come in as values, the outcome goes out as values; recon_store.hpp reads
// and writes them in PostgreSQL. docs/reconciliation.md explains every rule with an example.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/recon/recon_config.hpp"
#include "kessai/recon/statement_reader.hpp"

namespace kessai::recon {

// Stable names, stored in recon_exceptions.reason; never rename.
enum class Reason : std::uint8_t {
  missing_in_settlement = 1,  // captured (or refunded) but in no settlement line by its date's file
  unknown_in_ledger = 2,      // a settlement line that is no payment or refund of ours
  amount_mismatch = 3,        // the line's amount is not the ledger's
  fee_mismatch = 4,           // the processor's fee is not the contracted one (beyond the tolerance)
  duplicate_settlement = 5,   // a second line for what was already settled
  settled_after_refund = 6,   // a sale settled whole although it was refunded whole, its refund not settled
  deposit_mismatch = 7,       // a deposit that is not the payouts it should be, or a payout never deposited
  late_settlement = 8,        // settled in the file of a later date than its own
};
std::string_view to_string(Reason reason);
std::optional<Reason> parse_reason(std::string_view text);

// Stable numbers; never renumber.
enum class ItemKind : std::uint8_t { capture = 1, refund = 2, reversal = 3 };
std::string_view to_string(ItemKind kind);

// A journal that moved a processor's receivable: what a settlement line can settle.
struct LedgerItem {
  std::int64_t journal_id = 0;
  ItemKind kind = ItemKind::capture;
  std::string reference{};            // the journal's: pi_… (capture, reversal) or re_… (refund)
  std::string payment_intent_id{};    // the payment it belongs to
  std::string processor_reference{};  // the processor's id of the charge or refund, when kessai knows it
  std::string merchant{};             // the payment's facility or procedure id
  std::chrono::year_month_day business_date{};  // the ledger's (an offline payment's: the day it was taken)
  // The day the processor took it (Asia/Tokyo, 00:00–24:00, when kessai booked it): the date of the
  // file it belongs in. Differs from the business date after the configured cut-off, and for offline
  // payments uploaded on a later day.
  std::chrono::year_month_day settlement_date{};
  std::chrono::sys_seconds at{};  // when the payment was taken or the refund made
  std::int64_t amount_yen = 0;    // > 0: what it added to (capture) or took from (refund) the receivable
  bool settled = false;           // by a line of an earlier file
};

// Fills in the items' processor_reference, merchant and at (see match_settlement_file).
using CompleteItems = std::function<void(std::vector<LedgerItem>&)>;

// How one line of the file was matched. A million of these live at once on a big night: indexes into
// the items, not copies of their ids.
struct LineOutcome {
  std::optional<std::size_t> item{};  // index into the items it settles; none: it settles nothing
  std::string_view matched_by{};  // "reference", "processor_transaction_id", "fallback", or empty (static)
  // The item whose payment_intent_id is the payment the line is about, when known: the item it settles,
  // or for a duplicate the item settled already.
  std::optional<std::size_t> payment_item{};
  std::int64_t ledger_amount_yen = 0;  // the item's amount, signed as the receivable moves (refund < 0)
};

struct FoundException {
  Reason reason = Reason::unknown_in_ledger;
  std::optional<std::size_t> line{};  // index into the file's lines
  std::optional<std::size_t> item{};  // index into the items
  std::optional<std::int64_t> expected_yen{};
  std::optional<std::int64_t> actual_yen{};
  std::int64_t suspense_yen = 0;  // put on the suspense account by this exception (credit > 0)
  std::string detail{};           // one sentence for finance staff
};

struct FileMatch {
  std::vector<LineOutcome> lines{};  // one per line of the file, in order
  std::vector<FoundException> exceptions{};
  std::int64_t receivable_yen = 0;  // the items settled, signed: credited to the receivable
  std::int64_t suspense_yen = 0;    // what no item explains: credited to suspense
  std::int64_t fee_yen = 0;         // the file's fees: debited to the fee expense
  std::int64_t net_yen = 0;         // the file's net: debited to the clearing account (the payout)
};

// Matches every line of `file` (a settlement file of `contract`'s processor) against `items`, the
// processor's ledger items of the days around the file's date. Each item is settled at most once. Marks
// the items it settles as settled.
//
// A line is matched 1:1 by our reference (pi_…/re_…), else by the processor's transaction id; a sale
// that neither finds is matched by fallback: an unsettled capture of the same amount and merchant whose
// time is within `config.fallback_window` of the line's, the nearest one, if no other is as near.
//
// `items` may come without their processor_reference, merchant and at, which only a line not found by
// our reference needs (looked for by the processor's id, and a sale by fallback): `complete_items` then
// reads them, called once before the first such look-up. A file whose lines all carry our references
// never calls it (recon_store: on a night of a million lines, a join with every payment saved).
FileMatch match_settlement_file(const StatementFile& file, const ProcessorContract& contract,
                                const ReconConfig& config, std::vector<LedgerItem>& items,
                                const CompleteItems& complete_items = {});

// The items of the processor that are due in a file already read (by their settlement_date) and are
// settled by none: a missing settlement each. `closed_dates`: the dates whose file of this processor has
// been accepted, sorted.
// Refunds and reversals of `refunded_payments_settled` (payments with a settled_after_refund
// exception) are left out: that exception already stands for them. Indexes into items.
std::vector<std::size_t> missing_items(const std::vector<LedgerItem>& items,
                                       const std::vector<std::chrono::year_month_day>& closed_dates,
                                       const std::vector<std::string>& refunded_payments_settled);

// What a processor owes the bank from one accepted settlement file.
struct Payout {
  std::int64_t file_id = 0;
  std::string processor_id{};
  std::chrono::year_month_day business_date{};
  std::chrono::year_month_day due_date{};
  std::int64_t net_yen = 0;
  bool paid = false;
};

struct DepositMatch {
  std::string processor_id{};                 // whose deposit it is; empty: the payer is no processor we know
  std::vector<std::size_t> payouts{};         // indexes into the payouts it pays (marked paid)
  std::int64_t expected_yen = 0;              // what those payouts add up to
  std::optional<FoundException> exception{};  // a deposit_mismatch, when the deposit is not them exactly
};

// Matches one bank statement line to the open payouts of its processor (known by the payer's name): all
// those due by its date when it is their sum, else the one it equals, else it is a deposit mismatch paying
// those due by its date (the difference to suspense).
DepositMatch match_deposit(const StatementLine& line, const ReconConfig& config,
                           std::vector<Payout>& payouts);

// The bank business day a file's payout is due: its date plus the contract's payout_after_bank_days.
std::chrono::year_month_day payout_due_date(std::chrono::year_month_day business_date,
                                            const ProcessorContract& contract);

}  // namespace kessai::recon

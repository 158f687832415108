#pragma once
// A business day's settlement, the same for every simulator whatever its file looks like: which sales
// and refunds a day holds, the fee on each, the day's totals, and the control endpoint that writes the
// file. Each simulator hands over its paid records as SaleRecord / RefundRecord and lays the lines out
// in its own layout (card_settlement, emoney_settlement, qr_settlement, payeasy_settlement). Between the
// two steps the endpoint may inject discrepancies into the lines (settlement_inject.hpp). Pure except
// answer_settlement, which writes the file and the late lines it holds back.
//
//   POST /sim/settlement {"date": "YYYY-MM-DD", "inject": {...}, "seed": S}
//                                               the file of that business date (Asia/Tokyo, 00:00–24:00
//                                               JST), written into the settlement directory → 201
//                                               {"path", "file", "date", "lines", "amount_total",
//                                               "fee_total", "net_total", "injected": [...]}

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"
#include "kessai/runtime/http_types.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

constexpr std::string_view kSettlementPath = "/sim/settlement";

// A paid sale as the processor settles it: a captured charge, a captured or completed payment.
struct SaleRecord {
  std::string transaction_id;  // the processor's own id: ch_…, em_…, qp_…
  std::string reference;       // the merchant's: kessai's pi_…
  std::string merchant;
  std::string brand;            // the simulator's word for it (visa, transit_ic, paypay); may be empty
  std::string detail;           // anything else the layout prints (a QR code's masked digits); may be empty
  std::string settled_at;       // when the money moved (a card's capture), "YYYY-MM-DDTHH:MM:SSZ"
  std::int64_t amount_yen = 0;  // what was taken, > 0
  int mdr_bp = 0;               // the contracted rate for this sale's brand
};

// A refund the processor made, of the sale with id sale_id.
struct RefundRecord {
  std::string transaction_id;  // rf_…, emr_…, qr_rf_…
  std::string sale_id;
  std::string reference;    // kessai's re_…
  std::string refunded_at;  // "YYYY-MM-DDTHH:MM:SSZ"
  std::int64_t amount_yen = 0;
};

// What a processor does with its fee when a sale is refunded. Stable numbers; never renumber.
enum class FeeOnRefund : std::uint8_t {
  kept = 1,                     // the fee stays charged (e-money centres)
  returned_proportionally = 2,  // the fee on the refunded amount comes back (card acquirers, QR providers)
};

// Stable numbers; never renumber.
enum class SettlementKind : std::uint8_t { sale = 1, refund = 2 };

// One line of a day's file. Amounts are unsigned here; signed_* give them as the day's totals count them
// (a refund takes money back: negative amount, negative fee given back, negative net).
struct SettlementLine {
  std::chrono::sys_seconds transacted_at{};
  SettlementKind kind = SettlementKind::sale;
  std::string transaction_id;  // the processor's: the sale's or the refund's own id
  std::string reference;       // the merchant's: the payment's or the refund's
  std::string merchant;        // a refund's is its sale's, as are brand and detail
  std::string brand;
  std::string detail;
  std::int64_t amount_yen = 0;  // > 0
  std::int64_t fee_yen = 0;     // charged on a sale, given back on a refund; 0 ≤ fee ≤ amount
  std::string sale_id;          // the sale's transaction_id: a sale's own, a refund's its sale's
  int mdr_bp = 0;               // the sale's contracted rate (a refund's is its sale's); 0 for a flat fee
};

std::int64_t signed_amount_yen(const SettlementLine& line);
std::int64_t signed_fee_yen(const SettlementLine& line);
std::int64_t signed_net_yen(const SettlementLine& line);  // amount − fee, signed

struct SettlementTotals {
  std::int64_t amount_yen = 0;  // sales − refunds
  std::int64_t fee_yen = 0;     // fees charged − fees given back
  std::int64_t net_yen = 0;     // amount − fee: what the processor pays the merchant (negative: takes)
};

// The lines of one business date, in the order files list them: by time, a sale before a refund in the
// same second, then by the processor's id. Every sale and every refund that fits its sale (in the given
// order, refunds of one sale adding up to its amount at most) is counted; refunds that do not fit, or of
// no known sale, are ones the processor's book does not count either, and are left out. Fails on a time
// stamp that cannot be read or an amount that overflows: the journals were edited by hand.
Result<std::vector<SettlementLine>, std::string> settlement_lines(const std::vector<SaleRecord>& sales,
                                                                  const std::vector<RefundRecord>& refunds,
                                                                  std::chrono::year_month_day date,
                                                                  FeeOnRefund fee_on_refund);

// The sums of the lines; fails on overflow.
Result<SettlementTotals, std::string> settlement_totals(const std::vector<SettlementLine>& lines);

// A day's file as the processor would send it.
struct SettlementFile {
  std::string name;       // "card_settlement_20240401.csv"
  std::string content;    // the bytes, in the layout's encoding
  std::size_t lines = 0;  // transactions (data lines)
  SettlementTotals totals = {};
};

// The fee a processor charges on a sale line of `amount_yen` (not the line's own amount: a discrepancy may
// change it); nullopt on overflow.
using SaleFee =
    std::function<std::optional<std::int64_t>(const SettlementLine& sale, std::int64_t amount_yen)>;

// fee_yen(amount, the line's mdr_bp): the fee of every processor that charges a rate.
std::optional<std::int64_t> fee_at_line_rate(const SettlementLine& sale, std::int64_t amount_yen);

// A simulator's day file in two steps, its lines and their layout, so that discrepancies can be injected
// between them whatever the layout.
struct SettlementLayout {
  // "card_settlement_20240401.csv": the file of a business date.
  std::function<std::string(std::chrono::year_month_day)> file_name;
  // The date's lines from the simulator's records as they are now (settlement_lines), in file order.
  std::function<Result<std::vector<SettlementLine>, std::string>(std::chrono::year_month_day)> lines;
  // The file holding exactly `lines`, in that order; its counts and totals are theirs.
  std::function<Result<SettlementFile, std::string>(std::chrono::year_month_day,
                                                    const std::vector<SettlementLine>& lines)>
      write;
  SaleFee sale_fee_yen = fee_at_line_rate;
  // The `detail` of a sale that never happened, drawn from `draw` (Pay-easy: a customer number no number
  // of the centre has). Unset: the detail of the line whose merchant it takes.
  std::function<std::string(std::uint64_t draw)> unknown_detail;
};

// Where the files go: --settlement-dir, or <state-dir>/settlement.
std::filesystem::path settlement_directory(const SimOptions& options);

// Where the late lines wait for the next date's file, in the settlement directory: one JSON object per
// line (settlement_inject.hpp's held_line_json), rewritten whole when it changes.
constexpr std::string_view kHeldLinesFile = "held_lines.jsonl";

// POST /sim/settlement with `body` (parse_settlement_request): the date's lines made, the lines held back
// from the day before for this file added, the discrepancies asked for injected, and the file written
// atomically into `directory` (the same date again replaces the file with the same name; the same
// records, injections and seed give the same bytes). Lines injected `late` are kept in kHeldLinesFile for
// the next date's file, replacing those this date held before. 201 with the file's summary and
// "injected"; 400 invalid_request for a body parse_settlement_request refuses; 500 settlement_failed
// when the file cannot be made or written. Logged "settlement_written".
runtime::HttpResponse answer_settlement(const std::string& body, const std::filesystem::path& directory,
                                        const SettlementLayout& layout);

}  // namespace kessai::sim

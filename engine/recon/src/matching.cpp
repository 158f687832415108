#include "kessai/recon/matching.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "kessai/ledger/journal.hpp"
#include "kessai/runtime/bank_calendar.hpp"

namespace kessai::recon {
namespace {

constexpr std::array<std::pair<Reason, std::string_view>, 8> kReasons{{
    {Reason::missing_in_settlement, "missing_in_settlement"},
    {Reason::unknown_in_ledger, "unknown_in_ledger"},
    {Reason::amount_mismatch, "amount_mismatch"},
    {Reason::fee_mismatch, "fee_mismatch"},
    {Reason::duplicate_settlement, "duplicate_settlement"},
    {Reason::settled_after_refund, "settled_after_refund"},
    {Reason::deposit_mismatch, "deposit_mismatch"},
    {Reason::late_settlement, "late_settlement"},
}};

std::string yen(std::int64_t amount) {
  return std::to_string(amount) + " yen";
}

std::string date_text(std::chrono::year_month_day date) {
  return ledger::format_date(date);
}

std::int64_t magnitude(std::int64_t amount) {
  return amount < 0 ? -amount : amount;
}

// The receivable moves up on a capture, down on a refund or reversal.
std::int64_t signed_item_amount(const LedgerItem& item) {
  return item.kind == ItemKind::capture ? item.amount_yen : -item.amount_yen;
}

// An open-addressing hash table of indexes into a vector (items or lines), keyed by a view of the
// element, so the keys are not copied: 8 bytes a slot (the index and 32 bits of its key's hash, so that
// a probe looks at another element only when those agree), twice as many slots as elements. `KeyOf`
// gives an index's key; the first index added under a key is the one found, as
// std::unordered_map::emplace does.
template <typename KeyOf>
class IndexTable {
 public:
  using Key = std::invoke_result_t<const KeyOf&, std::size_t>;

  IndexTable(KeyOf key_of, std::size_t capacity) : key_of_(std::move(key_of)) {
    assert(capacity <= std::numeric_limits<std::uint32_t>::max() / 2);
    std::size_t slots = 16;
    while (slots < capacity * 2) slots *= 2;
    slots_.assign(slots, kEmpty);
    mask_ = slots - 1;
  }

  // The index already under `index`'s key, else nullopt after adding `index`.
  std::optional<std::size_t> insert(std::size_t index) {
    assert(index <= std::numeric_limits<std::uint32_t>::max() && (size_ + 1) * 2 <= slots_.size());
    const Key key = key_of_(index);
    const std::size_t hashed = hash(key);
    const std::uint64_t tag = tag_of(hashed);
    for (std::size_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
      if (slots_[slot] == kEmpty) {
        slots_[slot] = tag | index;
        ++size_;
        return std::nullopt;
      }
      if ((slots_[slot] & kTagMask) == tag && key_of_(index_of(slots_[slot])) == key) {
        return index_of(slots_[slot]);
      }
    }
  }

  std::optional<std::size_t> find(const Key& key) const {
    const std::size_t hashed = hash(key);
    const std::uint64_t tag = tag_of(hashed);
    for (std::size_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
      if (slots_[slot] == kEmpty) return std::nullopt;
      if ((slots_[slot] & kTagMask) == tag && key_of_(index_of(slots_[slot])) == key) {
        return index_of(slots_[slot]);
      }
    }
  }

 private:
  static constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::uint64_t kTagMask = 0xFFFF'FFFF'0000'0000;
  // The hash's high bits: the low ones choose the slot. An index is below 2^32 - 1, so no tagged slot
  // is kEmpty.
  static std::uint64_t tag_of(std::size_t hashed) { return static_cast<std::uint64_t>(hashed) & kTagMask; }
  static std::size_t index_of(std::uint64_t slot) { return static_cast<std::size_t>(slot & 0xFFFF'FFFF); }
  static std::size_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  static std::size_t hash(const std::pair<LineKind, std::string_view>& key) {
    return std::hash<std::string_view>{}(key.second) ^ static_cast<std::size_t>(key.first);
  }

  KeyOf key_of_;
  std::vector<std::uint64_t> slots_{};
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

struct ReferenceOf {
  const std::vector<LedgerItem>* items;
  std::string_view operator()(std::size_t i) const { return (*items)[i].reference; }
};

struct ProcessorReferenceOf {
  const std::vector<LedgerItem>* items;
  std::string_view operator()(std::size_t i) const { return (*items)[i].processor_reference; }
};

std::size_t count_kind(const std::vector<LedgerItem>& items, bool captures) {
  return static_cast<std::size_t>(std::count_if(items.begin(), items.end(), [&](const LedgerItem& item) {
    return (item.kind == ItemKind::capture) == captures;
  }));
}

// Lookups over the items: by our reference (per kind of line), by the processor's id, the captures by
// amount and merchant (fallback), the refunds of a payment. Only the first and the last are built at
// once: a line not found by our reference is rare, and the items' processor_reference, merchant and at
// may still have to be read (`complete`, called once, before the first look-up that needs them).
class ItemIndex {
 public:
  ItemIndex(std::vector<LedgerItem>& items, const CompleteItems& complete)
      : items_(items),
        complete_(complete),
        sales_(ReferenceOf{&items}, count_kind(items, true)),
        refunds_(ReferenceOf{&items}, count_kind(items, false)) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      // A Pay-easy 取消 carries its payment's pi_…: a refund line finds the reversal by that reference.
      if (items[i].kind == ItemKind::capture) {
        sales_.insert(i);
      } else {
        refunds_.insert(i);
        refunds_of_payment_[items[i].payment_intent_id].push_back(i);
      }
    }
  }

  std::optional<std::size_t> by_reference(LineKind kind, std::string_view reference) const {
    return (kind == LineKind::sale ? sales_ : refunds_).find(reference);
  }
  std::optional<std::size_t> by_processor_id(LineKind kind, std::string_view id) {
    if (id.empty()) return std::nullopt;
    if (!by_processor_) {
      complete();
      by_processor_.emplace(items_);
    }
    return (kind == LineKind::sale ? by_processor_->sales : by_processor_->refunds).find(id);
  }
  const std::vector<std::size_t>* captures_of(std::int64_t amount, std::string_view merchant) {
    if (!by_amount_merchant_) {
      complete();
      by_amount_merchant_.emplace();
      for (std::size_t i = 0; i < items_.size(); ++i) {
        const LedgerItem& item = items_[i];
        if (item.kind == ItemKind::capture)
          (*by_amount_merchant_)[{item.amount_yen, item.merchant}].push_back(i);
      }
    }
    auto found = by_amount_merchant_->find({amount, merchant});
    return found == by_amount_merchant_->end() ? nullptr : &found->second;
  }
  const std::vector<std::size_t>* refunds_of(std::string_view payment) const {
    if (refunds_of_payment_.empty()) return nullptr;
    auto found = refunds_of_payment_.find(payment);
    return found == refunds_of_payment_.end() ? nullptr : &found->second;
  }

 private:
  struct ByProcessor {
    explicit ByProcessor(const std::vector<LedgerItem>& items)
        : sales(ProcessorReferenceOf{&items}, count_kind(items, true)),
          refunds(ProcessorReferenceOf{&items}, count_kind(items, false)) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].processor_reference.empty()) continue;
        (items[i].kind == ItemKind::capture ? sales : refunds).insert(i);
      }
    }
    IndexTable<ProcessorReferenceOf> sales, refunds;
  };

  void complete() {
    if (completed_ || !complete_) return;
    completed_ = true;
    complete_(items_);
  }

  std::vector<LedgerItem>& items_;
  const CompleteItems& complete_;
  bool completed_ = false;
  IndexTable<ReferenceOf> sales_, refunds_;
  std::unordered_map<std::string_view, std::vector<std::size_t>> refunds_of_payment_{};
  std::optional<ByProcessor> by_processor_{};
  std::optional<std::map<std::pair<std::int64_t, std::string_view>, std::vector<std::size_t>>>
      by_amount_merchant_{};
};

std::string normalise_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

}  // namespace

std::string_view to_string(Reason reason) {
  for (const auto& [value, name] : kReasons) {
    if (value == reason) return name;
  }
  return "unknown";
}

std::optional<Reason> parse_reason(std::string_view text) {
  for (const auto& [value, name] : kReasons) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::string_view to_string(ItemKind kind) {
  switch (kind) {
    case ItemKind::capture:
      return "capture";
    case ItemKind::refund:
      return "refund";
    case ItemKind::reversal:
      return "reversal";
  }
  return "unknown";
}

FileMatch match_settlement_file(const StatementFile& file, const ProcessorContract& contract,
                                const ReconConfig& config, std::vector<LedgerItem>& items,
                                const CompleteItems& complete_items) {
  ItemIndex index(items, complete_items);
  FileMatch match;
  match.lines.resize(file.lines.size());
  // Items settled by this file, and the processor's ids seen in it (a repeated id is a duplicate line).
  std::vector<bool> settled_here(items.size(), false);
  const auto processor_id_of = [&file](std::size_t l) {
    return std::pair<LineKind, std::string_view>(file.lines[l].kind, file.lines[l].processor_transaction_id);
  };
  IndexTable<decltype(processor_id_of)> seen_ids(processor_id_of, file.lines.size());
  std::vector<std::size_t> unmatched_sales;
  // How a message names a line: built only for the few lines with an exception.
  const auto where = [&file](std::size_t l, const std::string& id) {
    return "line " + std::to_string(file.lines[l].record) + " (" + id + ")";
  };

  auto exception = [&](Reason reason, std::size_t line, std::optional<std::size_t> item, std::string detail) {
    FoundException found{.reason = reason, .line = line, .item = item, .detail = std::move(detail)};
    match.exceptions.push_back(std::move(found));
    return &match.exceptions.back();
  };

  for (std::size_t l = 0; l < file.lines.size(); ++l) {
    const StatementLine& line = file.lines[l];
    LineOutcome& outcome = match.lines[l];
    match.fee_yen += line.fee_yen;
    match.net_yen += line.net_yen;

    if (!line.processor_transaction_id.empty() && seen_ids.insert(l).has_value()) {
      outcome.payment_item = index.by_reference(line.kind, line.reference);
      FoundException* e = exception(Reason::duplicate_settlement, l, std::nullopt,
                                    where(l, line.processor_transaction_id) +
                                        ": the processor's transaction " + line.processor_transaction_id +
                                        " is in this file twice; the second line settles nothing");
      e->actual_yen = line.amount_yen;
      e->suspense_yen = line.amount_yen;
      match.suspense_yen += line.amount_yen;
      continue;
    }

    std::optional<std::size_t> item = index.by_reference(line.kind, line.reference);
    std::string_view matched_by = "reference";
    if (!item) {
      item = index.by_processor_id(line.kind, line.processor_transaction_id);
      matched_by = "processor_transaction_id";
    }
    if (!item) {
      if (line.kind == LineKind::sale) {
        unmatched_sales.push_back(l);
        continue;
      }
      FoundException* e = exception(Reason::unknown_in_ledger, l, std::nullopt,
                                    where(l, line.processor_transaction_id) + ": a refund of " +
                                        yen(magnitude(line.amount_yen)) + " (reference '" + line.reference +
                                        "') that is no refund of ours");
      e->actual_yen = line.amount_yen;
      e->suspense_yen = line.amount_yen;
      match.suspense_yen += line.amount_yen;
      continue;
    }
    LedgerItem& found = items[*item];
    outcome.payment_item = item;
    if (found.settled || settled_here[*item]) {
      FoundException* e =
          exception(Reason::duplicate_settlement, l, item,
                    where(l, line.processor_transaction_id) + ": " + std::string(to_string(found.kind)) +
                        " " + found.reference + " was settled " +
                        (found.settled ? "by an earlier file" : "by an earlier line of this file") +
                        "; this line settles nothing");
      e->actual_yen = line.amount_yen;
      e->suspense_yen = line.amount_yen;
      match.suspense_yen += line.amount_yen;
      continue;
    }
    outcome.item = item;
    outcome.matched_by = matched_by;
    outcome.ledger_amount_yen = signed_item_amount(found);
    settled_here[*item] = true;
  }

  // Fallback for the sales neither id found: same amount and merchant, nearest time within the window.
  for (std::size_t l : unmatched_sales) {
    const StatementLine& line = file.lines[l];
    std::optional<std::size_t> best;
    bool tie = false;
    std::chrono::seconds best_distance{};
    if (const std::vector<std::size_t>* candidates = index.captures_of(line.amount_yen, line.merchant)) {
      for (std::size_t i : *candidates) {
        const LedgerItem& candidate = items[i];
        if (candidate.settled || settled_here[i]) continue;
        const std::chrono::seconds distance = candidate.at > line.occurred_at
                                                  ? candidate.at - line.occurred_at
                                                  : line.occurred_at - candidate.at;
        if (distance > config.fallback_window) continue;
        if (!best || distance < best_distance) {
          best = i;
          best_distance = distance;
          tie = false;
        } else if (distance == best_distance) {
          tie = true;
        }
      }
    }
    if (!best || tie) {
      FoundException* e = exception(
          Reason::unknown_in_ledger, l, std::nullopt,
          where(l, line.processor_transaction_id) + ": a sale of " + yen(line.amount_yen) + " at merchant " +
              line.merchant + " (reference '" + line.reference + "') that is no payment of ours" +
              (tie ? " (several payments fit it equally by amount, merchant and time)" : ""));
      e->actual_yen = line.amount_yen;
      e->suspense_yen = line.amount_yen;
      match.suspense_yen += line.amount_yen;
      continue;
    }
    LineOutcome& outcome = match.lines[l];
    outcome.item = best;
    outcome.matched_by = "fallback";
    outcome.payment_item = best;
    outcome.ledger_amount_yen = signed_item_amount(items[*best]);
    settled_here[*best] = true;
  }

  // Each settled line: amount, fee, lateness, and a sale settled although refunded.
  for (std::size_t l = 0; l < file.lines.size(); ++l) {
    LineOutcome& outcome = match.lines[l];
    if (!outcome.item) continue;
    const StatementLine& line = file.lines[l];
    const LedgerItem& item = items[*outcome.item];
    match.receivable_yen += outcome.ledger_amount_yen;

    if (line.amount_yen != outcome.ledger_amount_yen) {
      FoundException* e = exception(Reason::amount_mismatch, l, outcome.item,
                                    where(l, item.reference) + ": the file says " + yen(line.amount_yen) +
                                        ", the ledger " + yen(outcome.ledger_amount_yen));
      e->expected_yen = outcome.ledger_amount_yen;
      e->actual_yen = line.amount_yen;
      e->suspense_yen = line.amount_yen - outcome.ledger_amount_yen;
      match.suspense_yen += e->suspense_yen;
    }

    const std::optional<std::int64_t> fee =
        contracted_fee_yen(contract, line.kind, line.brand, magnitude(line.amount_yen));
    if (!fee) {
      FoundException* e =
          exception(Reason::fee_mismatch, l, outcome.item,
                    where(l, item.reference) + ": a fee of " + yen(magnitude(line.fee_yen)) + " on brand '" +
                        line.brand + "', which has no contracted rate in recon.toml");
      e->actual_yen = magnitude(line.fee_yen);
    } else if (magnitude(magnitude(line.fee_yen) - *fee) > config.fee_tolerance_yen) {
      FoundException* e = exception(Reason::fee_mismatch, l, outcome.item,
                                    where(l, item.reference) + ": a fee of " + yen(magnitude(line.fee_yen)) +
                                        " where the contract gives " + yen(*fee) + " (tolerance " +
                                        yen(config.fee_tolerance_yen) + ")");
      e->expected_yen = *fee;
      e->actual_yen = magnitude(line.fee_yen);
    }

    if (item.settlement_date < file.business_date) {
      FoundException* e = exception(Reason::late_settlement, l, outcome.item,
                                    where(l, item.reference) + ": of " + date_text(item.settlement_date) +
                                        ", settled in the file of " + date_text(file.business_date));
      e->expected_yen = outcome.ledger_amount_yen;
      e->actual_yen = line.amount_yen;
    }

    if (item.kind == ItemKind::capture) {
      // Refunded whole by the file's date, and none of the refunds settled (before or in this file).
      std::int64_t refunded = 0;
      bool refund_settled = false;
      if (const std::vector<std::size_t>* refunds = index.refunds_of(item.payment_intent_id)) {
        for (std::size_t r : *refunds) {
          if (items[r].settlement_date > file.business_date) continue;
          refunded += items[r].amount_yen;
          refund_settled = refund_settled || items[r].settled || settled_here[r];
        }
      }
      if (refunded >= item.amount_yen && !refund_settled) {
        FoundException* e = exception(Reason::settled_after_refund, l, outcome.item,
                                      where(l, item.reference) + ": settled for " + yen(line.amount_yen) +
                                          " although it was refunded whole by " +
                                          date_text(file.business_date) + " and no refund of it is settled");
        e->expected_yen = 0;
        e->actual_yen = line.amount_yen;
      }
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (settled_here[i]) items[i].settled = true;
  }
  std::stable_sort(match.exceptions.begin(), match.exceptions.end(),
                   [](const FoundException& a, const FoundException& b) { return a.line < b.line; });
  return match;
}

std::vector<std::size_t> missing_items(const std::vector<LedgerItem>& items,
                                       const std::vector<std::chrono::year_month_day>& closed_dates,
                                       const std::vector<std::string>& refunded_payments_settled) {
  const std::set<std::string, std::less<>> covered(refunded_payments_settled.begin(),
                                                   refunded_payments_settled.end());
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const LedgerItem& item = items[i];
    if (item.settled) continue;
    if (!std::binary_search(closed_dates.begin(), closed_dates.end(), item.settlement_date)) continue;
    if (item.kind != ItemKind::capture && covered.contains(item.payment_intent_id)) continue;
    missing.push_back(i);
  }
  return missing;
}

DepositMatch match_deposit(const StatementLine& line, const ReconConfig& config,
                           std::vector<Payout>& payouts) {
  DepositMatch match;
  const std::string payer = normalise_name(line.payer_name);
  for (const ProcessorContract& contract : config.processors) {
    for (const std::string& name : contract.payer_names) {
      if (normalise_name(name) == payer) match.processor_id = contract.processor_id;
    }
  }
  const std::string where = "statement line " + std::to_string(line.record) + " (照会番号 " + line.reference +
                            ", " + line.payer_name + ")";
  if (match.processor_id.empty()) {
    FoundException e{
        .reason = Reason::deposit_mismatch,
        .expected_yen = 0,
        .actual_yen = line.amount_yen,
        .suspense_yen = line.amount_yen,
        .detail = where + ": " + yen(line.amount_yen) + " from a payer that is no processor in recon.toml"};
    match.exception = std::move(e);
    return match;
  }
  std::vector<std::size_t> due;
  std::int64_t due_total = 0;
  for (std::size_t i = 0; i < payouts.size(); ++i) {
    const Payout& payout = payouts[i];
    if (payout.paid || payout.processor_id != match.processor_id) continue;
    if (payout.due_date <= line.value_date) {
      due.push_back(i);
      due_total += payout.net_yen;
    }
  }
  auto settle = [&](const std::vector<std::size_t>& which) {
    for (std::size_t i : which) {
      payouts[i].paid = true;
      match.expected_yen += payouts[i].net_yen;
    }
    match.payouts = which;
  };
  if (!due.empty() && due_total == line.amount_yen) {
    settle(due);
    return match;
  }
  // One payout it equals: due by then, else one not yet due (a processor paying early).
  for (bool early : {false, true}) {
    for (std::size_t i = 0; i < payouts.size(); ++i) {
      const Payout& payout = payouts[i];
      if (payout.paid || payout.processor_id != match.processor_id || payout.net_yen != line.amount_yen)
        continue;
      if ((payout.due_date > line.value_date) != early) continue;
      settle({i});
      return match;
    }
  }
  // A deposit that is none of them: it pays the payouts it is nearest to, all those due or the one of
  // them nearest in amount, and the difference goes to suspense.
  std::vector<std::size_t> paid = due;
  std::int64_t nearest = due_total;
  const auto distance = [&](std::int64_t expected) {
    return expected > line.amount_yen ? expected - line.amount_yen : line.amount_yen - expected;
  };
  for (std::size_t i : due) {
    if (distance(payouts[i].net_yen) < distance(nearest)) {
      paid = {i};
      nearest = payouts[i].net_yen;
    }
  }
  settle(paid);
  FoundException e{.reason = Reason::deposit_mismatch,
                   .expected_yen = match.expected_yen,
                   .actual_yen = line.amount_yen,
                   .suspense_yen = line.amount_yen - match.expected_yen,
                   .detail = where + ": " + yen(line.amount_yen) + " deposited where " +
                             std::to_string(due.size()) + " payout(s) due by " + date_text(line.value_date) +
                             " were expected; it pays " + std::to_string(paid.size()) + " of them, " +
                             yen(match.expected_yen)};
  match.exception = std::move(e);
  return match;
}

std::chrono::year_month_day payout_due_date(std::chrono::year_month_day business_date,
                                            const ProcessorContract& contract) {
  std::chrono::year_month_day due = business_date;
  for (int i = 0; i < contract.payout_after_bank_days; ++i) due = runtime::next_bank_business_day(due);
  if (contract.payout_after_bank_days == 0) due = runtime::add_bank_business_days(business_date, 0);
  return due;
}

}  // namespace kessai::recon

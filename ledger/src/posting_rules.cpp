#include "kessai/ledger/posting_rules.hpp"

#include "kessai/ledger/chart.hpp"

namespace kessai::ledger {

Result<Journal, JournalError> capture_journal(const CaptureFacts& facts) {
  assert(facts.amount.is_positive());
  std::optional<Yen> credit = facts.amount.checked_negate();
  if (!credit) return fail(JournalError::overflow);
  std::vector<Posting> postings;
  postings.push_back({chart::receivable(facts.processor), facts.amount});
  postings.push_back({chart::revenue(facts.fee_code), *credit});
  return Journal::build("capture", facts.payment_id, facts.business_date, std::move(postings));
}

Result<Journal, JournalError> refund_journal(const RefundFacts& facts) {
  assert(facts.amount.is_positive());
  std::optional<Yen> credit = facts.amount.checked_negate();
  if (!credit) return fail(JournalError::overflow);
  std::vector<Posting> postings;
  postings.push_back({chart::revenue(facts.fee_code), facts.amount});
  postings.push_back({chart::receivable(facts.processor), *credit});
  return Journal::build("refund", facts.refund_id, facts.business_date, std::move(postings));
}

}  // namespace kessai::ledger

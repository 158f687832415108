#include "kessai/ledger/posting_rules.hpp"

#include "kessai/ledger/chart.hpp"

namespace kessai::ledger {

namespace {

// Debit one account and credit another with the same amount.
Result<Journal, JournalError> transfer(std::string kind, std::string reference,
                                       std::chrono::year_month_day business_date, AccountCode debit,
                                       AccountCode credit, Yen amount) {
  assert(amount.is_positive());
  std::optional<Yen> negated = amount.checked_negate();
  if (!negated) return fail(JournalError::overflow);
  std::vector<Posting> postings;
  postings.push_back({std::move(debit), amount});
  postings.push_back({std::move(credit), *negated});
  return Journal::build(std::move(kind), std::move(reference), business_date, std::move(postings));
}

}  // namespace

Result<Journal, JournalError> capture_journal(const CaptureFacts& facts) {
  return transfer("capture", facts.payment_id, facts.business_date, chart::receivable(facts.processor),
                  chart::revenue(facts.fee_code), facts.amount);
}

Result<Journal, JournalError> refund_journal(const RefundFacts& facts) {
  return transfer("refund", facts.refund_id, facts.business_date, chart::revenue(facts.fee_code),
                  chart::receivable(facts.processor), facts.amount);
}

Result<Journal, JournalError> reversal_journal(const CaptureFacts& facts) {
  return transfer("reversal", facts.payment_id, facts.business_date, chart::revenue(facts.fee_code),
                  chart::receivable(facts.processor), facts.amount);
}

}  // namespace kessai::ledger

#pragma once
// Posting rules: which balanced journal each money-moving event writes. Pure functions, no I/O.

#include <chrono>
#include <string>

#include "kessai/identifier.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::ledger {

struct CaptureFacts {
  std::string payment_id;
  Yen amount;
  ProcessorId processor;
  FeeCode fee_code;
  std::chrono::year_month_day business_date;
};

// A captured payment: the processor owes us the amount, and the fee is earned.
//   Dr assets:receivable:<processor>   amount
//   Cr revenue:fee:<fee code>          amount
Result<Journal, JournalError> capture_journal(const CaptureFacts& facts);

struct RefundFacts {
  std::string refund_id;
  Yen amount;
  ProcessorId processor;
  FeeCode fee_code;
  std::chrono::year_month_day business_date;
};

// A refund takes the fee back and the processor owes us that much less (it nets the refund from its
// next payout):
//   Dr revenue:fee:<fee code>          amount
//   Cr assets:receivable:<processor>   amount
Result<Journal, JournalError> refund_journal(const RefundFacts& facts);

// A cleared payment the payer's bank cancelled (Pay-easy 取消): the capture is undone for what was not
// already refunded. Reference: the payment id, kind "reversal".
//   Dr revenue:fee:<fee code>          amount
//   Cr assets:receivable:<processor>   amount
Result<Journal, JournalError> reversal_journal(const CaptureFacts& facts);

}  // namespace kessai::ledger

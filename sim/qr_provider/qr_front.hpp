#pragma once
// The QR provider's HTTP API as a function from a request to its answer. The routes, inquiries, refunds
// and the refusal of capture and void ("a scanned QR code is paid at once") are InstantFront's
// (instant_front.hpp); here are the payment body (the scanned qr_code), its journal line (with the
// code's digest) and masked log, and the provider's refund answers. No sockets: those and the fault plan
// are serve_simulator's (sim_server.hpp), the latency and files run_instant_simulator's.

#include <ostream>
#include <string>

#include "instant_front.hpp"
#include "kessai/runtime/http_types.hpp"
#include "qr_book.hpp"
#include "qr_records.hpp"  // payment_json, refund_json: InstantFront answers with them

namespace kessai::sim::qr_provider {

// A scanned text up to kCodeBytesMax that is not a wallet's code is declined invalid_code (the scanner
// read some other barcode); a longer one is an invalid request.
using sim::kMerchantBytesMax;
using sim::kReferenceBytesMax;
constexpr std::size_t kCodeBytesMax = 64;

class ProviderFront final : public InstantFront<ProviderBook> {
 public:
  ProviderFront(ProviderBook& book, std::ostream& payments_journal, std::ostream& refunds_journal, Clock now);

  // A paid merchant-presented order's payment (ProviderBook::pay_order), journalled with the payments
  // under the same lock as theirs; `now` is the order's paid_at.
  PaymentDecision record_order_payment(const OrderPayment& attempt, const std::string& now);

 private:
  runtime::HttpResponse create_payment(const std::string& body) override;
  runtime::HttpResponse refund_reply(const RefundDecision& decision) const override;
};

}  // namespace kessai::sim::qr_provider

#pragma once
// The e-money centre's HTTP API as a function from a request to its answer. The routes, inquiries,
// refunds and the refusal of capture and void ("e-money has no separate authorization") are
// InstantFront's (instant_front.hpp); here are the payment body (brand, IDm), its journal line and log,
// and the centre's refund answers (refund_not_supported for postpaid brands). No sockets: those and the
// fault plan are serve_simulator's (sim_server.hpp), the latency and files run_instant_simulator's.

#include <ostream>
#include <string>

#include "emoney_book.hpp"
#include "emoney_records.hpp"  // payment_json, refund_json: InstantFront answers with them
#include "instant_front.hpp"
#include "kessai/runtime/http_types.hpp"

namespace kessai::sim::emoney {

using sim::kMerchantBytesMax;
using sim::kReferenceBytesMax;
constexpr std::size_t kBrandBytesMax = 32;

class CentreFront final : public InstantFront<CentreBook> {
 public:
  CentreFront(CentreBook& book, std::ostream& payments_journal, std::ostream& refunds_journal, Clock now);

 private:
  runtime::HttpResponse create_payment(const std::string& body) override;
  runtime::HttpResponse refund_reply(const RefundDecision& decision) const override;
};

}  // namespace kessai::sim::emoney

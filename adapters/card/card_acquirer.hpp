#pragma once
// A card acquirer (カード会社 / 加盟店契約会社) over its HTTP/JSON API: authorize (with or without
// capture), capture, void and refund. Charges are de-duplicated by our payment id, refunds by our
// refund id; a capture or void of the same charge is idempotent at the acquirer.

#include <span>
#include <string_view>

#include "kessai/adapters/processor.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::adapters::card {

class CardAcquirer final : public Processor {
 public:
  explicit CardAcquirer(const ProcessorConfig& config);
  const ProcessorId& id() const override { return id_; }
  std::string_view kind() const override { return "card"; }
  ChargeResult charge(const ChargeRequest& request) override;
  OperationResult capture(const CaptureRequest& request) override;
  OperationResult void_authorization(const VoidRequest& request) override;
  OperationResult refund(const RefundRequest& request) override;
  InquiryResult inquire_charge(const std::string& payment_id) override;
  SettlementProfile settlement_profile() const override { return {settlement_profile_}; }

 private:
  // One POST to the acquirer, its answer mapped by interpret_response; payment_id is for the logs.
  OperationResult exchange(std::string_view target, std::string_view body,
                           std::span<const std::string_view> success_statuses, std::string_view payment_id);

  ProcessorId id_;
  std::string settlement_profile_;
  runtime::HttpClient client_;
};

// Exposed for unit tests: how an acquirer answer becomes an outcome. The operation was done when the
// answer is 2xx and the object's "status" is one of `success_statuses`; its "id" is then the processor
// reference (the charge's "ch_…", or the refund's "rf_…").
OperationResult interpret_response(unsigned status, std::string_view body,
                                   std::span<const std::string_view> success_statuses);
ChargeResult interpret_charge_response(unsigned status, std::string_view body);
OperationResult interpret_capture_response(unsigned status, std::string_view body);
OperationResult interpret_void_response(unsigned status, std::string_view body);
OperationResult interpret_refund_response(unsigned status, std::string_view body);

// Exposed for unit tests: a failed exchange is not_sent only when the acquirer surely never saw it.
OperationResult interpret_client_error(const runtime::ClientError& error);

// Exposed for unit tests: an answer to GET /v1/charges?reference=… as an inquiry result.
InquiryResult interpret_inquiry_response(unsigned status, std::string_view body);

}  // namespace kessai::adapters::card

#pragma once
// What the "instant payment" adapters share (an e-money centre, a QR provider): a payment is paid when
// it is made, so capture and void are refused here, before anything is sent (reaching one is an engine
// bug); a refund is POST /v1/refunds {"payment", "amount", "reference"}; an inquiry is
// GET /v1/payments?reference=…, its paid status found as "captured", in full. Each adapter adds only its
// payment body and what it checks before sending it.

#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "http_json.hpp"
#include "kessai/adapters/processor.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::adapters::instant {

// How one instant-payment processor kind speaks; all of it fixed at compile time.
struct InstantPeer {
  http_json::Peer peer;
  std::string_view not_supported_event;            // error log of a capture or void asked for
  std::string_view not_supported_message;          // "e-money has no separate authorization"
  std::string_view no_processor_reference;         // a refund's refusal without the processor's payment id
  std::span<const std::string_view> payment_done;  // statuses of a paid payment
  std::span<const std::string_view> refund_done;   // statuses of a made refund
  std::string_view paid_status;                    // the status an inquiry finds as "captured"
  // Whether an inquiry's status other than paid_status and "declined" is unknown (never guessed) rather
  // than passed on as found.
  bool other_status_unknown = false;
  std::string_view settlement_profile;  // the kind's default settlement profile
};

// An inquiry's found payment in the engine's words (see InstantPeer).
InquiryResult in_engine_terms(InquiryResult result, const boost::json::object& payment,
                              const InstantPeer& peer);

class InstantPaymentAdapter : public Processor {
 public:
  const ProcessorId& id() const override { return id_; }
  // Never sent: rejected with the peer's not_supported_message.
  OperationResult capture(const CaptureRequest& request) override;
  OperationResult void_authorization(const VoidRequest& request) override;
  OperationResult refund(const RefundRequest& request) override;
  InquiryResult inquire_charge(const std::string& payment_id) override;
  SettlementProfile settlement_profile() const override { return {settlement_profile_}; }

 protected:
  InstantPaymentAdapter(const ProcessorConfig& config, const InstantPeer& peer);
  // POST /v1/payments with the body, its answer mapped by the peer's payment_done.
  ChargeResult send_payment(const boost::json::object& body, std::string_view payment_id);

  ProcessorId id_;
  runtime::HttpClient client_;

 private:
  OperationResult not_supported(std::string_view operation, std::string_view payment_id) const;

  const InstantPeer& peer_;
  std::string settlement_profile_;
};

}  // namespace kessai::adapters::instant

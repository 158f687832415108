#include "instant_payment.hpp"

#include <boost/json.hpp>

#include "kessai/runtime/log.hpp"

namespace kessai::adapters::instant {

namespace json = boost::json;

InquiryResult in_engine_terms(InquiryResult result, const json::object& payment, const InstantPeer& peer) {
  if (result.outcome != InquiryOutcome::found) return result;
  if (result.status != peer.paid_status) {
    if (!peer.other_status_unknown || result.status == "declined") return result;
    result.outcome = InquiryOutcome::unknown;
    result.message =
        "unrecognised payment status '" + result.status + "' from the " + std::string(peer.peer.noun);
    result.status.clear();
    return result;
  }
  // Paid in full or not at all.
  result.status = "captured";
  if (const json::value* amount = payment.if_contains("amount"); amount && amount->is_int64()) {
    result.amount_captured = Yen(amount->as_int64());
  }
  return result;
}

InstantPaymentAdapter::InstantPaymentAdapter(const ProcessorConfig& config, const InstantPeer& peer)
    : id_(config.id),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}),
      peer_(peer),
      settlement_profile_(config.settlement_profile.empty() ? std::string(peer.settlement_profile)
                                                            : config.settlement_profile) {}

OperationResult InstantPaymentAdapter::not_supported(std::string_view operation,
                                                     std::string_view payment_id) const {
  log::error(peer_.not_supported_event, {{"operation", operation}, {"payment_id", payment_id}});
  return http_json::refused_before_sending(std::string(peer_.not_supported_message));
}

OperationResult InstantPaymentAdapter::capture(const CaptureRequest& request) {
  return not_supported("capture", request.payment_id);
}

OperationResult InstantPaymentAdapter::void_authorization(const VoidRequest& request) {
  return not_supported("void", request.payment_id);
}

ChargeResult InstantPaymentAdapter::send_payment(const json::object& body, std::string_view payment_id) {
  return http_json::post(client_, peer_.peer, id_, "/v1/payments", json::serialize(body), peer_.payment_done,
                         payment_id);
}

OperationResult InstantPaymentAdapter::refund(const RefundRequest& request) {
  if (request.processor_reference.empty()) {
    log::error("processor_reference_missing", {{"operation", "refund"}, {"payment_id", request.payment_id}});
    return http_json::refused_before_sending(std::string(peer_.no_processor_reference));
  }
  const json::object body{
      {"payment", request.processor_reference},
      {"amount", request.amount.value()},
      {"reference", request.refund_id},
  };
  return http_json::post(client_, peer_.peer, id_, "/v1/refunds", json::serialize(body), peer_.refund_done,
                         request.payment_id);
}

InquiryResult InstantPaymentAdapter::inquire_charge(const std::string& payment_id) {
  json::object payment;
  const std::string target = "/v1/payments?reference=" + http_json::percent_encode(payment_id);
  return in_engine_terms(http_json::inquire(client_, target, payment), payment, peer_);
}

}  // namespace kessai::adapters::instant

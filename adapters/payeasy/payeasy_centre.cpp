#include "payeasy_centre.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json.hpp>

#include "../src/notices.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::adapters::payeasy {

namespace json = boost::json;

namespace {

constexpr payer_orders::OrderPeer kPeer{
    .peer = {.noun = "Pay-easy centre", .rejected_event = "payeasy_request_rejected"},
    .collection = "/v1/numbers",
    .waiting_status = "issued",
    .object_key = "number",
};

bool digits(std::string_view text, std::size_t min, std::size_t max) {
  return text.size() >= min && text.size() <= max &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

OperationResult nothing_to_charge(std::string_view operation) {
  return http_json::refused_before_sending(
      "Pay-easy is paid by the payer with the payment number; there is no " + std::string(operation));
}

}  // namespace

PayeasyCentre::PayeasyCentre(const ProcessorConfig& config)
    : id_(config.id),
      notice_secret_(config.notice_secret),
      settlement_profile_(config.settlement_profile.empty() ? "payeasy-centre" : config.settlement_profile),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}) {
  if (notice_secret_.empty()) {
    throw std::invalid_argument("notice_secret is required: the centre signs its payment notices with it");
  }
}

ChargeResult PayeasyCentre::charge(const ChargeRequest&) {
  return nothing_to_charge("charge");
}
OperationResult PayeasyCentre::capture(const CaptureRequest&) {
  return nothing_to_charge("capture");
}
OperationResult PayeasyCentre::void_authorization(const VoidRequest&) {
  return nothing_to_charge("authorization to void");
}

OperationResult PayeasyCentre::refund(const RefundRequest& request) {
  return OperationResult{.outcome = ChargeOutcome::declined,
                         .processor_reference = request.processor_reference,
                         .decline_code = "refund_not_supported",
                         .message =
                             "Pay-easy payments cannot be refunded through the centre; repay the payer "
                             "by bank transfer"};
}

InquiryResult PayeasyCentre::inquire_charge(const std::string& payment_id) {
  // A payment that waits for its payer is settled through inquire_payer_action; this answers in the
  // charge vocabulary: paid is captured, withdrawn or expired is declined (nothing was paid), and a
  // number still waiting or reversed is no charge outcome at all: unknown, never guessed.
  const PayerActionInquiry found = inquire_payer_action(payment_id);
  InquiryResult result{.outcome = found.outcome,
                       .status = {},
                       .processor_reference = found.processor_reference,
                       .decline_code = {},
                       .amount_captured = Yen(0),
                       .message = found.message};
  if (found.outcome != InquiryOutcome::found) return result;
  switch (found.status) {
    case PayerActionStatus::paid:
      result.status = "captured";
      result.amount_captured = found.amount;
      return result;
    case PayerActionStatus::expired:
    case PayerActionStatus::withdrawn:
      result.status = "declined";
      return result;
    case PayerActionStatus::waiting:
    case PayerActionStatus::reversed:
      break;
  }
  result.outcome = InquiryOutcome::unknown;
  result.message = "the number is not a settled charge; ask inquire_payer_action";
  return result;
}

PayerAction payer_action_from(const OperationResult& created, const json::object& number) {
  PayerAction action{.outcome = created.outcome,
                     .processor_reference = created.processor_reference,
                     .decline_code = created.decline_code,
                     .message = created.message};
  if (created.outcome != ChargeOutcome::approved) return action;
  action.institution_number = http_json::string_field(number, "institution_number");
  action.customer_number = http_json::string_field(number, "customer_number");
  action.confirmation_number = http_json::string_field(number, "confirmation_number");
  const auto expires_at = notices::parse_utc(http_json::string_field(number, "expires_at"));
  if (!digits(action.institution_number, 5, 5) || !digits(action.customer_number, 16, 20) ||
      !digits(action.confirmation_number, 4, 6) || !expires_at) {
    // Issued, but not in a form a payer can use: the number exists, so the outcome is not a refusal.
    action.outcome = ChargeOutcome::unknown;
    action.message =
        "the Pay-easy centre answered a number kessai cannot show (institution 5 digits, customer "
        "16-20, confirmation 4-6, expires_at RFC 3339)";
    return action;
  }
  action.expires_at = *expires_at;
  return action;
}

PayerAction PayeasyCentre::request_payer_action(const PayerActionRequest& request) {
  const json::object body{
      {"reference", request.payment_id},
      {"amount", request.amount.value()},
      {"currency", "JPY"},
      {"merchant", request.merchant_reference},
      {"expires_at", notices::format_utc(request.expires_at)},
      {"notify_url", request.notify_url},
  };
  json::object number;
  const OperationResult created = payer_orders::create(client_, kPeer, id_, body, request.payment_id, number);
  return payer_action_from(created, number);
}

OperationResult PayeasyCentre::withdraw_payer_action(const std::string& payment_id,
                                                     const std::string& processor_reference) {
  return payer_orders::withdraw(client_, kPeer, id_, payment_id, processor_reference);
}

PayerActionInquiry PayeasyCentre::inquire_payer_action(const std::string& payment_id) {
  return payer_orders::inquire(client_, kPeer, payment_id);
}

Result<ProcessorNotice, NoticeRejection> PayeasyCentre::read_notice(
    std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
    std::chrono::system_clock::time_point now) const {
  return payer_orders::read_notice(body, headers, notice_secret_, now, kPeer, "payment.paid",
                                   "payment.reversed");
}

}  // namespace kessai::adapters::payeasy

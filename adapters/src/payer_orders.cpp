#include "payer_orders.hpp"

#include <array>

#include <boost/json.hpp>

#include "kessai/runtime/log.hpp"
#include "notices.hpp"

namespace kessai::adapters::payer_orders {

namespace json = boost::json;

OperationResult create(runtime::HttpClient& client, const OrderPeer& peer, const ProcessorId& processor,
                       const json::object& body, std::string_view payment_id, json::object& created) {
  const std::array<std::string_view, 1> waiting{peer.waiting_status};
  auto response = client.request("POST", peer.collection, json::serialize(body));
  if (!response.ok()) return http_json::interpret_client_error(response.error());
  OperationResult result =
      http_json::interpret_response(response->status, response->body, waiting, peer.peer.noun);
  if (result.outcome == ChargeOutcome::rejected) {
    log::error(peer.peer.rejected_event, {{"processor", processor.str()},
                                          {"payment_id", payment_id},
                                          {"target", peer.collection},
                                          {"status", response->status},
                                          {"message", result.message}});
  }
  if (result.outcome == ChargeOutcome::approved) {
    json::error_code ec;
    json::value parsed = json::parse(response->body, ec);
    if (!ec && parsed.is_object()) created = std::move(parsed.as_object());
  }
  return result;
}

OperationResult withdraw(runtime::HttpClient& client, const OrderPeer& peer, const ProcessorId& processor,
                         std::string_view payment_id, std::string_view processor_reference) {
  if (processor_reference.empty()) {
    return http_json::refused_before_sending("nothing was issued by the " + std::string(peer.peer.noun) +
                                             " for this payment");
  }
  const std::string target =
      std::string(peer.collection) + "/" + http_json::percent_encode(processor_reference) + "/cancel";
  auto response = client.request("POST", target, "{}");
  if (!response.ok()) return http_json::interpret_client_error(response.error());
  if (response->status == 409) {
    json::error_code ec;
    const json::value parsed = json::parse(response->body, ec);
    if (!ec && parsed.is_object() && http_json::string_field(parsed.as_object(), "error") == "already_paid") {
      return OperationResult{.outcome = ChargeOutcome::declined,
                             .processor_reference = std::string(processor_reference),
                             .decline_code = "already_paid",
                             .message = "the payer paid before it could be withdrawn"};
    }
  }
  static constexpr std::array<std::string_view, 2> gone{"canceled", "expired"};
  OperationResult result =
      http_json::interpret_response(response->status, response->body, gone, peer.peer.noun);
  if (result.outcome == ChargeOutcome::rejected) {
    log::error(peer.peer.rejected_event, {{"processor", processor.str()},
                                          {"payment_id", payment_id},
                                          {"target", target},
                                          {"status", response->status},
                                          {"message", result.message}});
  }
  return result;
}

std::optional<PayerActionStatus> status_of(std::string_view status, const OrderPeer& peer) {
  if (status == peer.waiting_status) return PayerActionStatus::waiting;
  if (status == "paid") return PayerActionStatus::paid;
  if (status == "expired") return PayerActionStatus::expired;
  if (status == "canceled") return PayerActionStatus::withdrawn;
  if (status == "reversed") return PayerActionStatus::reversed;
  return std::nullopt;
}

std::string refund_reference(const json::object& object, std::string_view object_id) {
  std::string payment = http_json::string_field(object, "payment");
  return payment.empty() ? std::string(object_id) : payment;
}

PayerActionInquiry inquire(runtime::HttpClient& client, const OrderPeer& peer, std::string_view payment_id) {
  json::object found;
  const std::string target =
      std::string(peer.collection) + "?reference=" + http_json::percent_encode(payment_id);
  const InquiryResult listed = http_json::inquire(client, target, found);
  PayerActionInquiry result{.outcome = listed.outcome, .message = listed.message};
  if (listed.outcome != InquiryOutcome::found) return result;
  const std::optional<PayerActionStatus> status = status_of(listed.status, peer);
  if (!status) {
    result.outcome = InquiryOutcome::unknown;
    result.message = "unrecognised status '" + listed.status + "' from the " + std::string(peer.peer.noun);
    return result;
  }
  result.status = *status;
  result.processor_reference = refund_reference(found, listed.processor_reference);
  if (const json::value* amount = found.if_contains("amount"); amount && amount->is_int64())
    result.amount = Yen(amount->as_int64());
  return result;
}

Result<ProcessorNotice, NoticeRejection> notice_from(std::string notice_id, std::string_view type,
                                                     const json::object& data, const OrderPeer& peer,
                                                     std::string_view paid_type,
                                                     std::string_view reversed_type) {
  if (type != paid_type && type != reversed_type) {
    return fail(NoticeRejection{NoticeProblem::malformed, "unknown notice type '" + std::string(type) + "'"});
  }
  const bool reversed = type == reversed_type;
  ProcessorNotice notice{.notice_id = std::move(notice_id),
                         .kind = reversed ? NoticeKind::reversed : NoticeKind::paid,
                         .payment_id = http_json::string_field(data, "reference"),
                         .processor_reference = {},
                         .amount = Yen(0),
                         .occurred_at = {}};
  const std::string object_id = http_json::string_field(data, peer.object_key);
  const json::value* amount = data.if_contains("amount");
  const auto at = notices::parse_utc(http_json::string_field(data, reversed ? "reversed_at" : "paid_at"));
  if (notice.payment_id.empty() || object_id.empty() || amount == nullptr || !amount->is_int64() ||
      amount->as_int64() <= 0 || !at) {
    return fail(NoticeRejection{NoticeProblem::malformed,
                                "the notice's data needs reference, " + std::string(peer.object_key) +
                                    ", a positive amount and " + (reversed ? "reversed_at" : "paid_at")});
  }
  notice.processor_reference = refund_reference(data, object_id);
  notice.amount = Yen(amount->as_int64());
  notice.occurred_at = *at;
  return notice;
}

Result<ProcessorNotice, NoticeRejection> read_notice(
    std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view secret, std::chrono::system_clock::time_point now, const OrderPeer& peer,
    std::string_view paid_type, std::string_view reversed_type) {
  auto envelope = notices::open(body, headers, secret, now);
  if (!envelope.ok()) return fail(envelope.error());
  return notice_from(std::move(envelope->id), envelope->type, envelope->data, peer, paid_type, reversed_type);
}

}  // namespace kessai::adapters::payer_orders

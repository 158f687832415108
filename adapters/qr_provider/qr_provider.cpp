#include "qr_provider.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "../src/http_json.hpp"
#include "../src/notices.hpp"
#include "../src/payer_orders.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::adapters::qr_provider {

namespace json = boost::json;

namespace {

// What the provider's object says when a payment or a refund was done.
constexpr std::array<std::string_view, 1> kDone{"completed"};

constexpr http_json::Peer kProvider{"QR provider", "qr_provider_rejected_request"};

bool is_code(std::string_view code) {
  return code.size() >= kCodeDigitsMin && code.size() <= kCodeDigitsMax &&
         std::ranges::all_of(code, [](char c) { return c >= '0' && c <= '9'; });
}

// "completed" is the engine's "captured"; any status but that and "declined" is unknown, never guessed.
constexpr instant::InstantPeer kInstantProvider{
    .peer = kProvider,
    .not_supported_event = "qr_operation_not_supported",
    .not_supported_message = "a scanned QR code is paid at once",
    .no_processor_reference = "refund needs the provider's payment id (processor reference)",
    .payment_done = kDone,
    .refund_done = kDone,
    .paid_status = "completed",
    .other_status_unknown = true,
    .settlement_profile = "qr-provider",
};

constexpr payer_orders::OrderPeer kOrders{
    .peer = kProvider,
    .collection = "/v1/orders",
    .waiting_status = "pending",
    .object_key = "order",
};

std::optional<qr::JpqrMerchant> merchant_or_throw(const ProcessorConfig& config) {
  auto merchant = jpqr_merchant_from(config);
  if (!merchant.ok()) throw std::invalid_argument("jpqr: " + merchant.error());
  if (merchant.value() && config.notice_secret.empty()) {
    throw std::invalid_argument(
        "notice_secret is required with [processors.jpqr]: the provider signs its payment notices with it");
  }
  return std::move(merchant).value();
}

// A terminal label (62/07) is printable ASCII of at most 25 characters: a facility or procedure id is.
std::string terminal_label_of(std::string_view merchant_reference) {
  if (merchant_reference.size() > qr::label_characters_max) return {};
  for (const char c : merchant_reference) {
    if (c < 0x20 || c > 0x7e) return {};
  }
  return std::string(merchant_reference);
}

}  // namespace

Result<std::optional<qr::JpqrMerchant>, std::string> jpqr_merchant_from(const ProcessorConfig& config) {
  const ProcessorConfig::Jpqr& jpqr = config.jpqr;
  if (jpqr.name.empty() && jpqr.merchant_code.empty()) return std::optional<qr::JpqrMerchant>();
  qr::JpqrMerchant merchant{
      .account = {.merchant_code = jpqr.merchant_code,
                  .code_02 = jpqr.code_02,
                  .code_03 = jpqr.code_03,
                  .code_04 = jpqr.code_04},
      .category_code = jpqr.category_code,
      .name = jpqr.name,
      .city = jpqr.city,
      .postal_code = jpqr.postal_code,
      .name_japanese = jpqr.name_japanese,
      .city_japanese = jpqr.city_japanese,
  };
  if (auto valid = qr::validate_jpqr_merchant(merchant); !valid.ok()) return fail(valid.error());
  return std::optional<qr::JpqrMerchant>(std::move(merchant));
}

QrProvider::QrProvider(const ProcessorConfig& config)
    : InstantPaymentAdapter(config, kInstantProvider),
      jpqr_merchant_(merchant_or_throw(config)),
      notice_secret_(config.notice_secret) {}

PayerAction QrProvider::request_payer_action(const PayerActionRequest& request) {
  if (!jpqr_merchant_) {
    return PayerAction{
        .outcome = ChargeOutcome::rejected,
        .message = "no JPQR merchant is configured for processor '" + id_.str() +
                   "': it takes the payer's scanned code only ([processors.jpqr] in kessaid.toml)"};
  }
  const json::object body{
      {"reference", request.payment_id},
      {"amount", request.amount.value()},
      {"currency", "JPY"},
      {"merchant", request.merchant_reference},
      {"expires_at", notices::format_utc(request.expires_at)},
      {"notify_url", request.notify_url},
  };
  json::object order;
  const OperationResult created =
      payer_orders::create(client_, kOrders, id_, body, request.payment_id, order);
  PayerAction action{.outcome = created.outcome,
                     .processor_reference = created.processor_reference,
                     .decline_code = created.decline_code,
                     .message = created.message};
  if (created.outcome != ChargeOutcome::approved) return action;
  const auto expires_at = notices::parse_utc(http_json::string_field(order, "expires_at"));
  auto payload = qr::build_jpqr_payload(
      qr::JpqrRequest{.merchant = *jpqr_merchant_,
                      .amount = request.amount,
                      .reference_label = created.processor_reference,
                      .terminal_label = terminal_label_of(request.merchant_reference)});
  if (!expires_at || !payload.ok()) {
    // The order exists at the provider; without a code to show the payer cannot pay it. Not a refusal:
    // the engine asks again (the provider answers the same order) or withdraws it at the deadline.
    action.outcome = ChargeOutcome::unknown;
    action.message = !expires_at ? "the QR provider's order has no usable expires_at"
                                 : "cannot build the JPQR code for order " + created.processor_reference +
                                       ": " + payload.error();
    return action;
  }
  action.jpqr_payload = std::move(payload).value();
  action.expires_at = *expires_at;
  return action;
}

OperationResult QrProvider::withdraw_payer_action(const std::string& payment_id,
                                                  const std::string& processor_reference) {
  return payer_orders::withdraw(client_, kOrders, id_, payment_id, processor_reference);
}

PayerActionInquiry QrProvider::inquire_payer_action(const std::string& payment_id) {
  return payer_orders::inquire(client_, kOrders, payment_id);
}

Result<ProcessorNotice, NoticeRejection> QrProvider::read_notice(
    std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
    std::chrono::system_clock::time_point now) const {
  if (notice_secret_.empty()) {
    return fail(NoticeRejection{NoticeProblem::not_supported,
                                "processor '" + id_.str() + "' has no notice_secret: it takes no notices"});
  }
  // A wallet payment is not reversed by a bank; refunds are ours to ask. "order.reversed" is never sent.
  return payer_orders::read_notice(body, headers, notice_secret_, now, kOrders, "order.paid",
                                   "order.reversed");
}

std::optional<std::string> charge_request_problem(const ChargeRequest& request) {
  if (request.qr_code.empty())
    return "a QR payment needs the payer's code as scanned at the counter (qr_code)";
  if (!is_code(request.qr_code)) return "the payer's QR code must be 18 to 20 digits";
  // The provider completes the payment at once: approving a charge meant to be captured later would take
  // the money while the engine believes it only holds an authorization.
  if (!request.capture) return "a scanned QR code is paid at once: it cannot be captured later";
  return std::nullopt;
}

ChargeResult interpret_payment_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kDone, kProvider.noun);
}

OperationResult interpret_refund_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kDone, kProvider.noun);
}

InquiryResult interpret_inquiry_response(unsigned status, std::string_view body) {
  json::object payment;
  return instant::in_engine_terms(http_json::interpret_list_answer(status, body, payment), payment,
                                  kInstantProvider);
}

ChargeResult QrProvider::charge(const ChargeRequest& request) {
  if (auto problem = charge_request_problem(request)) {
    log::error("qr_charge_refused",
               {{"processor", id_.str()}, {"payment_id", request.payment_id}, {"message", *problem}});
    return http_json::refused_before_sending(std::move(*problem));
  }
  const json::object body{
      {"reference", request.payment_id}, {"amount", request.amount.value()},       {"currency", "JPY"},
      {"qr_code", request.qr_code},      {"merchant", request.merchant_reference},
  };
  return send_payment(body, request.payment_id);
}

}  // namespace kessai::adapters::qr_provider

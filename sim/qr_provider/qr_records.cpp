#include "qr_records.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "instant_book.hpp"
#include "json_lines.hpp"

namespace kessai::sim::qr_provider {

namespace json = boost::json;

std::string decline_message(std::string_view decline_code) {
  if (decline_code == "invalid_code") {
    return "not a payment code of a wallet the provider accepts (18 to 20 digits starting 27 PayPay, "
           "28 d_barai, 29 au_pay, 30 rakuten_pay)";
  }
  if (decline_code == "code_expired") return "the code has expired: ask the payer to show a new one";
  if (decline_code == "code_already_used") {
    return "the code was already used for another payment: ask the payer to show a new one";
  }
  if (decline_code == "user_blocked") return "the payer's wallet account is suspended";
  if (decline_code == "insufficient_balance") return "the wallet's balance does not cover the amount";
  return "the payment was declined (" + std::string(decline_code) + ")";
}

json::object payment_json(const Payment& payment) {
  json::object out{{"id", payment.id}, {"object", "qr_payment"}, {"reference", payment.reference}};
  if (!payment.wallet.empty()) out["wallet"] = payment.wallet;
  if (!payment.order_id.empty()) {
    out["order"] = payment.order_id;  // paid by a merchant-presented code: there is no payer's code
  } else {
    out["qr_code_masked"] = payment.code_masked;
  }
  out["amount"] = payment.amount_yen;
  out["amount_refunded"] = payment.amount_refunded_yen;
  out["currency"] = "JPY";
  out["merchant"] = payment.merchant;
  out["status"] = payment.status;
  out["created_at"] = payment.created_at;
  if (!payment.decline_code.empty()) {
    out["decline_code"] = payment.decline_code;
    out["message"] = decline_message(payment.decline_code);
  }
  return out;
}

json::object payment_line(const Payment& payment) {
  json::object out = payment_json(payment);
  out["qr_code_digest"] = payment.code_digest;
  return out;
}

json::object refund_json(const Refund& refund) {
  json::object out{{"id", refund.id},
                   {"object", "qr_refund"},
                   {"payment", refund.payment_id},
                   {"reference", refund.reference},
                   {"amount", refund.amount_yen},
                   {"currency", "JPY"},
                   {"status", refund.status},
                   {"created_at", refund.created_at}};
  if (!refund.order_id.empty()) out["order"] = refund.order_id;
  return out;
}

std::optional<Payment> parse_payment_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  auto id = string_at(*object, "id");
  auto reference = string_at(*object, "reference");
  auto order_id = string_at(*object, "order");
  auto code_masked = string_at(*object, "qr_code_masked");
  auto digest = string_at(*object, "qr_code_digest");
  auto status = string_at(*object, "status");
  auto created_at = string_at(*object, "created_at");
  const auto amount_yen = amount_at(*object, "amount");
  if (!id || !reference || (!code_masked && !order_id) || !digest || !status || !created_at || !amount_yen) {
    return std::nullopt;
  }
  Payment payment;
  payment.id = std::move(*id);
  payment.reference = std::move(*reference);
  payment.wallet = string_at(*object, "wallet").value_or("");
  payment.code_masked = code_masked.value_or("");
  payment.order_id = order_id.value_or("");
  payment.code_digest = std::move(*digest);
  payment.amount_yen = *amount_yen;
  payment.merchant = string_at(*object, "merchant").value_or("");
  payment.status = std::move(*status);
  payment.decline_code = string_at(*object, "decline_code").value_or("");
  payment.created_at = std::move(*created_at);
  return payment;
}

std::optional<Refund> parse_refund_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  auto id = string_at(*object, "id");
  auto payment_id = string_at(*object, "payment");
  auto reference = string_at(*object, "reference");
  auto status = string_at(*object, "status");
  auto created_at = string_at(*object, "created_at");
  const auto amount_yen = amount_at(*object, "amount");
  if (!id || !payment_id || !reference || !status || !created_at || !amount_yen) return std::nullopt;
  return Refund{std::move(*id),
                std::move(*payment_id),
                std::move(*reference),
                *amount_yen,
                std::move(*status),
                std::move(*created_at),
                string_at(*object, "order").value_or("")};
}

JournalLoad load_journals(ProviderBook& book, std::istream& payment_lines, std::istream& refund_lines) {
  return load_instant_journals(book, payment_lines, refund_lines, &parse_payment_line, &parse_refund_line);
}

}  // namespace kessai::sim::qr_provider

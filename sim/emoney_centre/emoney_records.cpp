#include "emoney_records.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "instant_book.hpp"
#include "json_lines.hpp"

namespace kessai::sim::emoney {

namespace json = boost::json;

namespace {

std::string decline_message(std::string_view decline_code) {
  if (decline_code == "insufficient_balance") return "the card's balance does not cover the amount";
  if (decline_code == "card_blocked") return "the card is blocked";
  if (decline_code == "brand_not_supported") {
    return "the centre does not clear this brand (transit_ic, id, quicpay, waon, nanaco)";
  }
  return "the payment was declined (" + std::string(decline_code) + ")";
}

}  // namespace

json::object payment_json(const Payment& payment) {
  json::object out{{"id", payment.id},
                   {"object", "emoney_payment"},
                   {"reference", payment.reference},
                   {"brand", payment.brand},
                   {"idm", payment.idm},
                   {"amount", payment.amount_yen},
                   {"amount_refunded", payment.amount_refunded_yen},
                   {"currency", "JPY"},
                   {"merchant", payment.merchant},
                   {"status", payment.status},
                   {"created_at", payment.created_at}};
  if (payment.balance_after_yen) out["balance_after"] = *payment.balance_after_yen;
  if (!payment.decline_code.empty()) {
    out["decline_code"] = payment.decline_code;
    out["message"] = decline_message(payment.decline_code);
  }
  return out;
}

json::object refund_json(const Refund& refund) {
  json::object out{{"id", refund.id},
                   {"object", "emoney_refund"},
                   {"payment", refund.payment_id},
                   {"reference", refund.reference},
                   {"amount", refund.amount_yen},
                   {"currency", "JPY"},
                   {"status", refund.status},
                   {"created_at", refund.created_at}};
  if (refund.balance_after_yen) out["balance_after"] = *refund.balance_after_yen;
  return out;
}

std::optional<Payment> parse_payment_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  auto id = string_at(*object, "id");
  auto reference = string_at(*object, "reference");
  auto brand = string_at(*object, "brand");
  auto idm = string_at(*object, "idm");
  auto status = string_at(*object, "status");
  auto created_at = string_at(*object, "created_at");
  const auto amount_yen = amount_at(*object, "amount");
  if (!id || !reference || !brand || !idm || !status || !created_at || !amount_yen) return std::nullopt;
  Payment payment;
  payment.id = std::move(*id);
  payment.reference = std::move(*reference);
  payment.brand = std::move(*brand);
  payment.idm = std::move(*idm);
  payment.amount_yen = *amount_yen;
  payment.merchant = string_at(*object, "merchant").value_or("");
  payment.status = std::move(*status);
  payment.decline_code = string_at(*object, "decline_code").value_or("");
  payment.balance_after_yen = amount_at(*object, "balance_after");
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
  return Refund{std::move(*id),        std::move(*payment_id), std::move(*reference),
                *amount_yen,           std::move(*status),     amount_at(*object, "balance_after"),
                std::move(*created_at)};
}

JournalLoad load_journals(CentreBook& book, std::istream& payment_lines, std::istream& refund_lines) {
  return load_instant_journals(book, payment_lines, refund_lines, &parse_payment_line, &parse_refund_line);
}

}  // namespace kessai::sim::emoney

#include "acquirer_records.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "json_lines.hpp"

namespace kessai::sim {

namespace json = boost::json;

json::object charge_json(const Charge& charge) {
  json::object out{{"id", charge.id},
                   {"object", "charge"},
                   {"reference", charge.reference},
                   {"amount", charge.amount_yen},
                   {"amount_captured", charge.amount_captured_yen},
                   {"amount_refunded", charge.amount_refunded_yen},
                   {"currency", "JPY"},
                   {"merchant", charge.merchant},
                   {"status", charge.status},
                   {"created_at", charge.created_at}};
  if (!charge.captured_at.empty()) out["captured_at"] = charge.captured_at;
  if (!charge.card_brand.empty()) out["card_brand"] = charge.card_brand;
  if (!charge.decline_code.empty()) {
    out["decline_code"] = charge.decline_code;
    out["message"] = "the card was declined (" + charge.decline_code + ")";
  }
  return out;
}

json::object refund_json(const Refund& refund) {
  return json::object{{"id", refund.id},
                      {"object", "refund"},
                      {"charge", refund.charge_id},
                      {"reference", refund.reference},
                      {"amount", refund.amount_yen},
                      {"currency", "JPY"},
                      {"status", refund.status},
                      {"created_at", refund.created_at}};
}

std::optional<Charge> parse_charge_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  auto id = string_at(*object, "id");
  auto reference = string_at(*object, "reference");
  auto status = string_at(*object, "status");
  auto created_at = string_at(*object, "created_at");
  const auto amount_yen = amount_at(*object, "amount");
  if (!id || !reference || !status || !created_at || !amount_yen) return std::nullopt;
  Charge charge;
  charge.id = std::move(*id);
  charge.reference = std::move(*reference);
  charge.amount_yen = *amount_yen;
  charge.merchant = string_at(*object, "merchant").value_or("");
  charge.status = std::move(*status);
  charge.decline_code = string_at(*object, "decline_code").value_or("");
  charge.created_at = std::move(*created_at);
  const std::int64_t captured_in_full_yen = charge.status == "captured" ? charge.amount_yen : 0;
  charge.amount_captured_yen = amount_at(*object, "amount_captured").value_or(captured_in_full_yen);
  charge.amount_refunded_yen = amount_at(*object, "amount_refunded").value_or(0);
  // Lines written before capture times were kept: a captured charge of those was, as far as anyone can
  // tell, captured when it was made.
  charge.captured_at =
      string_at(*object, "captured_at").value_or(charge.status == "captured" ? charge.created_at : "");
  charge.card_brand = string_at(*object, "card_brand").value_or("");
  return charge;
}

std::optional<Refund> parse_refund_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  auto id = string_at(*object, "id");
  auto charge_id = string_at(*object, "charge");
  auto reference = string_at(*object, "reference");
  auto status = string_at(*object, "status");
  auto created_at = string_at(*object, "created_at");
  const auto amount_yen = amount_at(*object, "amount");
  if (!id || !charge_id || !reference || !status || !created_at || !amount_yen) return std::nullopt;
  return Refund{std::move(*id), std::move(*charge_id), std::move(*reference),
                *amount_yen,    std::move(*status),    std::move(*created_at)};
}

JournalLoad load_journals(AcquirerBook& book, std::istream& charge_lines, std::istream& refund_lines) {
  JournalLoad load;
  const std::vector<Charge> charges = read_lines(charge_lines, &parse_charge_line, load.skipped_lines);
  const std::vector<Refund> refunds = read_lines(refund_lines, &parse_refund_line, load.skipped_lines);
  book.restore(charges, refunds);
  load.charges = book.all().size();
  load.refunds = book.all_refunds().size();
  return load;
}

}  // namespace kessai::sim

#include "payeasy_records.hpp"

#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "json_lines.hpp"
#include "utc_time.hpp"

namespace kessai::sim::payeasy {

namespace json = boost::json;

json::object number_json(const Number& number) {
  return json::object{{"id", number.id},
                      {"object", "payeasy_number"},
                      {"reference", number.reference},
                      {"amount", number.amount_yen},
                      {"currency", "JPY"},
                      {"merchant", number.merchant},
                      {"institution_number", number.institution_number},
                      {"customer_number", number.customer_number},
                      {"confirmation_number", number.confirmation_number},
                      {"expires_at", format_utc_seconds(number.expires_at_s)},
                      {"status", number.status},
                      {"created_at", format_utc_seconds(number.created_at_s)},
                      {"paid_at", utc_or_null(number.paid_at_s)},
                      {"reversed_at", utc_or_null(number.reversed_at_s)},
                      {"canceled_at", utc_or_null(number.canceled_at_s)},
                      {"payer_name", number.payer_name},
                      {"notify_url", number.notify_url}};
}

std::optional<Number> parse_number_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  Number number;
  auto id = string_at(*object, "id");
  auto reference = string_at(*object, "reference");
  auto institution_number = string_at(*object, "institution_number");
  auto customer_number = string_at(*object, "customer_number");
  auto confirmation_number = string_at(*object, "confirmation_number");
  auto status = string_at(*object, "status");
  auto notify_url = string_at(*object, "notify_url");
  const auto amount_yen = amount_at(*object, "amount");
  const auto expires_at_s = utc_at(*object, "expires_at");
  const auto created_at_s = utc_at(*object, "created_at");
  const bool times_ok = optional_utc_at(*object, "paid_at", number.paid_at_s) &&
                        optional_utc_at(*object, "reversed_at", number.reversed_at_s) &&
                        optional_utc_at(*object, "canceled_at", number.canceled_at_s);
  if (!id || !reference || !institution_number || !customer_number || !confirmation_number || !status ||
      !notify_url || !amount_yen || !expires_at_s || !created_at_s || !times_ok) {
    return std::nullopt;
  }
  number.id = std::move(*id);
  number.reference = std::move(*reference);
  number.amount_yen = *amount_yen;
  number.merchant = string_at(*object, "merchant").value_or("");
  number.institution_number = std::move(*institution_number);
  number.customer_number = std::move(*customer_number);
  number.confirmation_number = std::move(*confirmation_number);
  number.expires_at_s = *expires_at_s;
  number.status = std::move(*status);
  number.created_at_s = *created_at_s;
  number.notify_url = std::move(*notify_url);
  number.payer_name = string_at(*object, "payer_name").value_or("");
  return number;
}

json::object notice_data(const Number& number) {
  json::object data{{"number", number.id},
                    {"reference", number.reference},
                    {"amount", number.amount_yen},
                    {"institution_number", number.institution_number},
                    {"customer_number", number.customer_number},
                    {"status", number.status},
                    {"paid_at", utc_or_null(number.paid_at_s)}};
  if (number.reversed_at_s) data["reversed_at"] = format_utc_seconds(*number.reversed_at_s);
  return data;
}

NumberLoad load_journal(CentreBook& book, std::istream& number_lines) {
  NumberLoad load;
  const std::vector<Number> numbers = read_lines(number_lines, &parse_number_line, load.skipped_lines);
  book.restore(numbers);
  load.numbers = book.all().size();
  return load;
}

}  // namespace kessai::sim::payeasy

#include "qr_order_records.hpp"

#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "json_lines.hpp"
#include "utc_time.hpp"

namespace kessai::sim::qr_provider {

namespace json = boost::json;

namespace {

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

}  // namespace

json::object order_json(const Order& order) {
  return json::object{{"id", order.id},
                      {"object", "qr_order"},
                      {"reference", order.reference},
                      {"amount", order.amount_yen},
                      {"currency", "JPY"},
                      {"merchant", order.merchant},
                      {"status", order.status},
                      {"expires_at", format_utc_seconds(order.expires_at_s)},
                      {"created_at", format_utc_seconds(order.created_at_s)},
                      {"paid_at", utc_or_null(order.paid_at_s)},
                      {"wallet", text_or_null(order.wallet)},
                      {"payment", text_or_null(order.payment_id)},
                      {"payer", text_or_null(order.payer)},
                      {"canceled_at", utc_or_null(order.canceled_at_s)},
                      {"notify_url", order.notify_url}};
}

std::optional<Order> parse_order_line(std::string_view line) {
  const auto object = parse_object(line);
  if (!object) return std::nullopt;
  Order order;
  auto id = string_at(*object, "id");
  auto reference = string_at(*object, "reference");
  auto status = string_at(*object, "status");
  auto notify_url = string_at(*object, "notify_url");
  const auto amount_yen = amount_at(*object, "amount");
  const auto expires_at_s = utc_at(*object, "expires_at");
  const auto created_at_s = utc_at(*object, "created_at");
  const bool times_ok = optional_utc_at(*object, "paid_at", order.paid_at_s) &&
                        optional_utc_at(*object, "canceled_at", order.canceled_at_s);
  if (!id || !reference || !status || !notify_url || !amount_yen || !expires_at_s || !created_at_s ||
      !times_ok) {
    return std::nullopt;
  }
  order.id = std::move(*id);
  order.reference = std::move(*reference);
  order.amount_yen = *amount_yen;
  order.merchant = string_at(*object, "merchant").value_or("");
  order.status = std::move(*status);
  order.expires_at_s = *expires_at_s;
  order.created_at_s = *created_at_s;
  order.wallet = string_at(*object, "wallet").value_or("");
  order.payer = string_at(*object, "payer").value_or("");
  order.payment_id = string_at(*object, "payment").value_or("");
  order.notify_url = std::move(*notify_url);
  return order;
}

json::object order_notice_data(const Order& order) {
  return json::object{{"order", order.id},          {"reference", order.reference},
                      {"amount", order.amount_yen}, {"wallet", order.wallet},
                      {"status", order.status},     {"paid_at", utc_or_null(order.paid_at_s)},
                      {"payment", order.payment_id}};
}

OrderLoad load_order_journal(OrderBook& book, std::istream& order_lines) {
  OrderLoad load;
  const std::vector<Order> orders = read_lines(order_lines, &parse_order_line, load.skipped_lines);
  book.restore(orders);
  load.orders = book.all().size();
  return load;
}

}  // namespace kessai::sim::qr_provider

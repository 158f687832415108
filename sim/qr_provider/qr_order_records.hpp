#pragma once
// The QR provider's orders as JSON: in answers, in the journal (<state-dir>/orders.jsonl, the full record,
// one new line per change; the latest line of an order wins) and in the data of their notices. Pure (no
// files, no sockets), so the reload is unit-tested.

#include <cstddef>
#include <istream>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "qr_orders.hpp"

namespace kessai::sim::qr_provider {

// {"id", "object": "qr_order", "reference", "amount", "currency", "merchant", "status", "expires_at",
// "created_at", "paid_at", "wallet", "payment", "payer", "canceled_at" (null until then), "notify_url"}.
// A journal line is the same.
boost::json::object order_json(const Order& order);

// One journal line back into an order; nullopt for a line that is not one.
std::optional<Order> parse_order_line(std::string_view line);

// The data of an order.paid notice: {"order", "reference", "amount", "wallet", "status", "paid_at",
// "payment"}.
boost::json::object order_notice_data(const Order& order);

struct OrderLoad {
  std::size_t orders = 0;         // distinct orders in the book after the load
  std::size_t skipped_lines = 0;  // unreadable lines, left out
};

// Replaces the book with what the journal holds.
OrderLoad load_order_journal(OrderBook& book, std::istream& order_lines);

}  // namespace kessai::sim::qr_provider

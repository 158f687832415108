#pragma once
// What the processors that wait for the payer share (the Pay-easy centre's numbers, the QR provider's
// merchant-presented orders): a waiting object created at POST <collection> and de-duplicated on our
// reference, withdrawn at POST <collection>/{id}/cancel, found at GET <collection>?reference=…, and
// notices of what the payer did. Each adapter adds its own body and names.

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "http_json.hpp"
#include "kessai/adapters/processor.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::adapters::payer_orders {

struct OrderPeer {
  http_json::Peer peer;
  std::string_view collection;      // "/v1/numbers"
  std::string_view waiting_status;  // the status of an object created and not paid: "issued", "pending"
  std::string_view object_key;      // the key in a notice's data naming the object: "number", "order"
};

// POST <collection> with the body; approved when the answer is the waiting object (`created` gets it).
OperationResult create(runtime::HttpClient& client, const OrderPeer& peer, const ProcessorId& processor,
                       const boost::json::object& body, std::string_view payment_id,
                       boost::json::object& created);

// POST <collection>/{id}/cancel: approved when the object is canceled or expired (it can no longer be
// paid); declined "already_paid" when the payer paid first.
OperationResult withdraw(runtime::HttpClient& client, const OrderPeer& peer, const ProcessorId& processor,
                         std::string_view payment_id, std::string_view processor_reference);

// GET <collection>?reference=…, in the engine's words. Any status it does not know is unknown.
PayerActionInquiry inquire(runtime::HttpClient& client, const OrderPeer& peer, std::string_view payment_id);

// The object's status as a PayerActionStatus, or nullopt when unknown. Exposed for unit tests.
std::optional<PayerActionStatus> status_of(std::string_view status, const OrderPeer& peer);

// An authenticated envelope's data as a notice: `paid_type` / `reversed_type` name the notice types.
Result<ProcessorNotice, NoticeRejection> notice_from(std::string notice_id, std::string_view type,
                                                     const boost::json::object& data, const OrderPeer& peer,
                                                     std::string_view paid_type,
                                                     std::string_view reversed_type);

// What refunds are made against: the processor's payment id ("payment") when it has one, else the
// object's id.
std::string refund_reference(const boost::json::object& object, std::string_view object_id);

// A notice as received: its signature checked with `secret` (notices.hpp), then read by notice_from.
Result<ProcessorNotice, NoticeRejection> read_notice(
    std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view secret, std::chrono::system_clock::time_point now, const OrderPeer& peer,
    std::string_view paid_type, std::string_view reversed_type);

}  // namespace kessai::adapters::payer_orders

#pragma once
// The HTTP API every "instant payment" simulator (an InstantBook's) answers alike, as a function from a
// request to its answer: the routes, inquiries and lists, capture and void refused, refunds taken and
// journalled. No sockets. A simulator derives from InstantFront and adds only its own: the payment body
// and its journal line and log, and how a refund's outcome is answered.
//   POST /v1/payments                    create_payment (the simulator's); de-duplicated on "reference"
//   GET  /v1/payments[?reference=…]      every payment, or the one for a reference (inquiry)
//   GET  /v1/payments/{id}
//   POST /v1/payments/{id}/capture|void  409 not_supported, for any id: a payment is paid when it is made
//   POST /v1/refunds                     refund a paid payment, in parts; de-duplicated on "reference"
//   GET  /v1/refunds[?reference=…]       every refund, or the one for a reference
//   GET  /v1/refunds/{id}
//   GET  /healthz
// Payments and refunds are answered with payment_json / refund_json, found next to their types.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "instant_book.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/http_types.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::sim {

// Processors bound their fields; longer ones are invalid requests.
constexpr std::size_t kReferenceBytesMax = 255;
constexpr std::size_t kMerchantBytesMax = 255;

// A string field of 1..bytes_max bytes, or nullptr.
const boost::json::string* text_field(const boost::json::object& object, std::string_view key,
                                      std::size_t bytes_max);

// "<field> is required, 1..<bytes_max> bytes".
std::string bytes_rule(std::string_view field, std::size_t bytes_max);

// The terms every payment body has.
struct PaymentTerms {
  std::string reference;
  std::int64_t amount_yen = 0;
  std::string merchant;  // optional: empty when absent
};

// Reads a payment body: a JSON object with "reference", a positive "amount", "currency" JPY, then the
// simulator's own fields (`own_fields` answers the first problem with them, or nullopt), then an
// optional "merchant"; the first problem in this order is returned.
std::optional<std::string> parse_payment_body(
    const std::string& body, PaymentTerms& terms,
    const std::function<std::optional<std::string>(const boost::json::object&)>& own_fields);

// Reads a refund body: {"payment", "amount", "reference"}; the first problem, or nullopt.
std::optional<std::string> parse_refund_body(const std::string& body, RefundAttempt& attempt);

// 402: a refund the processor will not make, with its terms; nothing kept.
runtime::HttpResponse refund_declined(std::string_view object, const std::string& payment_id,
                                      const std::string& reference, std::int64_t amount_yen,
                                      std::string_view decline_code, std::string message);

// 409 {"error": "reference_conflict", "message"}.
runtime::HttpResponse reference_conflict(std::string_view message);

// A payment's answer: 402 when declined, else 200 for a replay, 201 for a new one.
unsigned payment_status_code(bool declined, bool replayed);

template <class Book>
class InstantFront {
 public:
  // The time stamp of a new record, e.g. "2024-04-01T09:00:00Z"; injected so tests replay exactly (the
  // simulator passes utc_now, http_replies.hpp).
  using Clock = std::function<std::string()>;

  virtual ~InstantFront() = default;
  InstantFront(const InstantFront&) = delete;
  InstantFront& operator=(const InstantFront&) = delete;

  // Safe from several threads: a decision and its journal line are made under one lock.
  runtime::HttpResponse handle(const runtime::HttpRequest& request) {
    static constexpr std::string_view kPaymentsPrefix = "/v1/payments/";
    static constexpr std::string_view kRefundsPrefix = "/v1/refunds/";
    const std::string_view path = request.path();
    const bool post = request.method == "POST";
    const bool get = request.method == "GET";
    if (path == "/healthz") return reply(200, boost::json::object{{"status", "ok"}});
    if (path == "/v1/payments" && post) return create_payment(request.body);
    if (path == "/v1/payments" && get) return list_payments(request.query());
    if (path == "/v1/refunds" && post) return create_refund(request.body);
    if (path == "/v1/refunds" && get) return list_refunds(request.query());
    if (path.starts_with(kPaymentsPrefix)) {
      return handle_payment(path.substr(kPaymentsPrefix.size()), request);
    }
    if (path.starts_with(kRefundsPrefix) && get) {
      const auto refund = book_.refund_by_id(std::string(path.substr(kRefundsPrefix.size())));
      return refund ? reply(200, refund_json(*refund)) : not_found("no such refund");
    }
    return not_found();
  }

 protected:
  // Every new payment is appended to payments_journal, every new refund to refunds_journal, each as
  // one JSON line, flushed before the answer leaves. not_supported_message: why capture and void are
  // refused.
  InstantFront(Book& book, std::ostream& payments_journal, std::ostream& refunds_journal, Clock now,
               std::string_view not_supported_message)
      : book_(book),
        payments_journal_(payments_journal),
        refunds_journal_(refunds_journal),
        now_(std::move(now)),
        not_supported_message_(not_supported_message) {}

  // The simulator's own: a payment body read, decided, journalled, logged and answered.
  virtual runtime::HttpResponse create_payment(const std::string& body) = 0;
  // The simulator's own: a refund's outcome as an answer.
  virtual runtime::HttpResponse refund_reply(const typename Book::RefundDecision& decision) const = 0;

  Book& book_;
  std::ostream& payments_journal_;
  std::ostream& refunds_journal_;
  Clock now_;
  std::mutex changes_mutex_;  // held from a book decision to its journal line

 private:
  // "{id}", "{id}/capture" or "{id}/void".
  runtime::HttpResponse handle_payment(std::string_view rest, const runtime::HttpRequest& request) const {
    const std::size_t slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (action.empty() && request.method == "GET") {
      const auto payment = book_.by_id(id);
      return payment ? reply(200, payment_json(*payment)) : not_found("no such payment");
    }
    if ((action == "capture" || action == "void") && request.method == "POST") {
      // Whatever the id: the operation itself does not exist for an instant payment.
      return reply(409, boost::json::object{{"error", "not_supported"}, {"message", not_supported_message_}});
    }
    return not_found();
  }

  runtime::HttpResponse create_refund(const std::string& body) {
    RefundAttempt attempt;
    if (auto error = parse_refund_body(body, attempt)) return bad_request(std::move(*error));
    std::lock_guard lock(changes_mutex_);
    const auto decision = book_.refund(attempt, now_());
    if (decision.outcome == decltype(decision.outcome)::done) {
      append_line(refunds_journal_, refund_json(decision.refund));
    }
    log::info("refund_decided", {{"outcome", static_cast<int>(decision.outcome)},
                                 {"refund", decision.refund.id},
                                 {"payment", attempt.payment_id},
                                 {"reference", attempt.reference},
                                 {"amount_yen", attempt.amount_yen}});
    return refund_reply(decision);
  }

  runtime::HttpResponse list_payments(std::string_view query) const {
    const ReferenceQuery wanted = parse_reference_query(query);
    if (wanted.malformed) return bad_request("reference is not a valid percent-encoded value");
    boost::json::array data;
    if (wanted.reference) {
      if (auto payment = book_.by_reference(*wanted.reference)) data.push_back(payment_json(*payment));
    } else {
      for (const auto& payment : book_.all()) data.push_back(payment_json(payment));
    }
    return reply(200, list_json(std::move(data)));
  }

  runtime::HttpResponse list_refunds(std::string_view query) const {
    const ReferenceQuery wanted = parse_reference_query(query);
    if (wanted.malformed) return bad_request("reference is not a valid percent-encoded value");
    boost::json::array data;
    if (wanted.reference) {
      if (auto refund = book_.refund_by_reference(*wanted.reference)) data.push_back(refund_json(*refund));
    } else {
      for (const auto& refund : book_.all_refunds()) data.push_back(refund_json(refund));
    }
    return reply(200, list_json(std::move(data)));
  }

  std::string not_supported_message_;
};

}  // namespace kessai::sim

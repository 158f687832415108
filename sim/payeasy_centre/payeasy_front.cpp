#include "payeasy_front.hpp"

#include <cassert>
#include <chrono>
#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "instant_front.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "payeasy_records.hpp"
#include "pending_terms.hpp"
#include "settlement_day.hpp"

namespace kessai::sim::payeasy {

namespace json = boost::json;

namespace {

constexpr std::string_view kNumbersPrefix = "/v1/numbers/";

runtime::HttpResponse error_reply(unsigned status, std::string_view error, std::string message) {
  return reply(status, json::object{{"error", error}, {"message", std::move(message)}});
}

// A 409 about the number's state, naming it.
runtime::HttpResponse state_conflict(std::string_view error, const Number& number, std::string message) {
  return reply(409, json::object{{"error", error},
                                 {"number", number.id},
                                 {"number_status", number.status},
                                 {"message", std::move(message)}});
}

runtime::HttpResponse number_not_found() {
  return error_reply(404, "number_not_found", "no number with this institution and customer number");
}

std::optional<std::string> parse_issue_body(const std::string& body, NumberTerms& terms) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  PendingTerms pending;
  if (auto problem = parse_pending_terms(object, kAmountYenMax, pending)) return problem;
  const json::value* payer_name = object.if_contains("payer_name");
  if (payer_name != nullptr &&
      (!payer_name->is_string() || payer_name->as_string().size() > kPayerNameBytesMax)) {
    return "payer_name must be a string of at most " + std::to_string(kPayerNameBytesMax) + " bytes";
  }
  terms = NumberTerms{std::move(pending.reference),
                      pending.amount_yen,
                      std::move(pending.merchant),
                      pending.expires_at_s,
                      std::move(pending.notify_url),
                      payer_name != nullptr ? std::string(payer_name->as_string()) : std::string()};
  return std::nullopt;
}

std::optional<std::string> parse_pay_body(const std::string& body, PayAttempt& attempt) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  const json::string* institution = text_field(object, "institution_number", kEnteredDigitsBytesMax);
  const json::string* customer = text_field(object, "customer_number", kEnteredDigitsBytesMax);
  const json::string* confirmation = text_field(object, "confirmation_number", kEnteredDigitsBytesMax);
  const json::value* amount = object.if_contains("amount");
  if (institution == nullptr) return bytes_rule("institution_number", kEnteredDigitsBytesMax);
  if (customer == nullptr) return bytes_rule("customer_number", kEnteredDigitsBytesMax);
  if (confirmation == nullptr) return bytes_rule("confirmation_number", kEnteredDigitsBytesMax);
  if (amount != nullptr && (!amount->is_int64() || amount->as_int64() <= 0)) {
    return "amount, when given, must be a positive integer";
  }
  attempt = PayAttempt{std::string(*institution), std::string(*customer), std::string(*confirmation),
                       amount != nullptr ? std::optional<std::int64_t>(amount->as_int64()) : std::nullopt};
  return std::nullopt;
}

void log_change(std::string_view operation, int outcome, const Number& number) {
  log::info("number_changed", {{"operation", operation},
                               {"outcome", outcome},
                               {"number", number.id},
                               {"reference", number.reference},
                               {"status", number.status}});
}

}  // namespace

CentreFront::CentreFront(CentreBook& book, std::ostream& numbers_journal, Notifier& notifier,
                         SecondsClock now, SettlementTerms settlement, AutoPay schedule_auto_pay)
    : book_(book),
      numbers_journal_(numbers_journal),
      notifier_(notifier),
      now_(std::move(now)),
      settlement_(std::move(settlement)),
      schedule_auto_pay_(std::move(schedule_auto_pay)) {
  assert(settlement_.fee_per_payment_yen >= 0 && settlement_.fee_per_payment_yen <= kFeePerPaymentYenMax);
}

runtime::HttpResponse CentreFront::handle(const runtime::HttpRequest& request) {
  const std::string_view path = request.path();
  const bool post = request.method == "POST";
  const bool get = request.method == "GET";
  if (path == "/healthz") return reply(200, json::object{{"status", "ok"}});
  if (auto answer = callbacks_reply(notifier_, request)) return std::move(*answer);
  expire_due();
  if (path == "/v1/numbers" && post) return issue(request.body);
  if (path == "/v1/numbers" && get) return list(request.query());
  if (path.starts_with(kNumbersPrefix)) return handle_number(path.substr(kNumbersPrefix.size()), request);
  if (path == "/sim/pay" && post) return pay_body(request.body);
  if (path == "/sim/reverse" && post) return reverse(request.body);
  if (path == kSettlementPath && post) return settle(request.body);
  return not_found();
}

runtime::HttpResponse CentreFront::auto_pay(const std::string& number_id) {
  const std::optional<Number> number = book_.by_id(number_id);
  if (!number) return not_found("no such number");
  log::info("number_auto_paid", {{"number", number->id}});
  return pay(PayAttempt{number->institution_number, number->customer_number, number->confirmation_number,
                        number->amount_yen});
}

// "{id}" or "{id}/cancel".
runtime::HttpResponse CentreFront::handle_number(std::string_view rest, const runtime::HttpRequest& request) {
  const std::size_t slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (action.empty() && request.method == "GET") {
    const auto number = book_.by_id(id);
    return number ? reply(200, number_json(*number)) : not_found("no such number");
  }
  if (action == "cancel" && request.method == "POST") return cancel(id);
  return not_found();
}

runtime::HttpResponse CentreFront::issue(const std::string& body) {
  NumberTerms terms;
  if (auto error = parse_issue_body(body, terms)) return bad_request(std::move(*error));
  if (!notifier_.configured()) {
    return error_reply(409, "callbacks_not_configured",
                       "the centre has no --callback-secret to sign its notices with");
  }
  std::lock_guard lock(changes_mutex_);
  const IssueDecision decision = book_.issue(terms, now_());
  const Number& number = decision.number;
  switch (decision.outcome) {
    case IssueOutcome::issued:
      append_line(numbers_journal_, number_json(number));
      log::info("number_issued", {{"number", number.id},
                                  {"reference", number.reference},
                                  {"amount_yen", number.amount_yen},
                                  {"auto_pay", decision.auto_pay}});
      if (decision.auto_pay && schedule_auto_pay_) schedule_auto_pay_(number.id);
      return reply(201, number_json(number));
    case IssueOutcome::replayed:
      log::info("number_replayed", {{"number", number.id}, {"reference", number.reference}});
      return reply(200, number_json(number));
    case IssueOutcome::reference_conflict:
      return error_reply(409, "reference_conflict",
                         "reference already issued a number with another amount or "
                         "deadline");
    case IssueOutcome::expiry_not_future:
      return bad_request("expires_at must be in the future");
    case IssueOutcome::expiry_too_far:
      return bad_request("expires_at must be at most " + std::to_string(kExpiresAheadSecondsMax / 86'400) +
                         " days ahead");
    case IssueOutcome::book_full:
      return error_reply(503, "numbers_exhausted",
                         "the centre has issued " + std::to_string(kNumbersMax) + " numbers, all it can");
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

runtime::HttpResponse CentreFront::list(std::string_view query) const {
  const ReferenceQuery wanted = parse_reference_query(query);
  if (wanted.malformed) return bad_request("reference is not a valid percent-encoded value");
  json::array data;
  if (wanted.reference) {
    if (auto number = book_.by_reference(*wanted.reference)) data.push_back(number_json(*number));
  } else {
    for (const Number& number : book_.all()) data.push_back(number_json(number));
  }
  return reply(200, list_json(std::move(data)));
}

runtime::HttpResponse CentreFront::cancel(const std::string& id) {
  std::lock_guard lock(changes_mutex_);
  const ChangeDecision decision = book_.cancel(id, now_());
  if (decision.changed) append_line(numbers_journal_, number_json(decision.number));
  if (decision.outcome != ChangeOutcome::not_found) {
    log_change("cancel", static_cast<int>(decision.outcome), decision.number);
  }
  switch (decision.outcome) {
    case ChangeOutcome::done:
    case ChangeOutcome::replayed:
    case ChangeOutcome::expired:
      return reply(200, number_json(decision.number));
    case ChangeOutcome::not_found:
      return not_found("no such number");
    case ChangeOutcome::already_paid:
      return state_conflict("already_paid", decision.number,
                            "the number is " + decision.number.status + ": it can no longer be withdrawn");
    case ChangeOutcome::not_paid:
      break;  // reversals only
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

runtime::HttpResponse CentreFront::pay_body(const std::string& body) {
  PayAttempt attempt;
  if (auto error = parse_pay_body(body, attempt)) return bad_request(std::move(*error));
  return pay(attempt);
}

runtime::HttpResponse CentreFront::pay(const PayAttempt& attempt) {
  if (!notifier_.has_room()) {
    return error_reply(503, "callbacks_backlogged", "too many notices wait to be delivered; retry later");
  }
  std::lock_guard lock(changes_mutex_);
  const PayDecision decision = book_.pay(attempt, now_());
  const Number& number = decision.number;
  if (decision.changed) append_line(numbers_journal_, number_json(number));
  if (decision.outcome == PayOutcome::paid) notify_locked("payment.paid", number);
  if (decision.outcome != PayOutcome::not_found)
    log_change("pay", static_cast<int>(decision.outcome), number);
  switch (decision.outcome) {
    case PayOutcome::paid:
      return reply(200, number_json(number));
    case PayOutcome::not_found:
      return number_not_found();
    case PayOutcome::confirmation_mismatch:
      return error_reply(400, "confirmation_mismatch", "the confirmation number is not this number's");
    case PayOutcome::expired:
      return state_conflict("number_expired", number, "the number's deadline has passed");
    case PayOutcome::canceled:
      return state_conflict("number_canceled", number, "the merchant has withdrawn the number");
    case PayOutcome::already_paid:
      return state_conflict("already_paid", number, "the number is " + number.status + " already");
    case PayOutcome::amount_mismatch:
      return error_reply(400, "amount_mismatch",
                         "the number is for " + std::to_string(number.amount_yen) + " yen");
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

runtime::HttpResponse CentreFront::reverse(const std::string& body) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return bad_request("body must be a JSON object");
  const json::string* id = text_field(parsed.as_object(), "number", kReferenceBytesMax);
  if (id == nullptr) return bad_request(bytes_rule("number", kReferenceBytesMax));
  if (!notifier_.has_room()) {
    return error_reply(503, "callbacks_backlogged", "too many notices wait to be delivered; retry later");
  }
  std::lock_guard lock(changes_mutex_);
  const ChangeDecision decision = book_.reverse(std::string(*id), now_());
  const Number& number = decision.number;
  if (decision.changed) append_line(numbers_journal_, number_json(number));
  if (decision.outcome == ChangeOutcome::done) notify_locked("payment.reversed", number);
  if (decision.outcome != ChangeOutcome::not_found) {
    log_change("reverse", static_cast<int>(decision.outcome), number);
  }
  switch (decision.outcome) {
    case ChangeOutcome::done:
    case ChangeOutcome::replayed:
      return reply(200, number_json(number));
    case ChangeOutcome::not_found:
      return error_reply(404, "number_not_found", "no such number");
    case ChangeOutcome::not_paid:
      return state_conflict("not_paid", number,
                            "only a paid number can be reversed; this one is " + number.status);
    case ChangeOutcome::already_paid:
    case ChangeOutcome::expired:
      break;  // cancels only
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

runtime::HttpResponse CentreFront::settle(const std::string& body) const {
  return answer_settlement(body, settlement_.directory,
                           settlement_layout(book_, settlement_.fee_per_payment_yen));
}

void CentreFront::expire_due() {
  std::lock_guard lock(changes_mutex_);
  for (const Number& number : book_.expire_due(now_())) {
    append_line(numbers_journal_, number_json(number));
    log::info("number_expired", {{"number", number.id}, {"reference", number.reference}});
  }
}

void CentreFront::notify_locked(std::string_view type, const Number& number) {
  if (!notifier_.configured()) return;
  if (!notifier_.notify(type, number.reference, number.notify_url, notice_data(number),
                        format_utc_seconds(now_()))) {
    log::warn("callback_dropped", {{"number", number.id}, {"type", type}});
  }
}

}  // namespace kessai::sim::payeasy

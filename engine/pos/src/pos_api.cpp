#include "kessai/engine/pos_api.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include "kessai/engine/pos_text.hpp"
#include "kessai/ledger/journal.hpp"
#include "kessai/pos/v1/payments.pb.h"
#include "kessai/pos/v1/terminal.pb.h"
#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::engine {

namespace pb = kessai::pos::v1;
using runtime::HttpRequest;
using runtime::HttpResponse;

struct PosApi::Session {
  PosTerminal terminal;
  Caller caller;
  std::int64_t sequence = 0;
};

namespace {

enum class Endpoint : std::uint8_t { hello, payments, refunds, offline_batches, day_close };

std::optional<Endpoint> endpoint_of(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, Endpoint>, 5> kEndpoints{{
      {"/pos/v1/hello", Endpoint::hello},
      {"/pos/v1/payments", Endpoint::payments},
      {"/pos/v1/refunds", Endpoint::refunds},
      {"/pos/v1/offline_batches", Endpoint::offline_batches},
      {"/pos/v1/day_close", Endpoint::day_close},
  }};
  for (const auto& [known, endpoint] : kEndpoints) {
    if (path == known) return endpoint;
  }
  return std::nullopt;
}

HttpResponse protobuf_response(unsigned status, const google::protobuf::Message& message) {
  return HttpResponse{.status = status,
                      .content_type = "application/x-protobuf",
                      .body = message.SerializeAsString(),
                      .headers = {}};
}

struct ErrorTraits {
  unsigned status;
  bool retryable;
};

ErrorTraits traits_of(pb::ErrorCode code) {
  switch (code) {
    case pb::MALFORMED_MESSAGE:
    case pb::UNKNOWN_FIELDS:
    case pb::UNSUPPORTED_VERSION:
    case pb::INVALID_FIELD:
    case pb::UNKNOWN_FEE_CODE:
    case pb::BATCH_TOO_LARGE:
      return {400, false};
    case pb::UNSIGNED_REQUEST:
    case pb::BAD_SIGNATURE:
    case pb::UNKNOWN_TERMINAL:
      return {401, false};
    case pb::TERMINAL_REVOKED:
      return {403, false};
    case pb::PAYMENT_NOT_FOUND:
    case pb::NOT_FOUND:
      return {404, false};
    case pb::SEQUENCE_REPLAYED:
    case pb::SEQUENCE_OUT_OF_WINDOW:
    case pb::TRANSACTION_NUMBER_REUSED:
      return {409, false};
    case pb::UNSUPPORTED_MEDIA_TYPE:
      return {415, false};
    case pb::MEANS_UNAVAILABLE:
    case pb::REFUND_NOT_ALLOWED:
      return {422, false};
    case pb::PROCESSOR_UNAVAILABLE:
      return {502, true};
    case pb::SERVICE_UNAVAILABLE:
      return {503, true};
    default:
      return {500, true};
  }
}

HttpResponse error_reply(pb::ErrorCode code, const std::string& message, const std::string& field = {}) {
  pb::ErrorReply reply;
  reply.set_protocol_version(kPosProtocolVersion);
  reply.set_code(code);
  reply.set_message(message);
  reply.set_field(field);
  const ErrorTraits traits = traits_of(code);
  reply.set_retryable(traits.retryable);
  reply.set_display_message(std::string(pos_display_text(pb::ErrorCode_Name(code))));
  return protobuf_response(traits.status, reply);
}

// The field numbers a message (or a message inside it) has that this protocol version does not define.
std::optional<std::string> unknown_fields(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  if (!unknown.empty()) {
    std::string numbers;
    for (int i = 0; i < unknown.field_count(); ++i) {
      numbers += (numbers.empty() ? "" : ", ") + std::to_string(unknown.field(i).number());
    }
    return message.GetDescriptor()->full_name() + " has field(s) " + numbers;
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (auto found = unknown_fields(reflection->GetRepeatedMessage(message, field, i))) return found;
      }
    } else if (auto found = unknown_fields(reflection->GetMessage(message, field))) {
      return found;
    }
  }
  return std::nullopt;
}

std::optional<Means> means_of(pb::Means means) {
  switch (means) {
    case pb::MEANS_CARD:
      return Means::card;
    case pb::MEANS_EMONEY:
      return Means::emoney;
    case pb::MEANS_QR:
      return Means::qr;
    default:
      return std::nullopt;
  }
}

pb::Means wire_means(Means means) {
  switch (means) {
    case Means::card:
      return pb::MEANS_CARD;
    case Means::emoney:
      return pb::MEANS_EMONEY;
    case Means::qr:
      return pb::MEANS_QR;
    default:
      return pb::MEANS_UNSPECIFIED;
  }
}

std::string date_text(const std::optional<std::chrono::year_month_day>& date) {
  return date ? ledger::format_date(*date) : std::string();
}

// A problem with one field of a request: the field's name and what is wrong.
struct FieldProblem {
  std::string field;
  std::string message;
};

// What the reader captured, checked against the means.
struct PayerData {
  PaymentMethod method;
};

std::optional<FieldProblem> check_brand(Means means, const std::string& brand) {
  if (!is_known_brand(means, brand)) {
    return FieldProblem{"brand", "brand '" + brand + "' is not one of " + brand_list(means) + " for " +
                                     std::string(to_string(means))};
  }
  return std::nullopt;
}

std::optional<FieldProblem> check_receipt(const std::string& text) {
  if (text.size() > kPosReceiptTextBytesMax)
    return FieldProblem{"receipt_text", "receipt_text must be at most 200 bytes"};
  return std::nullopt;
}

template <class Payment>
std::optional<FieldProblem> read_payer(const Payment& payment, Means means, PaymentMethod& method) {
  if (means == Means::card) {
    if (!payment.has_card() || payment.card().token().empty())
      return FieldProblem{"card", "a card payment needs card.token (the reader's token)"};
    method.card_token = payment.card().token();
  } else if (means == Means::emoney) {
    if (!payment.has_emoney() || payment.emoney().idm().empty())
      return FieldProblem{"emoney", "an e-money payment needs emoney.idm (the card's IDm read at the tap)"};
    method.emoney_brand = payment.brand();
    method.emoney_idm = payment.emoney().idm();
  }
  return std::nullopt;
}

// An offline payment's attempt that charged nothing because the processor could not be reached: the payer
// paid the terminal already, so uploading it again tries again (the number's unique index leaves such
// attempts out).
bool unsent_attempt(const PaymentIntent& intent) {
  return intent.status == IntentStatus::failed && intent.failure_code == "processor_unavailable";
}

bool same_payment(const PaymentIntent& intent, Yen amount, Means means, const std::string& brand,
                  const std::string& fee_code) {
  return intent.amount == amount && intent.means == means && intent.brand == brand &&
         intent.fee_code.str() == fee_code;
}

pb::TransactionStatus status_of(const PaymentIntent& intent) {
  switch (intent.status) {
    case IntentStatus::succeeded:
    case IntentStatus::reversed:
    case IntentStatus::requires_capture:
      return pb::APPROVED;
    case IntentStatus::processing:
    case IntentStatus::requires_confirmation:
    case IntentStatus::requires_payment:
      return pb::PENDING;
    case IntentStatus::failed:
      return intent.failure_code == "processor_unavailable" || intent.failure_code == "processor_error"
                 ? pb::FAILED
                 : pb::DECLINED;
    default:
      return pb::FAILED;
  }
}

pb::TransactionStatus status_of(const Refund& refund) {
  switch (refund.status) {
    case RefundStatus::succeeded:
      return pb::APPROVED;
    case RefundStatus::pending:
      return pb::PENDING;
    default:
      return refund.failure_code == "processor_unavailable" || refund.failure_code == "processor_error"
                 ? pb::FAILED
                 : pb::DECLINED;
  }
}

// The POS error for an API error the payment service gave before anything was recorded.
pb::ErrorCode wire_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::unknown_fee_code:
      return pb::UNKNOWN_FEE_CODE;
    case ErrorCode::means_unavailable:
      return pb::MEANS_UNAVAILABLE;
    case ErrorCode::payment_intent_not_found:
      return pb::PAYMENT_NOT_FOUND;
    case ErrorCode::refund_exceeds_captured:
    case ErrorCode::payment_intent_unexpected_state:
      return pb::REFUND_NOT_ALLOWED;
    case ErrorCode::processor_unavailable:
    case ErrorCode::processor_error:
      return pb::PROCESSOR_UNAVAILABLE;
    case ErrorCode::database_unavailable:
    case ErrorCode::overloaded:
      return pb::SERVICE_UNAVAILABLE;
    case ErrorCode::internal_error:
      return pb::INTERNAL_ERROR;
    default:
      return pb::INVALID_FIELD;
  }
}

HttpResponse service_error(const ApiError& error) {
  return error_reply(wire_error(error.code), error.detail, error.param);
}

void fill_ranges(const std::vector<NumberRange>& gaps,
                 google::protobuf::RepeatedPtrField<pb::NumberRange>& out) {
  for (const NumberRange& gap : gaps) {
    pb::NumberRange* range = out.Add();
    range->set_first(static_cast<std::uint64_t>(gap.first));
    range->set_last(static_cast<std::uint64_t>(gap.last));
  }
}

std::string ranges_json(const std::vector<NumberRange>& gaps) {
  std::string json = "[";
  for (const NumberRange& gap : gaps) {
    if (json.size() > 1) json += ",";
    json += "[" + std::to_string(gap.first) + "," + std::to_string(gap.last) + "]";
  }
  return json + "]";
}

std::string takings_json(const std::vector<Takings>& takings) {
  std::string json = "[";
  for (const Takings& t : takings) {
    if (json.size() > 1) json += ",";
    json += R"({"means":")" + std::string(to_string(t.means)) + R"(","brand":")" +
            runtime::json_escape(t.brand) + R"(","payment_count":)" + std::to_string(t.payment_count) +
            R"(,"payment_amount_yen":)" + std::to_string(t.payment_amount.value()) + R"(,"refund_count":)" +
            std::to_string(t.refund_count) + R"(,"refund_amount_yen":)" +
            std::to_string(t.refund_amount.value()) + "}";
  }
  return json + "]";
}

void fill_total(const Takings& takings, pb::Total& total) {
  total.set_means(wire_means(takings.means));
  total.set_brand(takings.brand);
  total.set_payment_count(static_cast<std::uint64_t>(takings.payment_count));
  total.set_payment_amount_yen(takings.payment_amount.value());
  total.set_refund_count(static_cast<std::uint64_t>(takings.refund_count));
  total.set_refund_amount_yen(takings.refund_amount.value());
}

bool same_takings(const Takings& a, const Takings& b) {
  return a.payment_count == b.payment_count && a.payment_amount == b.payment_amount &&
         a.refund_count == b.refund_count && a.refund_amount == b.refund_amount;
}

// --- The endpoints --------------------------------------------------------------------------------

class Handler {
 public:
  Handler(PosServices& services, const PosApi::Session& session) : s_(services), session_(session) {}

  HttpResponse hello(const pb::HelloRequest& request);
  HttpResponse payment(const pb::PaymentRequest& request);
  HttpResponse refund(const pb::RefundRequest& request);
  HttpResponse offline_batch(const pb::OfflineBatch& batch);
  HttpResponse day_close(const pb::DayCloseRequest& request);

 private:
  const std::string& terminal_id() const { return session_.terminal.id; }
  std::int64_t highest() { return s_.store.highest_transaction(terminal_id()); }
  std::vector<NumberRange> gaps(std::int64_t up_to) {
    return s_.store.gaps(terminal_id(), up_to, kPosGapRangesMax);
  }
  HttpResponse payment_reply(const PaymentIntent& intent, bool duplicate);
  HttpResponse refund_reply(const Refund& refund, bool duplicate);
  // The transaction number is taken by a payment, refund or refused upload other than the one asked for.
  bool number_taken_otherwise(std::int64_t number, bool by_payment);
  void offline_one(const pb::OfflinePayment& payment, pb::OfflineResult& result, bool& duplicate);
  void refuse(const pb::OfflinePayment& payment, std::optional<Means> means,
              std::optional<std::chrono::system_clock::time_point> taken_at, const std::string& reason,
              const std::string& message, pb::OfflineResult& result, bool& duplicate);

  PosServices& s_;
  const PosApi::Session& session_;
};

HttpResponse Handler::hello(const pb::HelloRequest& request) {
  const auto now = s_.clock.now();
  if (!request.local_time().empty() && !parse_local_time(request.local_time())) {
    return error_reply(pb::INVALID_FIELD, "local_time must be RFC 3339 with an offset", "local_time");
  }
  pb::HelloReply reply;
  reply.set_protocol_version(kPosProtocolVersion);
  reply.set_min_protocol_version(kPosProtocolVersion);
  reply.set_max_protocol_version(kPosProtocolVersion);
  const PosTerminal& terminal = session_.terminal;
  reply.set_terminal_id(terminal.id);
  reply.set_terminal_name(terminal.name);
  reply.set_facility_id(terminal.facility_id);
  reply.set_facility_name(terminal.facility_name);
  reply.set_business_date(ledger::format_date(s_.business_day.date_of(now)));
  reply.set_server_time(format_utc(now));
  reply.set_card_floor_limit_yen(terminal.card_floor_limit.value());
  reply.set_emoney_floor_limit_yen(terminal.emoney_floor_limit.value());
  for (const Means means : {Means::card, Means::emoney, Means::qr}) {
    if (!s_.router.candidates(RouteKey{means, terminal.facility_id, "", ""}).empty())
      reply.add_means(wire_means(means));
  }
  const std::int64_t high = highest();
  reply.set_next_transaction_number(static_cast<std::uint64_t>(high + 1));
  reply.set_last_request_sequence(
      static_cast<std::uint64_t>(std::max(terminal.highest_sequence, session_.sequence)));
  for (const auto& [code, name] : s_.store.fee_codes()) {
    pb::FeeCode* fee = reply.add_fee_codes();
    fee->set_code(code);
    fee->set_name(name);
  }
  fill_ranges(gaps(high), *reply.mutable_gaps());
  log::info("pos_hello", {{"terminal", terminal.id},
                          {"facility", terminal.facility_id},
                          {"software", request.software()},
                          {"local_time", request.local_time()}});
  return protobuf_response(200, reply);
}

HttpResponse Handler::payment_reply(const PaymentIntent& intent, bool duplicate) {
  pb::PaymentReply reply;
  reply.set_protocol_version(kPosProtocolVersion);
  reply.set_transaction_number(static_cast<std::uint64_t>(intent.pos->transaction_number));
  reply.set_status(status_of(intent));
  reply.set_payment_id(intent.id);
  reply.set_amount_yen(intent.amount.value());
  reply.set_business_date(date_text(intent.business_date));
  reply.set_decline_code(intent.failure_code);
  reply.set_message(intent.failure_message);
  reply.set_display_message(std::string(pos_display_text(pb::TransactionStatus_Name(reply.status()))));
  reply.set_duplicate(duplicate);
  return protobuf_response(200, reply);
}

HttpResponse Handler::refund_reply(const Refund& refund, bool duplicate) {
  pb::RefundReply reply;
  reply.set_protocol_version(kPosProtocolVersion);
  reply.set_transaction_number(static_cast<std::uint64_t>(refund.pos->transaction_number));
  reply.set_status(status_of(refund));
  reply.set_refund_id(refund.id);
  reply.set_payment_id(refund.payment_intent_id);
  reply.set_amount_yen(refund.amount.value());
  reply.set_business_date(date_text(refund.business_date));
  reply.set_decline_code(refund.failure_code);
  reply.set_message(refund.failure_message);
  reply.set_display_message(std::string(pos_display_text(pb::TransactionStatus_Name(reply.status()))));
  reply.set_duplicate(duplicate);
  return protobuf_response(200, reply);
}

bool Handler::number_taken_otherwise(std::int64_t number, bool by_payment) {
  if (!by_payment && s_.payment_store.find_intent_by_terminal(terminal_id(), number)) return true;
  if (by_payment && s_.payment_store.find_refund_by_terminal(terminal_id(), number)) return true;
  return s_.store.find_refused(terminal_id(), number).has_value();
}

HttpResponse reused(std::int64_t number) {
  return error_reply(pb::TRANSACTION_NUMBER_REUSED,
                     "transaction number " + std::to_string(number) +
                         " was recorded for another transaction of this terminal; use the next number",
                     "transaction_number");
}

HttpResponse Handler::payment(const pb::PaymentRequest& request) {
  const auto number = static_cast<std::int64_t>(request.transaction_number());
  if (number <= 0)
    return error_reply(pb::INVALID_FIELD, "transaction_number must be 1 or more", "transaction_number");
  const std::optional<Means> means = means_of(request.means());
  if (!means)
    return error_reply(pb::INVALID_FIELD, "means must be MEANS_CARD, MEANS_EMONEY or MEANS_QR", "means");
  if (auto problem = check_brand(*means, request.brand()))
    return error_reply(pb::INVALID_FIELD, problem->message, problem->field);
  PaymentMethod method;
  if (*means == Means::qr) {
    if (!request.has_qr() || request.qr().code().empty())
      return error_reply(pb::INVALID_FIELD, "a QR payment needs qr.code (the payer's code as scanned)", "qr");
    method.qr_code = request.qr().code();
  } else if (auto problem = read_payer(request, *means, method)) {
    return error_reply(pb::INVALID_FIELD, problem->message, problem->field);
  }
  if (!parse_local_time(request.local_time()))
    return error_reply(pb::INVALID_FIELD,
                       "local_time must be RFC 3339 with an offset, e.g. 2026-11-22T10:15:00+09:00",
                       "local_time");
  if (auto problem = check_receipt(request.receipt_text()))
    return error_reply(pb::INVALID_FIELD, problem->message, problem->field);
  const std::optional<FeeCode> fee_code = FeeCode::parse(request.fee_code());
  if (!fee_code)
    return error_reply(pb::UNKNOWN_FEE_CODE, "no fee code '" + request.fee_code() + "'", "fee_code");
  const Yen amount(request.amount_yen());

  const auto replay = [&](const PaymentIntent& existing) {
    return same_payment(existing, amount, *means, request.brand(), request.fee_code())
               ? payment_reply(existing, true)
               : reused(number);
  };
  const std::optional<PaymentIntent> existing =
      s_.payment_store.find_intent_by_terminal(terminal_id(), number);
  // Online, the payer is at the counter: a failed attempt stands, and a new try is a new transaction.
  if (existing) return replay(*existing);
  if (number_taken_otherwise(number, true)) return reused(number);

  CreateIntentCommand command{
      .amount = amount,
      .currency = "JPY",
      .means = *means,
      .fee_code = *fee_code,
      .facility = FacilityId::parse(session_.terminal.facility_id),
      .procedure = std::nullopt,
      .capture_method = CaptureMethod::automatic,
      .description = request.receipt_text(),
      .metadata_json = "{}",
      .confirm = true,
      .payment_method = method,
      .idempotency_key = {},
      .brand = request.brand(),
      .pos = PosOrigin{.terminal_id = terminal_id(), .transaction_number = number},
  };
  IntentOutcome outcome;
  try {
    outcome = s_.payments.create(session_.caller, command);
  } catch (const ConcurrentUpdate&) {
    // The same transaction sent twice at once: the first one recorded it.
    if (auto first = s_.payment_store.find_intent_by_terminal(terminal_id(), number)) return replay(*first);
    throw;
  }
  if (!outcome.intent) return service_error(*outcome.error);
  log::info("pos_payment", {{"terminal", terminal_id()},
                            {"transaction_number", number},
                            {"payment_id", outcome.intent->id},
                            {"status", to_string(outcome.intent->status)}});
  return payment_reply(*outcome.intent, false);
}

HttpResponse Handler::refund(const pb::RefundRequest& request) {
  const auto number = static_cast<std::int64_t>(request.transaction_number());
  if (number <= 0)
    return error_reply(pb::INVALID_FIELD, "transaction_number must be 1 or more", "transaction_number");
  if (request.kind() != pb::VOID && request.kind() != pb::REFUND)
    return error_reply(pb::INVALID_FIELD, "kind must be VOID or REFUND", "kind");
  if (request.amount_yen() < 0)
    return error_reply(pb::INVALID_FIELD, "amount_yen must not be negative", "amount_yen");
  if (request.reason().size() > kRefundReasonBytesMax)
    return error_reply(pb::INVALID_FIELD, "reason must be at most 500 bytes", "reason");
  if (!request.local_time().empty() && !parse_local_time(request.local_time()))
    return error_reply(pb::INVALID_FIELD, "local_time must be RFC 3339 with an offset", "local_time");

  // The payment: by id, or by its transaction number at this terminal.
  std::optional<PaymentIntent> payment;
  if (!request.payment_id().empty()) {
    payment = s_.payment_store.find_intent(request.payment_id());
  } else if (request.original_transaction_number() > 0) {
    payment = s_.payment_store.find_intent_by_terminal(
        terminal_id(), static_cast<std::int64_t>(request.original_transaction_number()));
  } else {
    return error_reply(pb::INVALID_FIELD, "give payment_id or original_transaction_number", "payment_id");
  }
  const bool ours = payment && payment->pos && payment->facility &&
                    payment->facility->str() == session_.terminal.facility_id;
  if (!ours) {
    return error_reply(pb::PAYMENT_NOT_FOUND, "no payment of this facility matches the refund's payment",
                       request.payment_id().empty() ? "original_transaction_number" : "payment_id");
  }

  if (auto existing = s_.payment_store.find_refund_by_terminal(terminal_id(), number)) {
    const bool same = existing->payment_intent_id == payment->id &&
                      (request.amount_yen() == 0 || existing->amount.value() == request.amount_yen());
    return same ? refund_reply(*existing, true) : reused(number);
  }
  if (number_taken_otherwise(number, false)) return reused(number);

  if (request.kind() == pb::VOID) {
    const auto today = s_.business_day.date_of(s_.clock.now());
    if (payment->business_date != today) {
      return error_reply(pb::REFUND_NOT_ALLOWED,
                         "a void cancels a payment on its own business day (" +
                             date_text(payment->business_date) + "); refund it instead",
                         "kind");
    }
    if (!payment->amount_refunded.is_zero() ||
        (request.amount_yen() != 0 && request.amount_yen() != payment->amount_captured.value())) {
      return error_reply(pb::REFUND_NOT_ALLOWED, "a void cancels the whole payment; refund a part instead",
                         "amount_yen");
    }
  }
  RefundCommand command{
      .payment_intent_id = payment->id,
      .amount = request.amount_yen() == 0 ? std::nullopt : std::optional<Yen>(Yen(request.amount_yen())),
      .reason = request.reason().empty() ? (request.kind() == pb::VOID ? "void" : "") : request.reason(),
      .metadata_json = "{}",
      .idempotency_key = {},
      .pos = PosOrigin{.terminal_id = terminal_id(), .transaction_number = number},
  };
  RefundOutcome outcome;
  try {
    outcome = s_.payments.refund(session_.caller, command);
  } catch (const ConcurrentUpdate&) {
    if (auto existing = s_.payment_store.find_refund_by_terminal(terminal_id(), number))
      return refund_reply(*existing, true);
    throw;
  }
  if (!outcome.refund) return service_error(*outcome.error);
  log::info("pos_refund", {{"terminal", terminal_id()},
                           {"transaction_number", number},
                           {"refund_id", outcome.refund->id},
                           {"status", to_string(outcome.refund->status)}});
  return refund_reply(*outcome.refund, false);
}

void Handler::refuse(const pb::OfflinePayment& payment, std::optional<Means> means,
                     std::optional<std::chrono::system_clock::time_point> taken_at, const std::string& reason,
                     const std::string& message, pb::OfflineResult& result, bool& duplicate) {
  const RefusedTransaction refused{
      .terminal_id = terminal_id(),
      .transaction_number = static_cast<std::int64_t>(payment.transaction_number()),
      .reason = reason,
      .message = message,
      .amount = Yen(payment.amount_yen()),
      .means = means.value_or(Means::card),
      .brand = payment.brand().substr(0, 32),
      .taken_at = taken_at};
  if (!s_.store.record_refused(refused)) {
    // Refused before: the first record stands.
    duplicate = true;
    if (auto first = s_.store.find_refused(terminal_id(), refused.transaction_number)) {
      result.set_decline_code(first->reason);
      result.set_message(first->message);
    }
  } else {
    result.set_decline_code(reason);
    result.set_message(message);
    log::warn("pos_offline_refused", {{"terminal", terminal_id()},
                                      {"transaction_number", refused.transaction_number},
                                      {"reason", reason}});
  }
  result.set_status(pb::REFUSED);
  result.set_duplicate(duplicate);
}

void Handler::offline_one(const pb::OfflinePayment& payment, pb::OfflineResult& result, bool& duplicate) {
  const auto number = static_cast<std::int64_t>(payment.transaction_number());
  result.set_transaction_number(payment.transaction_number());
  duplicate = false;
  if (number <= 0) {
    result.set_status(pb::REFUSED);
    result.set_decline_code("invalid_field");
    result.set_message("transaction_number must be 1 or more");
    return;  // nothing to record it under
  }
  const auto answer = [&](const PaymentIntent& intent) {
    result.set_status(status_of(intent));
    result.set_payment_id(intent.id);
    result.set_decline_code(intent.failure_code);
    result.set_message(intent.failure_message);
    result.set_business_date(date_text(intent.business_date));
  };
  const std::optional<Means> means = means_of(payment.means());
  const auto replay = [&](const PaymentIntent& existing) {
    if (means &&
        same_payment(existing, Yen(payment.amount_yen()), *means, payment.brand(), payment.fee_code())) {
      duplicate = true;
      result.set_duplicate(true);
      answer(existing);
    } else {
      result.set_status(pb::REFUSED);
      result.set_decline_code("transaction_number_reused");
      result.set_message("transaction number " + std::to_string(number) +
                         " was recorded for another payment");
    }
  };
  const std::optional<PaymentIntent> existing =
      s_.payment_store.find_intent_by_terminal(terminal_id(), number);
  const bool retry =
      existing && unsent_attempt(*existing) && means &&
      same_payment(*existing, Yen(payment.amount_yen()), *means, payment.brand(), payment.fee_code());
  if (existing && !retry) return replay(*existing);
  if (retry) log::info("pos_retry_unsent", {{"terminal", terminal_id()}, {"transaction_number", number}});
  if (auto refused = s_.store.find_refused(terminal_id(), number)) {
    duplicate = true;
    result.set_duplicate(true);
    result.set_status(pb::REFUSED);
    result.set_decline_code(refused->reason);
    result.set_message(refused->message);
    return;
  }
  if (s_.payment_store.find_refund_by_terminal(terminal_id(), number)) {
    result.set_status(pb::REFUSED);
    result.set_decline_code("transaction_number_reused");
    result.set_message("transaction number " + std::to_string(number) + " was recorded for a refund");
    return;
  }

  const std::optional<std::chrono::system_clock::time_point> taken_at =
      parse_local_time(payment.local_time());
  const auto refuse_with = [&](const std::string& reason, const std::string& message) {
    refuse(payment, means, taken_at, reason, message, result, duplicate);
  };
  if (!taken_at) return refuse_with("invalid_field", "local_time must be RFC 3339 with an offset");
  if (*taken_at > s_.clock.now() + std::chrono::hours(24))
    return refuse_with("invalid_field", "local_time is more than a day ahead of kessai's clock");
  if (!means) return refuse_with("invalid_field", "means must be MEANS_CARD or MEANS_EMONEY");
  if (*means == Means::qr)
    return refuse_with("offline_not_allowed", "QR payments are online only: the provider must see the code");
  if (auto problem = check_brand(*means, payment.brand()))
    return refuse_with("invalid_field", problem->message);
  PaymentMethod method;
  if (auto problem = read_payer(payment, *means, method))
    return refuse_with("invalid_field", problem->message);
  if (auto problem = check_receipt(payment.receipt_text()))
    return refuse_with("invalid_field", problem->message);
  if (payment.amount_yen() <= 0) return refuse_with("invalid_field", "amount_yen must be 1 or more");
  const Yen limit =
      *means == Means::card ? session_.terminal.card_floor_limit : session_.terminal.emoney_floor_limit;
  if (limit.is_zero())
    return refuse_with("offline_not_allowed",
                       "this facility takes no offline " + std::string(to_string(*means)) + " payments");
  if (Yen(payment.amount_yen()) > limit)
    return refuse_with("floor_limit_exceeded", format_yen(Yen(payment.amount_yen())) +
                                                   " yen is above the offline floor limit of " +
                                                   format_yen(limit) + " yen");
  const std::optional<FeeCode> fee_code = FeeCode::parse(payment.fee_code());
  if (!fee_code) return refuse_with("unknown_fee_code", "no fee code '" + payment.fee_code() + "'");

  CreateIntentCommand command{
      .amount = Yen(payment.amount_yen()),
      .currency = "JPY",
      .means = *means,
      .fee_code = *fee_code,
      .facility = FacilityId::parse(session_.terminal.facility_id),
      .procedure = std::nullopt,
      .capture_method = CaptureMethod::automatic,
      .description = payment.receipt_text(),
      .metadata_json = "{}",
      .confirm = true,
      .payment_method = method,
      .idempotency_key = {},
      .brand = payment.brand(),
      .pos = PosOrigin{.terminal_id = terminal_id(),
                       .transaction_number = number,
                       .offline = true,
                       .taken_at = taken_at},
  };
  IntentOutcome outcome;
  try {
    outcome = s_.payments.create(session_.caller, command);
  } catch (const ConcurrentUpdate&) {
    if (auto first = s_.payment_store.find_intent_by_terminal(terminal_id(), number)) return replay(*first);
    throw;
  }
  if (!outcome.intent) {
    const ApiError& error = *outcome.error;
    if (error.code == ErrorCode::processor_unavailable || error.code == ErrorCode::database_unavailable) {
      // Nothing recorded, nothing charged: the terminal keeps it and uploads it again.
      result.set_status(pb::FAILED);
      result.set_decline_code(std::string(error_info(error.code).name));
      result.set_message(error.detail);
      return;
    }
    return refuse_with(std::string(error_info(error.code).name), error.detail);
  }
  answer(*outcome.intent);
}

HttpResponse Handler::offline_batch(const pb::OfflineBatch& batch) {
  if (static_cast<std::size_t>(batch.payments_size()) > kPosBatchMax) {
    return error_reply(
        pb::BATCH_TOO_LARGE,
        std::to_string(batch.payments_size()) + " payments in one upload; send at most 500 at a time",
        "payments");
  }
  if (batch.batch_id().size() > 200)
    return error_reply(pb::INVALID_FIELD, "batch_id must be at most 200 bytes", "batch_id");
  pb::OfflineBatchReply reply;
  reply.set_protocol_version(kPosProtocolVersion);
  reply.set_batch_id(batch.batch_id());
  std::uint64_t recorded = 0;
  std::uint64_t duplicates = 0;
  for (const pb::OfflinePayment& payment : batch.payments()) {
    pb::OfflineResult* result = reply.add_results();
    bool duplicate = false;
    offline_one(payment, *result, duplicate);
    if (duplicate) {
      ++duplicates;
    } else if (result->status() != pb::FAILED &&
               !(result->status() == pb::REFUSED && result->decline_code() == "transaction_number_reused")) {
      ++recorded;
    }
  }
  reply.set_recorded(recorded);
  reply.set_duplicates(duplicates);
  const std::int64_t high = highest();
  reply.set_highest_transaction_number(static_cast<std::uint64_t>(high));
  const std::vector<NumberRange> missing = gaps(high);
  fill_ranges(missing, *reply.mutable_gaps());
  log::info("pos_offline_batch", {{"terminal", terminal_id()},
                                  {"batch_id", batch.batch_id()},
                                  {"payments", std::int64_t{batch.payments_size()}},
                                  {"recorded", recorded},
                                  {"duplicates", duplicates},
                                  {"gaps", std::uint64_t{missing.size()}}});
  if (!missing.empty()) {
    log::warn("pos_transaction_gaps", {{"terminal", terminal_id()}, {"gaps", ranges_json(missing)}});
  }
  return protobuf_response(200, reply);
}

HttpResponse Handler::day_close(const pb::DayCloseRequest& request) {
  const std::optional<std::chrono::year_month_day> date = ledger::parse_date(request.business_date());
  if (!date) return error_reply(pb::INVALID_FIELD, "business_date must be YYYY-MM-DD", "business_date");
  std::map<std::pair<Means, std::string>, Takings> terminal;
  for (const pb::Total& total : request.totals()) {
    const std::optional<Means> means = means_of(total.means());
    if (!means) return error_reply(pb::INVALID_FIELD, "every total needs a means", "totals.means");
    if (total.payment_amount_yen() < 0 || total.refund_amount_yen() < 0)
      return error_reply(pb::INVALID_FIELD, "amounts in totals must not be negative", "totals");
    const auto key = std::make_pair(*means, total.brand());
    if (terminal.contains(key)) {
      return error_reply(
          pb::INVALID_FIELD,
          "two totals for " + std::string(to_string(*means)) + " " + total.brand() + "; send one each",
          "totals");
    }
    terminal[key] = Takings{.means = *means,
                            .brand = total.brand(),
                            .payment_count = static_cast<std::int64_t>(total.payment_count()),
                            .payment_amount = Yen(total.payment_amount_yen()),
                            .refund_count = static_cast<std::int64_t>(total.refund_count()),
                            .refund_amount = Yen(total.refund_amount_yen())};
  }
  const DayTakings recorded = s_.store.day_takings(terminal_id(), *date);
  std::map<std::pair<Means, std::string>, Takings> kessai;
  for (const Takings& takings : recorded.takings) kessai[{takings.means, takings.brand}] = takings;

  pb::DayCloseReply reply;
  reply.set_protocol_version(kPosProtocolVersion);
  std::vector<Takings> terminal_list;
  std::string differences = "[";
  std::set<std::pair<Means, std::string>> keys;
  for (const auto& [key, takings] : terminal) keys.insert(key), terminal_list.push_back(takings);
  for (const auto& [key, takings] : kessai) keys.insert(key);
  for (const auto& key : keys) {
    const Takings zero{.means = key.first, .brand = key.second};
    const auto mine = terminal.find(key);
    const auto theirs = kessai.find(key);
    const Takings& a = mine == terminal.end() ? zero : mine->second;
    const Takings& b = theirs == kessai.end() ? zero : theirs->second;
    if (same_takings(a, b)) continue;
    pb::Difference* difference = reply.add_differences();
    difference->set_means(wire_means(key.first));
    difference->set_brand(key.second);
    fill_total(a, *difference->mutable_terminal());
    fill_total(b, *difference->mutable_kessai());
    if (differences.size() > 1) differences += ",";
    differences += R"({"terminal":)" + takings_json({a}) + R"(,"kessai":)" + takings_json({b}) + "}";
  }
  differences += "]";
  for (const Takings& takings : recorded.takings) fill_total(takings, *reply.add_kessai_totals());
  const bool match = reply.differences_size() == 0;
  reply.set_result(match ? pb::MATCH : pb::MISMATCH);
  reply.set_pending_count(static_cast<std::uint64_t>(recorded.pending_count));
  const std::int64_t up_to = request.last_transaction_number() > 0
                                 ? static_cast<std::int64_t>(request.last_transaction_number())
                                 : highest();
  const std::vector<NumberRange> missing = gaps(up_to);
  fill_ranges(missing, *reply.mutable_gaps());
  const DayCloseRecord record{.id = s_.ids.next("dc"),
                              .terminal_id = terminal_id(),
                              .business_date = *date,
                              .match = match,
                              .terminal_totals_json = takings_json(terminal_list),
                              .kessai_totals_json = takings_json(recorded.takings),
                              .differences_json = differences,
                              .pending_count = recorded.pending_count,
                              .gaps_json = ranges_json(missing)};
  s_.store.record_day_close(record);
  reply.set_close_id(record.id);
  (match ? log::info : log::warn)("pos_day_close", {{"terminal", terminal_id()},
                                                    {"business_date", request.business_date()},
                                                    {"result", match ? "match" : "mismatch"},
                                                    {"differences", std::int64_t{reply.differences_size()}},
                                                    {"pending", recorded.pending_count},
                                                    {"gaps", std::uint64_t{missing.size()}}});
  return protobuf_response(200, reply);
}

// Reads, checks and sequences one request's message, then hands it to the endpoint.
template <class Request, class Run>
HttpResponse with_message(const HttpRequest& http, PosServices& services, PosApi::Session& session, Run run) {
  Request request;
  if (!request.ParseFromString(http.body)) {
    return error_reply(pb::MALFORMED_MESSAGE,
                       "the body is not a " + Request::descriptor()->full_name() + " (Protobuf wire format)");
  }
  if (std::optional<std::string> unknown = unknown_fields(request)) {
    return error_reply(pb::UNKNOWN_FIELDS,
                       *unknown + " that protocol version 1 does not define; send only version 1's fields");
  }
  if (request.protocol_version() != kPosProtocolVersion) {
    return error_reply(pb::UNSUPPORTED_VERSION,
                       "protocol_version " + std::to_string(request.protocol_version()) +
                           " is not one kessai speaks (1 to 1)",
                       "protocol_version");
  }
  switch (services.store.claim_sequence(session.terminal.id, session.sequence)) {
    case SequenceClaim::accepted:
      break;
    case SequenceClaim::replayed:
      return error_reply(pb::SEQUENCE_REPLAYED, "request sequence number " +
                                                    std::to_string(session.sequence) +
                                                    " was used before; every request needs a new one");
    case SequenceClaim::out_of_window:
      return error_reply(pb::SEQUENCE_OUT_OF_WINDOW,
                         "request sequence number " + std::to_string(session.sequence) +
                             " is 64 or more below the highest kessai accepted; send a new, higher one");
  }
  return run(request);
}

std::optional<std::int64_t> parse_sequence(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  return value > 0 ? std::optional(value) : std::nullopt;
}

bool is_lower_hex(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

HttpResponse PosApi::serve(const HttpRequest& request) {
  const std::optional<Endpoint> endpoint = endpoint_of(request.path());
  if (!endpoint || request.method != "POST") {
    return error_reply(pb::NOT_FOUND, "no endpoint " + request.method + " " + std::string(request.path()) +
                                          "; the POS protocol is POST /pos/v1/{hello,payments,refunds,"
                                          "offline_batches,day_close}");
  }
  const std::string_view content_type = request.header("content-type").value_or("");
  if (!content_type.starts_with("application/x-protobuf")) {
    return error_reply(pb::UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/x-protobuf");
  }
  const std::string terminal_id(request.header("x-kessai-terminal").value_or(""));
  const std::string sequence_text(request.header("x-kessai-sequence").value_or(""));
  const std::string signature(request.header("x-kessai-signature").value_or(""));
  const std::optional<std::int64_t> sequence = parse_sequence(sequence_text);
  if (terminal_id.empty() || !sequence || !is_lower_hex(signature)) {
    return error_reply(
        pb::UNSIGNED_REQUEST,
        "every request needs X-Kessai-Terminal, X-Kessai-Sequence (1 or more) and X-Kessai-Signature "
        "(64 lower-case hex digits)");
  }
  std::optional<PosTerminal> terminal = services_.store.find_terminal(terminal_id);
  if (!terminal) {
    log::warn(
        "pos_refused",
        {{"reason", "unknown_terminal"}, {"terminal", terminal_id}, {"remote", request.remote_address}});
    return error_reply(pb::UNKNOWN_TERMINAL, "no terminal '" + terminal_id + "' is registered");
  }
  if (terminal->revoked) {
    log::warn(
        "pos_refused",
        {{"reason", "terminal_revoked"}, {"terminal", terminal_id}, {"remote", request.remote_address}});
    return error_reply(pb::TERMINAL_REVOKED, "terminal " + terminal_id + " was revoked; register it anew");
  }
  const std::string expected =
      runtime::hmac_sha256_hex(terminal->secret, terminal_id + "\n" + sequence_text + "\n" +
                                                     std::string(request.path()) + "\n" + request.body);
  if (!runtime::constant_time_equals(expected, signature)) {
    log::warn("pos_refused",
              {{"reason", "bad_signature"}, {"terminal", terminal_id}, {"remote", request.remote_address}});
    return error_reply(pb::BAD_SIGNATURE, "the signature does not verify with this terminal's secret");
  }
  Session session{.terminal = std::move(*terminal), .caller = Caller{}, .sequence = *sequence};
  session.caller.name = session.terminal.name;
  session.caller.facility_ids = {session.terminal.facility_id};
  session.caller.terminal_id = session.terminal.id;
  Handler handler(services_, session);
  switch (*endpoint) {
    case Endpoint::hello:
      return with_message<pb::HelloRequest>(request, services_, session,
                                            [&](const auto& message) { return handler.hello(message); });
    case Endpoint::payments:
      return with_message<pb::PaymentRequest>(request, services_, session,
                                              [&](const auto& message) { return handler.payment(message); });
    case Endpoint::refunds:
      return with_message<pb::RefundRequest>(request, services_, session,
                                             [&](const auto& message) { return handler.refund(message); });
    case Endpoint::offline_batches:
      return with_message<pb::OfflineBatch>(
          request, services_, session, [&](const auto& message) { return handler.offline_batch(message); });
    case Endpoint::day_close:
      return with_message<pb::DayCloseRequest>(
          request, services_, session, [&](const auto& message) { return handler.day_close(message); });
  }
  return error_reply(pb::NOT_FOUND, "no such endpoint");
}

void PosApi::handle(runtime::HttpRequest request, runtime::Responder respond) {
  auto job = [this, respond, request = std::move(request)] {
    try {
      respond(serve(request));
    } catch (const StoreUnavailable& error) {
      log::error("database_unavailable", {{"error", error.what()}});
      respond(error_reply(pb::SERVICE_UNAVAILABLE, "the database cannot be reached; retry later"));
    } catch (const std::exception& error) {
      log::error("internal_error", {{"error", error.what()}, {"path", std::string(request.path())}});
      respond(error_reply(pb::INTERNAL_ERROR, "an internal error occurred; it has been logged"));
    }
  };
  if (!services_.workers.try_post(job)) {
    respond(error_reply(pb::SERVICE_UNAVAILABLE, "too many requests in progress; retry with backoff"));
  }
}

}  // namespace kessai::engine

// kessai-sim card-acquirer: a card acquirer over HTTP/JSON, as kessai's card adapter expects one.
//   POST /v1/charges                  authorize (and capture) a token; de-duplicated on "reference"
//   GET  /v1/charges[?reference=…]    every charge, or the one for a reference (inquiry)
//   GET  /v1/charges/{id}
//   POST /v1/charges/{id}/capture     capture an authorization, in full or in part
//   POST /v1/charges/{id}/void        release an authorization
//   POST /v1/refunds                  refund a captured charge, in parts; de-duplicated on "reference"
//   GET  /v1/refunds[?reference=…]    every refund, or the one for a reference (inquiry)
//   GET  /v1/refunds/{id}
//   GET  /healthz
//   POST /sim/settlement              write a business date's settlement file (card_settlement.hpp)
// Every change appends the full record to <state-dir>/charges.jsonl or refunds.jsonl; both are replayed
// on start, the latest line of a charge winning.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>

#include "acquirer_book.hpp"
#include "acquirer_records.hpp"
#include "card_settlement.hpp"
#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "settlement_day.hpp"
#include "settlement_file.hpp"
#include "sim_options.hpp"
#include "sim_server.hpp"

namespace kessai::sim {

namespace json = boost::json;

namespace {

// Acquirers bound their fields; a longer refund reference is an invalid request.
constexpr std::size_t kReferenceBytesMax = 255;
constexpr std::string_view kChargesPrefix = "/v1/charges/";
constexpr std::string_view kRefundsPrefix = "/v1/refunds/";
constexpr std::string_view kReferenceQuery = "reference=";

runtime::HttpResponse conflict(std::string error, const Charge& charge, std::string message) {
  return reply(409, json::object{{"error", std::move(error)},
                                 {"charge", charge.id},
                                 {"charge_status", charge.status},
                                 {"message", std::move(message)}});
}

bool is_positive_amount(const json::value* amount) {
  return amount != nullptr && amount->is_int64() && amount->as_int64() > 0;
}

bool is_reference(const json::value* reference) {
  return reference != nullptr && reference->is_string() && !reference->as_string().empty() &&
         reference->as_string().size() <= kReferenceBytesMax;
}

// A capture body is optional: empty, {} or without "amount" captures the whole authorization.
std::optional<std::string> parse_capture_body(const std::string& body,
                                              std::optional<std::int64_t>& amount_yen) {
  if (body.empty()) return std::nullopt;
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::value* amount = parsed.as_object().if_contains("amount");
  if (amount == nullptr) return std::nullopt;
  if (!is_positive_amount(amount)) return "amount must be a positive integer";
  amount_yen = amount->as_int64();
  return std::nullopt;
}

std::optional<std::string> parse_refund_body(const std::string& body, RefundAttempt& attempt) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  const json::value* charge = object.if_contains("charge");
  const json::value* amount = object.if_contains("amount");
  const json::value* reference = object.if_contains("reference");
  if (charge == nullptr || !charge->is_string() || charge->as_string().empty()) return "charge is required";
  if (!is_positive_amount(amount)) return "amount must be a positive integer";
  if (!is_reference(reference)) {
    return "reference is required, at most " + std::to_string(kReferenceBytesMax) + " bytes";
  }
  attempt = RefundAttempt{std::string(charge->as_string()), std::string(reference->as_string()),
                          amount->as_int64()};
  return std::nullopt;
}

// The answer to a capture or a void; `done_verb` ("captured", "voided") names it in messages.
runtime::HttpResponse charge_change_reply(const ChargeChange& change, std::string_view done_verb) {
  const Charge& charge = change.charge;
  switch (change.outcome) {
    case BookOutcome::done:
    case BookOutcome::replayed:
      return reply(200, charge_json(charge));
    case BookOutcome::not_found:
      return not_found("no such charge");
    case BookOutcome::already_captured:
      return conflict("already_captured", charge,
                      done_verb == "voided" ? "the charge is captured: refund it instead"
                                            : "the charge was captured with another amount");
    case BookOutcome::wrong_state:
      return conflict("charge_" + charge.status, charge,
                      "a " + charge.status + " charge cannot be " + std::string(done_verb));
    case BookOutcome::invalid_amount:
      return reply(400, json::object{{"error", "invalid_amount"},
                                     {"message", "amount must be 1.." + std::to_string(charge.amount_yen)}});
    case BookOutcome::reference_conflict:
    case BookOutcome::exceeds_capture:
      break;  // refunds only
  }
  return reply(500, json::object{{"error", "internal"}, {"message", "unexpected book outcome"}});
}

runtime::HttpResponse refund_reply(const RefundDecision& decision) {
  const Refund& refund = decision.refund;
  switch (decision.outcome) {
    case BookOutcome::done:
      return reply(201, refund_json(refund));
    case BookOutcome::replayed:
      return reply(200, refund_json(refund));
    case BookOutcome::not_found:
      return not_found("no such charge");
    case BookOutcome::reference_conflict:
      return reply(409, json::object{{"error", "reference_conflict"},
                                     {"message", "reference already used for another refund"}});
    case BookOutcome::wrong_state:
      return conflict("charge_not_captured", decision.charge, "only a captured charge can be refunded");
    case BookOutcome::invalid_amount:
      return bad_request("amount must be a positive integer");
    case BookOutcome::exceeds_capture: {
      const Charge& charge = decision.charge;
      const std::int64_t refundable_yen = charge.amount_captured_yen - charge.amount_refunded_yen;
      return reply(402, json::object{{"object", "refund"},
                                     {"charge", refund.charge_id},
                                     {"reference", refund.reference},
                                     {"amount", refund.amount_yen},
                                     {"status", "declined"},
                                     {"decline_code", "refund_exceeds_capture"},
                                     {"message", "refund of " + std::to_string(refund.amount_yen) +
                                                     " yen exceeds the " + std::to_string(refundable_yen) +
                                                     " yen left to refund"}});
    }
    case BookOutcome::already_captured:
      break;  // captures and voids only
  }
  return reply(500, json::object{{"error", "internal"}, {"message", "unexpected book outcome"}});
}

// The raw value of a query that starts with "reference=" (nullopt: list everything). Not the common
// parse_reference_query: kessai's card adapter sends its payment ids as they are, and this acquirer's
// inquiry has always matched the rest of the query verbatim, so it stays so.
std::optional<std::string> reference_query(std::string_view query) {
  if (!query.starts_with(kReferenceQuery)) return std::nullopt;
  return std::string(query.substr(kReferenceQuery.size()));
}

class CardAcquirerSim {
 public:
  CardAcquirerSim(const SimOptions& options, int mdr_bp)
      : options_(options), mdr_bp_(mdr_bp), book_(options.seed, options.decline_rate) {
    const std::filesystem::path dir(options.state_dir);
    std::filesystem::create_directories(dir);
    std::ifstream charge_lines(dir / "charges.jsonl");
    std::ifstream refund_lines(dir / "refunds.jsonl");
    const JournalLoad load = load_journals(book_, charge_lines, refund_lines);
    log::info("journals_loaded", {{"charges", std::uint64_t{load.charges}},
                                  {"refunds", std::uint64_t{load.refunds}},
                                  {"skipped_lines", std::uint64_t{load.skipped_lines}}});
    open_journal(charges_journal_, dir / "charges.jsonl");
    open_journal(refunds_journal_, dir / "refunds.jsonl");
  }

  runtime::HttpResponse handle(const runtime::HttpRequest& request) {
    const std::string_view path = request.path();
    const bool post = request.method == "POST";
    const bool get = request.method == "GET";
    if (path == "/healthz") return reply(200, json::object{{"status", "ok"}});
    if (path == "/v1/charges" && post) return create_charge(request.body);
    if (path == "/v1/charges" && get) return list_charges(request.query());
    if (path == "/v1/refunds" && post) return create_refund(request.body);
    if (path == "/v1/refunds" && get) return list_refunds(request.query());
    if (path == kSettlementPath && post) return settle(request.body);
    if (path.starts_with(kChargesPrefix)) return handle_charge(path.substr(kChargesPrefix.size()), request);
    if (path.starts_with(kRefundsPrefix) && get) {
      const auto refund = book_.refund_by_id(std::string(path.substr(kRefundsPrefix.size())));
      return refund ? reply(200, refund_json(*refund)) : not_found("no such refund");
    }
    return not_found();
  }

 private:
  // "{id}", "{id}/capture" or "{id}/void".
  runtime::HttpResponse handle_charge(std::string_view rest, const runtime::HttpRequest& request) {
    const std::size_t slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (action.empty() && request.method == "GET") {
      const auto charge = book_.by_id(id);
      return charge ? reply(200, charge_json(*charge)) : not_found("no such charge");
    }
    if (action == "capture" && request.method == "POST") return capture(id, request.body);
    if (action == "void" && request.method == "POST") return void_charge(id);
    return not_found();
  }

  runtime::HttpResponse create_charge(const std::string& body) {
    json::error_code ec;
    const json::value parsed = json::parse(body, ec);
    if (ec || !parsed.is_object()) return bad_request("body must be a JSON object");
    const json::object& object = parsed.as_object();
    const auto* reference = object.if_contains("reference");
    const auto* amount = object.if_contains("amount");
    const auto* currency = object.if_contains("currency");
    const auto* token = object.if_contains("card_token");
    const auto* merchant = object.if_contains("merchant");
    const auto* capture = object.if_contains("capture");
    if (reference == nullptr || !reference->is_string() || reference->as_string().empty()) {
      return bad_request("reference is required");
    }
    if (!is_positive_amount(amount)) return bad_request("amount must be a positive integer");
    if (currency == nullptr || !currency->is_string() || currency->as_string() != "JPY") {
      return bad_request("currency must be JPY");
    }
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
      return bad_request("card_token is required");
    }
    ChargeAttempt attempt{
        std::string(reference->as_string()), amount->as_int64(),
        merchant != nullptr && merchant->is_string() ? std::string(merchant->as_string()) : "",
        std::string(token->as_string()), capture == nullptr || !capture->is_bool() || capture->as_bool()};
    simulate_latency();
    std::lock_guard lock(changes_mutex_);
    const ChargeDecision decision = book_.charge(attempt, utc_now());
    if (decision.conflict) {
      return reply(409, json::object{{"error", "reference_conflict"},
                                     {"message", "reference already charged with another amount"}});
    }
    if (!decision.replayed) append_line(charges_journal_, charge_json(decision.charge));
    log::info(decision.replayed ? "charge_replayed" : "charge_decided",
              {{"charge", decision.charge.id},
               {"reference", decision.charge.reference},
               {"status", decision.charge.status},
               {"amount_yen", decision.charge.amount_yen}});
    const bool declined = decision.charge.status == "declined";
    return reply(declined ? 402 : (decision.replayed ? 200 : 201), charge_json(decision.charge));
  }

  runtime::HttpResponse capture(const std::string& id, const std::string& body) {
    std::optional<std::int64_t> amount_yen;
    if (auto error = parse_capture_body(body, amount_yen)) return bad_request(std::move(*error));
    simulate_latency();
    std::lock_guard lock(changes_mutex_);
    const ChargeChange change = book_.capture(id, amount_yen, utc_now());
    if (change.outcome == BookOutcome::done) append_line(charges_journal_, charge_json(change.charge));
    log_change("capture", id, change);
    return charge_change_reply(change, "captured");
  }

  runtime::HttpResponse void_charge(const std::string& id) {
    simulate_latency();
    std::lock_guard lock(changes_mutex_);
    const ChargeChange change = book_.void_authorization(id);
    if (change.outcome == BookOutcome::done) append_line(charges_journal_, charge_json(change.charge));
    log_change("void", id, change);
    return charge_change_reply(change, "voided");
  }

  runtime::HttpResponse create_refund(const std::string& body) {
    RefundAttempt attempt;
    if (auto error = parse_refund_body(body, attempt)) return bad_request(std::move(*error));
    simulate_latency();
    std::lock_guard lock(changes_mutex_);
    const RefundDecision decision = book_.refund(attempt, utc_now());
    if (decision.outcome == BookOutcome::done) {
      // The refund first: on reload it is the record the charge's refunded amount is summed from.
      append_line(refunds_journal_, refund_json(decision.refund));
      append_line(charges_journal_, charge_json(decision.charge));
    }
    log::info("refund_decided", {{"outcome", static_cast<int>(decision.outcome)},
                                 {"refund", decision.refund.id},
                                 {"charge", attempt.charge_id},
                                 {"reference", attempt.reference},
                                 {"amount_yen", attempt.amount_yen}});
    return refund_reply(decision);
  }

  runtime::HttpResponse list_charges(std::string_view query) const {
    json::array data;
    if (const auto reference = reference_query(query)) {
      if (auto charge = book_.by_reference(*reference)) data.push_back(charge_json(*charge));
    } else {
      for (const Charge& charge : book_.all()) data.push_back(charge_json(charge));
    }
    return reply(200, list_json(std::move(data)));
  }

  runtime::HttpResponse list_refunds(std::string_view query) const {
    json::array data;
    if (const auto reference = reference_query(query)) {
      if (auto refund = book_.refund_by_reference(*reference)) data.push_back(refund_json(*refund));
    } else {
      for (const Refund& refund : book_.all_refunds()) data.push_back(refund_json(refund));
    }
    return reply(200, list_json(std::move(data)));
  }

  // The control endpoint: no latency, and no faults (serve_simulator exempts /sim/).
  runtime::HttpResponse settle(const std::string& body) const {
    return answer_settlement(body, settlement_directory(options_), card_settlement_layout(book_, mdr_bp_));
  }

  void simulate_latency() const {
    if (options_.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
  }

  static void log_change(std::string_view operation, const std::string& id, const ChargeChange& change) {
    log::info("charge_changed", {{"operation", operation},
                                 {"outcome", static_cast<int>(change.outcome)},
                                 {"charge", id},
                                 {"status", change.charge.status},
                                 {"amount_captured_yen", change.charge.amount_captured_yen}});
  }

  SimOptions options_;
  int mdr_bp_;  // the contracted fee rate of the settlement files
  AcquirerBook book_;
  std::mutex changes_mutex_;  // held from a book decision to its journal lines
  std::ofstream charges_journal_;
  std::ofstream refunds_journal_;
};

}  // namespace

int run_card_acquirer(const SimOptions& options) {
  const auto mdr_bp = single_mdr_bp(kCardMdrBasisPointsDefault, options.mdr);
  if (!mdr_bp) throw std::invalid_argument(mdr_bp.error());
  log::configure("kessai-sim card-acquirer", log::Level::info);
  CardAcquirerSim sim(options, mdr_bp.value());
  // Its answers come from memory and an appended journal line: quick, unless told to take its time.
  return serve_simulator(
      options, [&sim](const runtime::HttpRequest& request) { return sim.handle(request); },
      options.latency_ms == 0);
}

}  // namespace kessai::sim

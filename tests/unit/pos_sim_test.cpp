// kessai-sim pos, the POS terminal fleet: its pure parts (credentials, signing, the sales drawn, the
// takings, the terminal's memory, the offline uploads, the options, the summary) and a terminal's whole
// day against a scripted kessai (FakeKessai below: a small model of kessaid's POS endpoints that checks
// signatures and sequence numbers, records transactions once by number and closes days), with a clock
// that only advances when the terminal waits.

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "credentials.hpp"
#include "fleet_report.hpp"
#include "kessai/pos/v1/payments.pb.h"
#include "kessai/pos/v1/terminal.pb.h"
#include "offline_upload.hpp"
#include "pos_options.hpp"
#include "sale_draw.hpp"
#include "signing.hpp"
#include "takings.hpp"
#include "terminal.hpp"
#include "terminal_memory.hpp"

using namespace kessai::sim::pos;
namespace v1 = ::kessai::pos::v1;

namespace {

// --- A scripted kessai ------------------------------------------------------------------------------

constexpr const char* kTerminalId = "term_T1";
constexpr const char* kSecret = "pts_secret";
constexpr const char* kBusinessDate = "2026-04-01";
constexpr std::int64_t kStartMs = 1'775'001'600'000;  // 2026-04-01T00:00:00Z, 09:00 in Tokyo

class FakeClock final : public TerminalClock {
 public:
  std::int64_t unix_ms() override { return kStartMs + slept_ms; }
  void sleep_ms(std::int64_t duration_ms) override { slept_ms += duration_ms; }
  std::int64_t slept_ms = 0;
};

class FakeStore final : public MemoryStore {
 public:
  void save(const TerminalMemory& memory) override {
    saved = memory;
    ++saves;
  }
  TerminalMemory saved;
  int saves = 0;
};

struct Record {
  EntryKind kind = EntryKind::payment;
  Means means = Means::card;
  std::string brand = "";
  std::int64_t amount_yen = 0;
  v1::TransactionStatus status = v1::APPROVED;
  std::string id = "";
  std::string fingerprint = "";  // what makes a resend the same transaction
  int pending_answers_left = 0;  // answers that still say PENDING
  int failed_answers_left = 0;   // attempts that still fail for want of the processor
};

class FakeKessai final : public Transport {
 public:
  explicit FakeKessai(FakeStore& store) : store_(store) {}

  // What kessai is like.
  std::string secret = kSecret;
  std::int64_t card_floor_limit_yen = 3'000;
  std::int64_t emoney_floor_limit_yen = 2'000;
  std::vector<int> means = {v1::MEANS_CARD, v1::MEANS_EMONEY, v1::MEANS_QR};
  std::uint64_t last_sequence = 0;
  std::uint64_t first_number = 1;  // numbers below were recorded before (by an earlier day)
  // How it behaves.
  int pending_answers = 0;       // a new payment answers PENDING this many times first
  int failed_answers = 0;        // a new online payment answers FAILED processor_unavailable this many times
  bool flag_duplicates = true;   // false: a misbehaving kessai that forgets to say duplicate=true
  int lose_payment_answers = 0;  // the next payments' answers are lost after kessai recorded them
  std::function<std::optional<v1::ErrorCode>(const std::string& path, std::uint64_t number)> refuse;
  // What it saw.
  std::map<std::uint64_t, Record> records;
  std::vector<std::uint64_t> payment_numbers_sent;  // every PaymentRequest's number, resends included
  std::vector<std::size_t> batch_sizes;
  std::vector<v1::DayCloseRequest> closes;
  int requests = 0;
  int unsaved_sequences = 0;  // requests whose sequence was not in the terminal's memory when sent
  std::set<std::string> paths;

  TransportOutcome post(const WireRequest& request) override {
    ++requests;
    paths.insert(request.path);
    std::map<std::string, std::string> headers(request.headers.begin(), request.headers.end());
    if (headers["X-Kessai-Terminal"] != kTerminalId) return error(401, v1::UNKNOWN_TERMINAL);
    const std::uint64_t sequence = std::stoull(headers["X-Kessai-Sequence"]);
    if (headers["X-Kessai-Signature"] !=
        request_signature(secret, kTerminalId, sequence, request.path, request.body))
      return error(401, v1::BAD_SIGNATURE);
    if (store_.saved.last_request_sequence < sequence) ++unsaved_sequences;
    if (used_.contains(sequence)) return error(409, v1::SEQUENCE_REPLAYED);
    if (sequence + 64 <= last_sequence) return error(409, v1::SEQUENCE_OUT_OF_WINDOW);
    used_.insert(sequence);
    last_sequence = std::max(last_sequence, sequence);
    TransportOutcome outcome = answer(request);
    if (request.path == kPaymentsPath && lose_payment_answers > 0 && outcome.reply->status == 200) {
      --lose_payment_answers;
      return TransportOutcome{std::nullopt, true, "connection lost (scripted)"};
    }
    return outcome;
  }

  std::uint64_t next_number() const { return records.empty() ? first_number : records.rbegin()->first + 1; }

  // Approved totals per (means, brand), as kessai counts them.
  std::map<TotalKey, TotalLine> totals() const {
    std::map<TotalKey, TotalLine> lines;
    for (const auto& [number, record] : records) {
      if (record.status != v1::APPROVED || record.pending_answers_left > 0 || record.failed_answers_left > 0)
        continue;
      TotalLine& line = lines[{record.means, record.brand}];
      line.means = record.means;
      line.brand = record.brand;
      if (record.kind == EntryKind::payment) {
        ++line.payment_count;
        line.payment_yen += record.amount_yen;
      } else {
        ++line.refund_count;
        line.refund_yen += record.amount_yen;
      }
    }
    return lines;
  }

 private:
  static TransportOutcome reply(const google::protobuf::MessageLite& message, unsigned status = 200) {
    return TransportOutcome{WireReply{status, "application/x-protobuf", message.SerializeAsString()}};
  }
  static TransportOutcome error(unsigned status, v1::ErrorCode code) {
    v1::ErrorReply error;
    error.set_protocol_version(1);
    error.set_code(code);
    error.set_message("scripted " + v1::ErrorCode_Name(code));
    error.set_retryable(code == v1::SERVICE_UNAVAILABLE || code == v1::PROCESSOR_UNAVAILABLE);
    return reply(error, status);
  }

  TransportOutcome answer(const WireRequest& request) {
    if (request.path == kHelloPath) return hello();
    if (request.path == kPaymentsPath) {
      v1::PaymentRequest payment;
      REQUIRE(payment.ParseFromString(request.body));
      payment_numbers_sent.push_back(payment.transaction_number());
      if (refuse)
        if (auto code = refuse(request.path, payment.transaction_number())) return error(400, *code);
      return pay(payment);
    }
    if (request.path == kRefundsPath) {
      v1::RefundRequest refund;
      REQUIRE(refund.ParseFromString(request.body));
      if (refuse)
        if (auto code = refuse(request.path, refund.transaction_number())) return error(422, *code);
      return refund_of(refund);
    }
    if (request.path == kOfflineBatchesPath) {
      v1::OfflineBatch batch;
      REQUIRE(batch.ParseFromString(request.body));
      return upload(batch);
    }
    if (request.path == kDayClosePath) {
      v1::DayCloseRequest close;
      REQUIRE(close.ParseFromString(request.body));
      return day_close(close);
    }
    return error(404, v1::NOT_FOUND);
  }

  TransportOutcome hello() const {
    v1::HelloReply hello;
    hello.set_protocol_version(1);
    hello.set_min_protocol_version(1);
    hello.set_max_protocol_version(1);
    hello.set_terminal_id(kTerminalId);
    hello.set_facility_id("FAC001");
    hello.set_business_date(kBusinessDate);
    hello.set_card_floor_limit_yen(card_floor_limit_yen);
    hello.set_emoney_floor_limit_yen(emoney_floor_limit_yen);
    for (const int known : means) hello.add_means(static_cast<v1::Means>(known));
    hello.set_next_transaction_number(next_number());
    hello.set_last_request_sequence(last_sequence);
    for (const char* code : {"F001", "F002", "F003"}) {
      v1::FeeCode* fee = hello.add_fee_codes();
      fee->set_code(code);
      fee->set_name(std::string("fee ") + code);
    }
    return reply(hello);
  }

  static v1::TransactionStatus decide(const std::string& token) {
    return token == "tok_decline" || token == "tok_insufficient_funds" ? v1::DECLINED : v1::APPROVED;
  }

  // The record of a number (new or as before), with its status as answered now.
  std::pair<Record*, bool> record(std::uint64_t number, Record fresh) {
    const auto [found, added] = records.try_emplace(number, fresh);
    if (!added && found->second.fingerprint != fresh.fingerprint) return {nullptr, false};
    return {&found->second, !added};
  }

  static v1::TransactionStatus answered_status(Record& record) {
    if (record.failed_answers_left > 0) {
      --record.failed_answers_left;
      return v1::FAILED;
    }
    if (record.pending_answers_left == 0) return record.status;
    --record.pending_answers_left;
    return v1::PENDING;
  }

  TransportOutcome pay(const v1::PaymentRequest& payment) {
    const std::string payer = payment.card().token() + payment.emoney().idm() + payment.qr().code();
    Record fresh{EntryKind::payment,
                 static_cast<Means>(payment.means()),
                 payment.brand(),
                 payment.amount_yen(),
                 decide(payment.card().token()),
                 "pi_" + std::to_string(payment.transaction_number()),
                 std::to_string(payment.amount_yen()) + payment.brand() + payer,
                 pending_answers};
    fresh.failed_answers_left = failed_answers;
    const auto [kept, again] = record(payment.transaction_number(), fresh);
    if (kept == nullptr) return error(409, v1::TRANSACTION_NUMBER_REUSED);
    v1::PaymentReply out;
    out.set_protocol_version(1);
    out.set_transaction_number(payment.transaction_number());
    out.set_status(answered_status(*kept));
    if (out.status() == v1::FAILED) out.set_decline_code("processor_unavailable");
    out.set_payment_id(kept->id);
    out.set_amount_yen(kept->amount_yen);
    out.set_business_date(kBusinessDate);
    out.set_duplicate(again && flag_duplicates);
    return reply(out);
  }

  TransportOutcome refund_of(const v1::RefundRequest& refund) {
    const auto paid = records.find(refund.original_transaction_number());
    if (paid == records.end() || paid->second.id != refund.payment_id())
      return error(404, v1::PAYMENT_NOT_FOUND);
    if (refund.amount_yen() > paid->second.amount_yen) return error(422, v1::REFUND_NOT_ALLOWED);
    Record fresh{EntryKind::refund,
                 paid->second.means,
                 paid->second.brand,
                 refund.amount_yen(),
                 v1::APPROVED,
                 "re_" + std::to_string(refund.transaction_number()),
                 refund.payment_id() + std::to_string(refund.amount_yen())};
    const auto [kept, again] = record(refund.transaction_number(), fresh);
    if (kept == nullptr) return error(409, v1::TRANSACTION_NUMBER_REUSED);
    v1::RefundReply out;
    out.set_protocol_version(1);
    out.set_transaction_number(refund.transaction_number());
    out.set_status(kept->status);
    out.set_refund_id(kept->id);
    out.set_payment_id(refund.payment_id());
    out.set_amount_yen(kept->amount_yen);
    out.set_business_date(kBusinessDate);
    out.set_duplicate(again && flag_duplicates);
    return reply(out);
  }

  TransportOutcome upload(const v1::OfflineBatch& batch) {
    batch_sizes.push_back(static_cast<std::size_t>(batch.payments_size()));
    if (batch.payments_size() > 500) return error(400, v1::BATCH_TOO_LARGE);
    v1::OfflineBatchReply out;
    out.set_protocol_version(1);
    out.set_batch_id(batch.batch_id());
    for (const v1::OfflinePayment& payment : batch.payments()) {
      const std::int64_t floor_limit_yen =
          payment.means() == v1::MEANS_CARD ? card_floor_limit_yen : emoney_floor_limit_yen;
      const bool above = payment.amount_yen() > floor_limit_yen;
      Record fresh{EntryKind::payment,
                   static_cast<Means>(payment.means()),
                   payment.brand(),
                   payment.amount_yen(),
                   above ? v1::REFUSED : decide(payment.card().token()),
                   "pi_" + std::to_string(payment.transaction_number()),
                   std::to_string(payment.amount_yen()) + payment.brand() + payment.card().token() +
                       payment.emoney().idm(),
                   pending_answers};
      const auto [kept, again] = record(payment.transaction_number(), fresh);
      v1::OfflineResult* result = out.add_results();
      result->set_transaction_number(payment.transaction_number());
      if (kept == nullptr) {
        result->set_status(v1::REFUSED);
        result->set_decline_code("transaction_number_reused");
        continue;
      }
      result->set_status(answered_status(*kept));
      result->set_payment_id(kept->id);
      result->set_duplicate(again && flag_duplicates);
      result->set_business_date(kBusinessDate);
    }
    add_gaps(out.mutable_gaps(), next_number() - 1);
    return reply(out);
  }

  TransportOutcome day_close(const v1::DayCloseRequest& close) {
    closes.push_back(close);
    std::map<TotalKey, TotalLine> theirs;
    for (const v1::Total& total : close.totals()) {
      const TotalLine line{
          static_cast<Means>(total.means()), total.brand(),        total.payment_count(),
          total.payment_amount_yen(),        total.refund_count(), total.refund_amount_yen()};
      theirs[{line.means, line.brand}] = line;
    }
    v1::DayCloseReply out;
    out.set_protocol_version(1);
    const auto differences = compare_totals(theirs, totals());
    out.set_result(differences.empty() ? v1::MATCH : v1::MISMATCH);
    for (const auto& [terminal, kessai] : differences) {
      v1::Difference* difference = out.add_differences();
      difference->set_means(static_cast<v1::Means>(terminal.means));
      difference->set_brand(terminal.brand);
      difference->mutable_terminal()->set_payment_count(terminal.payment_count);
      difference->mutable_terminal()->set_payment_amount_yen(terminal.payment_yen);
      difference->mutable_kessai()->set_payment_count(kessai.payment_count);
      difference->mutable_kessai()->set_payment_amount_yen(kessai.payment_yen);
    }
    for (const auto& [key, line] : totals()) {
      v1::Total* total = out.add_kessai_totals();
      total->set_means(static_cast<v1::Means>(line.means));
      total->set_brand(line.brand);
      total->set_payment_count(line.payment_count);
      total->set_payment_amount_yen(line.payment_yen);
      total->set_refund_count(line.refund_count);
      total->set_refund_amount_yen(line.refund_yen);
    }
    add_gaps(out.mutable_gaps(), close.last_transaction_number());
    for (const auto& [number, record] : records)
      out.set_pending_count(out.pending_count() + (record.pending_answers_left > 0 ? 1 : 0));
    out.set_close_id("dc_" + std::to_string(closes.size()));
    return reply(out);
  }

  // Numbers up to `last` never recorded, one range each.
  void add_gaps(google::protobuf::RepeatedPtrField<v1::NumberRange>* gaps, std::uint64_t last) const {
    for (std::uint64_t number = first_number; number <= last; ++number) {
      if (records.contains(number)) continue;
      v1::NumberRange* gap = gaps->Add();
      gap->set_first(number);
      gap->set_last(number);
    }
  }

  FakeStore& store_;
  std::set<std::uint64_t> used_;
};

struct Day {
  FakeClock clock;
  FakeStore store;
  FakeKessai kessai{store};

  TerminalReport run(TerminalPlan plan, TerminalMemory memory = {}) {
    Terminal terminal({"FAC001", kTerminalId, kSecret}, std::move(plan), std::move(memory), kessai, store,
                      clock);
    return terminal.run();
  }
};

TerminalPlan plan_of(std::uint64_t payments, FleetRates rates = {}, std::uint64_t seed = 7) {
  TerminalPlan plan;
  plan.seed = seed;
  plan.payments = payments;
  plan.rates = rates;
  return plan;
}

// The terminal's day totals as the fake kessai sees them: the day close matched them exactly.
void require_closed_and_matched(const Day& day, const TerminalReport& report) {
  REQUIRE(report.stopped.empty());
  REQUIRE(report.day_closes.size() == 1);
  CHECK(report.day_closes[0].result == "MATCH");
  CHECK(report.day_closes[0].gaps.empty());
  CHECK(report.duplicates_unacknowledged == 0);
  CHECK(report.protocol_violations == 0);
  REQUIRE(day.kessai.closes.size() == 1);
  CHECK(day.kessai.closes[0].business_date() == kBusinessDate);
  CHECK(day.kessai.closes[0].last_transaction_number() == day.kessai.next_number() - 1);
}

std::vector<std::uint64_t> iota_numbers(std::uint64_t first, std::uint64_t count) {
  std::vector<std::uint64_t> numbers;
  for (std::uint64_t i = 0; i < count; ++i) numbers.push_back(first + i);
  return numbers;
}

}  // namespace

// --- Credentials -----------------------------------------------------------------------------------

TEST_CASE("POS fleet: the credentials file, comments and blank lines ignored", "[pos_sim]") {
  const auto parsed = parse_credentials(
      "# facility terminal secret\n"
      "FAC001\tterm_A\tpts_a\n"
      "\n"
      "   \n"
      "FAC001 term_B   pts_b   # the second counter\r\n"
      "FAC002 term_C pts_c");
  REQUIRE(std::holds_alternative<std::vector<TerminalCredentials>>(parsed));
  const auto& terminals = std::get<0>(parsed);
  REQUIRE(terminals.size() == 3);
  CHECK(terminals[0].facility_id == "FAC001");
  CHECK(terminals[0].terminal_id == "term_A");
  CHECK(terminals[0].secret == "pts_a");
  CHECK(terminals[1].terminal_id == "term_B");
  CHECK(terminals[1].secret == "pts_b");
  CHECK(terminals[2].facility_id == "FAC002");
  CHECK(std::get<0>(parse_credentials("")).empty());
}

TEST_CASE("POS fleet: a credentials file that is not one names its line", "[pos_sim]") {
  const auto problem = [](std::string_view text) {
    const auto parsed = parse_credentials(text);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    return std::get<std::string>(parsed);
  };
  CHECK(problem("FAC001 term_A pts_a\nFAC001 term_B\n").starts_with("line 2: expected"));
  CHECK(problem("FAC001 term_A pts_a extra\n").starts_with("line 1: expected"));
  CHECK(problem("FAC001 term_A a\nFAC002 term_A b\n") == "line 2: terminal term_A is listed twice");
  CHECK(problem("FAC001 term_A " + std::string(300, 's') + "\n").starts_with("line 1: a field longer"));
}

TEST_CASE("POS fleet: the first N facilities in file order, the first M terminals of each", "[pos_sim]") {
  const std::vector<TerminalCredentials> all = {{"FAC002", "t1", "s"}, {"FAC001", "t2", "s"},
                                                {"FAC002", "t3", "s"}, {"FAC003", "t4", "s"},
                                                {"FAC001", "t5", "s"}, {"FAC002", "t6", "s"}};
  const auto fleet = select_fleet(all, 2, 2);
  REQUIRE(std::holds_alternative<std::vector<TerminalCredentials>>(fleet));
  std::vector<std::string> ids;
  for (const TerminalCredentials& terminal : std::get<0>(fleet)) ids.push_back(terminal.terminal_id);
  CHECK(ids == std::vector<std::string>{"t1", "t3", "t2", "t5"});

  const auto too_many_facilities = select_fleet(all, 4, 1);
  REQUIRE(std::holds_alternative<std::string>(too_many_facilities));
  CHECK(std::get<std::string>(too_many_facilities).find("3 facilities") != std::string::npos);
  const auto too_many_terminals = select_fleet(all, 3, 2);
  REQUIRE(std::holds_alternative<std::string>(too_many_terminals));
  CHECK(std::get<std::string>(too_many_terminals).starts_with("facility FAC003 has 1 terminal"));
}

// --- Signing ---------------------------------------------------------------------------------------

TEST_CASE("POS fleet: requests are signed as docs/pos-protocol.md says", "[pos_sim]") {
  v1::PaymentRequest request;
  request.set_protocol_version(1);
  request.set_transaction_number(42);
  const std::string body = request.SerializeAsString();
  REQUIRE(body == std::string("\x08\x01\x10\x2a", 4));
  CHECK(signing_string("term_T1", 7, "/pos/v1/payments", body) == "term_T1\n7\n/pos/v1/payments\n" + body);
  // printf 'term_T1\n7\n/pos/v1/payments\n\x08\x01\x10\x2a' | openssl dgst -sha256 -hmac pts_secret
  CHECK(request_signature("pts_secret", "term_T1", 7, "/pos/v1/payments", body) ==
        "f30f92899580f775ff696364daa770268209fa8c7eed61f708d2333ef29ee20d");
  // printf 'term_T1\n7\n/pos/v1/payments\nbody' | openssl dgst -sha256 -hmac pts_secret
  CHECK(request_signature("pts_secret", "term_T1", 7, "/pos/v1/payments", "body") ==
        "8727c1a1e835a9dd90b85d795b7bddf463546238c5357e05c830e44d8361679e");
  const auto headers = signed_headers("pts_secret", "term_T1", 7, "/pos/v1/payments", "body");
  REQUIRE(headers.size() == 3);
  CHECK(headers[0] == std::pair<std::string, std::string>{"X-Kessai-Terminal", "term_T1"});
  CHECK(headers[1] == std::pair<std::string, std::string>{"X-Kessai-Sequence", "7"});
  CHECK(headers[2].first == "X-Kessai-Signature");
  CHECK(headers[2].second == "8727c1a1e835a9dd90b85d795b7bddf463546238c5357e05c830e44d8361679e");
  // Each part is bound: another sequence, path or body is another signature.
  CHECK(request_signature("pts_secret", "term_T1", 8, "/pos/v1/payments", "body") != headers[2].second);
  CHECK(request_signature("pts_secret", "term_T1", 7, "/pos/v1/refunds", "body") != headers[2].second);
}

// --- Sales drawn -----------------------------------------------------------------------------------

TEST_CASE("POS fleet: sales follow the mix, among the means the facility takes", "[pos_sim]") {
  const std::vector<FeeChoice> fees = {{"F001", "entry"}, {"F002", ""}};
  const std::vector<Means> all = {Means::card, Means::emoney, Means::qr};
  SaleDraw draw(1, "FAC001", "term_A", MixWeights{40, 40, 20}, 0.0);
  std::map<Means, int> counts;
  int round = 0;
  std::set<std::string> idms;
  std::set<std::string> codes;
  constexpr int kSales = 10'000;
  for (int i = 0; i < kSales; ++i) {
    const auto sale = draw.next(all, fees, PayerKey{static_cast<std::uint64_t>(i), 0});
    REQUIRE(sale);
    ++counts[sale->means];
    CHECK(sale->amount_yen >= kSaleAmountYenMin);
    CHECK(sale->amount_yen <= kSaleAmountYenMax);
    round += sale->amount_yen % 100 == 0 ? 1 : 0;
    CHECK((sale->fee_code == "F001" || sale->fee_code == "F002"));
    CHECK(sale->amount_yen % draw.price_yen(sale->fee_code) == 0);
    if (sale->means == Means::card) CHECK(sale->card_token == "tok_" + sale->brand);
    if (sale->means == Means::emoney) idms.insert(sale->idm);
    if (sale->means == Means::qr) codes.insert(sale->qr_code);
  }
  CHECK(counts[Means::card] == Approx(0.4 * kSales).epsilon(0.05));
  CHECK(counts[Means::emoney] == Approx(0.4 * kSales).epsilon(0.05));
  CHECK(counts[Means::qr] == Approx(0.2 * kSales).epsilon(0.08));
  CHECK(round > kSales / 2);  // mostly round amounts
  // Every payer is new: no IDm and no code twice.
  CHECK(idms.size() == static_cast<std::size_t>(counts[Means::emoney]));
  CHECK(codes.size() == static_cast<std::size_t>(counts[Means::qr]));

  // A facility that takes no QR: the others keep their proportions.
  SaleDraw no_qr(1, "FAC001", "term_A", MixWeights{40, 40, 20}, 0.0);
  for (int i = 0; i < 500; ++i) CHECK(no_qr.next({Means::card, Means::emoney}, fees, {})->means != Means::qr);
  CHECK(no_qr.next({Means::qr}, fees, {})->means == Means::qr);
  SaleDraw card_only(1, "FAC001", "term_A", MixWeights{100, 0, 0}, 0.0);
  CHECK_FALSE(card_only.can_draw({Means::emoney, Means::qr}));
  CHECK_FALSE(card_only.next({Means::emoney}, fees, {}).has_value());
  CHECK_FALSE(card_only.next(all, {}, {}).has_value());
}

TEST_CASE("POS fleet: the same seed draws the same sales, and payers differ by key", "[pos_sim]") {
  const std::vector<FeeChoice> fees = {{"F001"}, {"F003"}};
  const std::vector<Means> all = {Means::card, Means::emoney, Means::qr};
  SaleDraw first(9, "FAC001", "term_A", {}, 0.3);
  SaleDraw second(9, "FAC001", "term_A", {}, 0.3);
  SaleDraw other_terminal(9, "FAC001", "term_B", {}, 0.3);
  int same_as_other = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    const Sale a = *first.next(all, fees, {i, 0});
    const Sale b = *second.next(all, fees, {i, 0});
    const Sale c = *other_terminal.next(all, fees, {i, 0});
    CHECK(a.means == b.means);
    CHECK(a.brand == b.brand);
    CHECK(a.amount_yen == b.amount_yen);
    CHECK(a.card_token == b.card_token);
    CHECK(a.idm == b.idm);
    CHECK(a.qr_code == b.qr_code);
    same_as_other += a.means == c.means && a.amount_yen == c.amount_yen && a.brand == c.brand ? 1 : 0;
  }
  CHECK(same_as_other < 100);
  // A fee's price is the facility's, the same at all its terminals.
  CHECK(first.price_yen("F001") == other_terminal.price_yen("F001"));
}

TEST_CASE("POS fleet: declining card tokens for --decline-rate, always visa", "[pos_sim]") {
  SaleDraw draw(3, "FAC001", "term_A", MixWeights{1, 0, 0}, 0.25);
  int declining = 0;
  for (std::uint64_t i = 0; i < 4'000; ++i) {
    const Sale sale = *draw.next({Means::card}, {{"F001"}}, {i, 0});
    if (sale.card_token == "tok_insufficient_funds" || sale.card_token == "tok_decline") {
      ++declining;
      CHECK(sale.brand == "visa");
    } else {
      CHECK(sale.card_token == "tok_" + sale.brand);
    }
  }
  CHECK(declining == Approx(1'000).epsilon(0.1));
}

TEST_CASE("POS fleet: IDms and QR codes stay clear of the simulators' declining test values", "[pos_sim]") {
  CHECK(idm_from_bits(0x0123456789ABCDEFull) == "0123456789ABCDEF");
  CHECK(idm_from_bits(0xFFFF000000000001ull) == "FFFE000000000001");  // FFFF… is a blocked card
  CHECK(idm_from_bits(0x0123456789AB0000ull) == "0123456789AB0001");  // …0000 has no balance
  CHECK(qr_code_from_bits("paypay", 123) == "27000000000000000123");
  CHECK(qr_code_from_bits("rakuten_pay", 999'999'999'999'999'999ull).starts_with("30"));
  CHECK(qr_code_from_bits("d_barai", 10'000).ends_with("0001"));  // …0000: balance short
  CHECK(qr_code_from_bits("au_pay", 8'888).ends_with("8887"));    // …8888: blocked
  CHECK(qr_code_from_bits("au_pay", 9'999).ends_with("9997"));    // …9999: expired
  CHECK(qr_code_from_bits("au_pay", 9'999).starts_with("29"));
  CHECK(qr_code_from_bits("unknown_wallet", 1).empty());
  for (std::uint64_t bits = 0; bits < 2'000; ++bits) {
    const std::string idm = idm_from_bits(bits * 0x9E3779B97F4A7C15ull);
    CHECK(idm.size() == 16);
    CHECK(idm.find_first_not_of("0123456789ABCDEF") == std::string::npos);
    CHECK_FALSE(idm.starts_with("FFFF"));
    CHECK_FALSE(idm.ends_with("0000"));
    const std::string code = qr_code_from_bits("paypay", bits * 10'000 + bits % 3 * 8'888);
    CHECK(code.size() == 20);
    CHECK_FALSE((code.ends_with("0000") || code.ends_with("8888") || code.ends_with("9999")));
  }
}

// --- Takings, memory ------------------------------------------------------------------------------

TEST_CASE("POS fleet: the takings count approved payments and refunds per means and brand", "[pos_sim]") {
  Takings takings;
  takings.record({1, EntryKind::payment, Means::card, "visa", 1'000, EntryState::approved, false,
                  kBusinessDate, "pi_1"});
  takings.record(
      {2, EntryKind::payment, Means::card, "visa", 500, EntryState::declined, false, kBusinessDate, "pi_2"});
  takings.record(
      {3, EntryKind::refund, Means::card, "visa", 300, EntryState::approved, false, kBusinessDate, "re_3"});
  takings.record(
      {4, EntryKind::payment, Means::emoney, "waon", 700, EntryState::pending, false, kBusinessDate, "pi_4"});
  takings.record(
      {5, EntryKind::payment, Means::card, "jcb", 2'000, EntryState::stored_offline, true, "", ""});
  takings.record({6, EntryKind::payment, Means::card, "jcb", 900, EntryState::stored_offline, true, "", ""});

  DayTotals day = takings.day(kBusinessDate);
  REQUIRE(day.lines.size() == 1);
  const TotalLine& visa = day.lines.at({Means::card, "visa"});
  CHECK(visa.payment_count == 1);
  CHECK(visa.payment_yen == 1'000);
  CHECK(visa.refund_count == 1);
  CHECK(visa.refund_yen == 300);
  CHECK(day.last_transaction_number == 4);
  CHECK(takings.takings_yen() == 700);

  // The PENDING one settles; the offline ones get their results: one approved, one declined.
  REQUIRE(takings.settle(4, EntryState::approved, kBusinessDate, ""));
  REQUIRE(takings.settle(5, EntryState::approved, kBusinessDate, "pi_5"));
  REQUIRE(takings.settle(6, EntryState::declined, kBusinessDate, "pi_6"));
  CHECK_FALSE(takings.settle(99, EntryState::approved, kBusinessDate, ""));
  CHECK(takings.find(4)->kessai_id == "pi_4");  // an empty id leaves the first
  day = takings.day(kBusinessDate);
  CHECK(day.lines.size() == 3);
  CHECK(day.lines.at({Means::emoney, "waon"}).payment_yen == 700);
  CHECK(day.lines.at({Means::card, "jcb"}).payment_count == 1);  // the declined offline one is out
  CHECK(day.lines.at({Means::card, "jcb"}).payment_yen == 2'000);
  CHECK(day.last_transaction_number == 6);
  CHECK(takings.takings_yen() == 1'000 - 300 + 700 + 2'000);
  CHECK(takings.count(EntryKind::payment, EntryState::declined) == 2);
  CHECK(takings.count(EntryKind::payment, EntryState::declined, true) == 1);
  CHECK(takings.dates() == std::vector<std::string>{kBusinessDate});
  CHECK(takings.day("2026-04-02").lines.empty());
}

TEST_CASE("POS fleet: totals of earlier runs are carried into the day, and kept a week", "[pos_sim]") {
  DayBook carried;
  carried["2026-04-01"].lines[{Means::qr, "paypay"}] = TotalLine{Means::qr, "paypay", 2, 1'500, 0, 0};
  carried["2026-04-01"].last_transaction_number = 9;
  for (int day = 2; day <= 9; ++day) carried["2026-03-0" + std::to_string(day)].last_transaction_number = 1;
  Takings takings(carried);
  takings.record(
      {10, EntryKind::payment, Means::qr, "paypay", 500, EntryState::approved, false, "2026-04-01", "pi_10"});
  const DayTotals day = takings.day("2026-04-01");
  CHECK(day.lines.at({Means::qr, "paypay"}).payment_count == 3);
  CHECK(day.lines.at({Means::qr, "paypay"}).payment_yen == 2'000);
  CHECK(day.last_transaction_number == 10);
  CHECK(takings.takings_yen() == 500);  // this run's only
  const DayBook kept = takings.book(kMemoryDaysKept);
  CHECK(kept.size() == kMemoryDaysKept);
  CHECK(kept.begin()->first == "2026-03-04");
  CHECK(kept.rbegin()->second.lines.at({Means::qr, "paypay"}).payment_count == 3);
}

TEST_CASE("POS fleet: differences between two days' totals, by means and brand", "[pos_sim]") {
  std::map<TotalKey, TotalLine> ours;
  std::map<TotalKey, TotalLine> theirs;
  ours[{Means::card, "visa"}] = {Means::card, "visa", 2, 1'000, 0, 0};
  theirs[{Means::card, "visa"}] = {Means::card, "visa", 2, 1'000, 0, 0};
  CHECK(compare_totals(ours, theirs).empty());
  theirs[{Means::card, "visa"}].refund_count = 1;
  theirs[{Means::emoney, "id"}] = {Means::emoney, "id", 1, 200, 0, 0};
  ours[{Means::qr, "paypay"}] = {Means::qr, "paypay", 0, 0, 0, 0};  // all zero: the same as none
  const auto differences = compare_totals(ours, theirs);
  REQUIRE(differences.size() == 2);
  CHECK(differences[0].first.brand == "visa");
  CHECK(differences[0].second.refund_count == 1);
  CHECK(differences[1].first.brand == "id");
  CHECK(differences[1].first.payment_count == 0);
  CHECK(differences[1].second.payment_yen == 200);
}

TEST_CASE("POS fleet: the terminal's memory is written and read back", "[pos_sim]") {
  TerminalMemory memory;
  memory.last_request_sequence = 41;
  memory.next_transaction_number = 18;
  memory.days["2026-04-01"].last_transaction_number = 17;
  memory.days["2026-04-01"].lines[{Means::card, "visa"}] = {Means::card, "visa", 3, 4'500, 1, 500};
  memory.days["2026-04-01"].lines[{Means::emoney, "transit_ic"}] = {
      Means::emoney, "transit_ic", 1, 220, 0, 0};
  const std::string text = format_memory("term_T1", memory);
  CHECK(text.starts_with("# kessai-sim pos: the memory of terminal term_T1\n"));
  CHECK(text.find("total 2026-04-01 card visa 3 4500 1 500\n") != std::string::npos);
  const auto parsed = parse_memory(text);
  REQUIRE(std::holds_alternative<TerminalMemory>(parsed));
  const TerminalMemory& back = std::get<TerminalMemory>(parsed);
  CHECK(back.last_request_sequence == 41);
  CHECK(back.next_transaction_number == 18);
  CHECK(back.days.at("2026-04-01").last_transaction_number == 17);
  CHECK(back.days.at("2026-04-01").lines == memory.days.at("2026-04-01").lines);
  CHECK(format_memory("term_T1", back) == text);

  const auto problem = [](std::string_view bad) {
    const auto result = parse_memory(bad);
    REQUIRE(std::holds_alternative<std::string>(result));
    return std::get<std::string>(result);
  };
  CHECK(problem("last_request_sequence -1\n").starts_with("line 1:"));
  CHECK(problem("last_request_sequence 1\nnext_transaction_number x\n").starts_with("line 2:"));
  CHECK(problem("total 2026-04-01 cash visa 1 1 0 0\n").starts_with("line 1:"));
  CHECK(problem("total 2026-4-01 card visa 1 1 0 0\n").starts_with("line 1:"));
  CHECK(problem("total 2026-04-01 card visa 1 1 0\n").starts_with("line 1:"));
  CHECK(problem("last_request_sequence 99999999999999999999\n").starts_with("line 1:"));
  CHECK(problem("next_transaction_number 0\n") == "next_transaction_number must be 1 or more");
  CHECK(problem("surprise 1\n").starts_with("line 1:"));
  CHECK(std::get<TerminalMemory>(parse_memory("")).next_transaction_number == 1);
}

// --- Offline uploads ------------------------------------------------------------------------------

TEST_CASE("POS fleet: an upload sends every stored payment once, in batches of at most 500", "[pos_sim]") {
  DrawRandom random(5);
  const std::vector<std::uint64_t> numbers = iota_numbers(100, 1'201);
  const auto plain = plan_upload(numbers, random, 0.0, 0.0);
  REQUIRE(plain.size() == 3);
  CHECK(plain[0].transaction_numbers.size() == 500);
  CHECK(plain[2].transaction_numbers.size() == 201);
  CHECK(plain[0].transaction_numbers.front() == 100);  // in the order taken
  CHECK_FALSE(plain[1].resend);
  CHECK(plan_upload({}, random, 1.0, 1.0).empty());

  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    DrawRandom seeded(seed);
    const auto parts = plan_upload(numbers, seeded, 1.0, 0.5);
    std::vector<std::uint64_t> first_sends;
    std::size_t resent = 0;
    for (const UploadPart& part : parts) {
      CHECK_FALSE(part.transaction_numbers.empty());
      CHECK(part.transaction_numbers.size() <= kOfflineBatchMax);
      if (part.resend) {
        ++resent;
        continue;
      }
      CHECK(resent == 0);  // resends come after every first send
      first_sends.insert(first_sends.end(), part.transaction_numbers.begin(), part.transaction_numbers.end());
    }
    CHECK(parts.size() - resent >= 6);  // three batches, each cut in two or three
    std::sort(first_sends.begin(), first_sends.end());
    CHECK(first_sends == numbers);
  }
}

TEST_CASE("POS fleet: partial uploads are shuffled and resent parts repeat parts sent", "[pos_sim]") {
  const std::vector<std::uint64_t> numbers = iota_numbers(1, 10);
  bool reordered = false;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    DrawRandom random(seed);
    const auto parts = plan_upload(numbers, random, 1.0, 1.0);
    std::size_t first_sends = 0;
    for (const UploadPart& part : parts) first_sends += part.resend ? 0 : 1;
    REQUIRE(parts.size() == 2 * first_sends);  // every part resent at a rate of 1
    for (std::size_t i = 0; i < first_sends; ++i) {
      CHECK(parts[first_sends + i].resend);
      CHECK(parts[first_sends + i].transaction_numbers == parts[i].transaction_numbers);
    }
    reordered = reordered || parts[0].transaction_numbers.front() != 1;
    // The same seed plans the same upload.
    DrawRandom again(seed);
    const auto replayed = plan_upload(numbers, again, 1.0, 1.0);
    REQUIRE(replayed.size() == parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i)
      CHECK(replayed[i].transaction_numbers == parts[i].transaction_numbers);
  }
  CHECK(reordered);
  DrawRandom random(1);
  const auto single = plan_upload({7}, random, 1.0, 0.0);  // one payment cannot be cut
  REQUIRE(single.size() == 1);
  CHECK(single[0].transaction_numbers == std::vector<std::uint64_t>{7});
}

TEST_CASE("POS fleet: a resent transaction must come back duplicate with the first payment id", "[pos_sim]") {
  CHECK(check_resend("pi_1", true, "pi_1") == ResendVerdict::acknowledged);
  CHECK(check_resend("pi_1", false, "pi_1") == ResendVerdict::not_flagged);
  CHECK(check_resend("pi_1", true, "pi_2") == ResendVerdict::other_payment);
  CHECK(verdict_name(ResendVerdict::not_flagged) == "not_flagged_duplicate");
  CHECK(results_match({3, 1, 2}, {3, 1, 2}));
  CHECK_FALSE(results_match({3, 1, 2}, {1, 2, 3}));
  CHECK_FALSE(results_match({3, 1, 2}, {3, 1}));
}

// --- Options ---------------------------------------------------------------------------------------

TEST_CASE("POS fleet: the command line", "[pos_sim]") {
  const auto parsed = parse_fleet_options({"--kessai-url",
                                           "http://127.0.0.1:8080",
                                           "--credentials",
                                           "c.tsv",
                                           "--facilities",
                                           "2",
                                           "--terminals",
                                           "3",
                                           "--payments",
                                           "50",
                                           "--seed",
                                           "9",
                                           "--mix",
                                           "card=60,qr=40",
                                           "--fee-codes",
                                           "F001,F003",
                                           "--drop-rate",
                                           "0.1",
                                           "--offline-payments",
                                           "8",
                                           "--lost-reply-rate",
                                           "0.05",
                                           "--duplicate-upload-rate",
                                           "0.5",
                                           "--partial-upload-rate",
                                           "0.25",
                                           "--refund-rate",
                                           "0.1",
                                           "--decline-rate",
                                           "0.2",
                                           "--state-dir",
                                           "s",
                                           "--report",
                                           "r.json"});
  REQUIRE(std::holds_alternative<FleetOptions>(parsed));
  const FleetOptions& options = std::get<FleetOptions>(parsed);
  CHECK(options.facilities == 2);
  CHECK(options.terminals == 3);
  CHECK(options.payments == 50);
  CHECK(options.seed == 9);
  CHECK(options.mix.card == 60);
  CHECK(options.mix.emoney == 0);
  CHECK(options.mix.qr == 40);
  CHECK(options.fee_codes == std::vector<std::string>{"F001", "F003"});
  CHECK(options.rates.drop == 0.1);
  CHECK(options.offline_payments == 8);
  CHECK(options.rates.lost_reply == 0.05);
  CHECK(options.rates.duplicate_upload == 0.5);
  CHECK(options.rates.partial_upload == 0.25);
  CHECK(options.rates.refund == 0.1);
  CHECK(options.rates.decline == 0.2);
  CHECK(options.state_dir == "s");
  CHECK(options.report_path == "r.json");
  const TerminalPlan plan = terminal_plan(options);
  CHECK(plan.payments == 50);
  CHECK(plan.offline_payments == 8);

  const auto defaults = std::get<FleetOptions>(parse_fleet_options(
      {"--kessai-url", "http://h:1", "--credentials", "c", "--facilities", "1", "--terminals", "1"}));
  CHECK(defaults.payments == kPaymentsDefault);
  CHECK(defaults.state_dir == "var/pos-sim");
  CHECK(defaults.offline_payments == 5);
  CHECK(defaults.mix.card == 40);
  CHECK(defaults.mix.emoney == 40);
  CHECK(defaults.mix.qr == 20);
  CHECK(defaults.fee_codes.empty());
  CHECK(defaults.rates.drop == 0.0);
}

TEST_CASE("POS fleet: command lines that are not one say why", "[pos_sim]") {
  const std::vector<std::string> base = {"--kessai-url", "http://h:1", "--credentials", "c",
                                         "--facilities", "1",          "--terminals",   "1"};
  const auto problem = [&base](std::vector<std::string> extra, bool with_base = true) {
    std::vector<std::string> args = with_base ? base : std::vector<std::string>{};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto parsed = parse_fleet_options(args);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    return std::get<std::string>(parsed);
  };
  CHECK(problem({}, false) == "--kessai-url is required");
  CHECK(problem({"--kessai-url", "https://h:1"}) == "--kessai-url must be http://HOST:PORT");
  CHECK(problem({"--facilities", "0"}).starts_with("--facilities must be a whole number from 1"));
  CHECK(problem({"--terminals", "x"}).starts_with("--terminals must be"));
  CHECK(problem({"--drop-rate", "1.5"}) == "--drop-rate must be a number from 0 to 1");
  CHECK(problem({"--lost-reply-rate", "-0.1"}) == "--lost-reply-rate must be a number from 0 to 1");
  CHECK(problem({"--mix", "card=40,cash=60"}).starts_with("--mix must be"));
  CHECK(problem({"--mix", "card=0,qr=0"}).starts_with("--mix must be"));
  CHECK(problem({"--mix", "card=1,card=2"}).starts_with("--mix must be"));
  CHECK(problem({"--fee-codes", "F001,,F002"}).starts_with("--fee-codes must be"));
  CHECK(problem({"--offline-payments", "0"}).starts_with("--offline-payments must be"));
  CHECK(problem({"--payments"}) == "--payments needs a value");
  CHECK(problem({"--listen", "1"}) == "unknown option --listen");
  CHECK(problem({"--facilities", "100", "--terminals", "100"}).find("at most") != std::string::npos);
  CHECK(parse_mix("emoney=3")->card == 0);
  CHECK(parse_mix("emoney=3")->emoney == 3);
}

// --- A terminal's day against the scripted kessai -----------------------------------------------------

TEST_CASE("POS fleet: a day online: hello, payments, day close MATCH", "[pos_sim]") {
  Day day;
  const TerminalReport report = day.run(plan_of(30));
  require_closed_and_matched(day, report);
  CHECK(report.sales == 30);
  CHECK(report.payments_online == 30);
  CHECK(report.approved == 30);
  CHECK(report.lost_sales == 0);
  CHECK(day.kessai.next_number() == 31);  // numbers 1..30, one per payment
  CHECK(report.takings_yen > 0);
  std::int64_t kessai_yen = 0;
  for (const auto& [key, line] : day.kessai.totals()) kessai_yen += line.payment_yen;
  CHECK(report.takings_yen == kessai_yen);
  // Every request's sequence number was in the terminal's memory before it was sent.
  CHECK(day.kessai.unsaved_sequences == 0);
  CHECK(day.store.saved.last_request_sequence == static_cast<std::uint64_t>(day.kessai.requests));
  CHECK(day.store.saved.next_transaction_number == 31);
  CHECK(day.store.saved.days.at(kBusinessDate).last_transaction_number == 30);
  CHECK(day.clock.slept_ms == 0);  // nothing to wait for
  CHECK(report.error_replies.empty());
}

TEST_CASE("POS fleet: after an ErrorReply the next sale takes the same number", "[pos_sim]") {
  Day day;
  int refusals = 0;
  day.kessai.refuse = [&refusals](const std::string& path,
                                  std::uint64_t number) -> std::optional<v1::ErrorCode> {
    if (path == kPaymentsPath && number == 3 && refusals < 2) {
      ++refusals;
      return v1::INVALID_FIELD;
    }
    return std::nullopt;
  };
  const TerminalReport report = day.run(plan_of(6));
  require_closed_and_matched(day, report);
  CHECK(report.sales_abandoned == 2);
  CHECK(report.payments_online == 4);
  CHECK(report.error_replies.at("INVALID_FIELD") == 2);
  CHECK(day.kessai.payment_numbers_sent == std::vector<std::uint64_t>{1, 2, 3, 3, 3, 4});
  CHECK(day.kessai.next_number() == 5);  // no gap
}

TEST_CASE("POS fleet: retryable refusals are sent again with new sequence numbers", "[pos_sim]") {
  Day day;
  int refusals = 0;
  day.kessai.refuse = [&refusals](const std::string&, std::uint64_t number) -> std::optional<v1::ErrorCode> {
    if (number == 2 && refusals < 3) {
      ++refusals;
      return v1::SERVICE_UNAVAILABLE;
    }
    return std::nullopt;
  };
  const TerminalReport report = day.run(plan_of(3));
  require_closed_and_matched(day, report);
  CHECK(report.approved == 3);
  CHECK(report.error_replies.at("SERVICE_UNAVAILABLE") == 3);
  CHECK(day.clock.slept_ms == kRetryWaitFirstMs * (1 + 2 + 4));
  CHECK(report.requests == 1 + 6 + 1);  // hello, 3 payments and 3 retries, day close
}

TEST_CASE("POS fleet: lost replies: the payment is resent and acknowledged as a duplicate", "[pos_sim]") {
  Day day;
  const TerminalReport report = day.run(plan_of(10, FleetRates{.lost_reply = 1.0}));
  require_closed_and_matched(day, report);
  CHECK(report.lost_replies_recovered == 10);
  CHECK(report.duplicates_acknowledged == 10);
  CHECK(day.kessai.payment_numbers_sent.size() == 20);
  CHECK(day.kessai.next_number() == 11);  // charged once each
}

TEST_CASE("POS fleet: a kessai that does not flag resends as duplicates fails the run", "[pos_sim]") {
  Day day;
  day.kessai.flag_duplicates = false;
  const TerminalReport report = day.run(plan_of(4, FleetRates{.lost_reply = 1.0}));
  CHECK(report.duplicates_unacknowledged == 4);
  CHECK(report.lost_replies_recovered == 0);
  REQUIRE_FALSE(report.problems.empty());
  CHECK(report.problems[0].find("not_flagged_duplicate") != std::string::npos);
  const FleetVerdict verdict = fleet_verdict({report});
  CHECK_FALSE(verdict.passed);
  CHECK(verdict.reasons.size() == 1);
  CHECK(verdict.reasons[0].find("not acknowledged as duplicates") != std::string::npos);
}

TEST_CASE("POS fleet: an answer lost in the network: sent again, recorded once", "[pos_sim]") {
  Day day;
  day.kessai.lose_payment_answers = 2;  // the first payment's, twice
  const TerminalReport report = day.run(plan_of(4));
  require_closed_and_matched(day, report);
  CHECK(report.transport_errors == 2);
  CHECK(day.kessai.payment_numbers_sent == std::vector<std::uint64_t>{1, 1, 1, 2, 3, 4});
  CHECK(day.clock.slept_ms == kRetryWaitFirstMs * (1 + 2));
  CHECK(report.approved == 4);
  CHECK(day.kessai.next_number() == 5);
  CHECK(report.duplicates_unacknowledged == 0);
}

TEST_CASE("POS fleet: PENDING payments are asked about again until they settle", "[pos_sim]") {
  Day day;
  day.kessai.pending_answers = 3;
  const TerminalReport report = day.run(plan_of(5, FleetRates{.decline = 0.5}));
  require_closed_and_matched(day, report);
  CHECK(report.pending_resolved == 5);
  CHECK(report.pending_unresolved == 0);
  CHECK(report.duplicates_acknowledged == 5 * 3);  // each ask after the first
  CHECK(report.approved + report.declined == 5);
  CHECK(day.clock.slept_ms == 5 * (kSettleWaitFirstMs * (1 + 2 + 4)));
}

TEST_CASE("POS fleet: an online payment FAILED for want of its processor stands; the sale is lost",
          "[pos_sim]") {
  Day day;
  day.kessai.failed_answers = 1'000;
  const TerminalReport report = day.run(plan_of(3));
  require_closed_and_matched(day, report);
  CHECK(report.failed == 3);
  CHECK(report.approved == 0);
  // Each sent once: online, a new try would be a new transaction, not the same number again.
  CHECK(day.kessai.payment_numbers_sent == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(day.clock.slept_ms == 0);
}

TEST_CASE("POS fleet: a payment PENDING past the wait is reported, not counted", "[pos_sim]") {
  Day day;
  day.kessai.pending_answers = 1'000;
  const TerminalReport report = day.run(plan_of(1));
  CHECK(report.pending_unresolved == 1);
  REQUIRE(report.day_closes.size() == 1);
  CHECK(report.day_closes[0].totals_sent.empty());
  CHECK(report.day_closes[0].result == "MATCH");
  CHECK(report.day_closes[0].pending_count == 1);
  CHECK(day.clock.slept_ms >= kSettleBudgetMs + kDayEndSettleBudgetMs);  // after the sale, at the day's end
  CHECK(day.clock.slept_ms < kSettleBudgetMs + kDayEndSettleBudgetMs + 2 * kSettleWaitMaxMs);
  const FleetVerdict verdict = fleet_verdict({report});
  CHECK_FALSE(verdict.passed);
  INFO(verdict.reasons[0]);
  CHECK(verdict.reasons[0].find("no outcome") != std::string::npos);
}

TEST_CASE("POS fleet: offline spells: within floor limits, uploaded in parts and twice", "[pos_sim]") {
  Day day;
  FleetRates rates;
  rates.drop = 1.0;
  rates.partial_upload = 1.0;
  rates.duplicate_upload = 1.0;
  rates.decline = 0.3;
  TerminalPlan plan = plan_of(40, rates, 11);
  plan.offline_payments = 8;
  const TerminalReport report = day.run(plan);
  require_closed_and_matched(day, report);
  CHECK(report.network_drops == 5);
  CHECK(report.payments_online == 0);
  CHECK(report.payments_offline + report.lost_sales == 40);
  CHECK(report.lost_sales > 0);  // QR sales and sales above the floor limits
  CHECK(report.payments_offline > 0);
  for (const auto& [number, record] : day.kessai.records) {
    CHECK(record.means != Means::qr);
    CHECK(record.amount_yen <= (record.means == Means::card ? 3'000 : 2'000));
  }
  CHECK(report.offline_declined > 0);  // declining tokens, forwarded after the fact
  CHECK(report.approved + report.offline_declined == report.payments_offline);
  CHECK(report.duplicate_uploads > 0);
  CHECK(report.duplicates_acknowledged == report.payments_offline);  // each part resent once
  CHECK(report.gaps_during_run == 0);  // the batches' gaps were payments still to upload
  // Numbers used by offline payments only: lost sales take none.
  CHECK(day.kessai.next_number() == report.payments_offline + 1);
}

TEST_CASE("POS fleet: an offline payment PENDING at upload is uploaded again until it settles", "[pos_sim]") {
  Day day;
  day.kessai.pending_answers = 2;
  day.kessai.means = {v1::MEANS_CARD};
  day.kessai.card_floor_limit_yen = 5'000;
  TerminalPlan plan = plan_of(3, FleetRates{.drop = 1.0});
  plan.offline_payments = 3;
  const TerminalReport report = day.run(plan);
  require_closed_and_matched(day, report);
  CHECK(report.payments_offline == 3);
  CHECK(report.pending_resolved == 3);
  CHECK(report.approved == 3);
  CHECK(report.duplicates_acknowledged == 3 * 2);
}

TEST_CASE("POS fleet: refunds and voids count in the takings and the day close", "[pos_sim]") {
  Day day;
  day.kessai.means = {v1::MEANS_CARD, v1::MEANS_QR};
  const TerminalReport report = day.run(plan_of(20, FleetRates{.refund = 1.0}));
  require_closed_and_matched(day, report);
  CHECK(report.refunds == 20);
  CHECK(day.kessai.next_number() == 41);  // a number per payment and per refund
  std::uint64_t refund_count = 0;
  for (const auto& [key, line] : day.kessai.totals()) refund_count += line.refund_count;
  CHECK(refund_count == 20);
  CHECK(report.takings_yen >= 0);
}

TEST_CASE("POS fleet: a terminal whose memory was lost jumps its sequence and takes kessai's numbers",
          "[pos_sim]") {
  Day day;
  day.kessai.last_sequence = 1'000;
  day.kessai.first_number = 50;
  const TerminalReport report = day.run(plan_of(2));
  require_closed_and_matched(day, report);
  CHECK(report.sequence_jumps >= 1);
  CHECK(report.error_replies.at("SEQUENCE_OUT_OF_WINDOW") >= 1);
  CHECK(day.kessai.payment_numbers_sent == std::vector<std::uint64_t>{50, 51});
  CHECK(day.store.saved.next_transaction_number == 52);
}

TEST_CASE("POS fleet: the day's totals of an earlier run are closed with this run's", "[pos_sim]") {
  Day day;
  const TerminalReport first = day.run(plan_of(5, {}, 1));
  require_closed_and_matched(day, first);
  day.kessai.closes.clear();
  const TerminalReport second = day.run(plan_of(5, {}, 2), day.store.saved);
  require_closed_and_matched(day, second);
  std::uint64_t payments = 0;
  for (const v1::Total& total : day.kessai.closes[0].totals()) payments += total.payment_count();
  CHECK(payments == 10);
  CHECK(day.kessai.next_number() == 11);
}

TEST_CASE("POS fleet: a refused signature stops the terminal before any sale", "[pos_sim]") {
  Day day;
  day.kessai.secret = "another secret";
  const TerminalReport report = day.run(plan_of(5));
  CHECK(report.stopped.starts_with("hello: BAD_SIGNATURE"));
  CHECK(report.sales == 0);
  CHECK(day.kessai.requests == 1);  // not retried
  CHECK(report.day_closes.empty());
  const FleetVerdict verdict = fleet_verdict({report});
  CHECK_FALSE(verdict.passed);
  CHECK(verdict.reasons[0].find("stopped") != std::string::npos);
}

TEST_CASE("POS fleet: the same seed replays the same day", "[pos_sim]") {
  FleetRates rates;
  rates.drop = 0.2;
  rates.refund = 0.2;
  rates.lost_reply = 0.2;
  rates.decline = 0.2;
  Day first;
  Day second;
  const TerminalReport a = first.run(plan_of(40, rates, 5));
  const TerminalReport b = second.run(plan_of(40, rates, 5));
  CHECK(first.kessai.payment_numbers_sent == second.kessai.payment_numbers_sent);
  CHECK(first.kessai.totals() == second.kessai.totals());
  CHECK(a.takings_yen == b.takings_yen);
  CHECK(a.lost_sales == b.lost_sales);
}

TEST_CASE("POS fleet: the summary adds the terminals up", "[pos_sim]") {
  Day one;
  Day two;
  const TerminalReport a = one.run(plan_of(6, FleetRates{.lost_reply = 1.0}, 1));
  TerminalReport b = two.run(plan_of(4, {}, 2));
  b.terminal_id = "term_T2";
  const std::vector<TerminalReport> reports = {a, b};
  const FleetVerdict verdict = fleet_verdict(reports);
  CHECK(verdict.passed);
  const boost::json::object summary = fleet_summary(reports, 1, 42, verdict);
  CHECK(summary.at("seed").as_uint64() == 42);
  CHECK(summary.at("terminals").as_uint64() == 2);
  CHECK(summary.at("facilities").as_uint64() == 1);
  CHECK(summary.at("payments_online").as_uint64() == 10);
  CHECK(summary.at("approved").as_uint64() == 10);
  CHECK(summary.at("lost_replies_recovered").as_uint64() == 6);
  CHECK(summary.at("duplicates_acknowledged").as_uint64() == 6);
  CHECK(summary.at("day_close_match").as_uint64() == 2);
  CHECK(summary.at("day_close_mismatch").as_uint64() == 0);
  CHECK(summary.at("takings_yen").as_int64() == a.takings_yen + b.takings_yen);
  CHECK(summary.at("passed").as_bool());
  for (const char* member : {"payments_offline", "declined", "offline_declined", "pending_resolved",
                             "refunds", "duplicate_uploads", "error_replies", "gaps_reported"})
    CHECK(summary.contains(member));
  const boost::json::array& terminals = summary.at("per_terminal").as_array();
  REQUIRE(terminals.size() == 2);
  CHECK(terminals[1].at("terminal").as_string() == "term_T2");
  CHECK(terminals[1].at("day_close").as_string() == "MATCH");
  CHECK(terminals[1].at("day_closes").as_array()[0].at("differences").as_array().empty());

  TerminalReport mismatched = b;
  mismatched.day_closes[0].result = "MISMATCH";
  mismatched.day_closes[0].differences.push_back(
      {TotalLine{Means::card, "visa", 1, 100, 0, 0}, TotalLine{Means::card, "visa", 0, 0, 0, 0}});
  const FleetVerdict failed = fleet_verdict({a, mismatched});
  CHECK_FALSE(failed.passed);
  const boost::json::object failed_summary = fleet_summary({a, mismatched}, 1, 42, failed);
  CHECK(failed_summary.at("day_close_mismatch").as_uint64() == 1);
  const auto& difference = failed_summary.at("per_terminal")
                               .as_array()[1]
                               .at("day_closes")
                               .as_array()[0]
                               .at("differences")
                               .as_array()[0];
  CHECK(difference.at("means").as_string() == "card");
  CHECK(difference.at("terminal").at("payment_yen").as_int64() == 100);
}

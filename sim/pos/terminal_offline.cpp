// The terminal's offline spells (store and forward), its uploads, the end of its day and its day close.

#include <algorithm>
#include <cassert>

#include "kessai/runtime/log.hpp"
#include "terminal.hpp"

namespace kessai::sim::pos {

namespace {

EntryState offline_state_of(v1::TransactionStatus status) {
  switch (status) {
    case v1::APPROVED:
      return EntryState::approved;
    case v1::DECLINED:
      return EntryState::declined;
    case v1::REFUSED:
      return EntryState::refused;
    case v1::FAILED:
      return EntryState::failed;
    default:
      return EntryState::pending;
  }
}

bool is_final(EntryState state) {
  return state == EntryState::approved || state == EntryState::declined || state == EntryState::refused;
}

// Whether an upload result says kessai recorded the payment, so that a later upload must be answered
// duplicate=true with this payment id. (FAILED asks for another upload; REFUSED ones are seen but their
// records are kessai's business.)
bool is_recorded(EntryState state) {
  return state == EntryState::approved || state == EntryState::declined || state == EntryState::pending;
}

std::uint64_t range_size(const v1::NumberRange& range) {
  return range.last() >= range.first() ? range.last() - range.first() + 1 : 0;
}

TotalLine from_total(const v1::Total& total) {
  return TotalLine{static_cast<Means>(total.means()), total.brand(),        total.payment_count(),
                   total.payment_amount_yen(),        total.refund_count(), total.refund_amount_yen()};
}

void to_total(const TotalLine& line, v1::Total& total) {
  total.set_means(static_cast<v1::Means>(line.means));
  total.set_brand(line.brand);
  total.set_payment_count(line.payment_count);
  total.set_payment_amount_yen(line.payment_yen);
  total.set_refund_count(line.refund_count);
  total.set_refund_amount_yen(line.refund_yen);
}

}  // namespace

void Terminal::take_offline(const Sale& sale) {
  const std::int64_t floor_limit_yen = sale.means == Means::card ? session_.card_floor_limit_yen
                                       : sale.means == Means::emoney
                                           ? session_.emoney_floor_limit_yen
                                           : 0;  // QR: the provider must see the code
  if (floor_limit_yen <= 0 || sale.amount_yen > floor_limit_yen) {
    ++report_.lost_sales;  // the clerk refuses the sale: no receipt, no number
    return;
  }
  const std::uint64_t number = memory_.next_transaction_number;
  use_number(number);
  v1::OfflinePayment& payment = offline_payments_[number];
  payment.set_transaction_number(number);
  payment.set_amount_yen(sale.amount_yen);
  payment.set_means(static_cast<v1::Means>(sale.means));
  payment.set_brand(sale.brand);
  payment.set_fee_code(sale.fee_code);
  payment.set_local_time(now());
  if (sale.means == Means::card) payment.mutable_card()->set_token(sale.card_token);
  if (sale.means == Means::emoney) payment.mutable_emoney()->set_idm(sale.idm);
  payment.set_receipt_text(sale.receipt_text);
  stored_.insert(number);
  takings_.record({number, EntryKind::payment, sale.means, sale.brand, sale.amount_yen,
                   EntryState::stored_offline, true, "", ""});
  ++report_.payments_offline;
  remember();  // the receipt is printed: the payment must survive the terminal's restart
}

void Terminal::reconnect() {
  log::info("pos_network_back",
            {{"terminal", credentials_.terminal_id}, {"stored", static_cast<std::uint64_t>(stored_.size())}});
  if (hello()) upload_stored(true, kSettleBudgetMs);
}

// Uploads every stored payment, then re-uploads those whose result was not final, waiting between
// rounds, for at most budget_ms. `planned`: cut and resent as the rates say (the first upload after
// a spell); otherwise plain batches.
void Terminal::upload_stored(bool planned, std::int64_t budget_ms) {
  const auto stored_numbers = [this] { return std::vector<std::uint64_t>(stored_.begin(), stored_.end()); };
  const double partial = planned ? plan_.rates.partial_upload : 0.0;
  const double duplicate = planned ? plan_.rates.duplicate_upload : 0.0;
  for (const UploadPart& part : plan_upload(stored_numbers(), fault_random_, partial, duplicate)) {
    if (!report_.stopped.empty()) return;
    send_part(part);
  }
  const auto upload_again = [&] {
    for (const UploadPart& part : plan_upload(stored_numbers(), fault_random_, 0.0, 0.0)) {
      if (report_.stopped.empty()) send_part(part);
    }
  };
  settle(
      budget_ms, [this] { return stored_.empty(); }, upload_again);
}

void Terminal::send_part(const UploadPart& part) {
  v1::OfflineBatch batch;
  batch.set_protocol_version(kProtocolVersion);
  batch.set_batch_id(credentials_.terminal_id + "-b" + std::to_string(++batches_));
  for (const std::uint64_t number : part.transaction_numbers)
    *batch.add_payments() = offline_payments_.at(number);
  ++report_.offline_batches_sent;
  if (part.resend) ++report_.duplicate_uploads;
  const Answer<v1::OfflineBatchReply> answer = link_.call<v1::OfflineBatchReply>(kOfflineBatchesPath, batch);
  if (answer.kind == AnswerKind::refused && is_fatal(answer.error.code()))
    stop("offline batch: " + error_code_name(answer.error.code()) + " (" + answer.error.message() + ")");
  if (answer.kind != AnswerKind::reply) return;  // still stored: the next round uploads it again
  std::vector<std::uint64_t> answered;
  for (const v1::OfflineResult& result : answer.reply.results())
    answered.push_back(result.transaction_number());
  if (!results_match(part.transaction_numbers, answered))
    violation("offline batch " + batch.batch_id() + ": " + std::to_string(answered.size()) +
              " results, not one per payment in the order sent (" +
              std::to_string(part.transaction_numbers.size()) + ")");
  for (const v1::OfflineResult& result : answer.reply.results()) offline_result(result);
  report_.gaps_during_run += unexpected_gaps(answer.reply.gaps());
  remember();
}

void Terminal::offline_result(const v1::OfflineResult& result) {
  const std::uint64_t number = result.transaction_number();
  if (!offline_payments_.contains(number)) {
    violation("offline result for transaction " + std::to_string(number) + ", not one uploaded");
    return;
  }
  const EntryState state = offline_state_of(result.status());
  const auto first = first_offline_ids_.find(number);
  // A PENDING attempt that turned out never to have reached its processor charged nothing: kessai makes a
  // new attempt when the payment is uploaded again (docs/pos-protocol.md), answered not as a duplicate.
  const bool new_attempt = first != first_offline_ids_.end() && !result.duplicate() &&
                           takings_.find(number)->state == EntryState::pending;
  if (new_attempt) {
    first_offline_ids_.erase(first);
    if (is_recorded(state)) first_offline_ids_.emplace(number, result.payment_id());
  } else if (first != first_offline_ids_.end()) {
    verdict(number, check_resend(first->second, result.duplicate(), result.payment_id()),
            "in an offline batch");
  } else if (is_recorded(state)) {
    first_offline_ids_.emplace(number, result.payment_id());
  }
  const EntryState before = takings_.find(number)->state;
  takings_.settle(number, state, result.business_date(), result.payment_id());
  if (before == EntryState::pending && state != EntryState::pending) ++report_.pending_resolved;
  if (is_final(state)) stored_.erase(number);
  if (state == EntryState::declined || state == EntryState::refused) {
    log::info("pos_offline_payment_out_of_takings", {{"terminal", credentials_.terminal_id},
                                                     {"transaction_number", number},
                                                     {"status", state_name(state)},
                                                     {"decline_code", result.decline_code()}});
  }
}

// Numbers kessai calls missing that the terminal has not uploaded yet are expected; the others are not.
std::uint64_t Terminal::unexpected_gaps(
    const google::protobuf::RepeatedPtrField<v1::NumberRange>& gaps) const {
  std::uint64_t unexpected = 0;
  for (const v1::NumberRange& range : gaps) {
    const auto from = stored_.lower_bound(range.first());
    const auto to = stored_.upper_bound(range.last());
    const auto expected = static_cast<std::uint64_t>(std::distance(from, to));
    unexpected += range_size(range) - std::min(expected, range_size(range));
  }
  return unexpected;
}

// The end of the day: the line back if it was down, every stored payment uploaded, every PENDING one
// asked about, then the day close of every business date the terminal booked on.
void Terminal::finish() {
  if (offline_left_ > 0) {
    offline_left_ = 0;
    reconnect();
  }
  const auto ask_unsettled = [this] {
    std::vector<Transaction> waiting;
    for (const auto& [number, transaction] : unsettled_) waiting.push_back(transaction);
    for (const Transaction& transaction : waiting) {
      if (report_.stopped.empty()) ask_again(transaction);
    }
  };
  settle(
      kDayEndSettleBudgetMs, [this] { return unsettled_.empty(); }, ask_unsettled);
  if (!stored_.empty() && report_.stopped.empty()) upload_stored(false, kDayEndSettleBudgetMs);
  if (!report_.stopped.empty()) return;
  std::vector<std::string> dates = takings_.dates();
  if (!session_.business_date.empty() && std::ranges::find(dates, session_.business_date) == dates.end())
    dates.push_back(session_.business_date);
  std::ranges::sort(dates);
  for (const std::string& date : dates) close_day(date);
}

void Terminal::close_day(const std::string& business_date) {
  const DayTotals day = takings_.day(business_date);
  v1::DayCloseRequest request;
  request.set_protocol_version(kProtocolVersion);
  request.set_business_date(business_date);
  DayCloseOutcome outcome{business_date, "NOT_SENT"};
  for (const auto& [key, line] : day.lines) {
    if (line.payment_count == 0 && line.refund_count == 0) continue;
    to_total(line, *request.add_totals());
    outcome.totals_sent.push_back(line);
  }
  // A day the terminal booked nothing on: its highest number of all, so kessai looks for gaps up to it.
  outcome.last_transaction_number =
      day.last_transaction_number != 0 ? day.last_transaction_number : memory_.next_transaction_number - 1;
  request.set_last_transaction_number(outcome.last_transaction_number);
  request.set_local_time(now());
  const Answer<v1::DayCloseReply> answer = link_.call<v1::DayCloseReply>(kDayClosePath, request);
  if (answer.kind != AnswerKind::reply) {
    outcome.problem = answer.kind == AnswerKind::refused
                          ? error_code_name(answer.error.code()) + " (" + answer.error.message() + ")"
                          : answer.problem;
    problem("day close " + business_date + ": " + outcome.problem);
    report_.day_closes.push_back(std::move(outcome));
    return;
  }
  const v1::DayCloseReply& reply = answer.reply;
  outcome.result = reply.result() == v1::MATCH      ? "MATCH"
                   : reply.result() == v1::MISMATCH ? "MISMATCH"
                                                    : "RESULT_" + std::to_string(reply.result());
  outcome.close_id = reply.close_id();
  outcome.pending_count = reply.pending_count();
  for (const v1::NumberRange& gap : reply.gaps()) {
    outcome.gaps.emplace_back(gap.first(), gap.last());
    report_.gaps_reported += range_size(gap);
  }
  for (const v1::Difference& difference : reply.differences())
    outcome.differences.push_back({from_total(difference.terminal()), from_total(difference.kessai())});
  std::map<TotalKey, TotalLine> kessai_lines;
  for (const v1::Total& total : reply.kessai_totals()) {
    const TotalLine line = from_total(total);
    kessai_lines[{line.means, line.brand}] = line;
  }
  if (reply.result() == v1::MATCH && !compare_totals(day.lines, kessai_lines).empty())
    violation("day close " + business_date + ": MATCH, but kessai_totals differ from the terminal's");
  log::info("pos_day_close", {{"terminal", credentials_.terminal_id},
                              {"business_date", business_date},
                              {"result", outcome.result},
                              {"differences", static_cast<std::uint64_t>(outcome.differences.size())},
                              {"pending_count", outcome.pending_count},
                              {"close_id", outcome.close_id}});
  report_.day_closes.push_back(std::move(outcome));
}

TerminalReport Terminal::report() {
  TerminalReport report = report_;
  const auto count = [this](EntryKind kind, EntryState state) { return takings_.count(kind, state); };
  // Payments by state, taken online (false) or offline (true).
  const auto offline = [this](EntryState state, bool is_offline) {
    return takings_.count(EntryKind::payment, state, is_offline);
  };
  for (const EntryState state : {EntryState::approved, EntryState::declined, EntryState::pending,
                                 EntryState::failed, EntryState::refused})
    report.payments_online += offline(state, false);
  report.approved = count(EntryKind::payment, EntryState::approved);
  report.declined = offline(EntryState::declined, false);
  report.failed = offline(EntryState::failed, false);
  report.offline_declined = offline(EntryState::declined, true);
  report.offline_refused = offline(EntryState::refused, true);
  report.offline_failed = offline(EntryState::failed, true);
  report.offline_not_uploaded = offline(EntryState::stored_offline, true);
  report.pending_unresolved =
      count(EntryKind::payment, EntryState::pending) + count(EntryKind::refund, EntryState::pending);
  report.refunds = count(EntryKind::refund, EntryState::approved);
  report.refunds_declined =
      count(EntryKind::refund, EntryState::declined) + count(EntryKind::refund, EntryState::failed);
  report.takings_yen = takings_.takings_yen();
  const LinkCounters& link = link_.counters();
  report.requests = link.requests;
  report.transport_errors = link.transport_errors;
  report.malformed_replies = link.malformed_replies;
  report.sequence_jumps = link.sequence_jumps;
  report.error_replies = link.error_replies;
  return report;
}

}  // namespace kessai::sim::pos

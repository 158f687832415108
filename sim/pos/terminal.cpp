// The terminal's day: hello, sales online, refunds, PENDING asked about again, the end of the day.
// Offline spells, uploads and the day close are in terminal_offline.cpp.

#include "terminal.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <stdexcept>

#include "kessai/runtime/log.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::pos {

namespace {

EntryState state_of(v1::TransactionStatus status) {
  switch (status) {
    case v1::APPROVED:
      return EntryState::approved;
    case v1::DECLINED:
      return EntryState::declined;
    case v1::FAILED:
      return EntryState::failed;
    case v1::REFUSED:
      return EntryState::refused;
    default:
      return EntryState::pending;  // PENDING, or a status this version does not know: ask again
  }
}

std::string describe_refusal(const v1::ErrorReply& error) {
  return error_code_name(error.code()) + " (" + error.message() + ")";
}

}  // namespace

std::int64_t partial_refund_yen(std::int64_t amount_yen, std::uint64_t percent) {
  assert(amount_yen >= 20 && percent < 100);
  const std::int64_t part_yen = amount_yen * static_cast<std::int64_t>(percent) / 100 / 10 * 10;
  return std::clamp<std::int64_t>(part_yen, 10, amount_yen - 10);
}

std::string tokyo_local_time(std::int64_t unix_ms) {
  const std::chrono::sys_seconds instant{std::chrono::seconds{unix_ms / 1000}};
  return format_tokyo(instant, "%FT%T+09:00");
}

std::uint64_t Terminal::Transaction::number() const {
  return kind == EntryKind::payment ? payment.transaction_number() : refund.transaction_number();
}

Terminal::Terminal(TerminalCredentials credentials, TerminalPlan plan, TerminalMemory memory,
                   Transport& transport, MemoryStore& store, TerminalClock& clock, SaleDone on_sale_done)
    : credentials_(std::move(credentials)),
      plan_(std::move(plan)),
      memory_(std::move(memory)),
      store_(store),
      clock_(clock),
      link_(credentials_, transport, store, clock, memory_),
      on_sale_done_(std::move(on_sale_done)),
      sale_draw_(plan_.seed, credentials_.facility_id, credentials_.terminal_id, plan_.mix,
                 plan_.rates.decline),
      fault_random_(mix_64(plan_.seed ^ mix_64(fnv1a_64(credentials_.terminal_id) ^ 0x6661756c7473ull))),
      takings_(memory_.days) {
  report_.terminal_id = credentials_.terminal_id;
  report_.facility_id = credentials_.facility_id;
}

TerminalReport Terminal::run() {
  try {
    if (hello()) {
      for (std::uint64_t sale = 0; sale < plan_.payments && report_.stopped.empty(); ++sale) {
        next_sale();
        if (on_sale_done_) on_sale_done_();
      }
      if (report_.stopped.empty()) finish();
    }
  } catch (const std::exception& error) {  // the memory could not be written: the terminal must not go on
    stop(std::string("the terminal's memory: ") + error.what());
  }
  return report();
}

bool Terminal::hello() {
  v1::HelloRequest request;
  request.set_protocol_version(kProtocolVersion);
  request.set_software(std::string(kSoftwareName));
  request.set_local_time(now());
  const Answer<v1::HelloReply> answer = link_.call<v1::HelloReply>(kHelloPath, request);
  if (answer.kind != AnswerKind::reply) {
    stop("hello: " + (answer.kind == AnswerKind::refused ? describe_refusal(answer.error) : answer.problem));
    return false;
  }
  const v1::HelloReply& reply = answer.reply;
  if (reply.min_protocol_version() > kProtocolVersion ||
      (reply.max_protocol_version() != 0 && reply.max_protocol_version() < kProtocolVersion)) {
    stop("kessai speaks protocol versions " + std::to_string(reply.min_protocol_version()) + ".." +
         std::to_string(reply.max_protocol_version()) + ", not 1");
    return false;
  }
  const bool first_hello = !said_hello_;
  said_hello_ = true;
  if (first_hello && !reply.facility_id().empty() && reply.facility_id() != credentials_.facility_id)
    problem("kessai has the terminal at facility " + reply.facility_id() + ", the credentials file at " +
            credentials_.facility_id);
  // The terminal's memory and kessai's may each be ahead (a lost state file, a reply lost): the larger wins.
  memory_.last_request_sequence =
      std::min(kMemoryNumberMax - 1, std::max(memory_.last_request_sequence, reply.last_request_sequence()));
  memory_.next_transaction_number =
      std::min(kMemoryNumberMax, std::max(memory_.next_transaction_number, reply.next_transaction_number()));
  remember();
  session_ = Session{reply.facility_id().empty() ? credentials_.facility_id : reply.facility_id(),
                     reply.business_date(), reply.card_floor_limit_yen(), reply.emoney_floor_limit_yen()};
  for (const int means : reply.means()) {
    if (means >= 1 && means <= 3) session_.means.push_back(static_cast<Means>(means));
  }
  for (const v1::FeeCode& fee : reply.fee_codes()) {
    if (plan_.fee_codes.empty()) session_.fees.push_back({fee.code(), fee.name()});
  }
  for (const std::string& code : plan_.fee_codes) {
    const auto offered = std::find_if(reply.fee_codes().begin(), reply.fee_codes().end(),
                                      [&code](const v1::FeeCode& fee) { return fee.code() == code; });
    if (first_hello && offered == reply.fee_codes().end())
      problem("fee code " + code + " is not among those kessai lists");
    session_.fees.push_back({code, offered == reply.fee_codes().end() ? "" : offered->name()});
  }
  report_.business_date = session_.business_date;
  report_.gaps_during_run += unexpected_gaps(reply.gaps());
  log::info("pos_terminal_hello", {{"terminal", credentials_.terminal_id},
                                   {"facility", session_.facility_id},
                                   {"business_date", session_.business_date},
                                   {"next_transaction_number", memory_.next_transaction_number},
                                   {"card_floor_limit_yen", session_.card_floor_limit_yen},
                                   {"emoney_floor_limit_yen", session_.emoney_floor_limit_yen}});
  if (session_.fees.empty()) stop("no fee codes: HelloReply lists none and --fee-codes names none");
  if (!sale_draw_.can_draw(session_.means))
    stop("the facility takes none of the means --mix weighs (HelloReply.means)");
  return report_.stopped.empty();
}

// After TRANSACTION_NUMBER_REUSED: kessai has numbers the terminal does not remember. Hello again;
// true when that moved the next number on.
bool Terminal::resync_numbers() {
  const std::uint64_t before = memory_.next_transaction_number;
  return hello() && memory_.next_transaction_number > before;
}

PayerKey Terminal::payer_key() {
  if (memory_.last_request_sequence != payer_sequence_) {
    payer_sequence_ = memory_.last_request_sequence;
    draws_since_request_ = 0;
  }
  return {payer_sequence_, draws_since_request_++};
}

void Terminal::next_sale() {
  ++report_.sales;
  // The line may go down before a sale made online (drawn only then, so offline spells do not overlap).
  if (offline_left_ == 0 && fault_random_.chance(plan_.rates.drop)) {
    ++report_.network_drops;
    offline_left_ = plan_.offline_payments;
    log::info("pos_network_down", {{"terminal", credentials_.terminal_id}, {"sales_offline", offline_left_}});
  }
  const std::optional<Sale> sale = sale_draw_.next(session_.means, session_.fees, payer_key());
  assert(sale);  // hello checked there is a means and a fee to draw
  if (offline_left_ == 0 && sell(*sale)) return;
  if (offline_left_ == 0) {  // kessai could not be reached at all: the line is down
    ++report_.network_drops;
    offline_left_ = plan_.offline_payments;
    log::warn("pos_network_down", {{"terminal", credentials_.terminal_id},
                                   {"sales_offline", offline_left_},
                                   {"cause", "kessai unreachable"}});
  }
  take_offline(*sale);
  if (--offline_left_ == 0) reconnect();
}

bool Terminal::sell(const Sale& sale) {
  Transaction transaction;
  v1::PaymentRequest& request = transaction.payment;
  request.set_protocol_version(kProtocolVersion);
  request.set_transaction_number(memory_.next_transaction_number);
  request.set_amount_yen(sale.amount_yen);
  request.set_means(static_cast<v1::Means>(sale.means));
  request.set_brand(sale.brand);
  request.set_fee_code(sale.fee_code);
  request.set_local_time(now());
  if (sale.means == Means::card) request.mutable_card()->set_token(sale.card_token);
  if (sale.means == Means::emoney) request.mutable_emoney()->set_idm(sale.idm);
  if (sale.means == Means::qr) request.mutable_qr()->set_code(sale.qr_code);
  request.set_receipt_text(sale.receipt_text);
  for (int resync = 0;; ++resync) {
    const Sent sent = send(transaction);
    if (sent.kind == AnswerKind::reply) {
      answered(transaction, sent, sale.means, sale.brand, sale.amount_yen);
      return true;
    }
    if (sent.kind == AnswerKind::unreachable && !sent.unanswered_maybe_recorded) return false;
    if (sent.kind == AnswerKind::unreachable) {  // it may be in kessai: its number is spent, ask later
      record_sent(transaction, sent, sale.means, sale.brand, sale.amount_yen);
      return true;
    }
    if (sent.error.code() == v1::TRANSACTION_NUMBER_REUSED && resync == 0 && resync_numbers()) {
      request.set_transaction_number(memory_.next_transaction_number);
      continue;
    }
    if (is_fatal(sent.error.code())) stop("payment: " + describe_refusal(sent.error));
    ++report_.sales_abandoned;  // nothing recorded: the number goes to the next sale
    return true;
  }
}

// A payment or refund kessai answered: its number is used; a lost reply, a PENDING outcome and a refund
// may follow.
void Terminal::answered(const Transaction& transaction, const Sent& sent, Means means,
                        const std::string& brand, std::int64_t amount_yen) {
  record_sent(transaction, sent, means, brand, amount_yen);
  const std::uint64_t number = transaction.number();
  if (transaction.kind == EntryKind::payment && fault_random_.chance(plan_.rates.lost_reply))
    lose_reply(transaction);
  const auto settled = [&] { return takings_.find(number)->state != EntryState::pending; };
  settle(kSettleBudgetMs, settled, [&] { ask_again(transaction); });
  if (transaction.kind == EntryKind::payment && takings_.find(number)->state == EntryState::approved)
    maybe_refund(*takings_.find(number));
}

// The transaction in the takings, its number used; unsettled while its outcome is not known.
void Terminal::record_sent(const Transaction& transaction, const Sent& sent, Means means,
                           const std::string& brand, std::int64_t amount_yen) {
  const std::uint64_t number = transaction.number();
  const bool has_reply = sent.kind == AnswerKind::reply;
  if (has_reply && sent.outcome.transaction_number != number)
    violation("reply for transaction " + std::to_string(sent.outcome.transaction_number) +
              " to transaction " + std::to_string(number));
  use_number(number);
  const EntryState state = has_reply ? state_of(sent.outcome.status) : EntryState::pending;
  takings_.record({number, transaction.kind, means, brand, amount_yen, state, false,
                   has_reply ? sent.outcome.business_date : "", has_reply ? sent.outcome.kessai_id : ""});
  if (state == EntryState::pending) unsettled_[number] = transaction;
  remember();
}

void Terminal::lose_reply(const Transaction& transaction) {
  const std::uint64_t number = transaction.number();
  const std::string first_id = takings_.find(number)->kessai_id;
  log::info("pos_reply_lost", {{"terminal", credentials_.terminal_id}, {"transaction_number", number}});
  const Sent again = send(transaction);
  if (again.kind != AnswerKind::reply) {
    ++report_.resends_unanswered;
    problem("transaction " + std::to_string(number) + " resent after a lost reply: no reply");
    return;
  }
  // Online, every attempt stands under its number (a failed one too): the resend must answer the record.
  const ResendVerdict checked = check_resend(first_id, again.outcome.duplicate, again.outcome.kessai_id);
  verdict(number, checked, "after a lost reply");
  if (checked == ResendVerdict::acknowledged) ++report_.lost_replies_recovered;
  apply(number, again.outcome);
}

// Sends a transaction again whose outcome is not known (PENDING, or sent without an answer).
void Terminal::ask_again(const Transaction& transaction) {
  const std::uint64_t number = transaction.number();
  const std::string first_id = takings_.find(number)->kessai_id;
  // A PENDING transaction is recorded: the answer must be that record.
  const bool recorded = takings_.find(number)->state == EntryState::pending && !first_id.empty();
  const Sent again = send(transaction);
  if (again.kind == AnswerKind::refused) {
    if (is_fatal(again.error.code())) stop("asking again: " + describe_refusal(again.error));
    if (again.error.retryable()) return;
    if (!first_id.empty()) return;
    // Never answered before, and refused now: kessai never recorded it, so its number is a gap.
    takings_.settle(number, EntryState::abandoned, "", "");
    unsettled_.erase(number);
    ++(transaction.kind == EntryKind::payment ? report_.sales_abandoned : report_.refunds_abandoned);
    problem("transaction " + std::to_string(number) +
            " sent without an answer was refused when sent again: " + describe_refusal(again.error));
    remember();
    return;
  }
  if (again.kind != AnswerKind::reply) return;
  if (recorded)
    verdict(number, check_resend(first_id, again.outcome.duplicate, again.outcome.kessai_id), "asking again");
  apply(number, again.outcome);
}

// Waits (doubling) and asks until done or the budget is spent.
void Terminal::settle(std::int64_t budget_ms, const std::function<bool()>& done,
                      const std::function<void()>& ask) {
  std::int64_t waited_ms = 0;
  std::int64_t wait_ms = kSettleWaitFirstMs;
  while (!done() && waited_ms < budget_ms && report_.stopped.empty()) {
    clock_.sleep_ms(wait_ms);
    waited_ms += wait_ms;
    wait_ms = std::min(wait_ms * 2, kSettleWaitMaxMs);
    ask();
  }
}

void Terminal::apply(std::uint64_t number, const Outcome& outcome) {
  const TakingsEntry* entry = takings_.find(number);
  assert(entry != nullptr);
  const EntryState before = entry->state;
  const EntryState after = state_of(outcome.status);
  takings_.settle(number, after, outcome.business_date, outcome.kessai_id);
  if (before == EntryState::pending && after != EntryState::pending) {
    ++report_.pending_resolved;
    unsettled_.erase(number);
  }
  remember();
}

void Terminal::maybe_refund(const TakingsEntry& payment) {
  // Drawn for every approved payment, so one refund more or less leaves the other draws where they were.
  const bool wanted = fault_random_.chance(plan_.rates.refund);
  const bool whole = fault_random_.chance(0.5);
  const std::uint64_t percent = 20 + fault_random_.below(61);
  // iD and QUICPay are postpaid: their issuer refunds, not the e-money centre; a clerk does not try.
  const bool postpaid =
      payment.means == Means::emoney && (payment.brand == "id" || payment.brand == "quicpay");
  if (!wanted || postpaid) return;
  Transaction transaction{EntryKind::refund};
  v1::RefundRequest& request = transaction.refund;
  request.set_protocol_version(kProtocolVersion);
  request.set_transaction_number(memory_.next_transaction_number);
  request.set_payment_id(payment.kessai_id);
  request.set_original_transaction_number(payment.transaction_number);
  request.set_kind(whole ? v1::VOID : v1::REFUND);
  const std::int64_t amount_yen =
      whole ? payment.amount_yen : partial_refund_yen(payment.amount_yen, percent);
  request.set_amount_yen(amount_yen);
  request.set_reason(whole ? "取消: wrong fee" : "返金: partly unused");
  request.set_local_time(now());
  const Sent sent = send(transaction);
  if (sent.kind == AnswerKind::reply) {
    answered(transaction, sent, payment.means, payment.brand, amount_yen);
  } else if (sent.kind == AnswerKind::unreachable && sent.unanswered_maybe_recorded) {
    record_sent(transaction, sent, payment.means, payment.brand, amount_yen);
  } else {
    if (sent.kind == AnswerKind::refused && is_fatal(sent.error.code()))
      stop("refund: " + describe_refusal(sent.error));
    ++report_.refunds_abandoned;
  }
}

Terminal::Sent Terminal::send(const Transaction& transaction) {
  Sent sent;
  const auto take = [&sent](const auto& answer) {
    sent.kind = answer.kind;
    sent.error = answer.error;
    sent.unanswered_maybe_recorded = answer.unanswered_maybe_recorded;
    sent.problem = answer.problem;
  };
  if (transaction.kind == EntryKind::payment) {
    const Answer<v1::PaymentReply> answer = link_.call<v1::PaymentReply>(kPaymentsPath, transaction.payment);
    take(answer);
    const v1::PaymentReply& reply = answer.reply;
    sent.outcome = {reply.status(),        reply.payment_id(),         reply.duplicate(),
                    reply.business_date(), reply.transaction_number(), reply.decline_code()};
  } else {
    const Answer<v1::RefundReply> answer = link_.call<v1::RefundReply>(kRefundsPath, transaction.refund);
    take(answer);
    const v1::RefundReply& reply = answer.reply;
    sent.outcome = {reply.status(),        reply.refund_id(),          reply.duplicate(),
                    reply.business_date(), reply.transaction_number(), reply.decline_code()};
  }
  return sent;
}

void Terminal::use_number(std::uint64_t number) {
  memory_.next_transaction_number = std::max(memory_.next_transaction_number, number + 1);
}

void Terminal::remember() {
  memory_.days = takings_.book(kMemoryDaysKept);
  store_.save(memory_);
}

void Terminal::verdict(std::uint64_t number, ResendVerdict checked, std::string_view what) {
  if (checked == ResendVerdict::acknowledged) {
    ++report_.duplicates_acknowledged;
    return;
  }
  ++report_.duplicates_unacknowledged;
  problem("transaction " + std::to_string(number) + " resent " + std::string(what) + ": " +
          std::string(verdict_name(checked)));
}

void Terminal::problem(const std::string& text) {
  log::warn("pos_terminal_problem", {{"terminal", credentials_.terminal_id}, {"problem", text}});
  if (report_.problems.size() < kProblemsKept) report_.problems.push_back(text);
}

void Terminal::violation(const std::string& text) {
  ++report_.protocol_violations;
  problem(text);
}

void Terminal::stop(const std::string& reason) {
  if (!report_.stopped.empty()) return;
  report_.stopped = reason;
  log::error("pos_terminal_stopped", {{"terminal", credentials_.terminal_id}, {"reason", reason}});
}

std::string Terminal::now() const {
  return tokyo_local_time(clock_.unix_ms());
}

}  // namespace kessai::sim::pos

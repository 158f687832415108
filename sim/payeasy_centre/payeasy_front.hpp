#pragma once
// The Pay-easy centre's HTTP API as a function from a request to its answer; no sockets (those, the fault
// plan and the latency are the process's: payeasy_centre_main.cpp).
//   POST /v1/numbers                 issue a number; de-duplicated on "reference"
//   GET  /v1/numbers[?reference=…]   every number, or the one for a reference (inquiry)
//   GET  /v1/numbers/{id}
//   POST /v1/numbers/{id}/cancel     the merchant withdraws an unpaid number
//   POST /sim/pay                    a payer pays at an ATM / in net banking: quick notice payment.paid
//   POST /sim/reverse                the bank cancels a cleared payment (取消): notice payment.reversed
//   GET  /sim/callbacks, POST /sim/callbacks/release   the notices (notifier.hpp)
//   POST /sim/settlement             the day's confirmed-record file (確報, payeasy_settlement.hpp)
//   GET  /healthz
// Before answering, every issued number past its deadline is recorded expired.

#include <functional>
#include <mutex>
#include <ostream>
#include <string>

#include "kessai/runtime/http_types.hpp"
#include "notifier.hpp"
#include "payeasy_book.hpp"
#include "payeasy_settlement.hpp"
#include "utc_time.hpp"

namespace kessai::sim::payeasy {

// Shown to the payer at the ATM; longer is an invalid request.
constexpr std::size_t kPayerNameBytesMax = 100;
// What a payer enters (institution, customer and confirmation numbers): longer is an invalid request.
constexpr std::size_t kEnteredDigitsBytesMax = 32;

class CentreFront {
 public:
  // Called with a newly issued number's id that the simulated payer is to pay by itself (--auto-pay-rate);
  // it calls auto_pay later. Empty: nothing is paid by itself.
  using AutoPay = std::function<void(const std::string& number_id)>;

  // Every change of a number is appended to numbers_journal as its full record, one JSON line, flushed
  // before the answer leaves; notices go to the notifier; the day files go where `settlement` says.
  CentreFront(CentreBook& book, std::ostream& numbers_journal, Notifier& notifier, SecondsClock now,
              SettlementTerms settlement, AutoPay schedule_auto_pay = {});

  // Safe from several threads: a decision and its journal line are made under one lock.
  runtime::HttpResponse handle(const runtime::HttpRequest& request);

  // The simulated payer pays the number with its own numbers, as POST /sim/pay would.
  runtime::HttpResponse auto_pay(const std::string& number_id);

 private:
  runtime::HttpResponse handle_number(std::string_view rest, const runtime::HttpRequest& request);
  runtime::HttpResponse issue(const std::string& body);
  runtime::HttpResponse list(std::string_view query) const;
  runtime::HttpResponse cancel(const std::string& id);
  runtime::HttpResponse pay_body(const std::string& body);
  runtime::HttpResponse pay(const PayAttempt& attempt);
  runtime::HttpResponse reverse(const std::string& body);
  runtime::HttpResponse settle(const std::string& body) const;
  void expire_due();
  void notify_locked(std::string_view type, const Number& number);

  CentreBook& book_;
  std::ostream& numbers_journal_;
  Notifier& notifier_;
  SecondsClock now_;
  SettlementTerms settlement_;
  AutoPay schedule_auto_pay_;
  std::mutex changes_mutex_;  // held from a book decision to its journal line and notice
};

}  // namespace kessai::sim::payeasy

// The QR code-payment provider (customer-presented codes): its simulator's book (wallets by prefix, test
// codes, one-time codes, refunds, de-duplication, reload), its records (codes masked, never kept), its
// HTTP contract (without sockets), and kessai's adapter for it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "kessai/adapters/factory.hpp"
#include "qr_book.hpp"
#include "qr_front.hpp"
#include "qr_provider.hpp"
#include "qr_records.hpp"

using namespace kessai;
using adapters::ChargeOutcome;
using adapters::InquiryOutcome;
using sim::qr_provider::PaymentAttempt;
using sim::qr_provider::ProviderBook;
using sim::qr_provider::RefundOutcome;
using sim::qr_provider::Wallet;

namespace {

// Codes of 18, 19 and 20 digits, one per wallet; each pays.
constexpr const char* kPayPay = "271234567890125678";
constexpr const char* kDBarai = "2812345678901235678";
constexpr const char* kAuPay = "29123456789012345678";
constexpr const char* kRakutenPay = "301234567890125678";

// A fresh 18-digit code: the wallet's two digits, twelve from `number`, and the last four (which pick
// the test outcome).
std::string code(const std::string& prefix, int number, const std::string& last_four = "5678") {
  std::string middle = std::to_string(number);
  middle.insert(0, 12 - middle.size(), '0');
  return prefix + middle + last_four;
}

PaymentAttempt attempt(const std::string& reference, std::int64_t amount_yen, const std::string& qr_code) {
  return PaymentAttempt{reference, amount_yen, qr_code, "FAC001"};
}

// A completed payment's id.
std::string paid(ProviderBook& book, const std::string& reference, std::int64_t amount_yen,
                 const std::string& qr_code) {
  const auto decision = book.pay(attempt(reference, amount_yen, qr_code), "t");
  REQUIRE(decision.payment.status == "completed");
  return decision.payment.id;
}

std::string decline_of(ProviderBook& book, const std::string& reference, const std::string& qr_code) {
  const auto decision = book.pay(attempt(reference, 500, qr_code), "t");
  CHECK(decision.payment.status == (decision.payment.decline_code.empty() ? "completed" : "declined"));
  return decision.payment.decline_code;
}

}  // namespace

TEST_CASE("a code's first two digits name its wallet; other codes are no wallet's", "[qr_provider]") {
  using sim::qr_provider::wallet_of_code;
  CHECK(std::string(kPayPay).size() == 18);
  CHECK(std::string(kDBarai).size() == 19);
  CHECK(std::string(kAuPay).size() == 20);
  CHECK(wallet_of_code(kPayPay) == Wallet::paypay);
  CHECK(wallet_of_code(kDBarai) == Wallet::d_barai);
  CHECK(wallet_of_code(kAuPay) == Wallet::au_pay);
  CHECK(wallet_of_code(kRakutenPay) == Wallet::rakuten_pay);
  CHECK(sim::qr_provider::to_string(Wallet::paypay) == "paypay");
  CHECK(sim::qr_provider::to_string(Wallet::d_barai) == "d_barai");
  CHECK(sim::qr_provider::to_string(Wallet::au_pay) == "au_pay");
  CHECK(sim::qr_provider::to_string(Wallet::rakuten_pay) == "rakuten_pay");

  CHECK_FALSE(wallet_of_code("261234567890125678"));              // no such wallet
  CHECK_FALSE(wallet_of_code("311234567890125678"));              // no such wallet
  CHECK_FALSE(wallet_of_code("27123456789015678"));               // 17 digits
  CHECK_FALSE(wallet_of_code("271234567890123455678"));           // 21 digits
  CHECK_FALSE(wallet_of_code("27123456789012567X"));              // not digits
  CHECK_FALSE(wallet_of_code(" 71234567890125678"));              // not digits
  CHECK_FALSE(wallet_of_code(""));                                // nothing scanned
  CHECK_FALSE(sim::qr_provider::is_code_shape("4901234567894"));  // a JAN product barcode

  CHECK(sim::qr_provider::mask_code(kPayPay) == "**************5678");
  CHECK(sim::qr_provider::mask_code(kAuPay) == "****************5678");
  CHECK(sim::qr_provider::mask_code("12345") == "*2345");
  CHECK(sim::qr_provider::mask_code("1234") == "****");  // too short to show any of it
  CHECK(sim::qr_provider::mask_code("") == "");
  CHECK(sim::qr_provider::code_digest(kPayPay).size() == 64);
  CHECK(sim::qr_provider::code_digest(kPayPay) != sim::qr_provider::code_digest(kDBarai));
}

TEST_CASE("a good code pays at once, on every wallet", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  const auto first = book.pay(attempt("pi_1", 3000, kPayPay), "t1");
  CHECK(first.payment.id == "qp_000001");
  CHECK(first.payment.status == "completed");
  CHECK(first.payment.wallet == "paypay");
  CHECK(first.payment.code_masked == "**************5678");
  CHECK(first.payment.decline_code.empty());
  CHECK(first.payment.created_at == "t1");
  CHECK(book.pay(attempt("pi_2", 100, kDBarai), "t").payment.wallet == "d_barai");
  CHECK(book.pay(attempt("pi_3", 100, kAuPay), "t").payment.wallet == "au_pay");
  CHECK(book.pay(attempt("pi_4", 100, kRakutenPay), "t").payment.wallet == "rakuten_pay");
  for (const auto& payment : book.all()) CHECK(payment.status == "completed");
}

TEST_CASE("each test code is declined with its code, in the provider's order", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  for (const char* prefix : {"27", "28", "29", "30"}) {
    const std::string wallet = prefix;
    CHECK(decline_of(book, "pi_expired_" + wallet, code(prefix, 1, "9999")) == "code_expired");
    CHECK(decline_of(book, "pi_blocked_" + wallet, code(prefix, 1, "8888")) == "user_blocked");
    CHECK(decline_of(book, "pi_short_" + wallet, code(prefix, 1, "0000")) == "insufficient_balance");
  }
  for (const char* text : {"261234567890125678", "27123456789015678", "271234567890123455678",
                           "27123456789012567X", "4901234567894"}) {
    const auto invalid = book.pay(attempt(std::string("pi_invalid_") + text, 500, text), "t");
    CHECK(invalid.payment.status == "declined");
    CHECK(invalid.payment.decline_code == "invalid_code");
    CHECK(invalid.payment.wallet.empty());
  }
  // The code is checked before the payer: a code of no wallet ending 9999 is invalid, not expired.
  CHECK(decline_of(book, "pi_order_1", "311234567890129999") == "invalid_code");

  ProviderBook always(7, 1.0);
  const auto unlucky = always.pay(attempt("pi_1", 100, kPayPay), "t");
  CHECK(unlucky.payment.decline_code == "do_not_honor");
  CHECK(unlucky.payment.wallet == "paypay");
  // The test codes come before the decline rate.
  CHECK(decline_of(always, "pi_2", code("27", 2, "0000")) == "insufficient_balance");

  ProviderBook replay_a(99, 0.5);
  ProviderBook replay_b(99, 0.5);
  for (int i = 0; i < 20; ++i) {
    const std::string reference = "pi_" + std::to_string(i);
    CHECK(replay_a.pay(attempt(reference, 1, code("29", i)), "t").payment.status ==
          replay_b.pay(attempt(reference, 1, code("29", i)), "t").payment.status);
  }
}

TEST_CASE("a code pays once: for another reference it is code_already_used", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  const std::string first = paid(book, "pi_1", 3000, kPayPay);
  CHECK(book.code_used(kPayPay));
  CHECK_FALSE(book.code_used(kDBarai));

  const auto reused = book.pay(attempt("pi_2", 3000, kPayPay), "t");
  CHECK_FALSE(reused.replayed);
  CHECK(reused.payment.status == "declined");
  CHECK(reused.payment.decline_code == "code_already_used");
  CHECK(reused.payment.id == "qp_000002");
  CHECK(reused.payment.wallet == "paypay");
  // Other amounts and merchants change nothing: the code is spent.
  CHECK(decline_of(book, "pi_3", kPayPay) == "code_already_used");
  CHECK(book.by_id(first)->status == "completed");

  // A declined payment does not spend its code: the payer may try it again once the decline is fixed.
  ProviderBook always(7, 1.0);
  REQUIRE(always.pay(attempt("pi_1", 100, kAuPay), "t").payment.decline_code == "do_not_honor");
  CHECK_FALSE(always.code_used(kAuPay));
  CHECK(always.pay(attempt("pi_2", 100, kAuPay), "t").payment.decline_code == "do_not_honor");
}

TEST_CASE("the provider pays a reference once, whatever the retries", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  const auto first = book.pay(attempt("pi_1", 3000, kRakutenPay), "t1");
  const auto again = book.pay(attempt("pi_1", 3000, kRakutenPay), "t2");
  CHECK_FALSE(first.replayed);
  CHECK(again.replayed);
  CHECK_FALSE(again.conflict);
  // The retry is the same payment, not a second use of the code.
  CHECK(again.payment.id == first.payment.id);
  CHECK(again.payment.status == "completed");
  CHECK(again.payment.created_at == "t1");

  CHECK(book.pay(attempt("pi_1", 2999, kRakutenPay), "t").conflict);
  CHECK(book.pay(attempt("pi_1", 3000, kPayPay), "t").conflict);
  CHECK(book.all().size() == 1);
  CHECK(book.by_reference("pi_1")->id == first.payment.id);
  CHECK(book.by_id(first.payment.id)->reference == "pi_1");

  // A declined reference stays declined.
  const std::string expired = code("28", 5, "9999");
  const auto declined = book.pay(attempt("pi_2", 100, expired), "t");
  const auto declined_again = book.pay(attempt("pi_2", 100, expired), "t");
  CHECK(declined_again.replayed);
  CHECK(declined_again.payment.id == declined.payment.id);
  CHECK(declined_again.payment.decline_code == "code_expired");
}

TEST_CASE("completed payments are refunded in parts up to the amount", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  const std::string payment = paid(book, "pi_1", 2500, kDBarai);

  const auto first = book.refund({payment, "re_1", 1000}, "t1");
  CHECK(first.outcome == RefundOutcome::done);
  CHECK(first.refund.id == "qr_rf_000001");
  CHECK(first.refund.status == "completed");
  CHECK(first.refund.created_at == "t1");
  CHECK(first.payment.amount_refunded_yen == 1000);

  const auto over = book.refund({payment, "re_2", 1501}, "t");
  CHECK(over.outcome == RefundOutcome::exceeds_payment);
  CHECK(over.refund.id.empty());
  CHECK(book.refund({payment, "re_2", 1500}, "t").outcome == RefundOutcome::done);
  CHECK(book.refund({payment, "re_3", 1}, "t").outcome == RefundOutcome::exceeds_payment);
  CHECK(book.refund({payment, "re_4", 0}, "t").outcome == RefundOutcome::invalid_amount);
  CHECK(book.by_id(payment)->amount_refunded_yen == 2500);
  CHECK(book.by_id(payment)->status == "completed");
  // A refund gives the money back; the code stays spent.
  CHECK(decline_of(book, "pi_again", kDBarai) == "code_already_used");

  // Refunds are de-duplicated on their reference.
  const std::string other = paid(book, "pi_2", 3000, kAuPay);
  const auto again = book.refund({payment, "re_1", 1000}, "t2");
  CHECK(again.outcome == RefundOutcome::replayed);
  CHECK(again.refund.id == first.refund.id);
  CHECK(again.refund.created_at == "t1");
  CHECK(book.refund({payment, "re_1", 999}, "t").outcome == RefundOutcome::reference_conflict);
  CHECK(book.refund({other, "re_1", 1000}, "t").outcome == RefundOutcome::reference_conflict);
  CHECK(book.refund_by_reference("re_1")->id == first.refund.id);
  CHECK(book.refund_by_id(first.refund.id)->payment_id == payment);
  CHECK_FALSE(book.refund_by_reference("re_unknown"));

  CHECK(book.refund({"qp_999999", "re_5", 100}, "t").outcome == RefundOutcome::not_found);
  const auto declined = book.pay(attempt("pi_3", 100, code("30", 3, "0000")), "t").payment;
  const auto not_completed = book.refund({declined.id, "re_6", 100}, "t");
  CHECK(not_completed.outcome == RefundOutcome::not_completed);
  CHECK(not_completed.payment.status == "declined");
  CHECK(book.all_refunds().size() == 2);
}

TEST_CASE("answers and journal lines never hold the payer's code", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  const auto payment = book.pay(attempt("pi_1", 3000, kAuPay), "t1").payment;
  const auto reused = book.pay(attempt("pi_2", 3000, kAuPay), "t2").payment;
  const auto invalid = book.pay(attempt("pi_3", 3000, "4901234567894"), "t3").payment;
  for (const auto& record : {payment, reused, invalid}) {
    const std::string answer = boost::json::serialize(sim::qr_provider::payment_json(record));
    const std::string line = boost::json::serialize(sim::qr_provider::payment_line(record));
    CHECK(answer.find(kAuPay) == std::string::npos);
    CHECK(line.find(kAuPay) == std::string::npos);
    CHECK(answer.find("4901234567894") == std::string::npos);
    CHECK(line.find("4901234567894") == std::string::npos);
    // The digest recognises a used code after a restart; answers leave even that out.
    CHECK(answer.find(record.code_digest) == std::string::npos);
    CHECK(line.find(record.code_digest) != std::string::npos);
  }
  const auto answer = sim::qr_provider::payment_json(payment);
  CHECK(answer.at("qr_code_masked") == "****************5678");
  CHECK(answer.at("wallet") == "au_pay");
  CHECK_FALSE(answer.contains("qr_code"));
  CHECK_FALSE(sim::qr_provider::payment_json(invalid).contains("wallet"));
  CHECK(sim::qr_provider::payment_json(invalid).at("qr_code_masked") == "*********7894");
}

TEST_CASE("the provider's records survive a round trip through their journal lines", "[qr_provider]") {
  ProviderBook book(1, 0.0);
  const auto payment = book.pay(attempt("pi_1", 3000, kPayPay), "t1").payment;
  const auto refund = book.refund({payment.id, "re_1", 700}, "t2").refund;
  const auto declined = book.pay(attempt("pi_2", 100, code("27", 9, "8888")), "t3").payment;

  const auto payment_line =
      sim::qr_provider::parse_payment_line(boost::json::serialize(sim::qr_provider::payment_line(payment)));
  REQUIRE(payment_line);
  CHECK(payment_line->id == "qp_000001");
  CHECK(payment_line->reference == "pi_1");
  CHECK(payment_line->wallet == "paypay");
  CHECK(payment_line->code_masked == payment.code_masked);
  CHECK(payment_line->code_digest == payment.code_digest);
  CHECK(payment_line->amount_yen == 3000);
  CHECK(payment_line->merchant == "FAC001");
  CHECK(payment_line->status == "completed");
  CHECK(payment_line->created_at == "t1");
  const auto declined_line =
      sim::qr_provider::parse_payment_line(boost::json::serialize(sim::qr_provider::payment_line(declined)));
  REQUIRE(declined_line);
  CHECK(declined_line->decline_code == "user_blocked");
  const auto refund_line =
      sim::qr_provider::parse_refund_line(boost::json::serialize(sim::qr_provider::refund_json(refund)));
  REQUIRE(refund_line);
  CHECK(refund_line->id == "qr_rf_000001");
  CHECK(refund_line->payment_id == payment.id);
  CHECK(refund_line->reference == "re_1");
  CHECK(refund_line->amount_yen == 700);
  CHECK(refund_line->status == "completed");

  CHECK_FALSE(sim::qr_provider::parse_payment_line(""));
  CHECK_FALSE(sim::qr_provider::parse_payment_line(R"({"id":"qp_000001","reference":"pi_1","qr_co)"));
  // An answer is not a journal line: without the digest a used code could not be recognised.
  CHECK_FALSE(
      sim::qr_provider::parse_payment_line(boost::json::serialize(sim::qr_provider::payment_json(payment))));
  CHECK_FALSE(sim::qr_provider::parse_refund_line(R"({"id":"qr_rf_1","payment":"qp_1","amount":5})"));
  CHECK_FALSE(sim::qr_provider::parse_refund_line("[1,2]"));
}

TEST_CASE("the provider reloads its journals: used codes and refunded amounts derived again",
          "[qr_provider]") {
  ProviderBook before(1, 0.0);
  std::ostringstream payment_lines;
  std::ostringstream refund_lines;
  const auto write_payment = [&](const sim::qr_provider::Payment& payment) {
    payment_lines << boost::json::serialize(sim::qr_provider::payment_line(payment)) << '\n';
  };
  const auto first = before.pay(attempt("pi_1", 3000, kPayPay), "t").payment;
  write_payment(first);
  write_payment(before.pay(attempt("pi_2", 4000, kDBarai), "t").payment);
  write_payment(before.pay(attempt("pi_3", 100, code("29", 3, "0000")), "t").payment);  // declined
  refund_lines << boost::json::serialize(
                      sim::qr_provider::refund_json(before.refund({first.id, "re_1", 500}, "t").refund))
               << '\n';
  // Refunds that must not count: of an unknown payment, and beyond the payment's amount.
  refund_lines << R"({"id":"qr_rf_000090","payment":"qp_999999","reference":"re_x","amount":100,)"
               << R"("status":"completed","created_at":"t"})" << '\n';
  refund_lines << R"({"id":"qr_rf_000091","payment":"qp_000001","reference":"re_y","amount":2501,)"
               << R"("status":"completed","created_at":"t"})" << '\n';
  payment_lines << R"({"id":"qp_000004","refer)";  // torn by a crash

  ProviderBook after(1, 0.0);
  std::istringstream payments_in(payment_lines.str());
  std::istringstream refunds_in(refund_lines.str());
  const sim::qr_provider::JournalLoad load = sim::qr_provider::load_journals(after, payments_in, refunds_in);
  CHECK(load.payments == 3);
  CHECK(load.refunds == 3);
  CHECK(load.skipped_lines == 1);
  CHECK(load.refunds_not_counted == 2);
  CHECK(after.by_id(first.id)->amount_refunded_yen == 500);
  CHECK(after.by_reference("pi_3")->decline_code == "insufficient_balance");

  // The reloaded provider goes on where the old one stopped: codes paid before stay spent.
  CHECK(after.code_used(kPayPay));
  CHECK(after.code_used(kDBarai));
  CHECK(after.pay(attempt("pi_1", 3000, kPayPay), "t").replayed);
  const auto reused = after.pay(attempt("pi_5", 3000, kPayPay), "t").payment;
  CHECK(reused.decline_code == "code_already_used");
  CHECK(reused.id == "qp_000004");
  CHECK(after.refund({first.id, "re_1", 500}, "t").outcome == RefundOutcome::replayed);
  CHECK(after.refund({first.id, "re_2", 2501}, "t").outcome == RefundOutcome::exceeds_payment);
  CHECK(after.refund({first.id, "re_2", 2500}, "t").refund.id == "qr_rf_000004");
}

// ---- The HTTP contract, without sockets ----

namespace {

struct Provider {
  ProviderBook book{1, 0.0};
  std::ostringstream payments_journal;
  std::ostringstream refunds_journal;
  sim::qr_provider::ProviderFront front{book, payments_journal, refunds_journal,
                                        [] { return "2024-04-01T00:00:00Z"; }};

  runtime::HttpResponse call(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    runtime::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    return front.handle(request);
  }
  runtime::HttpResponse pay(const std::string& reference, std::int64_t amount_yen,
                            const std::string& qr_code) {
    const boost::json::object body{{"reference", reference},
                                   {"amount", amount_yen},
                                   {"currency", "JPY"},
                                   {"qr_code", qr_code},
                                   {"merchant", "FAC001"}};
    return call("POST", "/v1/payments", boost::json::serialize(body));
  }
  runtime::HttpResponse refund(const std::string& payment, std::int64_t amount_yen,
                               const std::string& reference) {
    const boost::json::object body{{"payment", payment}, {"amount", amount_yen}, {"reference", reference}};
    return call("POST", "/v1/refunds", boost::json::serialize(body));
  }
};

boost::json::object body_of(const runtime::HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::size_t lines_in(const std::ostringstream& journal) {
  const std::string text = journal.str();
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE(
    "QR provider: POST /v1/payments answers 201 completed, 200 on a replay, 402 declined, 409 on a conflict",
    "[qr_provider]") {
  Provider provider;
  const auto created = provider.pay("pi_1", 3000, kPayPay);
  CHECK(created.status == 201);
  const auto payment = body_of(created);
  CHECK(payment.at("id") == "qp_000001");
  CHECK(payment.at("object") == "qr_payment");
  CHECK(payment.at("reference") == "pi_1");
  CHECK(payment.at("wallet") == "paypay");
  CHECK(payment.at("amount") == 3000);
  CHECK(payment.at("currency") == "JPY");
  CHECK(payment.at("status") == "completed");
  CHECK(payment.at("qr_code_masked") == "**************5678");
  CHECK(payment.at("created_at") == "2024-04-01T00:00:00Z");
  CHECK(created.body.find(kPayPay) == std::string::npos);
  CHECK(lines_in(provider.payments_journal) == 1);
  CHECK(provider.payments_journal.str().find(kPayPay) == std::string::npos);

  CHECK(provider.pay("pi_1", 3000, kPayPay).status == 200);
  CHECK(lines_in(provider.payments_journal) == 1);
  for (const auto& conflict : {provider.pay("pi_1", 100, kPayPay), provider.pay("pi_1", 3000, kAuPay)}) {
    CHECK(conflict.status == 409);
    CHECK(body_of(conflict).at("error") == "reference_conflict");
  }

  const auto expect_decline = [&](const std::string& reference, const std::string& qr_code,
                                  const char* code) {
    const auto answer = provider.pay(reference, 500, qr_code);
    CHECK(answer.status == 402);
    const auto declined = body_of(answer);
    CHECK(declined.at("status") == "declined");
    CHECK(declined.at("decline_code") == code);
    CHECK(declined.at("message").as_string().size() > 0);
    CHECK(answer.body.find(qr_code) == std::string::npos);
  };
  expect_decline("pi_2", kPayPay, "code_already_used");
  expect_decline("pi_3", code("28", 3, "9999"), "code_expired");
  expect_decline("pi_4", code("29", 4, "8888"), "user_blocked");
  expect_decline("pi_5", code("30", 5, "0000"), "insufficient_balance");
  expect_decline("pi_6", code("31", 6), "invalid_code");
  expect_decline("pi_7", "1234567", "invalid_code");
  CHECK(provider.pay("pi_3", 500, code("28", 3, "9999")).status == 402);  // a replayed decline
  CHECK(lines_in(provider.payments_journal) == 7);
}

TEST_CASE("QR provider: POST /v1/payments refuses bad input with 400 and keeps nothing", "[qr_provider]") {
  Provider provider;
  const auto bad = [&](const std::string& body) {
    const auto answer = provider.call("POST", "/v1/payments", body);
    CHECK(answer.status == 400);
    CHECK(body_of(answer).at("error") == "invalid_request");
  };
  const std::string code = kPayPay;
  bad("not json");
  bad("[]");
  bad(R"({"amount":100,"currency":"JPY","qr_code":")" + code + R"("})");
  bad(R"({"reference":"","amount":100,"currency":"JPY","qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":0,"currency":"JPY","qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":-5,"currency":"JPY","qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":"100","currency":"JPY","qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":100.5,"currency":"JPY","qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":100,"currency":"USD","qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":100,"qr_code":")" + code + R"("})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY"})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","qr_code":""})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","qr_code":271234567890125678})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","qr_code":")" + std::string(65, '2') + R"("})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","qr_code":")" + code + R"(","merchant":1})");
  bad(R"({"reference":")" + std::string(256, 'r') + R"(","amount":100,"currency":"JPY","qr_code":")" + code +
      R"("})");
  CHECK(provider.book.all().empty());
  CHECK(provider.payments_journal.str().empty());
  CHECK_FALSE(provider.book.code_used(kPayPay));
}

TEST_CASE("QR provider: GET /v1/payments finds a payment by reference, by id, or lists them all",
          "[qr_provider]") {
  Provider provider;
  REQUIRE(provider.pay("pi 1/a", 3000, kDBarai).status == 201);
  REQUIRE(provider.pay("pi_2", 100, code("27", 2, "0000")).status == 402);

  const auto found = body_of(provider.call("GET", "/v1/payments?reference=pi%201%2Fa"));
  CHECK(found.at("object") == "list");
  REQUIRE(found.at("data").as_array().size() == 1);
  CHECK(found.at("data").as_array()[0].at("id") == "qp_000001");
  CHECK(found.at("data").as_array()[0].at("status") == "completed");
  CHECK_FALSE(found.at("data").as_array()[0].as_object().contains("qr_code_digest"));
  const auto declined = body_of(provider.call("GET", "/v1/payments?reference=pi_2"));
  CHECK(declined.at("data").as_array()[0].at("decline_code") == "insufficient_balance");
  CHECK(body_of(provider.call("GET", "/v1/payments?reference=pi_9")).at("data").as_array().empty());
  CHECK(provider.call("GET", "/v1/payments?reference=pi%2").status == 400);
  CHECK(body_of(provider.call("GET", "/v1/payments")).at("data").as_array().size() == 2);

  const auto one = provider.call("GET", "/v1/payments/qp_000001");
  CHECK(one.status == 200);
  CHECK(body_of(one).at("reference") == "pi 1/a");
  CHECK(one.body.find(kDBarai) == std::string::npos);
  CHECK(provider.call("GET", "/v1/payments/qp_999999").status == 404);
  CHECK(provider.call("GET", "/healthz").status == 200);
  CHECK(provider.call("GET", "/v1/charges").status == 404);
}

TEST_CASE("QR provider: capture and void answer 409 not_supported: a scanned code is paid at once",
          "[qr_provider]") {
  Provider provider;
  REQUIRE(provider.pay("pi_1", 3000, kPayPay).status == 201);
  for (const char* target :
       {"/v1/payments/qp_000001/capture", "/v1/payments/qp_000001/void", "/v1/payments/qp_999999/capture"}) {
    const auto answer = provider.call("POST", target, "{}");
    CHECK(answer.status == 409);
    CHECK(body_of(answer).at("error") == "not_supported");
  }
  CHECK(provider.book.by_id("qp_000001")->status == "completed");
}

TEST_CASE(
    "QR provider: POST /v1/refunds refunds in parts, de-duplicated, and declines what exceeds the payment",
    "[qr_provider]") {
  Provider provider;
  REQUIRE(provider.pay("pi_1", 3000, kRakutenPay).status == 201);
  const auto created = provider.refund("qp_000001", 1000, "re_1");
  CHECK(created.status == 201);
  const auto refund = body_of(created);
  CHECK(refund.at("id") == "qr_rf_000001");
  CHECK(refund.at("object") == "qr_refund");
  CHECK(refund.at("payment") == "qp_000001");
  CHECK(refund.at("reference") == "re_1");
  CHECK(refund.at("amount") == 1000);
  CHECK(refund.at("status") == "completed");
  CHECK(provider.refund("qp_000001", 1000, "re_1").status == 200);
  CHECK(body_of(provider.refund("qp_000001", 999, "re_1")).at("error") == "reference_conflict");
  const auto over = provider.refund("qp_000001", 2001, "re_2");
  CHECK(over.status == 402);
  CHECK(body_of(over).at("status") == "declined");
  CHECK(body_of(over).at("decline_code") == "refund_exceeds_payment");
  CHECK(provider.refund("qp_000001", 2000, "re_2").status == 201);
  CHECK(body_of(provider.call("GET", "/v1/payments/qp_000001")).at("amount_refunded") == 3000);
  CHECK(lines_in(provider.refunds_journal) == 2);

  REQUIRE(provider.pay("pi_2", 100, code("27", 2, "8888")).status == 402);
  const auto not_completed = provider.refund("qp_000002", 100, "re_3");
  CHECK(not_completed.status == 409);
  CHECK(body_of(not_completed).at("error") == "payment_not_completed");
  CHECK(provider.refund("qp_999999", 100, "re_4").status == 404);
  CHECK(
      provider.call("POST", "/v1/refunds", R"({"payment":"qp_000001","amount":0,"reference":"r"})").status ==
      400);
  CHECK(provider.call("POST", "/v1/refunds", R"({"payment":"qp_000001","amount":1})").status == 400);
  CHECK(provider.call("POST", "/v1/refunds", "nope").status == 400);
  CHECK(lines_in(provider.refunds_journal) == 2);

  CHECK(body_of(provider.call("GET", "/v1/refunds?reference=re_1")).at("data").as_array().size() == 1);
  CHECK(body_of(provider.call("GET", "/v1/refunds?reference=re_9")).at("data").as_array().empty());
  CHECK(body_of(provider.call("GET", "/v1/refunds")).at("data").as_array().size() == 2);
  CHECK(provider.call("GET", "/v1/refunds/qr_rf_000001").status == 200);
  CHECK(provider.call("GET", "/v1/refunds/qr_rf_000009").status == 404);
}

TEST_CASE("the provider's journal lines reload: a code paid before a restart stays spent", "[qr_provider]") {
  Provider before;
  REQUIRE(before.pay("pi_1", 3000, kAuPay).status == 201);
  REQUIRE(before.refund("qp_000001", 1200, "re_1").status == 201);
  REQUIRE(before.pay("pi_2", 500, kPayPay).status == 201);

  Provider after;
  std::istringstream payments_in(before.payments_journal.str());
  std::istringstream refunds_in(before.refunds_journal.str());
  const auto load = sim::qr_provider::load_journals(after.book, payments_in, refunds_in);
  CHECK(load.payments == 2);
  CHECK(load.refunds == 1);
  CHECK(load.skipped_lines == 0);
  CHECK(after.pay("pi_1", 3000, kAuPay).status == 200);
  CHECK(body_of(after.call("GET", "/v1/payments/qp_000001")).at("amount_refunded") == 1200);
  const auto reused = after.pay("pi_3", 500, kPayPay);
  CHECK(reused.status == 402);
  CHECK(body_of(reused).at("decline_code") == "code_already_used");
  CHECK(after.pay("pi_4", 500, kDBarai).status == 201);
}

// ---- The adapter ----

TEST_CASE("QR payment answers become outcomes; anything ambiguous is unknown", "[qr_provider]") {
  using adapters::qr_provider::interpret_payment_response;
  const auto approved = interpret_payment_response(201, R"({"id":"qp_000001","status":"completed"})");
  CHECK(approved.outcome == ChargeOutcome::approved);
  CHECK(approved.processor_reference == "qp_000001");
  CHECK(interpret_payment_response(200, R"({"id":"qp_000001","status":"completed"})").outcome ==
        ChargeOutcome::approved);
  for (const char* code : {"invalid_code", "code_expired", "code_already_used", "user_blocked",
                           "insufficient_balance", "do_not_honor"}) {
    const auto declined = interpret_payment_response(
        402, std::string(R"({"id":"qp_000002","status":"declined","decline_code":")") + code +
                 R"(","message":"no"})");
    CHECK(declined.outcome == ChargeOutcome::declined);
    CHECK(declined.decline_code == code);
    CHECK(declined.message == "no");
  }
  // The provider's word for done is "completed": any other is not a done payment.
  CHECK(interpret_payment_response(201, R"({"id":"qp_1","status":"captured"})").outcome ==
        ChargeOutcome::unknown);
  CHECK(interpret_payment_response(201, R"({"id":"qp_1","status":"pending"})").outcome ==
        ChargeOutcome::unknown);
  const auto conflict = interpret_payment_response(409, R"({"error":"reference_conflict"})");
  CHECK(conflict.outcome == ChargeOutcome::rejected);
  CHECK(conflict.message == "the QR provider rejected the request (HTTP 409 reference_conflict)");
  CHECK(interpret_payment_response(400, R"({"error":"invalid_request","message":"qr_code"})").outcome ==
        ChargeOutcome::rejected);
  CHECK(interpret_payment_response(500, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(503, R"({"error":"unavailable"})").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(408, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(429, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(200, "not json").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(201, "{}").outcome == ChargeOutcome::unknown);
}

TEST_CASE("QR refund answers: completed is done, refund_exceeds_payment a decline", "[qr_provider]") {
  using adapters::qr_provider::interpret_refund_response;
  const auto done = interpret_refund_response(201, R"({"id":"qr_rf_000001","status":"completed"})");
  CHECK(done.outcome == ChargeOutcome::approved);
  CHECK(done.processor_reference == "qr_rf_000001");
  CHECK(interpret_refund_response(200, R"({"id":"qr_rf_000001","status":"completed"})").outcome ==
        ChargeOutcome::approved);
  const auto over = interpret_refund_response(
      402, R"({"status":"declined","decline_code":"refund_exceeds_payment","message":"too much"})");
  CHECK(over.outcome == ChargeOutcome::declined);
  CHECK(over.decline_code == "refund_exceeds_payment");
  CHECK(over.message == "too much");
  CHECK(interpret_refund_response(409, R"({"error":"payment_not_completed"})").outcome ==
        ChargeOutcome::rejected);
  CHECK(interpret_refund_response(404, R"({"error":"not_found"})").outcome == ChargeOutcome::rejected);
  CHECK(interpret_refund_response(502, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_refund_response(201, R"({"status":"succeeded"})").outcome == ChargeOutcome::unknown);
}

TEST_CASE("QR inquiries: completed is found captured with its amount, other statuses never guessed",
          "[qr_provider]") {
  using adapters::qr_provider::interpret_inquiry_response;
  const auto completed = interpret_inquiry_response(
      200, R"({"object":"list","data":[{"id":"qp_000001","status":"completed","amount":3000}]})");
  CHECK(completed.outcome == InquiryOutcome::found);
  CHECK(completed.status == "captured");
  CHECK(completed.processor_reference == "qp_000001");
  CHECK(completed.amount_captured == Yen(3000));
  const auto declined = interpret_inquiry_response(
      200, R"({"object":"list","data":[{"id":"qp_2","status":"declined","amount":300,)"
           R"("decline_code":"code_expired"}]})");
  CHECK(declined.outcome == InquiryOutcome::found);
  CHECK(declined.status == "declined");
  CHECK(declined.decline_code == "code_expired");
  CHECK(declined.amount_captured == Yen(0));
  // The engine fails a found payment it does not know as captured or authorized: never hand it one.
  const auto strange =
      interpret_inquiry_response(200, R"({"object":"list","data":[{"id":"qp_3","status":"pending"}]})");
  CHECK(strange.outcome == InquiryOutcome::unknown);
  CHECK_THAT(strange.message, Catch::Contains("pending"));
  CHECK(interpret_inquiry_response(200, R"({"object":"list","data":[{"id":"qp_4"}]})").outcome ==
        InquiryOutcome::unknown);
  CHECK(interpret_inquiry_response(200, R"({"object":"list","data":[]})").outcome ==
        InquiryOutcome::not_found);
  CHECK(interpret_inquiry_response(500, R"({"object":"list","data":[]})").outcome == InquiryOutcome::unknown);
  CHECK(interpret_inquiry_response(200, "not json").outcome == InquiryOutcome::unknown);
  CHECK(interpret_inquiry_response(200, R"({"data":[1]})").outcome == InquiryOutcome::unknown);
}

TEST_CASE("the QR adapter reads the simulator's own answers", "[qr_provider]") {
  using namespace adapters::qr_provider;
  Provider provider;
  const auto paid_answer = provider.pay("pi_1", 3000, kPayPay);
  const auto paid = interpret_payment_response(paid_answer.status, paid_answer.body);
  CHECK(paid.outcome == ChargeOutcome::approved);
  CHECK(paid.processor_reference == "qp_000001");
  const auto replay_answer = provider.pay("pi_1", 3000, kPayPay);
  CHECK(interpret_payment_response(replay_answer.status, replay_answer.body).outcome ==
        ChargeOutcome::approved);
  struct Decline {
    const char* reference;
    std::string qr_code;
    const char* decline_code;
  };
  const Decline declines[] = {{"pi_2", kPayPay, "code_already_used"},
                              {"pi_3", code("28", 3, "9999"), "code_expired"},
                              {"pi_4", code("29", 4, "8888"), "user_blocked"},
                              {"pi_5", code("30", 5, "0000"), "insufficient_balance"},
                              {"pi_6", code("26", 6), "invalid_code"}};
  for (const Decline& expected : declines) {
    const auto answer = provider.pay(expected.reference, 500, expected.qr_code);
    const auto declined = interpret_payment_response(answer.status, answer.body);
    CHECK(declined.outcome == ChargeOutcome::declined);
    CHECK(declined.decline_code == expected.decline_code);
  }
  const auto conflict_answer = provider.pay("pi_1", 2000, kPayPay);
  CHECK(interpret_payment_response(conflict_answer.status, conflict_answer.body).outcome ==
        ChargeOutcome::rejected);
  const auto refund_answer = provider.refund("qp_000001", 3000, "re_1");
  CHECK(interpret_refund_response(refund_answer.status, refund_answer.body).outcome ==
        ChargeOutcome::approved);
  const auto over_answer = provider.refund("qp_000001", 1, "re_2");
  const auto over = interpret_refund_response(over_answer.status, over_answer.body);
  CHECK(over.outcome == ChargeOutcome::declined);
  CHECK(over.decline_code == "refund_exceeds_payment");
  const auto capture_answer = provider.call("POST", "/v1/payments/qp_000001/capture", "{}");
  CHECK(interpret_payment_response(capture_answer.status, capture_answer.body).outcome ==
        ChargeOutcome::rejected);

  const auto inquiry_answer = provider.call("GET", "/v1/payments?reference=pi_1");
  const auto found = interpret_inquiry_response(inquiry_answer.status, inquiry_answer.body);
  CHECK(found.outcome == InquiryOutcome::found);
  CHECK(found.status == "captured");
  CHECK(found.amount_captured == Yen(3000));
  const auto declined_answer = provider.call("GET", "/v1/payments?reference=pi_3");
  const auto declined = interpret_inquiry_response(declined_answer.status, declined_answer.body);
  CHECK(declined.status == "declined");
  CHECK(declined.decline_code == "code_expired");
  const auto missing_answer = provider.call("GET", "/v1/payments?reference=pi_9");
  CHECK(interpret_inquiry_response(missing_answer.status, missing_answer.body).outcome ==
        InquiryOutcome::not_found);
}

TEST_CASE("the QR adapter refuses what it cannot send, before sending anything", "[qr_provider]") {
  // Nothing listens on the discard port: whatever was sent would come back not_sent, never rejected.
  adapters::ProcessorConfig config{
      .id = *ProcessorId::parse("qr-sim"), .kind = "qr", .url = "http://127.0.0.1:9"};
  auto made = adapters::make_processor(config);
  REQUIRE(made.ok());
  adapters::Processor& provider = *made.value();
  CHECK(provider.kind() == "qr");
  CHECK(provider.id().str() == "qr-sim");

  adapters::ChargeRequest request;
  request.payment_id = "pi_1";
  request.amount = Yen(3000);
  request.merchant_reference = "FAC001";
  request.qr_code = kPayPay;
  CHECK_FALSE(adapters::qr_provider::charge_request_problem(request));
  request.qr_code = kAuPay;
  CHECK_FALSE(adapters::qr_provider::charge_request_problem(request));
  // Wallet prefixes are the provider's to judge: a 26… code is sent, and declined invalid_code.
  request.qr_code = code("26", 1);
  CHECK_FALSE(adapters::qr_provider::charge_request_problem(request));

  auto no_code = request;
  no_code.qr_code.clear();
  const auto refused_empty = provider.charge(no_code);
  CHECK(refused_empty.outcome == ChargeOutcome::rejected);
  CHECK_THAT(refused_empty.message, Catch::Contains("qr_code"));
  for (const char* text : {"27123456789015678", "271234567890123455678", "27123456789012567X",
                           " 71234567890125678", "4901234567894"}) {
    auto malformed = request;
    malformed.qr_code = text;
    const auto refused = provider.charge(malformed);
    CHECK(refused.outcome == ChargeOutcome::rejected);
    CHECK(refused.message == "the payer's QR code must be 18 to 20 digits");
  }
  // Captured later is impossible: approving it would take the money while the engine holds an authorization.
  auto manual = request;
  manual.capture = false;
  const auto refused_manual = provider.charge(manual);
  CHECK(refused_manual.outcome == ChargeOutcome::rejected);
  CHECK_THAT(refused_manual.message, Catch::Contains("paid at once"));

  const auto capture = provider.capture({"pi_1", "qp_000001", Yen(3000)});
  CHECK(capture.outcome == ChargeOutcome::rejected);
  CHECK(capture.message == "a scanned QR code is paid at once");
  const auto void_result = provider.void_authorization({"pi_1", "qp_000001"});
  CHECK(void_result.outcome == ChargeOutcome::rejected);
  CHECK(void_result.message == "a scanned QR code is paid at once");
  CHECK(provider.refund({"re_1", "pi_1", "", Yen(100)}).outcome == ChargeOutcome::rejected);

  const auto kinds = adapters::known_kinds();
  CHECK(std::find(kinds.begin(), kinds.end(), "qr") != kinds.end());
}

// The QR provider's merchant-presented orders (JPQR MPM): the provider's own payload reader (TLV, CRC,
// the JPQR checks), the orders' book and records, and the HTTP contract without sockets: orders, the
// payer's scan, the order.paid notice, cancel, and refunds of a paid order through its payment.

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "mpm_payload.hpp"
#include "notifier.hpp"
#include "qr_book.hpp"
#include "qr_front.hpp"
#include "qr_order_front.hpp"
#include "qr_order_records.hpp"
#include "qr_orders.hpp"
#include "qr_records.hpp"

using namespace kessai;
using sim::qr_provider::CancelOutcome;
using sim::qr_provider::CreateOutcome;
using sim::qr_provider::Order;
using sim::qr_provider::OrderBook;
using sim::qr_provider::ScanAttempt;
using sim::qr_provider::ScanOutcome;

namespace {

constexpr std::int64_t kNow = 1775001600;  // 2026-04-01T00:00:00Z

// A complete dynamic JPQR payload written out by hand; its CRC (C289) computed independently (Python).
// Tag 64 holds Japanese text: lengths count characters, not bytes.
const std::string kHandPayload =
    "000201"
    "010212"
    "26400019jp.or.paymentsjapan01130000000000001"
    "52045999"
    "5303392"
    "54043000"
    "5802JP"
    "5906KESSAI"
    "6005TOKYO"
    "62130509qo_000001"
    "64130002JA0103東京都"
    "6304C289";

std::string tlv(const std::string& id, const std::string& value) {
  char length[3];
  std::snprintf(length, sizeof length, "%02zu", value.size());
  return id + length + value;
}

std::string with_crc(const std::string& data) {
  const std::string signed_data = data + "6304";
  return signed_data + sim::qr_provider::crc_hex(sim::qr_provider::crc16_ccitt_false(signed_data));
}

// A dynamic JPQR code for the order and amount, its tags in an unusual order (tag order is not fixed).
std::string order_code(const std::string& order_id, std::int64_t amount_yen) {
  return with_crc(tlv("00", "01") + tlv("01", "12") + tlv("62", tlv("05", order_id)) + tlv("53", "392") +
                  tlv("54", std::to_string(amount_yen)) +
                  tlv("29", tlv("00", "jp.or.paymentsjapan") + tlv("01", "0000000000001")) + tlv("58", "JP"));
}

sim::PendingTerms order_terms(const std::string& reference, std::int64_t amount_yen = 3000,
                              std::int64_t expires_at_s = kNow + 600) {
  return sim::PendingTerms{reference, amount_yen, "FAC001", expires_at_s, "http://127.0.0.1:9/hooks/qr"};
}

}  // namespace

TEST_CASE("QR orders: the provider's CRC is CRC-16/CCITT-FALSE", "[qr_orders]") {
  using sim::qr_provider::crc16_ccitt_false;
  CHECK(crc16_ccitt_false("abc") == 0x514A);
  CHECK(crc16_ccitt_false("a") == 0x9D77);
  CHECK(crc16_ccitt_false("abcdefghi") == 0x1E7C);
  CHECK(crc16_ccitt_false("123456789") == 0x29B1);  // the catalogue's check value
  CHECK(sim::qr_provider::crc_hex(0x514A) == "514A");
  CHECK(sim::qr_provider::crc_hex(0x00AB) == "00AB");
}

TEST_CASE("QR orders: the TLV reader takes ids, lengths in characters and values", "[qr_orders]") {
  using sim::qr_provider::parse_tlv;
  const auto elements = parse_tlv(
      "000201"
      "0103東京都"
      "5303392");
  REQUIRE(elements);
  REQUIRE(elements.value().size() == 3);
  CHECK(elements.value()[1].id == "01");
  CHECK(elements.value()[1].value == "東京都");
  CHECK(elements.value()[2].value == "392");
  CHECK(parse_tlv("").value().empty());
  for (const char* broken : {"00", "0002",
                             "000201"
                             "01",
                             "AB0201", "00X201",
                             "000201"
                             "0004abc",
                             "0003東京",
                             "000201"
                             "000201",
                             "0001\xff"}) {
    INFO(broken);
    CHECK_FALSE(parse_tlv(broken));
  }
}

TEST_CASE("QR orders: a dynamic JPQR code gives its amount and order id", "[qr_orders]") {
  const auto read = sim::qr_provider::read_order_code(kHandPayload);
  REQUIRE(read);
  CHECK(read->amount_yen == 3000);
  CHECK(read->order_id == "qo_000001");
  const auto reordered = sim::qr_provider::read_order_code(order_code("qo_000042", 123456));
  REQUIRE(reordered);
  CHECK(reordered->amount_yen == 123456);
  CHECK(reordered->order_id == "qo_000042");
}

TEST_CASE("QR orders: a payload that is not a payable JPQR code says what is wrong", "[qr_orders]") {
  const auto problem = [](const std::string& payload) {
    const auto read = sim::qr_provider::read_order_code(payload);
    REQUIRE_FALSE(read);
    return read.error();
  };
  const auto says = [&](const std::string& payload, const std::string& words) {
    INFO(payload);
    const std::string message = problem(payload);
    INFO(message);
    CHECK(message.find(words) != std::string::npos);
  };
  std::string corrupted = kHandPayload;
  corrupted[corrupted.find("54043000") + 4] = '4';  // 4000 yen: the CRC no longer matches
  says(corrupted, "CRC mismatch");
  std::string lower = kHandPayload;
  lower.replace(lower.size() - 4, 4, "c289");
  says(lower, "upper-case");
  says(kHandPayload.substr(0, kHandPayload.size() - 8), "no CRC");
  says(kHandPayload.substr(0, kHandPayload.size() - 1), "malformed TLV");
  says("", "no CRC");
  says("garbage", "malformed TLV");
  const std::string account = tlv("26", tlv("00", "jp.or.paymentsjapan"));
  const std::string order = tlv("62", tlv("05", "qo_000001"));
  says(with_crc(tlv("01", "12") + account + tlv("53", "392") + tlv("54", "100") + order), "tag 00");
  says(with_crc(tlv("00", "02") + tlv("01", "12") + account + tlv("53", "392") + tlv("54", "100") + order),
       "tag 00");
  says(with_crc(tlv("00", "01") + tlv("01", "11") + account + tlv("53", "392") + tlv("54", "100") + order),
       "dynamic");
  says(with_crc(tlv("00", "01") + account + tlv("53", "392") + tlv("54", "100") + order), "tag 01");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + tlv("53", "392") + tlv("54", "100") + order),
       "merchant account");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + tlv("26", tlv("00", "com.example.pay")) +
                tlv("53", "392") + tlv("54", "100") + order),
       "merchant account");
  // A template outside 26..51 does not count.
  says(with_crc(tlv("00", "01") + tlv("01", "12") + tlv("52", tlv("00", "jp.or.paymentsjapan")) +
                tlv("53", "392") + tlv("54", "100") + order),
       "merchant account");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("53", "840") + tlv("54", "100") + order),
       "tag 53");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("54", "100") + order), "tag 53");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("53", "392") + order), "tag 54");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("53", "392") + tlv("54", "100.00") + order),
       "tag 54");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("53", "392") + tlv("54", "100")), "tag 62");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("53", "392") + tlv("54", "100") +
                tlv("62", tlv("01", "INV-1"))),
       "sub-tag 05");
  says(with_crc(tlv("00", "01") + tlv("01", "12") + account + tlv("53", "392") + tlv("54", "100") +
                tlv("62", "0509")),
       "tag 62");
  // The CRC must be the last element.
  says(with_crc(tlv("00", "01")) + tlv("58", "JP"), "no CRC");
}

TEST_CASE("QR orders: an order is made once per reference, with a deadline within 24 hours", "[qr_orders]") {
  OrderBook book;
  const auto created = book.create(order_terms("pi_1"), kNow);
  CHECK(created.outcome == CreateOutcome::created);
  CHECK(created.order.id == "qo_000001");
  CHECK(created.order.status == "pending");
  CHECK(created.order.created_at_s == kNow);
  CHECK(created.order.notify_url == "http://127.0.0.1:9/hooks/qr");
  CHECK(book.create(order_terms("pi_1"), kNow + 5).outcome == CreateOutcome::replayed);
  CHECK(book.create(order_terms("pi_1", 3001), kNow).outcome == CreateOutcome::reference_conflict);
  CHECK(book.create(order_terms("pi_1", 3000, kNow + 601), kNow).outcome ==
        CreateOutcome::reference_conflict);
  CHECK(book.create(order_terms("pi_2", 100, kNow), kNow).outcome == CreateOutcome::expiry_not_future);
  CHECK(book.create(order_terms("pi_2", 100, kNow + 86'401), kNow).outcome == CreateOutcome::expiry_too_far);
  CHECK(book.create(order_terms("pi_2", 100, kNow + 86'400), kNow).outcome == CreateOutcome::created);
  CHECK(book.all().size() == 2);
}

TEST_CASE("QR orders: a scan is checked against the order, then the payer", "[qr_orders]") {
  OrderBook book;
  const Order order = book.create(order_terms("pi_1"), kNow).order;
  const auto scan = [&](std::int64_t amount_yen, const std::string& payer, std::int64_t at_s = kNow) {
    return book.check_scan(ScanAttempt{order.id, amount_yen, "paypay", payer}, at_s);
  };
  CHECK(book.check_scan(ScanAttempt{"qo_999999", 3000, "paypay", ""}, kNow).outcome ==
        ScanOutcome::not_found);
  CHECK(scan(2999, "").outcome == ScanOutcome::amount_mismatch);
  CHECK(scan(3000, "blocked_user").outcome == ScanOutcome::user_blocked);
  CHECK(scan(3000, "broke_student").outcome == ScanOutcome::insufficient_balance);
  CHECK(book.by_id(order.id)->status == "pending");  // declines leave the order payable
  CHECK(scan(3000, "taro").outcome == ScanOutcome::payable);

  const Order paid = book.mark_paid(ScanAttempt{order.id, 3000, "au_pay", "taro"}, "qp_000001", kNow + 9);
  CHECK(paid.status == "paid");
  CHECK(paid.wallet == "au_pay");
  CHECK(paid.payer == "taro");
  CHECK(paid.payment_id == "qp_000001");
  CHECK(paid.paid_at_s == kNow + 9);
  CHECK(scan(3000, "").outcome == ScanOutcome::already_paid);
  CHECK(book.cancel(order.id, kNow).outcome == CancelOutcome::already_paid);

  const Order late = book.create(order_terms("pi_2"), kNow).order;
  const auto expired = book.check_scan(ScanAttempt{late.id, 3000, "paypay", ""}, late.expires_at_s + 1);
  CHECK(expired.outcome == ScanOutcome::expired);
  CHECK(expired.changed);
  CHECK(book.cancel(late.id, kNow).outcome == CancelOutcome::expired);

  const Order withdrawn = book.create(order_terms("pi_3"), kNow).order;
  const auto canceled = book.cancel(withdrawn.id, kNow + 1);
  CHECK(canceled.outcome == CancelOutcome::canceled);
  CHECK(canceled.order.canceled_at_s == kNow + 1);
  CHECK(book.cancel(withdrawn.id, kNow + 2).outcome == CancelOutcome::replayed);
  CHECK(book.check_scan(ScanAttempt{withdrawn.id, 3000, "paypay", ""}, kNow).outcome ==
        ScanOutcome::canceled);
  CHECK(book.cancel("qo_999999", kNow).outcome == CancelOutcome::not_found);

  book.create(order_terms("pi_4"), kNow);
  CHECK(book.expire_due(kNow + 600).empty());
  CHECK(book.expire_due(kNow + 601).size() == 1);
  CHECK(book.by_reference("pi_4")->status == "expired");
}

TEST_CASE("QR orders: orders survive a round trip through their journal", "[qr_orders]") {
  OrderBook before;
  std::ostringstream lines;
  const Order order = before.create(order_terms("pi_1"), kNow).order;
  lines << boost::json::serialize(sim::qr_provider::order_json(order)) << '\n';
  const Order paid = before.mark_paid(ScanAttempt{order.id, 3000, "d_barai", ""}, "qp_000001", kNow + 5);
  lines << boost::json::serialize(sim::qr_provider::order_json(paid)) << '\n';
  lines << boost::json::serialize(
               sim::qr_provider::order_json(before.create(order_terms("pi_2"), kNow).order))
        << '\n';
  lines << R"({"id":"qo_000003","refer)";

  OrderBook after;
  std::istringstream in(lines.str());
  const auto load = sim::qr_provider::load_order_journal(after, in);
  CHECK(load.orders == 2);
  CHECK(load.skipped_lines == 1);
  const auto reloaded = after.by_id(order.id);
  REQUIRE(reloaded);
  CHECK(reloaded->status == "paid");
  CHECK(reloaded->wallet == "d_barai");
  CHECK(reloaded->payment_id == "qp_000001");
  CHECK(reloaded->paid_at_s == kNow + 5);
  CHECK(reloaded->expires_at_s == kNow + 600);
  CHECK(reloaded->notify_url == order.notify_url);
  CHECK(after.create(order_terms("pi_9"), kNow).order.id == "qo_000003");
  CHECK_FALSE(sim::qr_provider::parse_order_line("{}"));
  CHECK_FALSE(sim::qr_provider::parse_order_line(""));
}

// ---- The HTTP contract, without sockets ----

namespace {

struct Provider {
  explicit Provider(std::string secret = "whsec_test")
      : notifier(sim::NotifierOptions{std::move(secret), "qon", 0.0, 0, false, 1}, notices_journal) {}

  sim::qr_provider::ProviderBook book{1, 0.0};
  std::ostringstream payments_journal;
  std::ostringstream refunds_journal;
  std::ostringstream orders_journal;
  std::ostringstream notices_journal;
  sim::Notifier notifier;
  sim::qr_provider::ProviderFront payments{book, payments_journal, refunds_journal,
                                           [] { return "2026-04-01T00:00:00Z"; }};
  OrderBook orders;
  std::int64_t now_s = kNow;
  sim::qr_provider::OrderFront front{orders, payments, orders_journal, notifier, [this] { return now_s; }};

  runtime::HttpResponse call(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    runtime::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    return front.handle(request,
                        [this](const runtime::HttpRequest& passed) { return payments.handle(passed); });
  }
  runtime::HttpResponse create(const std::string& reference, std::int64_t amount_yen = 3000,
                               const std::string& expires_at = "2026-04-01T00:10:00Z") {
    const boost::json::object body{{"reference", reference},   {"amount", amount_yen},
                                   {"currency", "JPY"},        {"merchant", "FAC001"},
                                   {"expires_at", expires_at}, {"notify_url", "http://127.0.0.1:9/hooks/qr"}};
    return call("POST", "/v1/orders", boost::json::serialize(body));
  }
  runtime::HttpResponse scan(const std::string& payload, const std::string& wallet = "paypay",
                             const std::string& payer = "") {
    boost::json::object body{{"payload", payload}, {"wallet", wallet}};
    if (!payer.empty()) body["payer"] = payer;
    return call("POST", "/sim/scan", boost::json::serialize(body));
  }
  runtime::HttpResponse refund(const std::string& payment, std::int64_t amount_yen,
                               const std::string& reference) {
    return call("POST", "/v1/refunds",
                boost::json::serialize(boost::json::object{
                    {"payment", payment}, {"amount", amount_yen}, {"reference", reference}}));
  }
};

boost::json::object body_of(const runtime::HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::size_t lines_in(const std::ostringstream& journal) {
  const std::string text = journal.str();
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

void check_error(const runtime::HttpResponse& answer, unsigned status, const char* error) {
  CHECK(answer.status == status);
  const auto body = body_of(answer);
  CHECK(body.at("error") == error);
  CHECK(body.at("message").as_string().size() > 0);
}

}  // namespace

TEST_CASE("QR orders: POST /v1/orders answers 201 an order, 200 on a retry, 409 on a conflict",
          "[qr_orders]") {
  Provider provider;
  const auto created = provider.create("pi_1");
  REQUIRE(created.status == 201);
  const auto order = body_of(created);
  CHECK(order.at("id") == "qo_000001");
  CHECK(order.at("object") == "qr_order");
  CHECK(order.at("reference") == "pi_1");
  CHECK(order.at("amount") == 3000);
  CHECK(order.at("currency") == "JPY");
  CHECK(order.at("merchant") == "FAC001");
  CHECK(order.at("status") == "pending");
  CHECK(order.at("expires_at") == "2026-04-01T00:10:00Z");
  CHECK(order.at("created_at") == "2026-04-01T00:00:00Z");
  CHECK(order.at("paid_at").is_null());
  CHECK(order.at("wallet").is_null());
  CHECK(order.at("payment").is_null());
  CHECK(lines_in(provider.orders_journal) == 1);
  CHECK(provider.create("pi_1").status == 200);
  CHECK(lines_in(provider.orders_journal) == 1);
  check_error(provider.create("pi_1", 2000), 409, "reference_conflict");
  check_error(provider.create("pi_1", 3000, "2026-04-01T00:20:00Z"), 409, "reference_conflict");

  const auto bad = [&](const std::string& body, const std::string& field) {
    INFO(body);
    const auto answer = provider.call("POST", "/v1/orders", body);
    CHECK(answer.status == 400);
    CHECK(body_of(answer).at("error") == "invalid_request");
    CHECK(std::string(body_of(answer).at("message").as_string()).find(field) != std::string::npos);
  };
  const std::string rest = R"("expires_at":"2026-04-01T00:10:00Z","notify_url":"http://127.0.0.1:9/h")";
  bad("{", "body");
  bad(R"({"amount":1,"currency":"JPY",)" + rest + "}", "reference");
  bad(R"({"reference":"r","amount":0,"currency":"JPY",)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":1,"currency":"EUR",)" + rest + "}", "currency");
  bad(R"({"reference":"r","amount":1,"currency":"JPY","merchant":[],)" + rest + "}", "merchant");
  bad(R"({"reference":"r","amount":1,"currency":"JPY","notify_url":"http://h/"})", "expires_at");
  bad(R"({"reference":"r","amount":1,"currency":"JPY","expires_at":"2026-04-01T00:00:00Z","notify_url":"http://h/"})",
      "in the future");
  bad(R"({"reference":"r","amount":1,"currency":"JPY","expires_at":"2026-04-02T00:00:01Z","notify_url":"http://h/"})",
      "24 hours");
  bad(R"({"reference":"r","amount":1,"currency":"JPY","expires_at":"2026-04-01T00:10:00Z"})", "notify_url");
  bad(R"({"reference":"r","amount":1,"currency":"JPY","expires_at":"2026-04-01T00:10:00Z","notify_url":"https://h/"})",
      "notify_url");
  CHECK(provider.orders.all().size() == 1);

  Provider unsigned_provider("");
  check_error(unsigned_provider.create("pi_1"), 409, "callbacks_not_configured");
  CHECK(unsigned_provider.orders.all().empty());
}

TEST_CASE("QR orders: GET /v1/orders finds an order by reference or id; past its deadline it is expired",
          "[qr_orders]") {
  Provider provider;
  REQUIRE(provider.create("pi 1").status == 201);
  REQUIRE(provider.create("pi_2", 500, "2026-04-01T00:20:00Z").status == 201);
  const auto found = body_of(provider.call("GET", "/v1/orders?reference=pi%201"));
  REQUIRE(found.at("data").as_array().size() == 1);
  CHECK(found.at("data").as_array()[0].at("id") == "qo_000001");
  CHECK(body_of(provider.call("GET", "/v1/orders?reference=pi_9")).at("data").as_array().empty());
  CHECK(body_of(provider.call("GET", "/v1/orders")).at("data").as_array().size() == 2);
  CHECK(provider.call("GET", "/v1/orders?reference=%g0").status == 400);
  CHECK(body_of(provider.call("GET", "/v1/orders/qo_000002")).at("amount") == 500);
  CHECK(provider.call("GET", "/v1/orders/qo_000009").status == 404);
  CHECK(provider.call("PUT", "/v1/orders/qo_000001").status == 404);

  provider.now_s = kNow + 601;
  CHECK(body_of(provider.call("GET", "/v1/orders/qo_000001")).at("status") == "expired");
  CHECK(body_of(provider.call("GET", "/v1/orders/qo_000002")).at("status") == "pending");
  CHECK(lines_in(provider.orders_journal) == 3);
  const auto late = provider.scan(order_code("qo_000001", 3000));
  check_error(late, 409, "order_expired");
  CHECK(body_of(late).at("order_status") == "expired");
  const auto cancel = provider.call("POST", "/v1/orders/qo_000001/cancel");
  CHECK(cancel.status == 200);
  CHECK(body_of(cancel).at("status") == "expired");
}

TEST_CASE("QR orders: POST /sim/scan pays the order, records its payment and queues order.paid",
          "[qr_orders]") {
  Provider provider;
  REQUIRE(provider.create("pi_1").status == 201);
  provider.now_s = kNow + 42;
  const auto paid = provider.scan(kHandPayload, "rakuten_pay", "taro");
  REQUIRE(paid.status == 200);
  const auto order = body_of(paid);
  CHECK(order.at("status") == "paid");
  CHECK(order.at("wallet") == "rakuten_pay");
  CHECK(order.at("payment") == "qp_000001");
  CHECK(order.at("paid_at") == "2026-04-01T00:00:42Z");
  CHECK(order.at("payer") == "taro");
  CHECK(lines_in(provider.orders_journal) == 2);
  CHECK(lines_in(provider.payments_journal) == 1);

  // The payment: completed, of the order's reference, amount and wallet; found by the usual inquiries.
  const auto payments = body_of(provider.call("GET", "/v1/payments?reference=pi_1")).at("data").as_array();
  REQUIRE(payments.size() == 1);
  const auto& payment = payments[0].as_object();
  CHECK(payment.at("id") == "qp_000001");
  CHECK(payment.at("status") == "completed");
  CHECK(payment.at("wallet") == "rakuten_pay");
  CHECK(payment.at("order") == "qo_000001");
  CHECK(payment.at("amount") == 3000);
  CHECK(payment.at("created_at") == "2026-04-01T00:00:42Z");
  CHECK_FALSE(payment.contains("qr_code_masked"));

  const auto notices = provider.notifier.all();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].id == "qon_000001");
  CHECK(notices[0].type == "order.paid");
  CHECK(notices[0].reference == "pi_1");
  CHECK(notices[0].notify_url == "http://127.0.0.1:9/hooks/qr");
  const auto notice = boost::json::parse(notices[0].body).as_object();
  CHECK(notice.at("type") == "order.paid");
  const auto& data = notice.at("data").as_object();
  CHECK(data.at("order") == "qo_000001");
  CHECK(data.at("reference") == "pi_1");
  CHECK(data.at("amount") == 3000);
  CHECK(data.at("wallet") == "rakuten_pay");
  CHECK(data.at("status") == "paid");
  CHECK(data.at("paid_at") == "2026-04-01T00:00:42Z");
  CHECK(data.at("payment") == "qp_000001");

  const auto twice = provider.scan(kHandPayload);
  check_error(twice, 409, "already_paid");
  CHECK(body_of(twice).at("order") == "qo_000001");
  CHECK(provider.notifier.all().size() == 1);
  check_error(provider.call("POST", "/v1/orders/qo_000001/cancel"), 409, "already_paid");
}

TEST_CASE("QR orders: a scan is refused for the order's state, the amount, the payer or the payload",
          "[qr_orders]") {
  Provider provider;
  REQUIRE(provider.create("pi_1", 1200).status == 201);
  check_error(provider.scan(order_code("qo_000009", 1200)), 404, "order_not_found");
  check_error(provider.scan(order_code("qo_000001", 1300)), 400, "amount_mismatch");

  const auto blocked = provider.scan(order_code("qo_000001", 1200), "paypay", "blocked_1");
  check_error(blocked, 402, "user_blocked");
  CHECK(body_of(blocked).at("order_status") == "pending");
  check_error(provider.scan(order_code("qo_000001", 1200), "d_barai", "broke_1"), 402,
              "insufficient_balance");
  CHECK(provider.notifier.all().empty());
  CHECK(provider.payments_journal.str().empty());
  // The payer tops up and tries again.
  CHECK(provider.scan(order_code("qo_000001", 1200), "d_barai", "rich_1").status == 200);

  REQUIRE(provider.create("pi_2").status == 201);
  REQUIRE(provider.call("POST", "/v1/orders/qo_000002/cancel").status == 200);
  check_error(provider.scan(order_code("qo_000002", 3000)), 409, "order_canceled");

  std::string corrupted = order_code("qo_000001", 1200);
  corrupted[corrupted.size() - 1] = corrupted.back() == '0' ? '1' : '0';
  const auto invalid = provider.scan(corrupted);
  check_error(invalid, 400, "invalid_payload");
  CHECK(std::string(body_of(invalid).at("message").as_string()).find("CRC") != std::string::npos);

  const auto bad = [&](const std::string& body) {
    INFO(body);
    check_error(provider.call("POST", "/sim/scan", body), 400, "invalid_request");
  };
  bad("[]");
  bad(R"({"wallet":"paypay"})");
  bad(R"({"payload":"","wallet":"paypay"})");
  bad(R"({"payload":")" + std::string(513, '0') + R"(","wallet":"paypay"})");
  bad(R"({"payload":"000201"})");
  bad(R"({"payload":"000201","wallet":"line_pay"})");
  bad(R"({"payload":"000201","wallet":"paypay","payer":")" + std::string(65, 'p') + R"("})");
  bad(R"({"payload":"000201","wallet":"paypay","payer":1})");
}

TEST_CASE("QR orders: POST /v1/orders/{id}/cancel withdraws a pending order", "[qr_orders]") {
  Provider provider;
  REQUIRE(provider.create("pi_1").status == 201);
  provider.now_s = kNow + 3;
  const auto canceled = provider.call("POST", "/v1/orders/qo_000001/cancel");
  CHECK(canceled.status == 200);
  CHECK(body_of(canceled).at("status") == "canceled");
  CHECK(body_of(canceled).at("canceled_at") == "2026-04-01T00:00:03Z");
  CHECK(provider.call("POST", "/v1/orders/qo_000001/cancel").status == 200);
  CHECK(lines_in(provider.orders_journal) == 2);
  check_error(provider.call("POST", "/v1/orders/qo_000009/cancel"), 404, "not_found");
}

TEST_CASE("QR orders: a paid order is refunded through its payment, by either id", "[qr_orders]") {
  Provider provider;
  REQUIRE(provider.create("pi_1").status == 201);
  REQUIRE(provider.create("pi_2").status == 201);
  const auto pending = provider.refund("qo_000002", 100, "re_0");
  check_error(pending, 409, "payment_not_completed");
  CHECK(body_of(pending).at("payment") == "qo_000002");
  CHECK(body_of(pending).at("payment_status") == "pending");
  check_error(provider.refund("qo_000009", 100, "re_0"), 404, "not_found");

  REQUIRE(provider.scan(order_code("qo_000001", 3000)).status == 200);
  const auto refunded = provider.refund("qo_000001", 1000, "re_1");
  REQUIRE(refunded.status == 201);
  const auto refund = body_of(refunded);
  CHECK(refund.at("id") == "qr_rf_000001");
  CHECK(refund.at("payment") == "qp_000001");
  CHECK(refund.at("order") == "qo_000001");
  CHECK(refund.at("amount") == 1000);
  CHECK(refund.at("status") == "completed");
  // The same refund by the payment's id is a retry; the rest of the amount, no more, can follow.
  CHECK(provider.refund("qp_000001", 1000, "re_1").status == 200);
  CHECK(provider.refund("qo_000001", 1000, "re_1").status == 200);
  CHECK(provider.refund("qo_000001", 2001, "re_2").status == 402);
  CHECK(provider.refund("qp_000001", 2000, "re_2").status == 201);
  CHECK(body_of(provider.call("GET", "/v1/payments/qp_000001")).at("amount_refunded") == 3000);
  CHECK(lines_in(provider.refunds_journal) == 2);
  // Refund bodies the order front does not recognise are the provider's to refuse.
  CHECK(provider.call("POST", "/v1/refunds", "nope").status == 400);
  CHECK(provider.refund("qp_000009", 1, "re_3").status == 404);
}

TEST_CASE("QR orders: the order's reference paid by a scanned code cannot be paid again", "[qr_orders]") {
  Provider provider;
  const boost::json::object cpm{
      {"reference", "pi_1"}, {"amount", 3000}, {"currency", "JPY"}, {"qr_code", "271234567890125678"}};
  REQUIRE(provider.call("POST", "/v1/payments", boost::json::serialize(cpm)).status == 201);
  REQUIRE(provider.create("pi_1").status == 201);
  const auto refused = provider.scan(order_code("qo_000001", 3000));
  check_error(refused, 409, "already_paid");
  CHECK(body_of(refused).at("order_status") == "pending");
  CHECK(provider.notifier.all().empty());
}

TEST_CASE("QR orders: order payments reload from the payments journal, without a code", "[qr_orders]") {
  Provider provider;
  REQUIRE(provider.create("pi_1").status == 201);
  REQUIRE(provider.scan(order_code("qo_000001", 3000), "au_pay").status == 200);
  REQUIRE(provider.refund("qo_000001", 500, "re_1").status == 201);
  REQUIRE(provider
              .call("POST", "/v1/payments",
                    R"({"reference":"pi_2","amount":100,"currency":"JPY","qr_code":"291234567890125678"})")
              .status == 201);

  sim::qr_provider::ProviderBook after(1, 0.0);
  std::istringstream payments_in(provider.payments_journal.str());
  std::istringstream refunds_in(provider.refunds_journal.str());
  const auto load = sim::qr_provider::load_journals(after, payments_in, refunds_in);
  CHECK(load.payments == 2);
  CHECK(load.refunds == 1);
  CHECK(load.skipped_lines == 0);
  CHECK(load.refunds_not_counted == 0);
  const auto payment = after.by_id("qp_000001");
  REQUIRE(payment);
  CHECK(payment->order_id == "qo_000001");
  CHECK(payment->wallet == "au_pay");
  CHECK(payment->amount_refunded_yen == 500);
  CHECK(after.refund_by_id("qr_rf_000001")->order_id == "qo_000001");
  CHECK(after.code_used("291234567890125678"));
}

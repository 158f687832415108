// The Pay-easy centre and QR provider adapters' pure parts: what they accept from a processor's answers
// and notices, the signature, and the JPQR code printed for an order.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "kessai/qr/jpqr.hpp"
#include "notices.hpp"
#include "payeasy_centre.hpp"
#include "payer_orders.hpp"
#include "qr_provider.hpp"

using namespace kessai;
using namespace kessai::adapters;

namespace {

const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + std::chrono::hours(3);
constexpr std::int64_t kNowSeconds = 1'795'316'400;  // 2026-11-22T03:00:00Z

std::vector<std::pair<std::string, std::string>> signed_by(std::string_view secret, std::string_view body,
                                                           std::int64_t at = kNowSeconds) {
  return {{"content-type", "application/json"},
          {std::string(notices::kSignatureHeader), notices::signature_header(secret, body, at)}};
}

ProcessorConfig payeasy_config() {
  return ProcessorConfig{.id = *ProcessorId::parse("payeasy-sim"),
                         .kind = "payeasy",
                         .url = "http://127.0.0.1:1",
                         .notice_secret = "s3cret"};
}

ProcessorConfig qr_config() {
  ProcessorConfig config{.id = *ProcessorId::parse("qr-sim"),
                         .kind = "qr",
                         .url = "http://127.0.0.1:1",
                         .notice_secret = "qr-secret"};
  config.jpqr = {.merchant_code = "1234567890123",
                 .code_02 = "0001",
                 .code_03 = "000001",
                 .code_04 = "000001",
                 .category_code = "9399",
                 .name = "KESSAI CITY",
                 .city = "CHIYODA-KU",
                 .postal_code = "1000001",
                 .name_japanese = "けっさい市",
                 .city_japanese = ""};
  return config;
}

constexpr std::string_view kPaidNotice =
    R"({"id":"pen_000001","type":"payment.paid","created_at":"2026-11-22T02:59:00Z","data":)"
    R"({"number":"pe_000001","reference":"pi_1","amount":3000,"institution_number":"58091",)"
    R"("customer_number":"12345678901234567897","status":"paid","paid_at":"2026-11-22T02:58:30Z"}})";

}  // namespace

TEST_CASE("the notice epoch constant is the time the tests use") {
  CHECK(std::chrono::system_clock::time_point(std::chrono::seconds(kNowSeconds)) == kNow);
}

TEST_CASE("a signed quick notice is read as the payment it announces") {
  const payeasy::PayeasyCentre centre(payeasy_config());
  auto notice = centre.read_notice(kPaidNotice, signed_by("s3cret", kPaidNotice), kNow);
  REQUIRE(notice.ok());
  CHECK(notice->notice_id == "pen_000001");
  CHECK(notice->kind == NoticeKind::paid);
  CHECK(notice->payment_id == "pi_1");
  CHECK(notice->processor_reference == "pe_000001");
  CHECK(notice->amount == Yen(3000));
  CHECK(notice->occurred_at == kNow - std::chrono::seconds(90));
}

TEST_CASE("notices that are not signed by the processor, or too old, are refused") {
  const payeasy::PayeasyCentre centre(payeasy_config());
  const auto problem = [&](std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers) {
    auto read = centre.read_notice(body, headers, kNow);
    REQUIRE_FALSE(read.ok());
    return read.error().problem;
  };
  CHECK(problem(kPaidNotice, {}) == NoticeProblem::unsigned_notice);
  CHECK(problem(kPaidNotice, signed_by("other secret", kPaidNotice)) == NoticeProblem::bad_signature);
  // One byte changed after signing.
  std::string tampered(kPaidNotice);
  tampered.replace(tampered.find("3000"), 4, "3001");
  CHECK(problem(tampered, signed_by("s3cret", kPaidNotice)) == NoticeProblem::bad_signature);
  CHECK(problem(kPaidNotice, {{"x-notify-signature", "v1=abc"}}) == NoticeProblem::bad_signature);
  CHECK(problem(kPaidNotice, {{"x-notify-signature", "t=12x,v1=abc"}}) == NoticeProblem::bad_signature);
  CHECK(problem(kPaidNotice, signed_by("s3cret", kPaidNotice, kNowSeconds - 301)) == NoticeProblem::stale);
  CHECK(problem(kPaidNotice, signed_by("s3cret", kPaidNotice, kNowSeconds + 301)) == NoticeProblem::stale);
  CHECK(centre.read_notice(kPaidNotice, signed_by("s3cret", kPaidNotice, kNowSeconds - 299), kNow).ok());
  // Signed, but not a notice of this processor.
  const std::string unknown_type = R"({"id":"x","type":"payment.lost","data":{}})";
  CHECK(problem(unknown_type, signed_by("s3cret", unknown_type)) == NoticeProblem::malformed);
  const std::string no_amount = R"({"id":"x","type":"payment.paid","data":{"number":"pe_1","reference":"pi_1"}})";
  CHECK(problem(no_amount, signed_by("s3cret", no_amount)) == NoticeProblem::malformed);
  CHECK(problem("[1,2]", signed_by("s3cret", "[1,2]")) == NoticeProblem::malformed);
}

TEST_CASE("a reversal notice names its time of reversal") {
  const payeasy::PayeasyCentre centre(payeasy_config());
  const std::string body =
      R"({"id":"pen_2","type":"payment.reversed","data":{"number":"pe_1","reference":"pi_1","amount":3000,)"
      R"("status":"reversed","paid_at":"2026-11-20T00:00:00Z","reversed_at":"2026-11-22T01:00:00Z"}})";
  auto notice = centre.read_notice(body, signed_by("s3cret", body), kNow);
  REQUIRE(notice.ok());
  CHECK(notice->kind == NoticeKind::reversed);
  CHECK(notice->occurred_at == kNow - std::chrono::hours(2));
}

TEST_CASE("a Pay-easy centre needs its notice secret") {
  ProcessorConfig config = payeasy_config();
  config.notice_secret.clear();
  CHECK_THROWS_AS(payeasy::PayeasyCentre(config), std::invalid_argument);
}

TEST_CASE("an issued number is shown only when its three numbers have their forms") {
  const OperationResult created{ChargeOutcome::approved, "pe_000001", "", ""};
  boost::json::object number{{"id", "pe_000001"},
                             {"institution_number", "58091"},
                             {"customer_number", "12345678901234567897"},
                             {"confirmation_number", "123456"},
                             {"expires_at", "2026-12-06T03:00:00Z"}};
  const PayerAction action = payeasy::payer_action_from(created, number);
  CHECK(action.outcome == ChargeOutcome::approved);
  CHECK(action.customer_number == "12345678901234567897");
  CHECK(action.expires_at == kNow + std::chrono::hours(24 * 14));
  for (const auto& [field, bad] : std::vector<std::pair<std::string, std::string>>{{"institution_number", "5809"},
                                                                                  {"customer_number", "123456789012345"},
                                                                                  {"confirmation_number", "12a"},
                                                                                  {"expires_at", "tomorrow"}}) {
    boost::json::object broken = number;
    broken[field] = bad;
    INFO(field);
    CHECK(payeasy::payer_action_from(created, broken).outcome == ChargeOutcome::unknown);
  }
}

TEST_CASE("Pay-easy payments are refunded outside the centre: a clear refusal, nothing sent") {
  payeasy::PayeasyCentre centre(payeasy_config());
  const OperationResult refund = centre.refund({"re_1", "pi_1", "pe_1", Yen(100)});
  CHECK(refund.outcome == ChargeOutcome::declined);
  CHECK(refund.decline_code == "refund_not_supported");
  CHECK(centre.charge({}).outcome == ChargeOutcome::rejected);
  CHECK(centre.settlement_profile().name == "payeasy-centre");
}

TEST_CASE("the statuses of waiting objects in the engine's words") {
  const payer_orders::OrderPeer peer{{"centre", "rejected"}, "/v1/numbers", "issued", "number"};
  CHECK(payer_orders::status_of("issued", peer) == PayerActionStatus::waiting);
  CHECK(payer_orders::status_of("paid", peer) == PayerActionStatus::paid);
  CHECK(payer_orders::status_of("expired", peer) == PayerActionStatus::expired);
  CHECK(payer_orders::status_of("canceled", peer) == PayerActionStatus::withdrawn);
  CHECK(payer_orders::status_of("reversed", peer) == PayerActionStatus::reversed);
  CHECK_FALSE(payer_orders::status_of("pending", peer).has_value());
  CHECK(payer_orders::refund_reference(boost::json::object{{"payment", "qp_1"}}, "qo_1") == "qp_1");
  CHECK(payer_orders::refund_reference(boost::json::object{}, "qo_1") == "qo_1");
}

TEST_CASE("the QR provider's JPQR merchant comes from config, checked once") {
  auto merchant = qr_provider::jpqr_merchant_from(qr_config());
  REQUIRE(merchant.ok());
  REQUIRE(merchant.value().has_value());
  CHECK(merchant.value()->name == "KESSAI CITY");
  ProcessorConfig none = qr_config();
  none.jpqr = {};
  CHECK_FALSE(qr_provider::jpqr_merchant_from(none).value().has_value());
  ProcessorConfig bad = qr_config();
  bad.jpqr.merchant_code = "12345";
  CHECK_FALSE(qr_provider::jpqr_merchant_from(bad).ok());
  CHECK_THROWS_AS(qr_provider::QrProvider(bad), std::invalid_argument);
  ProcessorConfig unsigned_config = qr_config();
  unsigned_config.notice_secret.clear();
  CHECK_THROWS_AS(qr_provider::QrProvider(unsigned_config), std::invalid_argument);
}

TEST_CASE("a QR provider without a JPQR merchant refuses merchant-presented codes before sending") {
  ProcessorConfig config = qr_config();
  config.jpqr = {};
  config.notice_secret.clear();
  qr_provider::QrProvider provider(config);
  const PayerAction action = provider.request_payer_action({"pi_1", Yen(500), "FAC001", kNow, "http://x"});
  CHECK(action.outcome == ChargeOutcome::rejected);
  CHECK(action.message.find("[processors.jpqr]") != std::string::npos);
  const std::string body = R"({"id":"qon_1","type":"order.paid","data":{}})";
  CHECK(provider.read_notice(body, signed_by("", body), kNow).error().problem == NoticeProblem::not_supported);
}

TEST_CASE("an order.paid notice names the provider's payment to refund against") {
  const qr_provider::QrProvider provider(qr_config());
  const std::string body =
      R"({"id":"qon_000001","type":"order.paid","data":{"order":"qo_000001","payment":"qp_000007",)"
      R"("reference":"pi_9","amount":1200,"wallet":"paypay","status":"paid","paid_at":"2026-11-22T03:00:00Z"}})";
  auto notice = provider.read_notice(body, signed_by("qr-secret", body), kNow);
  REQUIRE(notice.ok());
  CHECK(notice->payment_id == "pi_9");
  CHECK(notice->processor_reference == "qp_000007");
  CHECK(notice->amount == Yen(1200));
}

TEST_CASE("RFC 3339 times as processors send them") {
  CHECK(notices::parse_utc("2026-11-22T03:00:00Z") == kNow);
  CHECK(notices::parse_utc("2026-11-22T03:00:00.250Z") == kNow + std::chrono::milliseconds(250));
  CHECK_FALSE(notices::parse_utc("2026-11-22 03:00:00").has_value());
  CHECK_FALSE(notices::parse_utc("").has_value());
  CHECK(notices::format_utc(kNow + std::chrono::milliseconds(999)) == "2026-11-22T03:00:00Z");
}

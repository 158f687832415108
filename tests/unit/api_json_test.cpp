#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "kessai/engine/api.hpp"
#include "kessai/engine/openapi.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

const char* kValid =
    R"({"amount": 3000, "currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001",
        "confirm": true, "payment_method": {"card_token": "tok_visa"}})";

ErrorCode error_of(const std::string& body) {
  auto parsed = parse_create_intent(body);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().code;
}

std::string with(const std::string& member) {
  return R"({"currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001", )" + member +
         "}";
}

}  // namespace

TEST_CASE("a valid create request parses into a command") {
  auto parsed = parse_create_intent(kValid);
  REQUIRE(parsed.ok());
  CHECK(parsed->amount == Yen(3000));
  CHECK(parsed->means == Means::card);
  CHECK(parsed->fee_code.str() == "F001");
  CHECK(parsed->facility->str() == "FAC001");
  CHECK_FALSE(parsed->procedure.has_value());
  CHECK(parsed->confirm);
  CHECK(parsed->payment_method.card_token == "tok_visa");
  CHECK(parsed->capture_method == CaptureMethod::automatic);
}

TEST_CASE("malformed bodies are refused with malformed_json") {
  CHECK(error_of("") == ErrorCode::malformed_json);
  CHECK(error_of("{") == ErrorCode::malformed_json);
  CHECK(error_of("[1,2]") == ErrorCode::malformed_json);
  CHECK(error_of("\"amount\"") == ErrorCode::malformed_json);
  CHECK(error_of("{\"amount\": 1,}") == ErrorCode::malformed_json);
}

TEST_CASE("unknown fields are refused, at every level") {
  auto parsed = parse_create_intent(with(R"("amount": 1, "amuont": 2)"));
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == ErrorCode::unknown_parameter);
  CHECK(parsed.error().param == "amuont");
  auto nested = parse_create_intent(with(R"("amount": 1, "payment_method": {"card_number": "4242"})"));
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().param == "payment_method.card_number");
}

TEST_CASE("wrong types are refused with invalid_parameter") {
  CHECK(error_of(with(R"("amount": "3000")")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 3000.5)")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1e3)")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": null)")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1, "confirm": "yes")")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1, "metadata": [1])")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1, "metadata": {"k": 1})")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1, "payment_method": "tok_visa")")) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1, "capture_method": "later")")) == ErrorCode::invalid_parameter);
  CHECK(
      error_of(
          R"({"amount": 1, "currency": "JPY", "means": "card", "fee_code": "F 001", "facility_id": "F"})") ==
      ErrorCode::invalid_parameter);
}

TEST_CASE("huge numbers are refused as too large, not wrapped") {
  CHECK(error_of(with(R"("amount": 18446744073709551615)")) == ErrorCode::amount_too_large);
  CHECK(error_of(with(R"("amount": 99999999999999999999999)")) == ErrorCode::amount_too_large);
  CHECK(error_of(with(R"("amount": -99999999999999999999999)")) == ErrorCode::invalid_parameter);
}

TEST_CASE("missing required fields are named") {
  auto parsed = parse_create_intent(R"({"currency": "JPY", "means": "card", "fee_code": "F001"})");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == ErrorCode::missing_parameter);
  CHECK(parsed.error().param == "amount");
  CHECK(error_of(R"({"amount": 1, "means": "card", "fee_code": "F001"})") == ErrorCode::missing_parameter);
  CHECK(error_of(R"({"amount": 1, "currency": "JPY", "fee_code": "F001"})") == ErrorCode::missing_parameter);
}

TEST_CASE("an unknown means is means_unsupported") {
  CHECK(error_of(R"({"amount": 1, "currency": "JPY", "means": "cash", "fee_code": "F001"})") ==
        ErrorCode::means_unsupported);
}

TEST_CASE("metadata is limited in keys and sizes") {
  std::string many = R"("amount": 1, "metadata": {)";
  for (int i = 0; i < 21; ++i) many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\": \"v\"";
  many += "}";
  CHECK(error_of(with(many)) == ErrorCode::invalid_parameter);
  CHECK(error_of(with(R"("amount": 1, "metadata": {"k": ")" + std::string(501, 'x') + "\"}")) ==
        ErrorCode::invalid_parameter);
  auto ok = parse_create_intent(with(R"("amount": 1, "metadata": {"申請番号": "A-1"})"));
  REQUIRE(ok.ok());
  CHECK(ok->metadata_json == R"({"申請番号":"A-1"})");
}

TEST_CASE("an error becomes an RFC 9457 problem document with a stable code") {
  const auto response = error_response({ErrorCode::amount_invalid, "amount must be positive", "amount"});
  CHECK(response.status == 422);
  CHECK(response.content_type == "application/problem+json");
  const auto body = boost::json::parse(response.body).as_object();
  CHECK(body.at("code") == "amount_invalid");
  CHECK(body.at("type") == "urn:kessai:problem:amount_invalid");
  CHECK(body.at("status") == 422);
  CHECK(body.at("param") == "amount");
  CHECK(body.contains("title"));
  CHECK(body.contains("detail"));
}

TEST_CASE("the error catalogue is stable, unique and documented") {
  std::set<std::string_view> names;
  std::set<unsigned> numbers;
  for (const ErrorInfo& info : all_errors()) {
    CHECK(names.insert(info.name).second);
    CHECK(numbers.insert(static_cast<unsigned>(info.code)).second);
    CHECK(info.http_status >= 400);
    CHECK(&error_info(info.code) == &info);
  }
  std::ifstream doc(std::string(KESSAI_SOURCE_DIR) + "/docs/errors.md");
  REQUIRE(doc.good());
  std::stringstream text;
  text << doc.rdbuf();
  for (std::string_view name : names) {
    INFO("docs/errors.md must document `" << name << "`");
    CHECK(text.str().find("`" + std::string(name) + "`") != std::string::npos);
  }
}

TEST_CASE("/openapi.json describes every route the server has, and every error code") {
  const boost::json::value document = boost::json::parse(openapi_document());
  const auto& paths = document.at("paths").as_object();
  for (const RouteInfo& route : Api::routes()) {
    INFO(route.method << " " << route.pattern);
    const auto* path = paths.if_contains(route.pattern);
    REQUIRE(path != nullptr);
    std::string method(route.method);
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(path->as_object().contains(method));
  }
  const std::string text(openapi_document());
  for (const ErrorInfo& info : all_errors()) {
    INFO("openapi.json must list the error code " << info.name);
    CHECK(text.find("\"" + std::string(info.name) + "\"") != std::string::npos);
  }
}

TEST_CASE("list filters parse, including an empty query") {
  auto empty = parse_intent_filter("");
  REQUIRE(empty.ok());
  CHECK(empty->limit == kListLimitDefault);
  auto full =
      parse_intent_filter("limit=5&status=succeeded&means=card&facility_id=FAC001&starting_after=pi_x");
  REQUIRE(full.ok());
  CHECK(full->limit == 5);
  CHECK(full->status == IntentStatus::succeeded);
  CHECK(full->starting_after == "pi_x");
  CHECK(parse_intent_filter("limit=abc").error().code == ErrorCode::invalid_parameter);
  CHECK(parse_intent_filter("colour=red").error().code == ErrorCode::unknown_parameter);
}

TEST_CASE("lifecycle bodies: empty means no parameters, anything unknown is refused") {
  CHECK(parse_capture("").value() == std::nullopt);
  CHECK(parse_capture(R"({"amount_to_capture": 100})").value() == Yen(100));
  CHECK(parse_capture(R"({"amount_to_capture": 1.5})").error().code == ErrorCode::invalid_parameter);
  CHECK(parse_cancel("{}").value() == std::nullopt);
  CHECK(parse_cancel(R"({"cancellation_reason": "duplicate"})").value() == CancellationReason::duplicate);
  CHECK(parse_cancel(R"({"reason": "duplicate"})").error().code == ErrorCode::unknown_parameter);
  CHECK(parse_confirm(R"({"payment_method": {"card_token": "tok_visa"}})").value().card_token == "tok_visa");
  CHECK(parse_refund(R"({"amount": 5})").error().code == ErrorCode::missing_parameter);
  CHECK(parse_refund(R"({"payment_intent": "pi_1", "amount": 5, "reason": "x"})")->amount == Yen(5));
  CHECK(parse_webhook_endpoint(R"({"url": "http://h:1/x", "events": ["refund.failed"]})").ok());
  CHECK_FALSE(parse_webhook_endpoint(R"({"url": "ftp://h/x", "events": ["refund.failed"]})").ok());
}

TEST_CASE("an e-money tap is a brand and a 16-hex-digit IDm") {
  auto parsed =
      parse_confirm(R"({"payment_method": {"emoney": {"brand": "transit_ic", "idm": "0123456789ABCDEF"}}})");
  REQUIRE(parsed.ok());
  CHECK(parsed->emoney_brand == "transit_ic");
  CHECK(parsed->emoney_idm == "0123456789ABCDEF");
  const auto error_of_method = [](const std::string& method) {
    auto result = parse_confirm(R"({"payment_method": {"emoney": )" + method + "}}");
    REQUIRE_FALSE(result.ok());
    return result.error();
  };
  CHECK(error_of_method(R"({"brand": "edy", "idm": "0123456789ABCDEF"})").param ==
        "payment_method.emoney.brand");
  CHECK(error_of_method(R"({"brand": "waon", "idm": "0123456789abcdef"})").param ==
        "payment_method.emoney.idm");
  CHECK(error_of_method(R"({"brand": "waon", "idm": "0123"})").param == "payment_method.emoney.idm");
  CHECK(error_of_method(R"({"brand": "waon"})").code == ErrorCode::missing_parameter);
  CHECK(error_of_method(R"({"brand": "waon", "idm": "0123456789ABCDEF", "pin": "1"})").code ==
        ErrorCode::unknown_parameter);
  CHECK(error_of_method(R"("waon")").param == "payment_method.emoney");
}

TEST_CASE("a scanned QR code is 18 to 20 digits") {
  CHECK(parse_confirm(R"({"payment_method": {"qr_code": "271234567890123456"}})")->qr_code == "271234567890123456");
  CHECK(parse_confirm(R"({"payment_method": {"qr_code": "27123456789012345"}})").error().param ==
        "payment_method.qr_code");
  CHECK(parse_confirm(R"({"payment_method": {"qr_code": "27123456789012345678901"}})").error().param ==
        "payment_method.qr_code");
  CHECK(parse_confirm(R"({"payment_method": {"qr_code": "2712345678901234ab"}})").error().code ==
        ErrorCode::invalid_parameter);
  CHECK(parse_confirm(R"({"payment_method": {"qr_code": 271234567890123456}})").error().code ==
        ErrorCode::invalid_parameter);
}

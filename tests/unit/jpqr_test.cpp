#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kessai/qr/crc16.hpp"
#include "kessai/qr/emv_tlv.hpp"
#include "kessai/qr/jpqr.hpp"
#include "kessai/qr/qr_image.hpp"

using kessai::Yen;
using namespace kessai::qr;

namespace {

using Elements = std::vector<std::pair<std::string, std::string>>;

std::string join(const Elements& elements) {
  std::string encoded;
  for (const auto& [id, value] : elements) encoded += encode_tlv(id, value);
  return encoded;
}

Elements without(Elements elements, std::string_view id) {
  std::erase_if(elements, [id](const auto& element) { return element.first == id; });
  return elements;
}

// A valid payload's elements, before the CRC.
Elements base_elements() {
  const std::string account = join({{"00", "jp.or.paymentsjapan"},
                                    {"01", "1234567890123"},
                                    {"02", "0001"},
                                    {"03", "000001"},
                                    {"04", "000002"}});
  return {{"00", "01"},         {"01", "12"},   {"26", account}, {"52", "9399"},
          {"53", "392"},        {"54", "3000"}, {"58", "JP"},    {"59", "TOKYO SPORTS CENTER"},
          {"60", "SHINJUKU-KU"}};
}

JpqrRequest sample_request() {
  JpqrRequest request;
  request.merchant.account = {"1234567890123", "0001", "000001", "000002"};
  request.merchant.category_code = "9399";
  request.merchant.name = "TOKYO SPORTS CENTER";
  request.merchant.city = "SHINJUKU-KU";
  request.merchant.postal_code = "1638001";
  request.merchant.name_japanese = "都立総合スポーツセンター";
  request.merchant.city_japanese = "新宿区";
  request.amount = Yen(3000);
  request.reference_label = "0123456789abcdefghijklmn";
  request.terminal_label = "POS01";
  return request;
}

// A second CRC-16/CCITT-FALSE, table-driven, to check the bitwise one in crc16.hpp independently.
std::uint16_t table_crc16(std::string_view data) {
  static const std::array<std::uint16_t, 256> table = [] {
    std::array<std::uint16_t, 256> built{};
    for (unsigned index = 0; index < 256; ++index) {
      auto crc = static_cast<std::uint16_t>(index << 8);
      for (int bit = 0; bit < 8; ++bit) {
        crc = static_cast<std::uint16_t>((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
      }
      built[index] = crc;
    }
    return built;
  }();
  std::uint16_t crc = 0xFFFF;
  for (const char character : data) {
    const auto byte = static_cast<unsigned char>(character);
    crc = static_cast<std::uint16_t>((crc << 8) ^ table[((crc >> 8) ^ byte) & 0xFF]);
  }
  return crc;
}

std::uint32_t read_u32_big_endian(const std::vector<unsigned char>& bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
         (std::uint32_t{bytes[offset + 2]} << 8) | std::uint32_t{bytes[offset + 3]};
}

std::span<const unsigned char> bytes_of(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

TEST_CASE("CRC-16/CCITT-FALSE gives the catalogue check values", "[jpqr]") {
  static_assert(crc16_ccitt_false("123456789") == 0x29B1);
  CHECK(crc16_ccitt_false("abc") == 0x514A);
  CHECK(crc16_ccitt_false("a") == 0x9D77);
  CHECK(crc16_ccitt_false("abcdefghi") == 0x1E7C);
  CHECK(crc16_ccitt_false("123456789") == 0x29B1);
  CHECK(crc16_ccitt_false("") == 0xFFFF);
  CHECK(table_crc16("123456789") == 0x29B1);
}

TEST_CASE("a dynamic JPQR payload for fixed inputs matches the one written by hand", "[jpqr]") {
  // Written element by element from the tag table in adapters/qr/README.md; each length was counted by
  // hand and checked by splitting the string again in Python (counting code points). The CRC 11DF was
  // computed with Python: binascii.crc_hqx(body.encode("utf-8"), 0xFFFF), which is CRC-16/CCITT-FALSE
  // (it gives 0x29B1 for b"123456789"), where body is everything up to and including "6304".
  // 64 is 29 characters long but 49 bytes: "都立総合スポーツセンター" is 12 characters, "新宿区" 3.
  const std::string expected =
      "000201"
      "010212"
      "2668"
      "0019jp.or.paymentsjapan"
      "01131234567890123"
      "02040001"
      "0306000001"
      "0406000002"
      "52049399"
      "5303392"
      "54043000"
      "5802JP"
      "5919TOKYO SPORTS CENTER"
      "6011SHINJUKU-KU"
      "61071638001"
      "6237"
      "05240123456789abcdefghijklmn"
      "0705POS01"
      "6429"
      "0002JA"
      "0112都立総合スポーツセンター"
      "0203新宿区"
      "630411DF";
  const auto payload = build_jpqr_payload(sample_request());
  REQUIRE(payload.ok());
  CHECK(payload.value() == expected);
}

TEST_CASE("a generated payload parses back field by field", "[jpqr]") {
  const JpqrRequest request = sample_request();
  const auto payload = build_jpqr_payload(request);
  REQUIRE(payload.ok());
  const auto code = parse_jpqr(payload.value());
  REQUIRE(code.ok());
  CHECK(code->dynamic);
  CHECK(code->merchant_account_id == "26");
  CHECK(code->merchant.account.merchant_code == request.merchant.account.merchant_code);
  CHECK(code->merchant.account.code_02 == request.merchant.account.code_02);
  CHECK(code->merchant.account.code_03 == request.merchant.account.code_03);
  CHECK(code->merchant.account.code_04 == request.merchant.account.code_04);
  CHECK(code->merchant.category_code == request.merchant.category_code);
  REQUIRE(code->amount.has_value());
  CHECK(*code->amount == request.amount);
  CHECK(code->merchant.name == request.merchant.name);
  CHECK(code->merchant.city == request.merchant.city);
  CHECK(code->merchant.postal_code == request.merchant.postal_code);
  CHECK(code->reference_label == request.reference_label);
  CHECK(code->terminal_label == request.terminal_label);
  CHECK(code->merchant.name_japanese == request.merchant.name_japanese);
  CHECK(code->merchant.city_japanese == request.merchant.city_japanese);
}

TEST_CASE("optional JPQR fields are left out and read back empty", "[jpqr]") {
  JpqrRequest request = sample_request();
  request.merchant.postal_code.clear();
  request.merchant.city_japanese.clear();
  request.terminal_label.clear();
  request.amount = Yen(jpqr_amount_yen_max);
  const auto payload = build_jpqr_payload(request);
  REQUIRE(payload.ok());
  CHECK(payload->find("6107") == std::string::npos);
  CHECK(payload->find("54109999999999") != std::string::npos);
  const auto code = parse_jpqr(payload.value());
  REQUIRE(code.ok());
  CHECK(code->merchant.postal_code.empty());
  CHECK(code->merchant.city_japanese.empty());
  CHECK(code->terminal_label.empty());
  CHECK(code->amount == Yen(jpqr_amount_yen_max));
}

TEST_CASE("the CRC of a generated payload, recomputed independently, is its last 4 characters", "[jpqr]") {
  for (const std::int64_t amount : {1, 3000, 123456789}) {
    JpqrRequest request = sample_request();
    request.amount = Yen(amount);
    const auto payload = build_jpqr_payload(request);
    REQUIRE(payload.ok());
    const std::string& text = payload.value();
    REQUIRE(text.size() > 8);
    CHECK(text.substr(text.size() - 8, 4) == "6304");
    const auto written = static_cast<std::uint16_t>(std::stoul(text.substr(text.size() - 4), nullptr, 16));
    CHECK(written == table_crc16(std::string_view(text).substr(0, text.size() - 4)));
    CHECK(text.substr(text.size() - 4).find_first_of("abcdef") == std::string::npos);
  }
}

TEST_CASE("lengths count characters: a Japanese name fits the language template by code points", "[jpqr]") {
  CHECK(count_characters("abc") == 3u);
  CHECK(count_characters("新宿区") == 3u);
  CHECK(count_characters("\xF0\x9F\x98\x80") == 1u);          // a 4-byte character
  CHECK_FALSE(count_characters("\xC3\x28").has_value());      // bad continuation
  CHECK_FALSE(count_characters("\xC0\xAF").has_value());      // overlong '/'
  CHECK_FALSE(count_characters("\xED\xA0\x80").has_value());  // a surrogate
  CHECK_FALSE(count_characters("\xE6\x96").has_value());      // cut short
  CHECK(encode_tlv("01", "新宿区") == "0103新宿区");

  // Without a Japanese city, 64 holds "0002JA" and "01" + length: 99 - 10 = 89 characters of name.
  JpqrRequest request = sample_request();
  request.merchant.city_japanese.clear();
  std::string name;
  for (int character = 0; character < 89; ++character) name += "あ";
  request.merchant.name_japanese = name;
  const auto longest = build_jpqr_payload(request);
  REQUIRE(longest.ok());
  CHECK(longest->find("6499") != std::string::npos);
  CHECK(parse_jpqr(longest.value())->merchant.name_japanese == name);
  request.merchant.name_japanese = name + "あ";
  const auto too_long = build_jpqr_payload(request);
  REQUIRE_FALSE(too_long.ok());
  CHECK_THAT(too_long.error(), Catch::Contains("(64/01)") && Catch::Contains("at most 89"));
  // With "新宿区" (3 characters, 7 with its id and length) the name has 82.
  request.merchant.city_japanese = "新宿区";
  request.merchant.name_japanese = name.substr(0, 82 * 3);
  CHECK(build_jpqr_payload(request).ok());
  request.merchant.name_japanese = name.substr(0, 83 * 3);
  CHECK_FALSE(build_jpqr_payload(request).ok());
}

TEST_CASE("tag order is free between 00 first and 63 last; lower-case CRC digits are accepted", "[jpqr]") {
  Elements shuffled = base_elements();
  std::swap(shuffled[2], shuffled[8]);  // 26 after 60
  std::swap(shuffled[3], shuffled[6]);  // 58 before 52
  const std::string payload = append_crc(join(shuffled));
  const auto code = parse_jpqr(payload);
  REQUIRE(code.ok());
  CHECK(code->merchant.account.merchant_code == "1234567890123");
  CHECK(code->amount == Yen(3000));

  std::string lower = payload;
  for (std::size_t index = lower.size() - 4; index < lower.size(); ++index) {
    if (lower[index] >= 'A' && lower[index] <= 'F')
      lower[index] = static_cast<char>(lower[index] - 'A' + 'a');
  }
  CHECK(parse_mpm(lower).ok());
}

TEST_CASE("a static code (01 \"11\" or no 01, no amount) parses; the JPQR account may sit in 26-51",
          "[jpqr]") {
  Elements elements = without(without(base_elements(), "54"), "01");
  elements[1].first = "40";  // the account template, now in 40
  const auto code = parse_jpqr(append_crc(join(elements)));
  REQUIRE(code.ok());
  CHECK_FALSE(code->dynamic);
  CHECK_FALSE(code->amount.has_value());
  CHECK(code->merchant_account_id == "40");
  CHECK(code->reference_label.empty());

  Elements padded = base_elements();
  padded[5].second = "000000000003000";  // 54: leading zeros do not change the amount
  CHECK(parse_jpqr(append_crc(join(padded)))->amount == Yen(3000));
}

TEST_CASE("parse rejects malformed EMV payloads, naming what is wrong", "[jpqr]") {
  const std::string body = join(base_elements());
  const std::string valid = append_crc(body);
  REQUIRE(parse_mpm(valid).ok());
  std::string corrupted = valid;
  corrupted[valid.find("TOKYO")] = 'X';

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "00 (payload format indicator): must be the first"},
      {"000", "truncated element"},
      {body + "591", "truncated element"},
      {"0A02" + body.substr(4), "id \"0A\" is not 2 digits"},
      {"000X" + body.substr(4), "length \"0X\" of 00 is not 2 digits"},
      {body + "5900", "length of 59 is 00"},
      {body + "5930SHORT", "length 30 of 59 runs past the end"},
      {body + "5902\xC3\x28", "not valid UTF-8"},
      {"000201" + std::string(600, 'x'), "at most 512"},
      {append_crc(join(without(base_elements(), "00"))), "00 (payload format indicator): must be the first"},
      {append_crc("000202" + body.substr(6)), "must be \"01\", found \"02\""},
      {body, "63 (CRC): missing"},
      {append_crc(body) + "61071638001", "63 (CRC): must be the last element"},
      {body + "6304XYZW", "63 (CRC): must be 4 hexadecimal digits"},
      {body + "6303ABC", "63 (CRC): must be 4 hexadecimal digits"},
      {corrupted, "63 (CRC): payload says"},
      {append_crc(body + encode_tlv("59", "OTHER NAME")), "payload: id 59 appears twice"},
      {append_crc(body + encode_tlv("62", "05020105")), "template 62: at byte 6: truncated"},
      {append_crc(body + encode_tlv("62",
                                    "05011"
                                    "05012")),
       "template 62: id 05 appears twice"},
  };
  for (const auto& [payload, expected] : cases) {
    CAPTURE(payload);
    const auto parsed = parse_mpm(payload);
    REQUIRE_FALSE(parsed.ok());
    CHECK_THAT(parsed.error(), Catch::Contains(expected));
  }
  for (const std::string id : {"52", "53", "58", "59", "60"}) {
    CAPTURE(id);
    const auto parsed = parse_mpm(append_crc(join(without(base_elements(), id))));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error() == id + ": missing");
  }
}

TEST_CASE("parse_jpqr rejects codes that are EMV but not a JPQR payment kessai can take", "[jpqr]") {
  const auto replaced = [](std::string_view id, std::string value) {
    Elements elements = base_elements();
    for (auto& element : elements) {
      if (element.first == id) element.second = std::move(value);
    }
    return append_crc(join(elements));
  };
  const std::string other_account = join({{"00", "com.example.pay"}, {"01", "1234567890123"}});
  const std::string short_code = join(
      {{"00", "jp.or.paymentsjapan"}, {"01", "123"}, {"02", "0001"}, {"03", "000001"}, {"04", "000002"}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {replaced("01", "13"), "point_of_initiation (01)"},
      {replaced("53", "840"), "currency (53)"},
      {replaced("58", "US"), "country (58)"},
      {replaced("26", other_account), "merchant.account (26-51): no template"},
      {replaced("26", short_code), "merchant.account.merchant_code (26/01)"},
      {replaced("52", "93A9"), "merchant.category_code (52)"},
      {replaced("54", "3000.00"), "amount (54): must be whole yen"},
      {replaced("54", "0"), "amount (54): must be 1 to"},
      {replaced("54", "10000000000"), "amount (54): must be 1 to"},
      {replaced("54", "99999999999999999999"), "amount (54): must be 1 to"},
  };
  for (const auto& [payload, expected] : cases) {
    CAPTURE(payload);
    const auto code = parse_jpqr(payload);
    REQUIRE_FALSE(code.ok());
    CHECK_THAT(code.error(), Catch::Contains(expected));
  }
}

TEST_CASE("build refuses each invalid field, naming the field and its tag", "[jpqr]") {
  using Mutation = std::function<void(JpqrRequest&)>;
  std::string long_japanese;
  for (int character = 0; character < 90; ++character) long_japanese += "字";
  const std::vector<std::pair<Mutation, std::string>> cases = {
      {[](JpqrRequest& request) { request.merchant.account.merchant_code = "123456789012"; },
       "merchant_code (26/01)"},
      {[](JpqrRequest& request) { request.merchant.account.merchant_code = "12345678901234"; },
       "merchant_code (26/01)"},
      {[](JpqrRequest& request) { request.merchant.account.merchant_code = "123456789012a"; },
       "merchant_code (26/01)"},
      {[](JpqrRequest& request) { request.merchant.account.code_02 = "001"; },
       "code_02 (26/02): must be exactly 4 digits"},
      {[](JpqrRequest& request) { request.merchant.account.code_03 = "0000011"; },
       "code_03 (26/03): must be exactly 6"},
      {[](JpqrRequest& request) { request.merchant.account.code_04 = ""; },
       "code_04 (26/04): must be exactly 6 digits"},
      {[](JpqrRequest& request) { request.merchant.category_code = "939"; }, "category_code (52)"},
      {[](JpqrRequest& request) { request.amount = Yen(0); }, "amount (54)"},
      {[](JpqrRequest& request) { request.amount = Yen(-3000); }, "amount (54)"},
      {[](JpqrRequest& request) { request.amount = Yen(jpqr_amount_yen_max + 1); }, "amount (54)"},
      {[](JpqrRequest& request) { request.merchant.name = ""; }, "merchant.name (59): required"},
      {[](JpqrRequest& request) { request.merchant.name = std::string(26, 'A'); },
       "merchant.name (59): 26 characters"},
      {[](JpqrRequest& request) { request.merchant.name = "都立体育館"; },
       "merchant.name (59): must be printable ASCII"},
      {[](JpqrRequest& request) { request.merchant.name = "TOKYO\tGYM"; },
       "merchant.name (59): must be printable ASCII"},
      {[](JpqrRequest& request) { request.merchant.city = ""; }, "merchant.city (60): required"},
      {[](JpqrRequest& request) { request.merchant.city = std::string(16, 'A'); },
       "merchant.city (60): 16 characters"},
      {[](JpqrRequest& request) { request.merchant.postal_code = "163-8001"; }, "postal_code (61)"},
      {[](JpqrRequest& request) { request.merchant.postal_code = "12345678901"; }, "postal_code (61)"},
      {[](JpqrRequest& request) { request.merchant.name_japanese = ""; }, "name_japanese (64/01): required"},
      {[](JpqrRequest& request) { request.merchant.name_japanese = "\xC3\x28"; },
       "name_japanese (64/01): must be UTF-8"},
      {[](JpqrRequest& request) { request.merchant.name_japanese = "都立\n体育館"; },
       "name_japanese (64/01): must be UTF-8"},
      {[&](JpqrRequest& request) { request.merchant.name_japanese = long_japanese; },
       "name_japanese (64/01): 90 characters"},
      {[](JpqrRequest& request) { request.merchant.city_japanese = "\xFF"; },
       "city_japanese (64/02): must be UTF-8"},
      {[&](JpqrRequest& request) { request.merchant.city_japanese = long_japanese; },
       "city_japanese (64/02): 90 characters"},
      {[](JpqrRequest& request) { request.reference_label = ""; }, "reference_label (62/05): required"},
      // kessai's payment ids are "pi_" + 24 characters, 27 in all: too long for 62/05 as they are.
      {[](JpqrRequest& request) { request.reference_label = "pi_0123456789abcdefghijklmn"; },
       "reference_label (62/05): 27"},
      {[](JpqrRequest& request) { request.reference_label = "pi 1\x01"; },
       "reference_label (62/05): must be printable"},
      {[](JpqrRequest& request) { request.terminal_label = std::string(26, '7'); },
       "terminal_label (62/07): 26 characters"},
  };
  for (const auto& [mutate, expected] : cases) {
    JpqrRequest request = sample_request();
    mutate(request);
    const auto payload = build_jpqr_payload(request);
    CAPTURE(expected);
    REQUIRE_FALSE(payload.ok());
    CHECK_THAT(payload.error(), Catch::Contains(expected));
  }
  JpqrRequest boundaries = sample_request();
  boundaries.merchant.name = std::string(25, 'A');
  boundaries.merchant.city = std::string(15, 'B');
  boundaries.merchant.postal_code = "1234567890";
  boundaries.reference_label = std::string(25, 'r');
  boundaries.terminal_label = std::string(25, 't');
  boundaries.amount = Yen(1);
  CHECK(build_jpqr_payload(boundaries).ok());
  CHECK(validate_jpqr_merchant(boundaries.merchant).ok());
}

TEST_CASE("the PNG writer's checksums give their catalogue check values", "[jpqr]") {
  CHECK(crc32_iso_hdlc(bytes_of("123456789")) == 0xCBF43926u);
  CHECK(adler32(bytes_of("Wikipedia")) == 0x11E60398u);
  CHECK(adler32({}) == 1u);
}

TEST_CASE("a payload renders as a PNG with a 4-module quiet zone, and as an SVG", "[jpqr]") {
  const auto payload = build_jpqr_payload(sample_request());
  REQUIRE(payload.ok());
  const auto modules = encode_qr_modules(payload.value());
  REQUIRE(modules.ok());
  CHECK(modules->width >= 21);
  CHECK((modules->width - 17) % 4 == 0);  // version v is 17 + 4v modules wide
  const std::uint32_t side_pixels = static_cast<std::uint32_t>(modules->width + 8) * 3;

  const auto png = render_qr_png(payload.value(), 3);
  REQUIRE(png.ok());
  const std::vector<unsigned char>& bytes = png.value();
  const std::vector<unsigned char> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  REQUIRE(bytes.size() > 33 + 12);
  CHECK(std::equal(signature.begin(), signature.end(), bytes.begin()));
  CHECK(read_u32_big_endian(bytes, 8) == 13u);
  CHECK(std::string(bytes.begin() + 12, bytes.begin() + 16) == "IHDR");
  CHECK(read_u32_big_endian(bytes, 16) == side_pixels);
  CHECK(read_u32_big_endian(bytes, 20) == side_pixels);
  CHECK(bytes[24] == 8);  // bit depth
  CHECK(bytes[25] == 0);  // grayscale
  // IEND's CRC is the same in every PNG (AE426082): a check on the CRC-32 independent of our own.
  const std::vector<unsigned char> iend = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  CHECK(std::equal(iend.begin(), iend.end(), bytes.end() - 12));

  const auto svg = render_qr_svg(payload.value(), 3);
  REQUIRE(svg.ok());
  CHECK_THAT(svg.value(), Catch::StartsWith("<svg") && Catch::Contains("<path"));
  CHECK_THAT(svg.value(), Catch::Contains("width=\"" + std::to_string(side_pixels) + "\""));
}

TEST_CASE("QR rendering refuses what it cannot draw", "[jpqr]") {
  CHECK_THAT(render_qr_png("000201", 0).error(), Catch::Contains("module_pixels"));
  CHECK_THAT(render_qr_png("000201", module_pixels_max + 1).error(), Catch::Contains("module_pixels"));
  CHECK_THAT(render_qr_svg("000201", -1).error(), Catch::Contains("module_pixels"));
  CHECK_THAT(render_qr_png("", 4).error(), Catch::Contains("empty"));
  CHECK_THAT(render_qr_png(std::string_view("0002\0"
                                            "01",
                                            7),
                           4)
                 .error(),
             Catch::Contains("NUL"));
  CHECK_THAT(encode_qr_modules(std::string(qr_payload_bytes_max + 1, 'x')).error(),
             Catch::Contains("at most"));
  CHECK(encode_qr_modules(std::string(qr_payload_bytes_max, 'x')).ok());
}

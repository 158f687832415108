#include "kessai/qr/jpqr.hpp"

#include <algorithm>
#include <cassert>
#include <initializer_list>
#include <utility>
#include <vector>

#include "kessai/qr/emv_tlv.hpp"

namespace kessai::qr {
namespace {

using Problem = std::optional<std::string>;  // nullopt: the field is valid

// The language template (64) holds "0002JA", "01" + length + name, and maybe "02" + length + city.
constexpr std::size_t language_template_fixed_characters = 6 + 4;
constexpr std::size_t sub_element_header_characters = 4;

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// ASCII control characters (bytes of multi-byte UTF-8 sequences are all 0x80 or above).
bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

std::string field_error(std::string_view field, std::string_view tag, std::string_view problem) {
  return std::string(field) + " (" + std::string(tag) + "): " + std::string(problem);
}

Problem check_exact_digits(std::string_view field, std::string_view tag, std::string_view value,
                           std::size_t digits) {
  if (value.size() == digits && is_digits(value)) return std::nullopt;
  return field_error(field, tag, "must be exactly " + std::to_string(digits) + " digits");
}

// Printable ASCII of 1 to `characters_max` characters; when not `required`, empty is valid too.
Problem check_ascii_text(std::string_view field, std::string_view tag, std::string_view value,
                         std::size_t characters_max, bool required) {
  if (value.empty() && !required) return std::nullopt;
  if (value.empty()) return field_error(field, tag, "required");
  if (!is_printable_ascii(value)) return field_error(field, tag, "must be printable ASCII");
  if (value.size() > characters_max) {
    return field_error(
        field, tag, std::to_string(value.size()) + " characters, at most " + std::to_string(characters_max));
  }
  return std::nullopt;
}

Problem check_postal_code(std::string_view postal_code) {
  if (postal_code.empty()) return std::nullopt;
  if (is_digits(postal_code) && postal_code.size() <= postal_code_digits_max) return std::nullopt;
  return field_error("merchant.postal_code", "61", "must be 1 to 10 digits");
}

// Names in the language template count Unicode code points; together they must fit its 99 characters.
Problem check_language_template(const JpqrMerchant& merchant) {
  const std::optional<std::size_t> name = count_characters(merchant.name_japanese);
  const std::optional<std::size_t> city = count_characters(merchant.city_japanese);
  if (merchant.name_japanese.empty()) return field_error("merchant.name_japanese", "64/01", "required");
  if (!name || has_control_characters(merchant.name_japanese)) {
    return field_error("merchant.name_japanese", "64/01", "must be UTF-8 text without control characters");
  }
  if (!city || has_control_characters(merchant.city_japanese)) {
    return field_error("merchant.city_japanese", "64/02", "must be UTF-8 text without control characters");
  }
  const std::size_t city_characters = *city == 0 ? 0 : sub_element_header_characters + *city;
  const std::size_t room_characters = tlv_value_characters_max - language_template_fixed_characters;
  if (city_characters >= room_characters) {
    return field_error(
        "merchant.city_japanese", "64/02",
        std::to_string(*city) + " characters leave no room for the name in the language template");
  }
  const std::size_t name_characters_max = room_characters - city_characters;
  if (*name <= name_characters_max) return std::nullopt;
  return field_error("merchant.name_japanese", "64/01",
                     std::to_string(*name) + " characters, at most " + std::to_string(name_characters_max) +
                         " fit the language template (99 characters) with the Japanese city");
}

Result<void, std::string> first_problem(std::initializer_list<Problem> problems) {
  for (const Problem& problem : problems) {
    if (problem) return fail(*problem);
  }
  return {};
}

Problem check_amount(Yen amount) {
  if (amount.value() >= 1 && amount.value() <= jpqr_amount_yen_max) return std::nullopt;
  return field_error("amount", "54", "must be 1 to 9,999,999,999 yen");
}

// 54 as JPY writes it: whole yen, no decimal point.
Result<Yen, std::string> parse_amount(std::string_view text) {
  if (!is_digits(text)) return fail(field_error("amount", "54", "must be whole yen, digits only"));
  text.remove_prefix(std::min(text.find_first_not_of('0'), text.size()));          // "0003000" is 3000 yen
  if (text.size() > 10) return fail(*check_amount(Yen(jpqr_amount_yen_max + 1)));  // before it overflows
  std::int64_t yen = 0;
  for (const char digit : text) yen = yen * 10 + (digit - '0');
  if (auto problem = check_amount(Yen(yen))) return fail(*problem);
  return Yen(yen);
}

std::string value_of(std::span<const TlvElement> elements, std::string_view id) {
  const TlvElement* element = find_element(elements, id);
  return element == nullptr ? std::string() : element->value;
}

// The merchant account template (26-51) whose 00 is the JPQR GUID.
const TlvElement* find_jpqr_account(std::span<const TlvElement> elements) {
  const auto found = std::find_if(elements.begin(), elements.end(), [](const TlvElement& element) {
    const bool account = element.id >= "26" && element.id <= "51";
    return account && value_of(element.children, "00") == jpqr_guid;
  });
  return found == elements.end() ? nullptr : &*found;
}

Result<JpqrMerchantAccount, std::string> read_jpqr_account(std::span<const TlvElement> elements) {
  const TlvElement* account = find_jpqr_account(elements);
  if (account == nullptr) {
    return fail(field_error("merchant.account", "26-51", "no template with 00 \"jp.or.paymentsjapan\""));
  }
  const std::string tag = account->id + "/";
  JpqrMerchantAccount read{value_of(account->children, "01"), value_of(account->children, "02"),
                           value_of(account->children, "03"), value_of(account->children, "04")};
  if (auto valid = first_problem({
          check_exact_digits("merchant.account.merchant_code", tag + "01", read.merchant_code, 13),
          check_exact_digits("merchant.account.code_02", tag + "02", read.code_02, 4),
          check_exact_digits("merchant.account.code_03", tag + "03", read.code_03, 6),
          check_exact_digits("merchant.account.code_04", tag + "04", read.code_04, 6),
      });
      !valid) {
    return fail(valid.error());
  }
  return read;
}

}  // namespace

Result<void, std::string> validate_jpqr_merchant(const JpqrMerchant& merchant) {
  return first_problem({
      check_exact_digits("merchant.account.merchant_code", "26/01", merchant.account.merchant_code, 13),
      check_exact_digits("merchant.account.code_02", "26/02", merchant.account.code_02, 4),
      check_exact_digits("merchant.account.code_03", "26/03", merchant.account.code_03, 6),
      check_exact_digits("merchant.account.code_04", "26/04", merchant.account.code_04, 6),
      check_exact_digits("merchant.category_code", "52", merchant.category_code, 4),
      check_ascii_text("merchant.name", "59", merchant.name, merchant_name_characters_max, true),
      check_ascii_text("merchant.city", "60", merchant.city, merchant_city_characters_max, true),
      check_postal_code(merchant.postal_code),
      check_language_template(merchant),
  });
}

Result<std::string, std::string> build_jpqr_payload(const JpqrRequest& request) {
  if (auto valid = validate_jpqr_merchant(request.merchant); !valid) return fail(valid.error());
  if (auto valid = first_problem({
          check_amount(request.amount),
          check_ascii_text("reference_label", "62/05", request.reference_label, label_characters_max, true),
          check_ascii_text("terminal_label", "62/07", request.terminal_label, label_characters_max, false),
      });
      !valid) {
    return fail(valid.error());
  }
  const JpqrMerchant& merchant = request.merchant;
  const std::string account = encode_tlv("00", jpqr_guid) + encode_tlv("01", merchant.account.merchant_code) +
                              encode_tlv("02", merchant.account.code_02) +
                              encode_tlv("03", merchant.account.code_03) +
                              encode_tlv("04", merchant.account.code_04);
  std::string additional = encode_tlv("05", request.reference_label);
  if (!request.terminal_label.empty()) additional += encode_tlv("07", request.terminal_label);
  std::string language = encode_tlv("00", "JA") + encode_tlv("01", merchant.name_japanese);
  if (!merchant.city_japanese.empty()) language += encode_tlv("02", merchant.city_japanese);

  std::string payload = encode_tlv("00", "01") + encode_tlv("01", "12") +
                        encode_tlv(jpqr_merchant_account_id, account) +
                        encode_tlv("52", merchant.category_code) + encode_tlv("53", "392") +
                        encode_tlv("54", std::to_string(request.amount.value())) + encode_tlv("58", "JP") +
                        encode_tlv("59", merchant.name) + encode_tlv("60", merchant.city);
  if (!merchant.postal_code.empty()) payload += encode_tlv("61", merchant.postal_code);
  payload += encode_tlv("62", additional) + encode_tlv("64", language);
  payload = append_crc(std::move(payload));
  // Every field within its limit keeps the payload far under EMV's 512 characters (about 360 at most).
  assert(count_characters(payload).value_or(0) <= mpm_payload_characters_max);
  assert(parse_jpqr(payload).ok());
  return payload;
}

Result<JpqrCode, std::string> parse_jpqr(std::string_view payload) {
  auto parsed = parse_mpm(payload);
  if (!parsed) return fail(parsed.error());
  const std::vector<TlvElement>& elements = parsed.value();

  JpqrCode code;
  const std::string initiation = value_of(elements, "01");
  if (!initiation.empty() && initiation != "11" && initiation != "12") {
    return fail(field_error("point_of_initiation", "01", "must be \"11\" (static) or \"12\" (dynamic)"));
  }
  code.dynamic = initiation == "12";
  if (value_of(elements, "53") != "392") return fail(field_error("currency", "53", "must be \"392\" (JPY)"));
  if (value_of(elements, "58") != "JP") return fail(field_error("country", "58", "must be \"JP\""));
  auto account = read_jpqr_account(elements);
  if (!account) return fail(account.error());
  code.merchant_account_id = find_jpqr_account(elements)->id;
  code.merchant.account = std::move(account).value();
  code.merchant.category_code = value_of(elements, "52");
  if (auto problem = check_exact_digits("merchant.category_code", "52", code.merchant.category_code, 4)) {
    return fail(*problem);
  }
  if (const TlvElement* amount = find_element(elements, "54")) {
    auto yen = parse_amount(amount->value);
    if (!yen) return fail(yen.error());
    code.amount = yen.value();
  }
  code.merchant.name = value_of(elements, "59");
  code.merchant.city = value_of(elements, "60");
  code.merchant.postal_code = value_of(elements, "61");
  if (const TlvElement* additional = find_element(elements, "62")) {
    code.reference_label = value_of(additional->children, "05");
    code.terminal_label = value_of(additional->children, "07");
  }
  if (const TlvElement* language = find_element(elements, "64")) {
    code.merchant.name_japanese = value_of(language->children, "01");
    code.merchant.city_japanese = value_of(language->children, "02");
  }
  return code;
}

}  // namespace kessai::qr

#pragma once
// JPQR (統一QRコード) dynamic merchant-presented codes: the payload kessai shows a payer for one payment,
// and the parser a QR provider (or its simulator) reads it back with. Pure: no I/O.
// Tags and limits are in adapters/qr/README.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kessai/money.hpp"
#include "kessai/result.hpp"

namespace kessai::qr {

inline constexpr std::string_view jpqr_guid = "jp.or.paymentsjapan";  // 26/00
inline constexpr std::string_view jpqr_merchant_account_id = "26";    // the template id kessai writes
inline constexpr std::int64_t jpqr_amount_yen_max = 9'999'999'999;
inline constexpr std::size_t merchant_name_characters_max = 25;  // 59, as EMV recommends
inline constexpr std::size_t merchant_city_characters_max = 15;  // 60
inline constexpr std::size_t postal_code_digits_max = 10;        // 61
inline constexpr std::size_t label_characters_max = 25;          // 62/05 and 62/07

// The JPQR merchant account template (26). kessai passes these through from config: they are
// assigned when the store is registered with JPQR.
struct JpqrMerchantAccount {
  std::string merchant_code;  // 01: 13 digits, 統一店舗識別コード (the JPQR store code)
  std::string code_02;        // 02: 4 digits
  std::string code_03;        // 03: 6 digits
  std::string code_04;        // 04: 6 digits
};

// What stays the same for every code of one merchant (a facility or shop): from config, validated once
// at start-up with validate_jpqr_merchant.
struct JpqrMerchant {
  JpqrMerchantAccount account;
  std::string category_code;  // 52: merchant category code (MCC), 4 digits
  std::string name;           // 59: printable ASCII, 1-25 characters
  std::string city;           // 60: printable ASCII, 1-15 characters
  std::string postal_code;    // 61: 1-10 digits; empty: left out
  std::string name_japanese;  // 64/01: UTF-8, required (e.g. 都立総合スポーツセンター)
  std::string city_japanese;  // 64/02: UTF-8; empty: left out
};

// One dynamic code: one payment.
struct JpqrRequest {
  JpqrMerchant merchant;
  Yen amount;                   // 54: 1 to 9,999,999,999 yen
  std::string reference_label;  // 62/05: our payment id, printable ASCII, 1-25 characters
  std::string terminal_label;   // 62/07: printable ASCII, up to 25 characters; empty: left out
};

// The first problem found, naming the field and its tag: "merchant.name (59): ...".
Result<void, std::string> validate_jpqr_merchant(const JpqrMerchant& merchant);

// The payload of a dynamic code ("000201010212…6304XXXX"), or the first invalid field.
Result<std::string, std::string> build_jpqr_payload(const JpqrRequest& request);

// A payload read back. Names and labels are as found; the structure (parse_mpm), currency 392,
// country JP, the JPQR account codes, the MCC and the amount are checked.
struct JpqrCode {
  bool dynamic = false;             // 01 "12"; "11" or no 01 is a static code
  std::string merchant_account_id;  // the id (26-51) of the template with 00 "jp.or.paymentsjapan"
  JpqrMerchant merchant;            // empty strings for absent optional tags
  std::optional<Yen> amount;        // 54; a static code may leave it to the payer
  std::string reference_label;      // 62/05
  std::string terminal_label;       // 62/07
};

Result<JpqrCode, std::string> parse_jpqr(std::string_view payload);

}  // namespace kessai::qr

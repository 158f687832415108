// Shift_JIS (CP932) text (kessai_jp): ASCII goes through unchanged without iconv, and is what iconv
// would have made of it; half-width katakana are one byte each; the check of bank-file text.

#include <catch2/catch.hpp>

#include <string>

#include "kessai/runtime/shift_jis.hpp"

using namespace kessai;

TEST_CASE("ASCII is the same bytes in Shift_JIS and in UTF-8, both ways", "[shift_jis]") {
  std::string every_ascii;
  for (int byte = 0; byte < 0x80; ++byte) every_ascii += static_cast<char>(byte);
  CHECK(runtime::is_ascii(every_ascii));
  CHECK(runtime::utf8_to_shift_jis(every_ascii).value() == every_ascii);
  CHECK(runtime::shift_jis_to_utf8(every_ascii).value() == every_ascii);
  // The fast path gives what iconv gives: one non-ASCII character sends the text through iconv, and
  // the ASCII around it comes out the same (CP932's 0x5C is '\', its 0x7E '~').
  const std::string mixed = every_ascii + "ｱ";
  CHECK_FALSE(runtime::is_ascii(mixed));
  CHECK(runtime::utf8_to_shift_jis(mixed).value() == every_ascii + "\xB1");
  CHECK(runtime::shift_jis_to_utf8(every_ascii + "\xB1").value() == mixed);
  CHECK(runtime::utf8_to_shift_jis("").value().empty());
  CHECK(runtime::shift_jis_to_utf8("").value().empty());
}

TEST_CASE("half-width katakana take one byte each, 0xA1 to 0xDF", "[shift_jis]") {
  const std::string all_kana = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ";
  std::string expected;
  for (int byte = 0xA1; byte <= 0xDF; ++byte) expected += static_cast<char>(byte);
  CHECK(runtime::utf8_to_shift_jis(all_kana).value() == expected);
  CHECK(runtime::shift_jis_to_utf8(expected).value() == all_kana);
  CHECK(runtime::is_halfwidth_katakana_text(all_kana));
}

TEST_CASE("bank-file text: printable ASCII and half-width katakana only", "[shift_jis]") {
  CHECK(runtime::is_halfwidth_katakana_text(""));
  CHECK(runtime::is_halfwidth_katakana_text("ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ"));
  CHECK(runtime::is_halfwidth_katakana_text("ABC 123 ()-./"));
  CHECK_FALSE(runtime::is_halfwidth_katakana_text("カード"));        // full-width katakana
  CHECK_FALSE(runtime::is_halfwidth_katakana_text("ｶｰﾄﾞ１"));        // a full-width digit
  CHECK_FALSE(runtime::is_halfwidth_katakana_text("ｶ\r\n"));         // control characters
  CHECK_FALSE(runtime::is_halfwidth_katakana_text("\xEF\xBD"));      // cut inside a character
  CHECK_FALSE(runtime::is_halfwidth_katakana_text("\xEF\xBD\xA0"));  // U+FF60, just before ｡
  CHECK_FALSE(runtime::is_halfwidth_katakana_text("\xEF\xBF\xA0"));  // U+FFE0 ￠
}

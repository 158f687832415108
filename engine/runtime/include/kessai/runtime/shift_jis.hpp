#pragma once
// Shift_JIS (CP932) text, as Japanese business files carry it: settlement files, Zengin bank statements.
// Through glibc's iconv, with a fast path for pure ASCII (a million-line file of figures and ids never
// reaches iconv). Pure: no files.

#include <string>
#include <string_view>

#include "kessai/result.hpp"

namespace kessai::runtime {

// UTF-8 text as Shift_JIS in its Windows form (CP932, also called Windows-31J): what "Shift_JIS" means
// in Japanese business files, with the NEC and IBM extensions and 〜 as Windows maps it. Fails, naming
// the character and its byte offset, on text that is not UTF-8 or has no Shift_JIS form (an emoji,
// most non-Japanese scripts); nothing is ever dropped or replaced.
Result<std::string, std::string> utf8_to_shift_jis(std::string_view utf8);

// Shift_JIS (CP932) back to UTF-8: what a reader of the file does.
Result<std::string, std::string> shift_jis_to_utf8(std::string_view shift_jis);

// True when every byte is ASCII (0x00–0x7F). CP932 maps ASCII to itself both ways (0x5C is '\', 0x7E
// '~', unlike JIS X 0201's ¥ and ‾), so such text is the same bytes in UTF-8 and in Shift_JIS.
bool is_ascii(std::string_view text);

// True when every character of the UTF-8 text takes one byte in Shift_JIS: printable ASCII (0x20–0x7E)
// or half-width katakana (U+FF61–U+FF9F: ｡｢｣､･ｦ–ﾝﾞﾟ, 0xA1–0xDF in Shift_JIS). That is the text of
// bank files (Zengin), whose fields are counted in bytes. Empty text is such text.
bool is_halfwidth_katakana_text(std::string_view utf8);

}  // namespace kessai::runtime

#include "kessai/engine/pos_text.hpp"

#include <array>
#include <utility>

namespace kessai::engine {

std::string_view pos_display_text(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 26> kTexts{{
      {"APPROVED", "承認されました"},
      {"DECLINED", "お取り扱いできません。別のお支払い方法をご利用ください"},
      {"PENDING", "処理中です。しばらくしてから結果を確認してください"},
      {"FAILED", "決済できませんでした。もう一度お試しください"},
      {"REFUSED", "オフライン取引を受け付けられませんでした"},
      {"MALFORMED_MESSAGE", "端末の電文が不正です。端末を再起動してください"},
      {"UNKNOWN_FIELDS", "端末のソフトウェアが新しすぎます。管理者に連絡してください"},
      {"UNSUPPORTED_VERSION", "端末のソフトウェアが対応していない版です。管理者に連絡してください"},
      {"UNSIGNED_REQUEST", "端末の認証情報がありません。端末の設定を確認してください"},
      {"BAD_SIGNATURE", "端末の認証に失敗しました。端末の設定を確認してください"},
      {"UNKNOWN_TERMINAL", "この端末は登録されていません。管理者に連絡してください"},
      {"TERMINAL_REVOKED", "この端末は利用停止されています。管理者に連絡してください"},
      {"SEQUENCE_REPLAYED", "同じ電文が再送されました。もう一度操作してください"},
      {"SEQUENCE_OUT_OF_WINDOW", "電文の順序が不正です。もう一度操作してください"},
      {"UNSUPPORTED_MEDIA_TYPE", "端末の電文形式が不正です。管理者に連絡してください"},
      {"INVALID_FIELD", "入力内容に誤りがあります"},
      {"UNKNOWN_FEE_CODE", "料金コードが登録されていません"},
      {"MEANS_UNAVAILABLE", "この支払い方法は現在ご利用いただけません"},
      {"TRANSACTION_NUMBER_REUSED", "取引番号が重複しています。端末の取引番号を確認してください"},
      {"PAYMENT_NOT_FOUND", "元の取引が見つかりません"},
      {"REFUND_NOT_ALLOWED", "この取引は取消・返金できません"},
      {"PROCESSOR_UNAVAILABLE", "決済センターに接続できません。しばらくしてからお試しください"},
      {"SERVICE_UNAVAILABLE", "ただいま混み合っています。しばらくしてからお試しください"},
      {"NOT_FOUND", "端末の設定が不正です。管理者に連絡してください"},
      {"BATCH_TOO_LARGE", "一度に送る取引が多すぎます"},
      {"INTERNAL_ERROR", "システムエラーが発生しました。管理者に連絡してください"},
  }};
  for (const auto& [known, text] : kTexts) {
    if (known == name) return text;
  }
  return "";
}

namespace {

bool digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_local_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !digits(text, 0, 4, year) || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int offset_hours = 0, offset_rest = 0;
    if (!digits(text, at + 1, 2, offset_hours) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(text, at + 4, 2, offset_rest) || offset_hours > 23 || offset_rest > 59) {
      return std::nullopt;
    }
    offset_minutes = (offset_hours * 60 + offset_rest) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) - std::chrono::minutes(offset_minutes);
}

}  // namespace kessai::engine

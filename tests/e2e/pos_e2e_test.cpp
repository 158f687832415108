// The POS protocol end to end: terminals registered with `kessai terminal register`, signed Protobuf
// requests to the real kessaid (one of them encoded by protoc itself from a text message), online
// payments by every means through the real simulators, offline uploads resent, split and reordered,
// refunds and voids, the day close, and every refusal the protocol defines — each leaving nothing behind.

#include <google/protobuf/unknown_field_set.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kessai/pos/v1/payments.pb.h"
#include "kessai/pos/v1/terminal.pb.h"
#include "kessai/runtime/crypto.hpp"
#include "stack_fixture.hpp"

namespace kessai::testing {

namespace {

namespace pb = kessai::pos::v1;

const std::string kProtoDir = kSource + "/engine/pos/proto";

// A terminal as the test drives it: registered through the CLI, counting its own sequence numbers.
struct Terminal {
  std::string id;
  std::string secret;
  std::string facility;
  std::int64_t sequence = 0;
};

Terminal register_terminal(Stack& stack, const std::string& facility, const std::string& name = "counter") {
  const std::string output =
      must_run("kessai", {"terminal", "register", "--facility", facility, "--name", name, "--format", "tsv"},
               stack.database.url());
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    Terminal terminal;
    if (fields >> terminal.facility >> terminal.id >> terminal.secret && terminal.facility == facility &&
        terminal.id.starts_with("term_") && terminal.secret.starts_with("pts_"))
      return terminal;
  }
  FAIL("no terminal line in: " << output);
  return {};
}

std::string sign(const Terminal& terminal, std::int64_t sequence, const std::string& path,
                 const std::string& body) {
  return runtime::hmac_sha256_hex(terminal.secret,
                                  terminal.id + "\n" + std::to_string(sequence) + "\n" + path + "\n" + body);
}

runtime::HttpResponse send_raw(Stack& stack, const std::string& path, const std::string& body,
                               const Headers& headers,
                               const std::string& content_type = "application/x-protobuf") {
  runtime::HttpClient client(stack.url, runtime::ClientLimits{});
  auto response = client.request("POST", path, body, content_type, headers);
  REQUIRE(response.ok());
  return std::move(response).value();
}

// Sends a body signed with the terminal's next sequence number (or the one given).
runtime::HttpResponse send_body(Stack& stack, Terminal& terminal, const std::string& path,
                                const std::string& body,
                                std::optional<std::int64_t> sequence = std::nullopt) {
  const std::int64_t used = sequence.value_or(++terminal.sequence);
  return send_raw(stack, path, body,
                  {{"X-Kessai-Terminal", terminal.id},
                   {"X-Kessai-Sequence", std::to_string(used)},
                   {"X-Kessai-Signature", sign(terminal, used, path, body)}});
}

template <class Reply>
Reply decode(const runtime::HttpResponse& response) {
  INFO("HTTP " << response.status << ", " << response.content_type);
  REQUIRE(response.status == 200);
  REQUIRE(response.content_type == "application/x-protobuf");
  Reply reply;
  REQUIRE(reply.ParseFromString(response.body));
  return reply;
}

pb::ErrorReply decode_error(const runtime::HttpResponse& response, unsigned status) {
  REQUIRE(response.content_type == "application/x-protobuf");
  pb::ErrorReply reply;
  REQUIRE(reply.ParseFromString(response.body));
  INFO(reply.message());
  CHECK(response.status == status);
  CHECK(reply.protocol_version() == 1);
  CHECK_FALSE(reply.message().empty());
  CHECK_FALSE(reply.display_message().empty());
  return reply;
}

template <class Reply>
Reply call(Stack& stack, Terminal& terminal, const std::string& path,
           const google::protobuf::Message& request) {
  return decode<Reply>(send_body(stack, terminal, path, request.SerializeAsString()));
}

std::string local_now() {
  // Japan has no daylight saving time: +09:00 all year.
  const auto now =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + std::chrono::hours(9));
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{now - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d+09:00", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

pb::PaymentRequest card_payment(std::uint64_t number, std::int64_t amount,
                                const std::string& token = "tok_visa", const std::string& brand = "visa") {
  pb::PaymentRequest request;
  request.set_protocol_version(1);
  request.set_transaction_number(number);
  request.set_amount_yen(amount);
  request.set_means(pb::MEANS_CARD);
  request.set_brand(brand);
  request.set_fee_code("F001");
  request.set_local_time(local_now());
  request.mutable_card()->set_token(token);
  return request;
}

pb::OfflinePayment offline_payment(std::uint64_t number, std::int64_t amount, pb::Means means,
                                   const std::string& local_time) {
  pb::OfflinePayment payment;
  payment.set_transaction_number(number);
  payment.set_amount_yen(amount);
  payment.set_means(means);
  payment.set_fee_code("F001");
  payment.set_local_time(local_time);
  if (means == pb::MEANS_CARD) {
    payment.set_brand("jcb");
    payment.mutable_card()->set_token("tok_jcb");
  } else if (means == pb::MEANS_EMONEY) {
    payment.set_brand("nanaco");
    char idm[17];
    std::snprintf(idm, sizeof idm, "0123456789AB%04X", static_cast<unsigned>(number));
    payment.mutable_emoney()->set_idm(idm);
  } else {
    payment.set_brand("paypay");
  }
  return payment;
}

pb::OfflineBatch batch_of(const std::vector<pb::OfflinePayment>& payments, const std::string& id = "batch") {
  pb::OfflineBatch batch;
  batch.set_protocol_version(1);
  batch.set_batch_id(id);
  for (const auto& payment : payments) *batch.add_payments() = payment;
  return batch;
}

// protoc itself encodes a text-format message: an encoder kessai did not write.
std::string protoc_encode(const std::string& type, const std::string& file, const std::string& text,
                          const std::string& dir) {
  const std::string in = dir + "/message.txt";
  const std::string out = dir + "/message.bin";
  std::ofstream(in) << text;
  const std::string command = "protoc --proto_path=" + kProtoDir + " --encode=" + type + " " + kProtoDir +
                              "/" + file + " < " + in + " > " + out;
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream bytes(out, std::ios::binary);
  return {std::istreambuf_iterator<char>(bytes), std::istreambuf_iterator<char>()};
}

std::int64_t terminal_intents(Stack& stack, const Terminal& terminal) {
  return stack.count("select count(*) from payment_intents where terminal_id = '" + terminal.id + "'");
}

}  // namespace

TEST_CASE("POS: a payment encoded by protoc from a text message is accepted, posted and attributed") {
  Stack stack;
  Terminal terminal = register_terminal(stack, "FAC001");
  const std::string body = protoc_encode(
      "kessai.pos.v1.PaymentRequest", "kessai/pos/v1/payments.proto",
      "protocol_version: 1\ntransaction_number: 1\namount_yen: 600\nmeans: MEANS_CARD\nbrand: \"visa\"\n"
      "fee_code: \"F001\"\nlocal_time: \"" +
          local_now() + "\"\ncard { token: \"tok_visa\" }\nreceipt_text: \"個人利用 2時間\"\n",
      stack.dir);
  const auto reply = decode<pb::PaymentReply>(send_body(stack, terminal, "/pos/v1/payments", body));
  CHECK(reply.status() == pb::APPROVED);
  CHECK(reply.amount_yen() == 600);
  CHECK(reply.transaction_number() == 1);
  CHECK_FALSE(reply.duplicate());
  REQUIRE(reply.payment_id().starts_with("pi_"));
  const std::string id = reply.payment_id();
  // The same ledger postings as a payment through the JSON API: one capture journal, balanced.
  CHECK(stack.count("select count(*) from journal_entries where reference = '" + id + "'") == 1);
  CHECK(stack.count("select coalesce(sum(p.amount_yen), 0) from postings p join journal_entries j on j.id = "
                    "p.journal_id where j.reference = '" +
                    id + "'") == 0);
  CHECK(stack.count("select count(*) from payment_intents where id = '" + id + "' and terminal_id = '" +
                    terminal.id +
                    "' and facility_id = 'FAC001' and brand = 'visa' and terminal_txn = 1 and "
                    "description = '個人利用 2時間' and status = 'succeeded' and api_key_id is null") == 1);
  // The acquirer saw the charge under kessai's reference.
  CHECK(stack.simulator_charges(id).size() == 1);
  // A POS payment is not an API key's: it does not show in the backend's list.
  CHECK(body_of(stack.get("/v1/payment_intents")).at("data").as_array().empty());
}

TEST_CASE("POS: card, e-money and QR online through the router and simulators; retries answer the record") {
  Stack stack;
  Terminal terminal = register_terminal(stack, "FAC002");

  const auto hello = [&] {
    pb::HelloRequest request;
    request.set_protocol_version(1);
    request.set_software("e2e 1.0");
    request.set_local_time(local_now());
    return call<pb::HelloReply>(stack, terminal, "/pos/v1/hello", request);
  }();
  CHECK(hello.facility_id() == "FAC002");
  CHECK(hello.facility_name() == "市立美術館");
  CHECK(hello.card_floor_limit_yen() == 3000);
  CHECK(hello.emoney_floor_limit_yen() == 2000);
  CHECK(hello.means_size() == 3);
  CHECK(hello.next_transaction_number() == 1);
  CHECK(hello.max_protocol_version() == 1);
  CHECK(hello.fee_codes_size() >= 3);

  const auto card = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(1, 800));
  CHECK(card.status() == pb::APPROVED);

  pb::PaymentRequest emoney;
  emoney.set_protocol_version(1);
  emoney.set_transaction_number(2);
  emoney.set_amount_yen(300);
  emoney.set_means(pb::MEANS_EMONEY);
  emoney.set_brand("transit_ic");
  emoney.set_fee_code("F003");
  emoney.set_local_time(local_now());
  emoney.mutable_emoney()->set_idm("0102030405060708");
  const auto tapped = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", emoney);
  CHECK(tapped.status() == pb::APPROVED);

  pb::PaymentRequest qr = card_payment(3, 1200);
  qr.set_means(pb::MEANS_QR);
  qr.set_brand("paypay");
  qr.mutable_qr()->set_code("270000000042425678");
  const auto scanned = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", qr);
  CHECK(scanned.status() == pb::APPROVED);

  // A declined card: recorded (its number is used), nothing charged, nothing posted.
  const auto declined = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments",
                                               card_payment(4, 500, "tok_insufficient_funds"));
  CHECK(declined.status() == pb::DECLINED);
  CHECK(declined.decline_code() == "insufficient_funds");
  CHECK(stack.count("select count(*) from journal_entries where reference = '" + declined.payment_id() +
                    "'") == 0);

  // Lost answer: the terminal sends the same transaction again and learns the first outcome.
  const auto again = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(1, 800));
  CHECK(again.duplicate());
  CHECK(again.payment_id() == card.payment_id());
  CHECK(again.status() == pb::APPROVED);
  CHECK(stack.simulator_charges(card.payment_id()).size() == 1);
  // Another transaction under a recorded number is refused, and nothing is charged.
  const auto reused = decode_error(
      send_body(stack, terminal, "/pos/v1/payments", card_payment(1, 900).SerializeAsString()), 409);
  CHECK(reused.code() == pb::TRANSACTION_NUMBER_REUSED);
  CHECK(terminal_intents(stack, terminal) == 4);

  // Each payment is attributed to the facility and terminal, with its brand.
  CHECK(stack.count("select count(*) from payment_intents where terminal_id = '" + terminal.id +
                    "' and facility_id = 'FAC002' and brand in ('visa', 'transit_ic', 'paypay')") == 4);
  // An unknown fee code is refused before anything is recorded; the number stays free.
  pb::PaymentRequest unknown_fee = card_payment(5, 100);
  unknown_fee.set_fee_code("NOPE");
  CHECK(decode_error(send_body(stack, terminal, "/pos/v1/payments", unknown_fee.SerializeAsString()), 400)
            .code() == pb::UNKNOWN_FEE_CODE);
  pb::PaymentRequest wrong_brand = card_payment(5, 100);
  wrong_brand.set_brand("waon");
  const auto brand_error =
      decode_error(send_body(stack, terminal, "/pos/v1/payments", wrong_brand.SerializeAsString()), 400);
  CHECK(brand_error.code() == pb::INVALID_FIELD);
  CHECK(brand_error.field() == "brand");
  CHECK(terminal_intents(stack, terminal) == 4);
  CHECK(call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(5, 100)).status() ==
        pb::APPROVED);
}

TEST_CASE("POS: refunds and voids at the counter; another facility's payment is not found") {
  Stack stack;
  Terminal counter = register_terminal(stack, "FAC001", "counter 1");
  Terminal second = register_terminal(stack, "FAC001", "counter 2");
  Terminal elsewhere = register_terminal(stack, "FAC002", "museum");
  const auto paid = call<pb::PaymentReply>(stack, counter, "/pos/v1/payments", card_payment(1, 2000));
  REQUIRE(paid.status() == pb::APPROVED);
  const auto other = call<pb::PaymentReply>(stack, counter, "/pos/v1/payments", card_payment(2, 700));
  REQUIRE(other.status() == pb::APPROVED);

  pb::RefundRequest refund;
  refund.set_protocol_version(1);
  refund.set_transaction_number(1);
  refund.set_payment_id(paid.payment_id());
  refund.set_kind(pb::REFUND);
  refund.set_amount_yen(500);
  // The refund is made at the second counter of the same facility.
  const auto partial = call<pb::RefundReply>(stack, second, "/pos/v1/refunds", refund);
  CHECK(partial.status() == pb::APPROVED);
  CHECK(partial.amount_yen() == 500);
  CHECK(stack.count("select count(*) from refunds where terminal_id = '" + second.id +
                    "' and terminal_txn = 1") == 1);
  // Resent: the record, not a second refund.
  const auto resent = call<pb::RefundReply>(stack, second, "/pos/v1/refunds", refund);
  CHECK(resent.duplicate());
  CHECK(resent.refund_id() == partial.refund_id());
  CHECK(stack.count("select count(*) from refunds") == 1);

  // A void cancels the whole payment: not after a partial refund, and not for less.
  pb::RefundRequest void_request;
  void_request.set_protocol_version(1);
  void_request.set_transaction_number(3);
  void_request.set_original_transaction_number(1);
  void_request.set_kind(pb::VOID);
  CHECK(decode_error(send_body(stack, counter, "/pos/v1/refunds", void_request.SerializeAsString()), 422)
            .code() == pb::REFUND_NOT_ALLOWED);
  void_request.set_original_transaction_number(2);
  void_request.set_amount_yen(100);
  CHECK(decode_error(send_body(stack, counter, "/pos/v1/refunds", void_request.SerializeAsString()), 422)
            .code() == pb::REFUND_NOT_ALLOWED);
  void_request.set_amount_yen(0);
  const auto voided = call<pb::RefundReply>(stack, counter, "/pos/v1/refunds", void_request);
  CHECK(voided.status() == pb::APPROVED);
  CHECK(voided.amount_yen() == 700);

  // More than remains refundable.
  refund.set_transaction_number(4);
  refund.set_amount_yen(1600);
  CHECK(decode_error(send_body(stack, counter, "/pos/v1/refunds", refund.SerializeAsString()), 422).code() ==
        pb::REFUND_NOT_ALLOWED);
  // Another facility's terminal cannot refund it; an API key's payment is not a terminal's either.
  refund.set_transaction_number(1);
  refund.set_amount_yen(100);
  CHECK(
      decode_error(send_body(stack, elsewhere, "/pos/v1/refunds", refund.SerializeAsString()), 404).code() ==
      pb::PAYMENT_NOT_FOUND);
  const auto api_payment = body_of(stack.post(testing::card_payment("tok_visa", 1000)));
  refund.set_payment_id(std::string(api_payment.at("id").as_string()));
  CHECK(decode_error(send_body(stack, counter, "/pos/v1/refunds", refund.SerializeAsString()), 404).code() ==
        pb::PAYMENT_NOT_FOUND);
  CHECK(stack.count("select count(*) from refunds") == 2);
  // The ledger still balances: every journal's postings sum to zero.
  CHECK(stack.count("select count(*) from (select journal_id from postings group by journal_id having "
                    "sum(amount_yen) <> 0) unbalanced") == 0);
}

TEST_CASE("POS: offline payments are recorded exactly once however the batch is resent; gaps are reported") {
  Stack stack;
  Terminal terminal = register_terminal(stack, "FAC001");
  const std::string now = local_now();
  // Yesterday evening, Tokyo time: booked on the day the payer paid, not the day of the upload.
  const auto yesterday_tp = std::chrono::system_clock::now() + std::chrono::hours(9) - std::chrono::hours(24);
  const std::chrono::year_month_day yesterday{std::chrono::floor<std::chrono::days>(yesterday_tp)};
  char yesterday_text[40];
  std::snprintf(yesterday_text, sizeof yesterday_text, "%04d-%02u-%02uT18:30:00+09:00",
                static_cast<int>(yesterday.year()), static_cast<unsigned>(yesterday.month()),
                static_cast<unsigned>(yesterday.day()));

  std::vector<pb::OfflinePayment> payments;
  for (std::uint64_t n = 1; n <= 8; ++n) {
    if (n == 6) continue;  // never uploaded: a gap
    payments.push_back(offline_payment(n, 500 + static_cast<std::int64_t>(n) * 100,
                                       n % 2 == 0 ? pb::MEANS_CARD : pb::MEANS_EMONEY,
                                       n == 1 ? yesterday_text : now));
  }
  payments.push_back(offline_payment(9, 9000, pb::MEANS_CARD, now));  // above the 5,000 yen floor limit
  payments.push_back(offline_payment(10, 300, pb::MEANS_QR, now));    // QR is online only
  pb::OfflinePayment declined = offline_payment(11, 1000, pb::MEANS_CARD, now);
  declined.mutable_card()->set_token("tok_decline");
  payments.push_back(declined);

  // First the second half, then everything in reverse order, then the whole batch again.
  const std::vector<pb::OfflinePayment> second_half(payments.begin() + 5, payments.end());
  const auto part = call<pb::OfflineBatchReply>(stack, terminal, "/pos/v1/offline_batches",
                                                batch_of(second_half, "part-2"));
  CHECK(part.recorded() == second_half.size());
  CHECK(part.duplicates() == 0);
  std::vector<pb::OfflinePayment> reversed(payments.rbegin(), payments.rend());
  const auto all =
      call<pb::OfflineBatchReply>(stack, terminal, "/pos/v1/offline_batches", batch_of(reversed, "all"));
  CHECK(all.duplicates() == second_half.size());
  CHECK(all.recorded() == payments.size() - second_half.size());
  const auto again =
      call<pb::OfflineBatchReply>(stack, terminal, "/pos/v1/offline_batches", batch_of(payments, "again"));
  CHECK(again.duplicates() == payments.size());
  CHECK(again.recorded() == 0);
  REQUIRE(again.results_size() == static_cast<int>(payments.size()));

  std::map<std::uint64_t, pb::OfflineResult> results;
  for (const auto& result : again.results()) results[result.transaction_number()] = result;
  for (std::uint64_t n : {1, 2, 3, 4, 5, 7, 8}) {
    INFO("transaction " << n);
    CHECK(results[n].status() == pb::APPROVED);
    CHECK(results[n].duplicate());
  }
  CHECK(results[9].status() == pb::REFUSED);
  CHECK(results[9].decline_code() == "floor_limit_exceeded");
  CHECK(results[10].status() == pb::REFUSED);
  CHECK(results[10].decline_code() == "offline_not_allowed");
  CHECK(results[11].status() == pb::DECLINED);
  // Every result of the third upload names the payment of the first.
  for (const auto& result : all.results()) {
    if (!result.payment_id().empty())
      CHECK(results[result.transaction_number()].payment_id() == result.payment_id());
  }

  // Exactly once: 8 payments forwarded (7 approved, 1 declined), each charged once at its processor.
  CHECK(terminal_intents(stack, terminal) == 8);
  CHECK(stack.count("select count(*) from payment_intents where terminal_id = '" + terminal.id +
                    "' and taken_offline and status = 'succeeded'") == 7);
  CHECK(stack.count("select count(*) from pos_refused_transactions where terminal_id = '" + terminal.id +
                    "'") == 2);
  CHECK(stack.simulator_charges(results[2].payment_id()).size() == 1);
  // The payment taken yesterday evening is booked yesterday.
  CHECK(results[1].business_date() != results[3].business_date());
  CHECK(stack.count("select count(*) from journal_entries where reference = '" + results[1].payment_id() +
                    "' and business_date = '" + results[1].business_date() + "'") == 1);
  // The number never uploaded is reported as a gap.
  REQUIRE(again.gaps_size() == 1);
  CHECK(again.gaps(0).first() == 6);
  CHECK(again.gaps(0).last() == 6);
  CHECK(again.highest_transaction_number() == 11);

  // Too many in one upload: refused whole.
  std::vector<pb::OfflinePayment> many(501, offline_payment(100, 100, pb::MEANS_EMONEY, now));
  CHECK(decode_error(
            send_body(stack, terminal, "/pos/v1/offline_batches", batch_of(many).SerializeAsString()), 400)
            .code() == pb::BATCH_TOO_LARGE);
  CHECK(terminal_intents(stack, terminal) == 8);
}

TEST_CASE("POS: an upload the processor could not take is tried again when it is sent again") {
  Stack stack;
  Terminal terminal = register_terminal(stack, "FAC001");
  stack.simulator->stop();  // the card acquirer is down
  const pb::OfflineBatch batch = batch_of({offline_payment(1, 800, pb::MEANS_CARD, local_now())});
  const auto first = call<pb::OfflineBatchReply>(stack, terminal, "/pos/v1/offline_batches", batch);
  REQUIRE(first.results_size() == 1);
  CHECK(first.results(0).status() == pb::FAILED);
  CHECK(first.results(0).decline_code() == "processor_unavailable");
  CHECK_FALSE(first.results(0).duplicate());
  // Sent again: a new attempt, not the failed record; still nothing charged and nothing posted.
  const auto second = call<pb::OfflineBatchReply>(stack, terminal, "/pos/v1/offline_batches", batch);
  CHECK(second.results(0).status() == pb::FAILED);
  CHECK_FALSE(second.results(0).duplicate());
  CHECK(second.results(0).payment_id() != first.results(0).payment_id());
  CHECK(stack.count("select count(*) from payment_intents where terminal_txn = 1 and status = 'failed'") ==
        2);
  CHECK(stack.count("select count(*) from journal_entries") == 0);
  // Online, a failed attempt stands: the resend answers it.
  const auto failed = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(2, 500));
  CHECK(failed.status() == pb::FAILED);
  const auto asked = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(2, 500));
  CHECK(asked.duplicate());
  CHECK(asked.payment_id() == failed.payment_id());
  auto online = card_payment(3, 500);
  online.set_means(pb::MEANS_EMONEY);
  online.set_brand("waon");
  online.mutable_emoney()->set_idm("0102030405060708");
  CHECK(call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", online).status() == pb::APPROVED);
  CHECK(call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", online).duplicate());
}

TEST_CASE("POS: the day close answers match, or the differences per means and brand") {
  Stack stack;
  Terminal terminal = register_terminal(stack, "FAC001");
  const auto visa = call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(1, 1500));
  REQUIRE(visa.status() == pb::APPROVED);
  REQUIRE(call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(2, 500, "tok_jcb", "jcb"))
              .status() == pb::APPROVED);
  REQUIRE(call<pb::PaymentReply>(stack, terminal, "/pos/v1/payments", card_payment(3, 700, "tok_decline"))
              .status() == pb::DECLINED);
  pb::RefundRequest refund;
  refund.set_protocol_version(1);
  refund.set_transaction_number(4);
  refund.set_payment_id(visa.payment_id());
  refund.set_kind(pb::REFUND);
  refund.set_amount_yen(300);
  REQUIRE(call<pb::RefundReply>(stack, terminal, "/pos/v1/refunds", refund).status() == pb::APPROVED);

  pb::DayCloseRequest close;
  close.set_protocol_version(1);
  close.set_business_date(visa.business_date());
  close.set_last_transaction_number(4);
  pb::Total* visa_total = close.add_totals();
  visa_total->set_means(pb::MEANS_CARD);
  visa_total->set_brand("visa");
  visa_total->set_payment_count(1);
  visa_total->set_payment_amount_yen(1500);
  visa_total->set_refund_count(1);
  visa_total->set_refund_amount_yen(300);
  pb::Total* jcb_total = close.add_totals();
  jcb_total->set_means(pb::MEANS_CARD);
  jcb_total->set_brand("jcb");
  jcb_total->set_payment_count(1);
  jcb_total->set_payment_amount_yen(500);
  const auto matched = call<pb::DayCloseReply>(stack, terminal, "/pos/v1/day_close", close);
  CHECK(matched.result() == pb::MATCH);
  CHECK(matched.differences_size() == 0);
  CHECK(matched.kessai_totals_size() == 2);
  CHECK(matched.gaps_size() == 0);
  CHECK(matched.close_id().starts_with("dc_"));

  // The terminal counted a sale kessai never saw, and a WAON payment that is not there either.
  jcb_total->set_payment_count(2);
  jcb_total->set_payment_amount_yen(1100);
  pb::Total* waon = close.add_totals();
  waon->set_means(pb::MEANS_EMONEY);
  waon->set_brand("waon");
  waon->set_payment_count(1);
  waon->set_payment_amount_yen(200);
  close.set_last_transaction_number(6);
  const auto mismatched = call<pb::DayCloseReply>(stack, terminal, "/pos/v1/day_close", close);
  CHECK(mismatched.result() == pb::MISMATCH);
  REQUIRE(mismatched.differences_size() == 2);
  for (const auto& difference : mismatched.differences()) {
    if (difference.brand() == "jcb") {
      CHECK(difference.terminal().payment_amount_yen() == 1100);
      CHECK(difference.kessai().payment_amount_yen() == 500);
      CHECK(difference.kessai().payment_count() == 1);
    } else {
      CHECK(difference.brand() == "waon");
      CHECK(difference.terminal().payment_amount_yen() == 200);
      CHECK(difference.kessai().payment_count() == 0);
    }
  }
  REQUIRE(mismatched.gaps_size() == 1);
  CHECK(mismatched.gaps(0).first() == 5);
  CHECK(mismatched.gaps(0).last() == 6);
  // Both attempts are kept for audit.
  CHECK(stack.count("select count(*) from pos_day_closes where terminal_id = '" + terminal.id + "'") == 2);
  CHECK(stack.count("select count(*) from pos_day_closes where result = 'mismatch' and "
                    "jsonb_array_length(differences) = 2") == 1);
  // A malformed date is refused.
  close.set_business_date("22/11/2026");
  CHECK(
      decode_error(send_body(stack, terminal, "/pos/v1/day_close", close.SerializeAsString()), 400).code() ==
      pb::INVALID_FIELD);
}

TEST_CASE("POS: every bad request is refused with a clear error reply and records nothing") {
  Stack stack;
  Terminal terminal = register_terminal(stack, "FAC001");
  const std::string path = "/pos/v1/payments";
  const std::string body = card_payment(1, 1000).SerializeAsString();
  const auto nothing_recorded = [&] {
    CHECK(stack.count("select count(*) from payment_intents") == 0);
    CHECK(stack.count("select count(*) from journal_entries") == 0);
  };

  SECTION("wrong content type, missing signature, unknown terminal, wrong signature") {
    const Headers signed_headers{{"X-Kessai-Terminal", terminal.id},
                                 {"X-Kessai-Sequence", "1"},
                                 {"X-Kessai-Signature", sign(terminal, 1, path, body)}};
    CHECK(decode_error(send_raw(stack, path, body, signed_headers, "application/json"), 415).code() ==
          pb::UNSUPPORTED_MEDIA_TYPE);
    CHECK(decode_error(send_raw(stack, path, body, {}), 401).code() == pb::UNSIGNED_REQUEST);
    CHECK(decode_error(send_raw(stack, path, body,
                                {{"X-Kessai-Terminal", terminal.id},
                                 {"X-Kessai-Sequence", "x1"},
                                 {"X-Kessai-Signature", sign(terminal, 1, path, body)}}),
                       401)
              .code() == pb::UNSIGNED_REQUEST);
    Terminal stranger = terminal;
    stranger.id = "term_AAAAAAAAAAAAAAAA";
    CHECK(decode_error(send_body(stack, stranger, path, body), 401).code() == pb::UNKNOWN_TERMINAL);
    Terminal forger = terminal;
    forger.secret = "pts_not-the-secret-of-this-terminal-at-all";
    CHECK(decode_error(send_body(stack, forger, path, body), 401).code() == pb::BAD_SIGNATURE);
    // Signed for another endpoint: the path is part of what is signed.
    CHECK(decode_error(send_raw(stack, path, body,
                                {{"X-Kessai-Terminal", terminal.id},
                                 {"X-Kessai-Sequence", "1"},
                                 {"X-Kessai-Signature", sign(terminal, 1, "/pos/v1/hello", body)}}),
                       401)
              .code() == pb::BAD_SIGNATURE);
    // A body changed after signing.
    const std::string tampered = card_payment(1, 10).SerializeAsString();
    CHECK(decode_error(send_raw(stack, path, tampered, signed_headers), 401).code() == pb::BAD_SIGNATURE);
    nothing_recorded();
    // None of them used sequence number 1.
    CHECK(send_raw(stack, path, body, signed_headers).status == 200);
  }

  SECTION("malformed Protobuf, fields of a newer version, an unsupported version, an unknown endpoint") {
    CHECK(decode_error(send_body(stack, terminal, path, std::string("\xff\xff\xff\x01garbage", 11)), 400)
              .code() == pb::MALFORMED_MESSAGE);
    // Field 99 (a varint) appended by a newer terminal, properly signed.
    std::string newer = body;
    newer += std::string("\x98\x06\x2a", 3);  // tag (99 << 3 | 0) as a varint, then 42
    const auto unknown = decode_error(send_body(stack, terminal, path, newer), 400);
    CHECK(unknown.code() == pb::UNKNOWN_FIELDS);
    CHECK(unknown.message().find("99") != std::string::npos);
    // Inside a nested message too.
    pb::PaymentRequest nested = card_payment(1, 1000);
    pb::CardData* card = nested.mutable_card();
    card->GetReflection()->MutableUnknownFields(card)->AddVarint(7, 1);
    CHECK(decode_error(send_body(stack, terminal, path, nested.SerializeAsString()), 400).code() ==
          pb::UNKNOWN_FIELDS);
    pb::PaymentRequest future = card_payment(1, 1000);
    future.set_protocol_version(2);
    CHECK(decode_error(send_body(stack, terminal, path, future.SerializeAsString()), 400).code() ==
          pb::UNSUPPORTED_VERSION);
    CHECK(decode_error(send_body(stack, terminal, "/pos/v1/nope", body), 404).code() == pb::NOT_FOUND);
    nothing_recorded();
    // A request refused before its message was read leaves its sequence number unused.
    const std::int64_t unused = terminal.sequence;
    CHECK(decode<pb::PaymentReply>(send_body(stack, terminal, path, body, unused)).status() == pb::APPROVED);
  }

  SECTION("replayed and out-of-window sequence numbers") {
    CHECK(decode<pb::PaymentReply>(send_body(stack, terminal, path, body, 100)).status() == pb::APPROVED);
    // The very same request captured and sent again.
    CHECK(decode_error(send_body(stack, terminal, path, body, 100), 409).code() == pb::SEQUENCE_REPLAYED);
    const std::string second = card_payment(2, 500).SerializeAsString();
    CHECK(decode_error(send_body(stack, terminal, path, second, 30), 409).code() ==
          pb::SEQUENCE_OUT_OF_WINDOW);
    // Within the window, out of order, once.
    CHECK(decode<pb::PaymentReply>(send_body(stack, terminal, path, second, 90)).status() == pb::APPROVED);
    const std::string third = card_payment(3, 500).SerializeAsString();
    CHECK(decode_error(send_body(stack, terminal, path, third, 90), 409).code() == pb::SEQUENCE_REPLAYED);
    CHECK(stack.count("select count(*) from payment_intents") == 2);
  }

  SECTION("a revoked terminal") {
    must_run("kessai", {"terminal", "revoke", terminal.id}, stack.database.url());
    CHECK(decode_error(send_body(stack, terminal, path, body), 403).code() == pb::TERMINAL_REVOKED);
    nothing_recorded();
    const std::string listed = must_run("kessai", {"terminal", "list"}, stack.database.url());
    CHECK(listed.find(terminal.id) != std::string::npos);
  }
}

TEST_CASE("POS: kessai terminal register refuses an unknown facility") {
  Stack stack;
  std::string output;
  const int status =
      run_command(kBin + "/kessai", {"terminal", "register", "--facility", "NOPE", "--name", "x"},
                  {"KESSAI_DATABASE_URL=" + stack.database.url()}, output);
  CHECK(status == 1);
  CHECK(output.find("no facility 'NOPE'") != std::string::npos);
  CHECK(stack.count("select count(*) from pos_terminals") == 0);
}

}  // namespace kessai::testing

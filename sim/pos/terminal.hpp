#pragma once
// One counter terminal of the fleet, as a clerk runs it through a day: hello, K sales, offline spells and
// their uploads, refunds, the day close. It talks to kessai only through its TerminalLink (and so a
// Transport), waits only through its TerminalClock and draws everything from the seed: the unit tests
// run it against a scripted kessai, instantly.
//
// Transaction numbers: a number is used once kessai answered with the endpoint's reply (whatever the
// status), or when an offline payment is taken (its receipt carries it); after an ErrorReply the next
// transaction gets the same number. A transaction sent without an answer that may have reached kessai
// keeps its number and is sent again later, as is a PENDING one, until kessai gives its outcome.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "credentials.hpp"
#include "kessai/pos/v1/payments.pb.h"
#include "kessai/pos/v1/terminal.pb.h"
#include "offline_upload.hpp"
#include "sale_draw.hpp"
#include "takings.hpp"
#include "terminal_link.hpp"
#include "terminal_memory.hpp"
#include "terminal_report.hpp"
#include "transport.hpp"

namespace kessai::sim::pos {

// Shares from 0 to 1 (see sim/README.md, "POS terminal fleet").
struct FleetRates {
  double drop = 0.0;              // per online sale: the line goes down
  double lost_reply = 0.0;        // per online payment answered: the reply is lost, the payment resent
  double duplicate_upload = 0.0;  // per uploaded part: uploaded again
  double partial_upload = 0.0;    // per offline batch: cut in parts, sent in shuffled order
  double refund = 0.0;            // per approved payment: voided or partly refunded at once
  double decline = 0.0;           // per card sale: a declining test token
};

struct TerminalPlan {
  std::uint64_t seed = 1;
  std::uint64_t payments = 0;  // sales to make
  MixWeights mix = {};
  std::vector<std::string> fee_codes = {};  // empty: those HelloReply lists
  FleetRates rates = {};
  std::uint64_t offline_payments = 5;  // sales per offline spell
};

// How long a terminal asks again about PENDING transactions (and re-uploads FAILED offline ones) before
// it moves on; the waits between asks double from the first up to the most.
constexpr std::int64_t kSettleBudgetMs = 30'000;
// At the end of the day the clerk waits longer: the day is not closed while anything is PENDING, and
// kessaid asks a silent processor only after its inquiry_after_ms (30 s by default).
constexpr std::int64_t kDayEndSettleBudgetMs = 120'000;
constexpr std::int64_t kSettleWaitFirstMs = 500;
constexpr std::int64_t kSettleWaitMaxMs = 5'000;

constexpr std::string_view kSoftwareName = "kessai-sim pos 1";

// A partial refund of a payment: `percent` of it rounded down to 10 yen, at least 10 yen, less than it.
std::int64_t partial_refund_yen(std::int64_t amount_yen, std::uint64_t percent);

// "2026-04-01T09:30:00+09:00": a terminal's local time in Japan.
std::string tokyo_local_time(std::int64_t unix_ms);

class Terminal {
 public:
  using SaleDone = std::function<void()>;  // after each sale, for the fleet's progress

  Terminal(TerminalCredentials credentials, TerminalPlan plan, TerminalMemory memory, Transport& transport,
           MemoryStore& store, TerminalClock& clock, SaleDone on_sale_done = {});
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  TerminalReport run();

 private:
  struct Session {  // from the latest HelloReply
    std::string facility_id = "";
    std::string business_date = "";
    std::int64_t card_floor_limit_yen = 0;
    std::int64_t emoney_floor_limit_yen = 0;
    std::vector<Means> means = {};
    std::vector<FeeChoice> fees = {};
  };
  // An online payment or refund as sent, to send again.
  struct Transaction {
    EntryKind kind = EntryKind::payment;
    v1::PaymentRequest payment = {};
    v1::RefundRequest refund = {};
    std::uint64_t number() const;
  };
  struct Outcome {
    v1::TransactionStatus status = v1::TRANSACTION_STATUS_UNSPECIFIED;
    std::string kessai_id = "";
    bool duplicate = false;
    std::string business_date = "";
    std::uint64_t transaction_number = 0;
    std::string decline_code = "";
  };
  struct Sent {
    AnswerKind kind = AnswerKind::unreachable;
    Outcome outcome = {};
    v1::ErrorReply error = {};
    bool unanswered_maybe_recorded = false;
    std::string problem = "";
  };

  bool hello();
  bool resync_numbers();
  void next_sale();
  bool sell(const Sale& sale);  // false: kessai could not be reached at all
  void answered(const Transaction& transaction, const Sent& sent, Means means, const std::string& brand,
                std::int64_t amount_yen);
  void lose_reply(const Transaction& transaction);
  void maybe_refund(const TakingsEntry& payment);
  void take_offline(const Sale& sale);
  void reconnect();
  void upload_stored(bool planned, std::int64_t budget_ms);
  void send_part(const UploadPart& part);
  void offline_result(const v1::OfflineResult& result);
  void ask_again(const Transaction& transaction);
  void settle(std::int64_t budget_ms, const std::function<bool()>& done, const std::function<void()>& ask);
  void finish();
  void close_day(const std::string& business_date);

  Sent send(const Transaction& transaction);
  void apply(std::uint64_t number, const Outcome& outcome);
  void record_sent(const Transaction& transaction, const Sent& sent, Means means, const std::string& brand,
                   std::int64_t amount_yen);
  void use_number(std::uint64_t number);
  void remember();
  PayerKey payer_key();
  std::uint64_t unexpected_gaps(const google::protobuf::RepeatedPtrField<v1::NumberRange>& gaps) const;
  void verdict(std::uint64_t number, ResendVerdict verdict, std::string_view what);
  void problem(const std::string& text);
  void violation(const std::string& text);
  void stop(const std::string& reason);
  std::string now() const;
  TerminalReport report();

  TerminalCredentials credentials_;
  TerminalPlan plan_;
  TerminalMemory memory_;
  MemoryStore& store_;
  TerminalClock& clock_;
  TerminalLink link_;  // after memory_: it holds a reference to it
  SaleDone on_sale_done_;
  SaleDraw sale_draw_;
  DrawRandom fault_random_;  // drops, lost replies, refunds, uploads: apart from the sales' draws
  Takings takings_;
  Session session_;
  bool said_hello_ = false;
  std::uint64_t offline_left_ = 0;  // sales still to take offline in this spell
  std::uint64_t payer_sequence_ = 0;
  std::uint64_t draws_since_request_ = 0;
  std::uint64_t batches_ = 0;
  std::map<std::uint64_t, Transaction> unsettled_;  // online, outcome not known yet
  // Online payments last answered FAILED processor_unavailable: nothing charged, sent again for a new
  // attempt (docs/pos-protocol.md) while the payer waits.
  std::map<std::uint64_t, v1::OfflinePayment> offline_payments_;  // every one taken this run
  std::set<std::uint64_t> stored_;                                // taken offline, no final result yet
  std::map<std::uint64_t, std::string> first_offline_ids_;        // the payment id of the first answer
  TerminalReport report_;
};

}  // namespace kessai::sim::pos

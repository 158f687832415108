// kessai-sim: processor simulators. Each is a separate process speaking its processor's protocol on
// loopback, with switches to inject faults; kessai cannot tell them from the real ones.

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "bank/bank_main.hpp"
#include "emoney_centre/emoney_centre_main.hpp"
#include "kessai/runtime/http_server.hpp"
#include "load/load_main.hpp"
#include "notifier.hpp"
#include "pos/pos_fleet_main.hpp"
#include "qr_provider/qr_provider_main.hpp"
#include "settlement_file.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

namespace {

// A share from 0 to 1; nullopt when the text is not one.
std::optional<double> parse_rate(const std::string& value) {
  char* end = nullptr;
  const double rate = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(rate >= 0.0 && rate <= 1.0))
    return std::nullopt;
  return rate;
}

// A whole number from 0 to max; nullopt when the text is not one.
std::optional<int> parse_count(const std::string& value, int max) {
  int count = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
  if (error != std::errc{} || end != value.data() + value.size() || count < 0 || count > max)
    return std::nullopt;
  return count;
}

// The notices' and the Pay-easy centre's options; nullopt when the flag is none of them, else "" or the
// problem.
std::optional<std::string> parse_notice_option(const std::string& flag, const std::string& value,
                                               SimOptions& options) {
  if (flag == "--callback-secret") {
    if (value.empty()) return "--callback-secret must not be empty";
    options.callback_secret = value;
  } else if (flag == "--duplicate-callback-rate" || flag == "--auto-pay-rate") {
    const std::optional<double> rate = parse_rate(value);
    if (!rate) return flag + " must be a number from 0 to 1";
    (flag == "--auto-pay-rate" ? options.auto_pay_rate : options.duplicate_callback_rate) = *rate;
  } else if (flag == "--callback-delay-ms" || flag == "--auto-pay-after-ms") {
    const std::optional<int> delay_ms = parse_count(value, kCallbackDelayMsMax);
    if (!delay_ms) return flag + " must be a whole number from 0 to " + std::to_string(kCallbackDelayMsMax);
    (flag == "--auto-pay-after-ms" ? options.auto_pay_after_ms : options.callback_delay_ms) = *delay_ms;
  } else if (flag == "--hold-callbacks") {
    if (value != "0" && value != "1") return "--hold-callbacks must be 1 or 0";
    options.hold_callbacks = value == "1";
  } else if (flag == "--institution-number") {
    const bool five_digits = value.size() == 5 && value.find_first_not_of("0123456789") == std::string::npos;
    if (!five_digits) return "--institution-number must be 5 digits";
    options.institution_number = value;
  } else if (flag == "--fee-yen") {
    const std::optional<int> fee_yen = parse_count(value, static_cast<int>(kFeePerPaymentYenMax));
    if (!fee_yen)
      return "--fee-yen must be a whole number of yen from 0 to " + std::to_string(kFeePerPaymentYenMax);
    options.fee_per_payment_yen = *fee_yen;
  } else {
    return std::nullopt;
  }
  return std::string();
}

}  // namespace

std::optional<std::string> parse_sim_options(const std::vector<std::string>& args, SimOptions& options) {
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) return flag + " needs a value";
    const std::string& value = args[i + 1];
    if (flag == "--listen") {
      const auto address = runtime::parse_listen_address(value);
      if (!address) return "--listen must be HOST:PORT, e.g. 127.0.0.1:0";
      options.host = address->host;
      options.port = address->port;
    } else if (flag == "--port-file") {
      options.port_file = value;
    } else if (flag == "--state-dir") {
      options.state_dir = value;
    } else if (flag == "--settlement-dir") {
      options.settlement_dir = value;
    } else if (flag == "--mdr-bp") {
      if (auto problem = parse_mdr_option(value, options.mdr)) return "--mdr-bp " + *problem;
    } else if (flag == "--seed") {
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), options.seed);
      if (error != std::errc{} || end != value.data() + value.size()) return "--seed must be a whole number";
    } else if (flag == "--decline-rate") {
      char* end = nullptr;
      options.decline_rate = std::strtod(value.c_str(), &end);
      if (end != value.c_str() + value.size() || options.decline_rate < 0.0 || options.decline_rate > 1.0) {
        return "--decline-rate must be a number from 0 to 1";
      }
    } else if (flag == "--latency-ms") {
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), options.latency_ms);
      if (error != std::errc{} || end != value.data() + value.size() || options.latency_ms < 0 ||
          options.latency_ms > 600'000) {
        return "--latency-ms must be a whole number from 0 to 600000";
      }
    } else if (flag == "--fail-rate" || flag == "--slow-answer-rate" || flag == "--lost-response-rate") {
      char* end = nullptr;
      const double rate = std::strtod(value.c_str(), &end);
      if (end != value.c_str() + value.size() || rate < 0.0 || rate > 1.0)
        return flag + " must be a number from 0 to 1";
      (flag == "--fail-rate"          ? options.faults.unavailable
       : flag == "--slow-answer-rate" ? options.faults.slow_answer
                                      : options.faults.lost_response) = rate;
    } else if (flag == "--slow-answer-ms") {
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), options.faults.slow_answer_ms);
      if (error != std::errc{} || end != value.data() + value.size() || options.faults.slow_answer_ms < 0 ||
          options.faults.slow_answer_ms > 600'000) {
        return "--slow-answer-ms must be a whole number from 0 to 600000";
      }
    } else if (auto problem = parse_notice_option(flag, value, options)) {
      if (!problem->empty()) return problem;
    } else {
      return "unknown option " + flag;
    }
  }
  return std::nullopt;
}

}  // namespace kessai::sim

namespace {

constexpr std::string_view kUsage =
    "usage: kessai-sim SIMULATOR [options]\n"
    "simulators:\n"
    "  card-acquirer    a card acquirer: authorize/capture by token; capture, void, refund\n"
    "                   (partial captures and refunds too); inquiry by reference\n"
    "  emoney-centre    an e-money centre (transit_ic, id, quicpay, waon, nanaco): pay by brand and\n"
    "                   IDm, captured at once; refunds of prepaid brands; inquiry by reference\n"
    "  qr-provider      a QR code-payment provider (PayPay, d_barai, au_pay, rakuten_pay): pay with\n"
    "                   the payer's scanned code, completed at once; refunds; inquiry by reference;\n"
    "                   merchant-presented JPQR orders paid by POST /sim/scan, with signed notices\n"
    "  payeasy-centre   a Pay-easy (MPN) centre: numbers issued with a deadline, paid by POST /sim/pay,\n"
    "                   reversed by POST /sim/reverse, with signed notices; needs --callback-secret\n"
    "  pos              a fleet of POS terminals paying through kessaid over the POS protocol (a client,\n"
    "                   not a server; its own options: kessai-sim pos --help):\n"
    "                   kessai-sim pos --kessai-url http://127.0.0.1:PORT --credentials FILE\n"
    "                     --facilities N --terminals M [--payments K] [--state-dir DIR] [--seed S]\n"
    "                     [--mix card=40,emoney=40,qr=20] [--fee-codes F001,F003] [--drop-rate R]\n"
    "                     [--offline-payments P] [--lost-reply-rate R] [--duplicate-upload-rate R]\n"
    "                     [--partial-upload-rate R] [--refund-rate R] [--decline-rate R] [--report FILE]\n"
    "  load             load on kessaid's API for the throughput benchmark: card payments over kept-alive\n"
    "                   connections, open loop at a rate or closed loop; payments/s and latency\n"
    "                   percentiles (a client; its own options: kessai-sim load --help):\n"
    "                   kessai-sim load --url http://127.0.0.1:PORT [--api-key KEY] [--connections N]\n"
    "                     [--rate R] [--duration S] [--warmup S] [--threads T] [--json FILE] [--quiet]\n"
    "  bank             the city's receiving bank for a business date (a one-shot command; its own\n"
    "                   options: kessai-sim bank --help): asks each processor for its settlement file,\n"
    "                   pays the net totals in on the next bank business day and writes the Zengin\n"
    "                   statement (zengin03_YYYYMMDD.dat) and a truth file:\n"
    "                   kessai-sim bank --date YYYY-MM-DD --processor NAME=URL [...] --out DIR\n"
    "                     --truth FILE [--inject missing=N,...] [--deposit-short N]\n"
    "                     [--deposit-missing N] [--seed S] [--state-dir DIR]\n"
    "options of the processor simulators:\n"
    "  --listen HOST:PORT    default 127.0.0.1:0 (a free port)\n"
    "  --port-file FILE      write the bound port there once listening\n"
    "  --state-dir DIR       where the simulator keeps its records (default var/sim)\n"
    "  --seed N              random seed, for exact replays (default 1)\n"
    "  --decline-rate R      share of otherwise good payments declined, 0..1 (default 0)\n"
    "  --latency-ms N        delay before every answer (default 0)\n"
    "settlement files, written by POST /sim/settlement {\"date\": \"YYYY-MM-DD\"} (Asia/Tokyo);\n"
    "  discrepancies asked per request: \"inject\": {\"missing\": N, \"late\": N, \"duplicate\": N,\n"
    "  \"amount_mismatch\": N, \"fee_mismatch\": N, \"unknown\": N, \"settled_after_refund\": N},\n"
    "  \"seed\": S (sim/README.md, \"Injected discrepancies\"):\n"
    "  --settlement-dir DIR  where they go (default <state-dir>/settlement)\n"
    "  --mdr-bp BP|BRAND=BP[,BRAND=BP...]\n"
    "                        the fee rate in basis points (250 = 2.50 %); card-acquirer one number\n"
    "                        (default 250); emoney-centre per brand (transit_ic, waon, nanaco 198;\n"
    "                        id, quicpay 324); qr-provider per wallet (paypay 198, d_barai 260,\n"
    "                        au_pay 260, rakuten_pay 324); one number sets every brand\n"
    "signed notices to the merchant's notify_url (payeasy-centre; qr-provider orders):\n"
    "  --callback-secret S           HMAC-SHA256 key of X-Notify-Signature (no default)\n"
    "  --duplicate-callback-rate R   share 0..1 of notices delivered twice (default 0)\n"
    "  --callback-delay-ms N         wait before each notice's first attempt (default 0)\n"
    "  --hold-callbacks 1|0          keep notices until POST /sim/callbacks/release (default 0)\n"
    "payeasy-centre:\n"
    "  --institution-number NNNNN    its 収納機関番号 (default 58091)\n"
    "  --auto-pay-rate R             share 0..1 of new numbers a simulated payer pays (default 0)\n"
    "  --auto-pay-after-ms N         after that long (default 2000)\n"
    "  --fee-yen N                   the flat fee per payment in its settlement file, 0..100000 yen\n"
    "                                (default 110; a reversal gives it back)\n"
    "faults, each a share 0..1 of the requests that change something (POST), drawn from --seed:\n"
    "  --fail-rate R           answer 503 without doing anything\n"
    "  --slow-answer-rate R    do it, but answer only after --slow-answer-ms (default 15000): the\n"
    "                          caller times out not knowing the outcome\n"
    "  --lost-response-rate R  do it, then close the connection without answering\n"
    "inquiries (GET) always answer, as a real processor's status API does; the /sim/ control\n"
    "endpoints (a payer paying, callbacks released) are never faulted\n"
    "test card tokens: tok_visa (and any tok_…) approve; tok_decline, tok_insufficient_funds,\n"
    "tok_expired_card decline\n"
    "test e-money IDms (16 upper-case hex digits): FFFF… is blocked (card_blocked); …0000 has no\n"
    "balance (insufficient_balance on prepaid brands); any other starts with 10000 yen per prepaid brand\n"
    "test QR codes (18-20 digits; 27 PayPay, 28 d_barai, 29 au_pay, 30 rakuten_pay, others invalid_code):\n"
    "…0000 insufficient_balance, …9999 code_expired, …8888 user_blocked; a code pays once\n"
    "(code_already_used)\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::fputs(kUsage.data(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string simulator = argv[1];
  // The bank is a one-shot command with options of its own.
  if (simulator == "bank") return kessai::sim::bank::run_bank({argv + 2, argv + argc});
  // The load generator is a client with options of its own.
  if (simulator == "load") {
    try {
      return kessai::sim::load::run_load({argv + 2, argv + argc});
    } catch (const std::exception& error) {
      std::fprintf(stderr, "kessai-sim load: %s\n", error.what());
      return 1;
    }
  }
  // The terminal fleet is a client with options of its own.
  if (simulator == "pos") {
    try {
      return kessai::sim::pos::run_pos_fleet({argv + 2, argv + argc});
    } catch (const std::exception& error) {
      std::fprintf(stderr, "kessai-sim pos: %s\n", error.what());
      return 1;
    }
  }
  kessai::sim::SimOptions options;
  if (auto error = kessai::sim::parse_sim_options({argv + 2, argv + argc}, options)) {
    std::fprintf(stderr, "kessai-sim: %s\n%s", error->c_str(), kUsage.data());
    return 2;
  }
  try {
    if (simulator == "card-acquirer") return kessai::sim::run_card_acquirer(options);
    if (simulator == "emoney-centre") return kessai::sim::run_emoney_centre(options);
    if (simulator == "qr-provider") return kessai::sim::run_qr_provider(options);
    if (simulator == "payeasy-centre") return kessai::sim::run_payeasy_centre(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai-sim %s: %s\n", simulator.c_str(), error.what());
    return 1;
  }
  std::fprintf(stderr, "kessai-sim: unknown simulator '%s'\n%s", simulator.c_str(), kUsage.data());
  return 2;
}

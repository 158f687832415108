// kessai-sim: processor simulators. Each is a separate process speaking its processor's protocol on
// loopback, with switches to inject faults; kessai cannot tell them from the real ones.

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "emoney_centre/emoney_centre_main.hpp"
#include "kessai/runtime/http_server.hpp"
#include "qr_provider/qr_provider_main.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

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
    "                   the payer's scanned code, completed at once; refunds; inquiry by reference\n"
    "options:\n"
    "  --listen HOST:PORT    default 127.0.0.1:0 (a free port)\n"
    "  --port-file FILE      write the bound port there once listening\n"
    "  --state-dir DIR       where the simulator keeps its records (default var/sim)\n"
    "  --seed N              random seed, for exact replays (default 1)\n"
    "  --decline-rate R      share of otherwise good payments declined, 0..1 (default 0)\n"
    "  --latency-ms N        delay before every answer (default 0)\n"
    "faults, each a share 0..1 of the requests that change something (POST), drawn from --seed:\n"
    "  --fail-rate R           answer 503 without doing anything\n"
    "  --slow-answer-rate R    do it, but answer only after --slow-answer-ms (default 15000): the\n"
    "                          caller times out not knowing the outcome\n"
    "  --lost-response-rate R  do it, then close the connection without answering\n"
    "inquiries (GET) always answer, as a real processor's status API does\n"
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
  kessai::sim::SimOptions options;
  if (auto error = kessai::sim::parse_sim_options({argv + 2, argv + argc}, options)) {
    std::fprintf(stderr, "kessai-sim: %s\n%s", error->c_str(), kUsage.data());
    return 2;
  }
  try {
    if (simulator == "card-acquirer") return kessai::sim::run_card_acquirer(options);
    if (simulator == "emoney-centre") return kessai::sim::run_emoney_centre(options);
    if (simulator == "qr-provider") return kessai::sim::run_qr_provider(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai-sim %s: %s\n", simulator.c_str(), error.what());
    return 1;
  }
  std::fprintf(stderr, "kessai-sim: unknown simulator '%s'\n%s", simulator.c_str(), kUsage.data());
  return 2;
}

#pragma once
// An "instant payment" simulator as a process: its journals on disk (<state-dir>/payments.jsonl and
// refunds.jsonl, replayed into the book on start and appended to as records are made), the latency on
// POSTs, POST /sim/settlement (settlement_day.hpp), and serve_simulator around its front. Front: an
// InstantFront (instant_front.hpp) over Book.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "http_replies.hpp"
#include "instant_book.hpp"
#include "json_lines.hpp"
#include "kessai/result.hpp"
#include "kessai/runtime/log.hpp"
#include "settlement_day.hpp"
#include "sim_options.hpp"
#include "sim_server.hpp"

namespace kessai::sim {

// The simulator's settlement layout over the book's records (its settlement_layout).
template <class Book>
using BookSettlement = std::function<SettlementLayout(const Book&)>;

template <class Book, class Front>
class InstantSimulator {
 public:
  // load: the simulator's load_journals(Book&, std::istream&, std::istream&).
  template <class Load>
  InstantSimulator(const SimOptions& options, Load load, BookSettlement<Book> settle)
      : options_(options), settle_(std::move(settle)), book_(options.seed, options.decline_rate) {
    const std::filesystem::path dir(options.state_dir);
    std::filesystem::create_directories(dir);
    {
      std::ifstream payment_lines(dir / "payments.jsonl");
      std::ifstream refund_lines(dir / "refunds.jsonl");
      const JournalLoad loaded = load(book_, payment_lines, refund_lines);
      log::info("journals_loaded", {{"payments", std::uint64_t{loaded.payments}},
                                    {"refunds", std::uint64_t{loaded.refunds}},
                                    {"skipped_lines", std::uint64_t{loaded.skipped_lines}},
                                    {"refunds_not_counted", std::uint64_t{loaded.refunds_not_counted}}});
    }
    open_journal(payments_journal_, dir / "payments.jsonl");
    open_journal(refunds_journal_, dir / "refunds.jsonl");
    if (!payments_journal_ || !refunds_journal_) {
      throw std::runtime_error("cannot append to the journals in " + options.state_dir);
    }
  }

  // The latency applies to every POST the fault plan let through, before it is looked at; not to the
  // settlement control endpoint, which the fault plan does not touch either.
  runtime::HttpResponse handle(const runtime::HttpRequest& request) {
    if (request.method == "POST" && request.path() == kSettlementPath) {
      return answer_settlement(request.body, settlement_directory(options_), settle_(book_));
    }
    if (request.method == "POST" && options_.latency_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    }
    return front_.handle(request);
  }

  // For a simulator that answers more than its InstantFront around it (the QR provider's orders record
  // their payments through it).
  Front& front() { return front_; }

 private:
  SimOptions options_;
  BookSettlement<Book> settle_;
  Book book_;
  std::ofstream payments_journal_;
  std::ofstream refunds_journal_;
  Front front_{book_, payments_journal_, refunds_journal_, &utc_now};
};

// Logs as `log_name`, loads the journals, serves until the server stops; the process's exit status.
template <class Book, class Front, class Load>
int run_instant_simulator(const SimOptions& options, std::string_view log_name, Load load,
                          BookSettlement<Book> settle) {
  log::configure(std::string(log_name), log::Level::info);
  InstantSimulator<Book, Front> sim(options, load, std::move(settle));
  return serve_simulator(options,
                         [&sim](const runtime::HttpRequest& request) { return sim.handle(request); });
}

}  // namespace kessai::sim

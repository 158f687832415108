#pragma once
// The QR provider's HTTP API as a function from a request to its answer: routing, validation, the book's
// decisions and their journal lines. No sockets: those and the fault plan are serve_simulator's
// (sim_server.hpp), the latency qr_provider_main.cpp's, so the wire contract itself is unit-tested.
//   POST /v1/payments                    pay with the payer's scanned code; de-duplicated on "reference"
//   GET  /v1/payments[?reference=…]      every payment, or the one for a reference (inquiry)
//   GET  /v1/payments/{id}
//   POST /v1/payments/{id}/capture|void  409 not_supported: a scanned code is paid at once
//   POST /v1/refunds                     refund a completed payment, in parts; de-duplicated on "reference"
//   GET  /v1/refunds[?reference=…]       every refund, or the one for a reference
//   GET  /v1/refunds/{id}
//   GET  /healthz

#include <functional>
#include <mutex>
#include <ostream>
#include <string>

#include "kessai/runtime/http_types.hpp"
#include "qr_book.hpp"

namespace kessai::sim::qr_provider {

// Providers bound their fields; longer ones are invalid requests. A scanned text up to kCodeBytesMax
// that is not a wallet's code is declined invalid_code (the scanner read some other barcode).
constexpr std::size_t kReferenceBytesMax = 255;
constexpr std::size_t kCodeBytesMax = 64;
constexpr std::size_t kMerchantBytesMax = 255;

class ProviderFront {
 public:
  // The time stamp of a new record, e.g. "2024-04-01T09:00:00Z"; injected so tests replay exactly (the
  // simulator passes utc_now, http_replies.hpp).
  using Clock = std::function<std::string()>;

  // Every new payment is appended to payments_journal, every new refund to refunds_journal, each as
  // one JSON line, flushed before the answer leaves.
  ProviderFront(ProviderBook& book, std::ostream& payments_journal, std::ostream& refunds_journal, Clock now);

  // Safe from several threads: a decision and its journal line are made under one lock.
  runtime::HttpResponse handle(const runtime::HttpRequest& request);

 private:
  runtime::HttpResponse handle_payment(std::string_view rest, const runtime::HttpRequest& request) const;
  runtime::HttpResponse create_payment(const std::string& body);
  runtime::HttpResponse create_refund(const std::string& body);
  runtime::HttpResponse list_payments(std::string_view query) const;
  runtime::HttpResponse list_refunds(std::string_view query) const;

  ProviderBook& book_;
  std::ostream& payments_journal_;
  std::ostream& refunds_journal_;
  Clock now_;
  std::mutex changes_mutex_;  // held from a book decision to its journal line
};

}  // namespace kessai::sim::qr_provider

// kessai-sim qr-provider: a QR code-payment provider over HTTP/JSON, as kessai's QR adapter expects one.
// The API is ProviderFront's (qr_front.hpp); the journals on disk, the latency, the sockets, workers and
// fault plan are run_instant_simulator's (instant_main.hpp). The used codes and refunded amounts are
// derived from the journals again on start.

#include "qr_provider_main.hpp"

#include "instant_main.hpp"
#include "qr_book.hpp"
#include "qr_front.hpp"
#include "qr_records.hpp"

namespace kessai::sim {

int run_qr_provider(const SimOptions& options) {
  return run_instant_simulator<qr_provider::ProviderBook, qr_provider::ProviderFront>(
      options, "kessai-sim qr-provider", &qr_provider::load_journals);
}

}  // namespace kessai::sim

// kessai-sim emoney-centre: an e-money centre over HTTP/JSON, as kessai's e-money adapter expects one.
// The API is CentreFront's (emoney_front.hpp); the journals on disk, the latency, the sockets, workers
// and fault plan are run_instant_simulator's (instant_main.hpp). The cards' balances are derived from
// the journals again on start.

#include "emoney_centre_main.hpp"

#include "emoney_book.hpp"
#include "emoney_front.hpp"
#include "emoney_records.hpp"
#include "instant_main.hpp"

namespace kessai::sim {

int run_emoney_centre(const SimOptions& options) {
  return run_instant_simulator<emoney::CentreBook, emoney::CentreFront>(options, "kessai-sim emoney-centre",
                                                                        &emoney::load_journals);
}

}  // namespace kessai::sim

// kessai-sim emoney-centre: an e-money centre over HTTP/JSON, as kessai's e-money adapter expects one.
// The API is CentreFront's (emoney_front.hpp); the journals on disk, the latency, the sockets, workers
// and fault plan are run_instant_simulator's (instant_main.hpp). The cards' balances are derived from
// the journals again on start. POST /sim/settlement writes a day's file (emoney_settlement.hpp).

#include "emoney_centre_main.hpp"

#include <stdexcept>

#include "emoney_book.hpp"
#include "emoney_front.hpp"
#include "emoney_records.hpp"
#include "emoney_settlement.hpp"
#include "instant_main.hpp"

namespace kessai::sim {

int run_emoney_centre(const SimOptions& options) {
  auto mdr = mdr_table(emoney::default_mdr_table(), options.mdr);
  if (!mdr) throw std::invalid_argument(mdr.error());
  return run_instant_simulator<emoney::CentreBook, emoney::CentreFront>(
      options, "kessai-sim emoney-centre", &emoney::load_journals,
      [mdr = std::move(mdr).value()](const emoney::CentreBook& book) {
        return emoney::settlement_layout(book, mdr);
      });
}

}  // namespace kessai::sim

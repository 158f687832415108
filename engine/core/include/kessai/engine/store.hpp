#pragma once
// What the payment service needs from the system of record. The PostgreSQL implementation lives in
// engine/store; this header stays free of pqxx.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "kessai/engine/payment_intent.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::engine {

// The store could not be reached; the operation did not happen (or its transaction rolled back).
struct StoreUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CatalogLookup {
  bool fee_code_known = false;
  bool facility_known = false;
  bool procedure_known = false;
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;

  virtual CatalogLookup lookup_catalog(const FeeCode& fee_code, const std::optional<FacilityId>& facility,
                                       const std::optional<ProcedureId>& procedure) = 0;
  // Inserts a new intent and its first event, in one transaction.
  virtual void insert_intent(const PaymentIntent& intent) = 0;
  // Writes the intent's new state, the event, and the journal when the transition moves money — all in
  // one transaction, so a state never exists without its journal or the reverse.
  virtual void record_transition(const PaymentIntent& intent, IntentStatus from,
                                 const std::optional<ledger::Journal>& journal, std::string_view detail) = 0;
  virtual std::optional<PaymentIntent> find_intent(const std::string& id) = 0;
};

}  // namespace kessai::engine

#pragma once
// The payment use cases: validate, route, call the processor, record the outcome with its journal.
// It talks to the store and the processors through interfaces only; blocking, run on worker threads.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kessai/adapters/processor.hpp"
#include "kessai/engine/business_day.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/engine/errors.hpp"
#include "kessai/engine/payment_intent.hpp"
#include "kessai/engine/store.hpp"

namespace kessai::engine {

struct PaymentMethod {
  std::string card_token;  // card: a token from the card acquirer's tokenizer, never a card number
};

struct CreateIntentCommand {
  Yen amount;
  std::string currency;
  Means means = Means::card;
  FeeCode fee_code;
  std::optional<FacilityId> facility;
  std::optional<ProcedureId> procedure;
  CaptureMethod capture_method = CaptureMethod::automatic;
  std::string description;
  std::string metadata_json = "{}";
  bool confirm = false;
  PaymentMethod payment_method;
};

// Which processor takes a means. Issue-level routing (per facility, brand, fallback) grows here.
class Router {
 public:
  void add(Means means, adapters::Processor* processor) { by_means_[means] = processor; }
  adapters::Processor* route(Means means) const;

 private:
  std::map<Means, adapters::Processor*> by_means_;
};

struct CreateOutcome {
  std::optional<PaymentIntent> intent;  // set when an intent was recorded
  std::optional<ApiError> error;  // set when the call failed; with intent when it failed after recording
};

class PaymentService {
 public:
  PaymentService(PaymentStore& store, const Router& router, const Clock& clock, IdGenerator& ids,
                 BusinessDay business_day)
      : store_(store), router_(router), clock_(clock), ids_(ids), business_day_(business_day) {}

  CreateOutcome create(const CreateIntentCommand& command);
  std::optional<PaymentIntent> find(const std::string& id) { return store_.find_intent(id); }

 private:
  std::optional<ApiError> validate(const CreateIntentCommand& command) const;
  void confirm_with_processor(PaymentIntent& intent, adapters::Processor& processor,
                              const PaymentMethod& method, CreateOutcome& outcome);

  PaymentStore& store_;
  const Router& router_;
  const Clock& clock_;
  IdGenerator& ids_;
  BusinessDay business_day_;
};

}  // namespace kessai::engine

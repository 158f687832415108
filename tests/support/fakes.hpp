#pragma once
// Test doubles shared by the unit and integration suites: a processor that answers what the test
// scripts, and a typical card payment command.

#include <optional>
#include <vector>

#include "kessai/adapters/processor.hpp"
#include "kessai/engine/payment_service.hpp"

namespace kessai::testing {

class ScriptedProcessor final : public adapters::Processor {
 public:
  explicit ScriptedProcessor(const char* id = "card-sim") : id_(*ProcessorId::parse(id)) {}
  const ProcessorId& id() const override { return id_; }
  std::string_view kind() const override { return "card"; }
  adapters::ChargeResult charge(const adapters::ChargeRequest& request) override {
    requests.push_back(request);
    return next;
  }
  adapters::OperationResult capture(const adapters::CaptureRequest& request) override {
    captures.push_back(request);
    return next_operation;
  }
  adapters::OperationResult void_authorization(const adapters::VoidRequest& request) override {
    voids.push_back(request);
    return next_void.value_or(next_operation);
  }
  adapters::OperationResult refund(const adapters::RefundRequest& request) override {
    refunds.push_back(request);
    return next_operation;
  }
  adapters::InquiryResult inquire_charge(const std::string& payment_id) override {
    inquiries.push_back(payment_id);
    return next_inquiry;
  }
  adapters::ChargeResult next{adapters::ChargeOutcome::approved, "ch_1", "", ""};
  adapters::InquiryResult next_inquiry{adapters::InquiryOutcome::unknown, "", "", "", Yen(0), "down"};
  std::vector<std::string> inquiries;
  adapters::OperationResult next_operation{adapters::ChargeOutcome::approved, "op_1", "", ""};
  std::optional<adapters::OperationResult> next_void;  // unset: voids answer next_operation
  std::vector<adapters::ChargeRequest> requests;
  std::vector<adapters::CaptureRequest> captures;
  std::vector<adapters::VoidRequest> voids;
  std::vector<adapters::RefundRequest> refunds;

 private:
  ProcessorId id_;
};

// 3,000 yen by card at FAC001 for fee F001, confirmed with tok_visa.
inline engine::CreateIntentCommand card_payment_command() {
  return engine::CreateIntentCommand{.amount = Yen(3000),
                                     .currency = "JPY",
                                     .means = engine::Means::card,
                                     .fee_code = *FeeCode::parse("F001"),
                                     .facility = FacilityId::parse("FAC001"),
                                     .procedure = std::nullopt,
                                     .capture_method = engine::CaptureMethod::automatic,
                                     .description = "",
                                     .metadata_json = "{}",
                                     .confirm = true,
                                     .payment_method = {"tok_visa", "", ""},
                                     .idempotency_key = {}};
}

}  // namespace kessai::testing

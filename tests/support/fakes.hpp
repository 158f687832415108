#pragma once
// Test doubles shared by the unit and integration suites: a processor that answers what the test
// scripts, and a typical card payment command.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kessai/adapters/processor.hpp"
#include "kessai/engine/payment_service.hpp"

namespace kessai::testing {

class ScriptedProcessor final : public adapters::Processor {
 public:
  explicit ScriptedProcessor(const char* id = "card-sim", const char* kind = "card")
      : id_(*ProcessorId::parse(id)), kind_(kind) {}
  const ProcessorId& id() const override { return id_; }
  std::string_view kind() const override { return kind_; }
  adapters::SettlementProfile settlement_profile() const override { return {kind_ + "-profile"}; }
  adapters::PayerAction request_payer_action(const adapters::PayerActionRequest& request) override {
    payer_requests.push_back(request);
    adapters::PayerAction action = next_payer_action;
    if (action.outcome == adapters::ChargeOutcome::approved &&
        action.expires_at == std::chrono::system_clock::time_point{})
      action.expires_at = request.expires_at;
    return action;
  }
  adapters::OperationResult withdraw_payer_action(const std::string& payment_id,
                                                  const std::string& processor_reference) override {
    withdrawals.push_back(payment_id + "/" + processor_reference);
    return next_withdraw;
  }
  adapters::PayerActionInquiry inquire_payer_action(const std::string& payment_id) override {
    inquiries.push_back(payment_id);
    return next_payer_inquiry;
  }
  // The notice is what the test scripts; a body "forged" stands for a bad signature.
  Result<adapters::ProcessorNotice, adapters::NoticeRejection> read_notice(
      std::string_view body, const std::vector<std::pair<std::string, std::string>>&,
      std::chrono::system_clock::time_point) const override {
    if (body == "forged" || !next_notice)
      return fail(
          adapters::NoticeRejection{adapters::NoticeProblem::bad_signature, "signature does not verify"});
    return *next_notice;
  }
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
  // Pay-easy / merchant-presented QR
  adapters::PayerAction next_payer_action{.outcome = adapters::ChargeOutcome::approved,
                                          .processor_reference = "pe_1",
                                          .institution_number = "58091",
                                          .customer_number = "12345678901234567890",
                                          .confirmation_number = "123456"};
  std::vector<adapters::PayerActionRequest> payer_requests;
  adapters::OperationResult next_withdraw{adapters::ChargeOutcome::approved, "pe_1", "", ""};
  std::vector<std::string> withdrawals;
  adapters::PayerActionInquiry next_payer_inquiry{};
  std::optional<adapters::ProcessorNotice> next_notice;

 private:
  ProcessorId id_;
  std::string kind_;
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

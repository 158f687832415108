#pragma once
// The Pay-easy (ペイジー) centre of a 収納機関 (MPN): kessai asks it for a payment number — 収納機関番号,
// お客様番号, 確認番号 — with a deadline; the payer pays at an ATM or by net banking; the centre sends a
// quick notice (速報) when paid and a cancellation (取消) notice if the payer's bank reverses a cleared
// payment. Nothing is charged by kessai itself, so charge, capture and void are refused before anything is
// sent, and refunds are declined `refund_not_supported`: the MPN has no refunds (the city repays by
// transfer, outside kessai).

#include <optional>
#include <string>

#include "../src/payer_orders.hpp"
#include "kessai/adapters/processor.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::adapters::payeasy {

class PayeasyCentre final : public Processor {
 public:
  explicit PayeasyCentre(const ProcessorConfig& config);
  const ProcessorId& id() const override { return id_; }
  std::string_view kind() const override { return "payeasy"; }
  ChargeResult charge(const ChargeRequest& request) override;
  OperationResult capture(const CaptureRequest& request) override;
  OperationResult void_authorization(const VoidRequest& request) override;
  OperationResult refund(const RefundRequest& request) override;
  InquiryResult inquire_charge(const std::string& payment_id) override;

  PayerAction request_payer_action(const PayerActionRequest& request) override;
  OperationResult withdraw_payer_action(const std::string& payment_id,
                                        const std::string& processor_reference) override;
  PayerActionInquiry inquire_payer_action(const std::string& payment_id) override;
  Result<ProcessorNotice, NoticeRejection> read_notice(
      std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
      std::chrono::system_clock::time_point now) const override;
  SettlementProfile settlement_profile() const override { return {settlement_profile_}; }

 private:
  ProcessorId id_;
  std::string notice_secret_;
  std::string settlement_profile_;
  runtime::HttpClient client_;
};

// Exposed for unit tests: a created number's answer as a payer action (the three numbers checked for
// their form: a centre answering anything else is not trusted with the payer's money).
PayerAction payer_action_from(const OperationResult& created, const boost::json::object& number);

}  // namespace kessai::adapters::payeasy

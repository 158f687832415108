#pragma once
// A card acquirer (カード会社 / 加盟店契約会社) over its HTTP/JSON API: authorize with capture,
// de-duplicated by our payment id.

#include "kessai/adapters/processor.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::adapters::card {

class CardAcquirer final : public Processor {
 public:
  explicit CardAcquirer(const ProcessorConfig& config);
  const ProcessorId& id() const override { return id_; }
  std::string_view kind() const override { return "card"; }
  ChargeResult charge(const ChargeRequest& request) override;

 private:
  ProcessorId id_;
  runtime::HttpClient client_;
};

// Exposed for unit tests: how an acquirer answer becomes an outcome.
ChargeResult interpret_charge_response(unsigned status, std::string_view body);

}  // namespace kessai::adapters::card

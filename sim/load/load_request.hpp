#pragma once
// What `kessai-sim load` sends and how it reads the answers, cheaply: the request's fixed parts are
// built once per run and each request is its bytes rendered into a reused buffer; of a problem document
// only the top-level "code" member is read. Pure.

#include <cstdint>
#include <string>
#include <string_view>

#include "load_options.hpp"

namespace kessai::sim::load {

constexpr std::int64_t kAmountYenMin = 100;
constexpr std::int64_t kAmountYenMax = 20'000;

// The amount of request number `sequence` of a run: 100..20000 yen, drawn from the seed alone (SplitMix64),
// so a run's amounts are the same whatever the threads and timing.
std::int64_t amount_of(std::uint64_t seed, std::uint64_t sequence);

class RequestTemplate {
 public:
  explicit RequestTemplate(const LoadOptions& options);

  // The whole HTTP/1.1 request (head and body) of one payment into out (cleared first, capacity kept):
  // Idempotency-Key RUN_ID-SEQUENCE, the body of the preset with the amount.
  void render(std::uint64_t sequence, std::int64_t amount_yen, std::string& out) const;

 private:
  std::string head_;         // request line and fixed headers, up to "Idempotency-Key: "
  std::string key_prefix_;   // "RUN_ID-"
  std::string body_prefix_;  // {"amount":
  std::string body_suffix_;  // the rest of the body
};

// The top-level string member `name` of a JSON object, as it is between its quotes; empty when the text
// has none (or is no object, or the value is no string or holds an escape). Nested objects' members are
// skipped.
std::string_view top_level_string(std::string_view body, std::string_view name);

// The top-level "code" member of a problem document (top_level_string).
std::string_view problem_code(std::string_view body);

// The id of the payment intent an answer acknowledges as paid: a 201 whose top-level "status" is
// "succeeded" (a 201 "processing" is not, its outcome is still unknown); empty otherwise.
std::string_view acknowledged_intent_id(unsigned status, std::string_view body);

// One line of --record: "INTENT_ID<TAB>AMOUNT\n", appended to out.
void append_record_line(std::string& out, std::string_view intent_id, std::int64_t amount_yen);

// How a failed answer is counted: "STATUS CODE" ("402 card_declined") for a problem document with a code,
// "STATUS" otherwise.
std::string failure_key(unsigned status, std::string_view content_type, std::string_view body);

}  // namespace kessai::sim::load

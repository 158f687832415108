#pragma once
// Uploading stored (offline) payments: how the terminal cuts them into OfflineBatches, and the checks on
// what comes back. Pure.
//
// Real terminals upload whatever they have when the line comes back, sometimes in pieces (a batch cut
// off by the next drop) and sometimes twice (the reply of an upload lost). The simulator does both on
// purpose: each batch of at most kOfflineBatchMax is, with --partial-upload-rate, cut in two or three
// parts sent in shuffled order; and with --duplicate-upload-rate a part is sent again once every part
// was sent. kessai must record each payment once and answer the resent ones duplicate=true with the
// payment id of the first answer.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fleet_random.hpp"

namespace kessai::sim::pos {

// The protocol's limit on one OfflineBatch (BATCH_TOO_LARGE above it).
constexpr std::size_t kOfflineBatchMax = 500;

struct UploadPart {
  std::vector<std::uint64_t> transaction_numbers = {};
  bool resend = false;  // a part sent before, sent again on purpose
};

// The uploads for the stored payments `numbers` (in the order taken): every number in exactly one part
// with resend=false, parts of at most batch_max, then the resent parts.
std::vector<UploadPart> plan_upload(const std::vector<std::uint64_t>& numbers, DrawRandom& random,
                                    double partial_share, double duplicate_share,
                                    std::size_t batch_max = kOfflineBatchMax);

// What a resent transaction's answer says about the first one. Stable numbers; never renumber.
enum class ResendVerdict : std::uint8_t {
  acknowledged = 1,   // duplicate=true, the first answer's payment id
  not_flagged = 2,    // duplicate=false: kessai took it for a new transaction
  other_payment = 3,  // duplicate=true, but another payment id
};
ResendVerdict check_resend(std::string_view first_payment_id, bool duplicate, std::string_view payment_id);
std::string_view verdict_name(ResendVerdict verdict);

// Whether a batch reply's results are one per payment sent, in the order sent.
bool results_match(const std::vector<std::uint64_t>& sent, const std::vector<std::uint64_t>& answered);

}  // namespace kessai::sim::pos

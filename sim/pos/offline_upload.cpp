#include "offline_upload.hpp"

#include <algorithm>
#include <cassert>

namespace kessai::sim::pos {

namespace {

// Fisher–Yates with our own draws, so the order is the same on every platform.
void shuffle(std::vector<UploadPart>& parts, DrawRandom& random) {
  for (std::size_t i = parts.size(); i > 1; --i) std::swap(parts[i - 1], parts[random.below(i)]);
}

// Cuts one batch into 2 or 3 non-empty parts (fewer when it holds fewer payments).
std::vector<UploadPart> cut(const std::vector<std::uint64_t>& batch, DrawRandom& random) {
  const std::size_t wanted = 2 + random.below(2);
  const std::size_t pieces = std::min(wanted, batch.size());
  std::vector<std::size_t> cuts = {0};
  for (std::size_t i = 1; i < pieces; ++i) {
    // Distinct cut points strictly inside the batch, drawn in turn above the previous one.
    const std::size_t low = cuts.back() + 1;
    const std::size_t high = batch.size() - (pieces - i);  // leaves room for the parts after
    cuts.push_back(low + random.below(high - low + 1));
  }
  cuts.push_back(batch.size());
  std::vector<UploadPart> parts;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const auto first = batch.begin() + static_cast<std::ptrdiff_t>(cuts[i]);
    const auto last = batch.begin() + static_cast<std::ptrdiff_t>(cuts[i + 1]);
    parts.push_back({{first, last}, false});
  }
  return parts;
}

}  // namespace

std::vector<UploadPart> plan_upload(const std::vector<std::uint64_t>& numbers, DrawRandom& random,
                                    double partial_share, double duplicate_share, std::size_t batch_max) {
  assert(batch_max >= 1 && batch_max <= kOfflineBatchMax);
  std::vector<UploadPart> parts;
  bool any_cut = false;
  for (std::size_t start = 0; start < numbers.size(); start += batch_max) {
    const std::size_t end = std::min(numbers.size(), start + batch_max);
    const std::vector<std::uint64_t> batch(numbers.begin() + static_cast<std::ptrdiff_t>(start),
                                           numbers.begin() + static_cast<std::ptrdiff_t>(end));
    if (random.chance(partial_share) && batch.size() >= 2) {
      for (UploadPart& part : cut(batch, random)) parts.push_back(std::move(part));
      any_cut = true;
    } else {
      parts.push_back({batch, false});
    }
  }
  if (any_cut) shuffle(parts, random);
  const std::size_t first_sends = parts.size();
  for (std::size_t i = 0; i < first_sends; ++i) {
    if (random.chance(duplicate_share)) parts.push_back({parts[i].transaction_numbers, true});
  }
  return parts;
}

ResendVerdict check_resend(std::string_view first_payment_id, bool duplicate, std::string_view payment_id) {
  if (!duplicate) return ResendVerdict::not_flagged;
  return payment_id == first_payment_id ? ResendVerdict::acknowledged : ResendVerdict::other_payment;
}

std::string_view verdict_name(ResendVerdict verdict) {
  switch (verdict) {
    case ResendVerdict::acknowledged:
      return "acknowledged";
    case ResendVerdict::not_flagged:
      return "not_flagged_duplicate";
    case ResendVerdict::other_payment:
      return "duplicate_of_another_payment";
  }
  return "unknown";
}

bool results_match(const std::vector<std::uint64_t>& sent, const std::vector<std::uint64_t>& answered) {
  return sent == answered;
}

}  // namespace kessai::sim::pos

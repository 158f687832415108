#pragma once
// Request signing of the POS protocol (docs/pos-protocol.md, "Signing"): every request carries
//   X-Kessai-Terminal   the terminal id
//   X-Kessai-Sequence   the request sequence number, decimal
//   X-Kessai-Signature  lower-case hex HMAC-SHA256(secret, terminal_id "\n" sequence "\n" path "\n" body)

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kessai::sim::pos {

constexpr std::string_view kProtobufContentType = "application/x-protobuf";

// The bytes the signature covers.
std::string signing_string(std::string_view terminal_id, std::uint64_t sequence, std::string_view path,
                           std::string_view body);

// Lower-case hex HMAC-SHA256 of the signing string under the terminal's secret.
std::string request_signature(std::string_view secret, std::string_view terminal_id, std::uint64_t sequence,
                              std::string_view path, std::string_view body);

// The three headers of a signed request, in the order above.
std::vector<std::pair<std::string, std::string>> signed_headers(std::string_view secret,
                                                                std::string_view terminal_id,
                                                                std::uint64_t sequence, std::string_view path,
                                                                std::string_view body);

}  // namespace kessai::sim::pos

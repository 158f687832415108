#include "signing.hpp"

#include <cassert>

#include "kessai/runtime/crypto.hpp"

namespace kessai::sim::pos {

std::string signing_string(std::string_view terminal_id, std::uint64_t sequence, std::string_view path,
                           std::string_view body) {
  std::string text;
  text.reserve(terminal_id.size() + path.size() + body.size() + 24);
  text.append(terminal_id).append("\n").append(std::to_string(sequence)).append("\n");
  text.append(path).append("\n").append(body);
  return text;
}

std::string request_signature(std::string_view secret, std::string_view terminal_id, std::uint64_t sequence,
                              std::string_view path, std::string_view body) {
  assert(sequence >= 1);  // the protocol counts from 1
  return runtime::hmac_sha256_hex(secret, signing_string(terminal_id, sequence, path, body));
}

std::vector<std::pair<std::string, std::string>> signed_headers(std::string_view secret,
                                                                std::string_view terminal_id,
                                                                std::uint64_t sequence, std::string_view path,
                                                                std::string_view body) {
  return {{"X-Kessai-Terminal", std::string(terminal_id)},
          {"X-Kessai-Sequence", std::to_string(sequence)},
          {"X-Kessai-Signature", request_signature(secret, terminal_id, sequence, path, body)}};
}

}  // namespace kessai::sim::pos

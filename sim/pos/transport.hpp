#pragma once
// How a terminal reaches kessai, and its clock: interfaces, so the terminal's logic runs against a real
// HTTP client in the simulator (pos_fleet_main.cpp) and against a scripted fake in the unit tests.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kessai::sim::pos {

struct WireRequest {
  std::string path = "";                                          // "/pos/v1/payments"
  std::string body = "";                                          // the serialized message
  std::vector<std::pair<std::string, std::string>> headers = {};  // the signature's; content type aside
};

struct WireReply {
  unsigned status = 0;
  std::string content_type = "";
  std::string body = "";
};

struct TransportOutcome {
  std::optional<WireReply> reply = std::nullopt;  // nullopt: no answer came back
  // Without an answer: whether kessai may have received the request and acted on it (false only when
  // the connection was never made).
  bool request_maybe_sent = true;
  std::string problem = "";  // without an answer: what went wrong, for the log
};

// POSTs one request with Content-Type application/x-protobuf. Each terminal has its own.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual TransportOutcome post(const WireRequest& request) = 0;
};

// The terminal's clock: wall time for local_time, and waiting (between retries, for PENDING payments).
class TerminalClock {
 public:
  virtual ~TerminalClock() = default;
  virtual std::int64_t unix_ms() = 0;
  virtual void sleep_ms(std::int64_t duration_ms) = 0;
};

}  // namespace kessai::sim::pos

#pragma once
// A blocking HTTP/1.1 client with timeouts and kept-alive connections, for talking to processors.
// Call it from worker threads or request fibers (runtime/fibers.hpp: there it suspends the fiber instead of
// blocking its thread), never from a network thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kessai/result.hpp"
#include "kessai/runtime/http_types.hpp"

namespace boost::asio {
class io_context;
}

namespace kessai::runtime {

struct ClientLimits {
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};  // write + read of one exchange
  std::size_t response_body_bytes_max = 1024 * 1024;
  // Connections kept open for the next request. As many as kessaid's workers may call through at once:
  // fewer, and under load every request beyond them opens (and closes) a connection of its own.
  std::size_t idle_connections_max = 256;
};

// Stable numbers; never renumber.
enum class ClientErrorKind : std::uint8_t {
  connect_failed = 1,   // nothing was sent
  timeout = 2,          // the request may have been received and acted on
  connection_lost = 3,  // the request may have been received and acted on
  malformed_response = 4,
  response_too_large = 5,
};

struct ClientError {
  ClientErrorKind kind;
  std::string message;
  // False only when the peer certainly never saw the request; a processor call that failed with
  // request_maybe_sent has an unknown outcome and must be inquired, never assumed failed.
  bool request_maybe_sent = true;
};

class HttpClient {
 public:
  // base_url: "http://host:port"; throws std::invalid_argument when it is not one.
  HttpClient(const std::string& base_url, ClientLimits limits);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse, ClientError> request(
      std::string_view method, std::string_view target, std::string_view body = {},
      std::string_view content_type = "application/json",
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  const std::string& base_url() const { return base_url_; }

 private:
  struct Connection;
  // Kept connections are per event loop: a fiber's loop, or nullptr for those of blocking callers.
  std::unique_ptr<Connection> take_idle(boost::asio::io_context* fiber_loop);
  void keep_idle(std::unique_ptr<Connection> connection);

  std::string base_url_;
  std::string host_;
  std::string port_;
  ClientLimits limits_;
  std::mutex mutex_;
  std::unordered_map<boost::asio::io_context*, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace kessai::runtime

#pragma once
// An HTTP/1.1 server on Boost.Beast: keep-alive, a body limit, read/write/idle timeouts and a cap on
// connections. It parses requests and writes responses; what to answer is the handler's business.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kessai/runtime/http_types.hpp"

namespace kessai::runtime {

struct ServerLimits {
  std::size_t body_bytes_max = 64 * 1024;
  std::size_t header_bytes_max = 16 * 1024;
  std::chrono::milliseconds read_timeout{30'000};  // a whole request, once it has started
  std::chrono::milliseconds idle_timeout{60'000};  // between requests on a kept-alive connection
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t connections_max = 4096;
};

class HttpServer {
 public:
  // Binds at once (port 0 picks a free port); throws std::system_error when the address is unusable.
  HttpServer(const std::string& host, std::uint16_t port, ServerLimits limits, HttpHandler handler,
             std::size_t io_threads);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Serves until stop() or SIGINT/SIGTERM; returns after the I/O threads have finished.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:8080" → host and port; nullopt when malformed.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// Writes the port to a file atomically (write + rename) so a waiting script never reads half of it.
void write_port_file(const std::string& path, std::uint16_t port);

}  // namespace kessai::runtime

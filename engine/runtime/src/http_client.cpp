#include "kessai/runtime/http_client.hpp"

#include <functional>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "kessai/runtime/fibers.hpp"

namespace kessai::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Called on a fiber, a connection belongs to the fiber's event loop: its operations complete there while
// the fiber is suspended, and it is kept for the next fiber of that loop. Called on any other thread, a
// connection has an io_context of its own, run by the calling thread until the operation completes, so a
// blocking call still has timeouts (beast::tcp_stream's timeouts apply to async operations only).
struct HttpClient::Connection {
  explicit Connection(asio::io_context* fiber_loop)
      : own(fiber_loop ? nullptr : std::make_unique<asio::io_context>(1)),
        loop(fiber_loop ? fiber_loop : own.get()),
        stream(*loop) {}

  std::unique_ptr<asio::io_context> own;
  asio::io_context* loop;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;

  // Runs an operation to its end: start(done) begins it, its completion handler calls done.
  void complete(const std::function<void(Resume)>& start) {
    if (!own) {
      fiber::suspend(start);
      return;
    }
    start([] {});
    own->restart();
    own->run();
  }
};

HttpClient::HttpClient(const std::string& base_url, ClientLimits limits)
    : base_url_(base_url), limits_(limits) {
  auto parsed = boost::urls::parse_uri(base_url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
    throw std::invalid_argument("not an http://host:port URL: " + base_url);
  }
  host_ = std::string(parsed->host());
  port_ = parsed->has_port() ? std::string(parsed->port()) : "80";
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::take_idle(asio::io_context* fiber_loop) {
  std::lock_guard lock(mutex_);
  auto found = idle_.find(fiber_loop);
  if (found == idle_.end() || found->second.empty()) return nullptr;
  std::unique_ptr<Connection> connection = std::move(found->second.back());
  found->second.pop_back();
  return connection;
}

void HttpClient::keep_idle(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  auto& kept = idle_[connection->own ? nullptr : connection->loop];
  if (kept.size() < limits_.idle_connections_max) kept.push_back(std::move(connection));
}

Result<HttpResponse, ClientError> HttpClient::request(
    std::string_view method, std::string_view target, std::string_view body, std::string_view content_type,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, host_ + ":" + port_);
  request.set(http::field::user_agent, "kessai");
  request.keep_alive(true);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.set(http::field::content_type, content_type);
    request.body() = std::string(body);
    request.prepare_payload();
  }

  asio::io_context* const fiber_loop = fiber::loop();
  // A kept-alive connection may have been closed by the server while idle; then one fresh try follows.
  // The server most likely closed it before reading this request, but not certainly: callers whose
  // requests are not idempotent must make them so (kessai's processors de-duplicate on our payment id).
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> connection = attempt == 0 ? take_idle(fiber_loop) : nullptr;
    const bool reused = connection != nullptr;
    beast::error_code ec;
    if (!reused) {
      connection = std::make_unique<Connection>(fiber_loop);
      // Processors are named by address or by a name in /etc/hosts: resolving does not wait on the network.
      tcp::resolver resolver(*connection->loop);
      const auto endpoints = resolver.resolve(host_, port_, ec);
      if (ec)
        return fail(
            ClientError{ClientErrorKind::connect_failed, "resolve " + host_ + ": " + ec.message(), false});
      connection->stream.expires_after(limits_.connect_timeout);
      connection->complete([&](Resume done) {
        connection->stream.async_connect(endpoints, [&, done](beast::error_code e, const tcp::endpoint&) {
          ec = e;
          done();
        });
      });
      if (ec) {
        return fail(ClientError{ClientErrorKind::connect_failed,
                                "connect to " + host_ + ":" + port_ + ": " + ec.message(), false});
      }
    }

    connection->stream.expires_after(limits_.request_timeout);
    connection->complete([&](Resume done) {
      http::async_write(connection->stream, request, [&, done](beast::error_code e, std::size_t) {
        ec = e;
        done();
      });
    });
    if (ec == beast::error::timeout) {
      return fail(ClientError{ClientErrorKind::timeout, "timed out sending to " + base_url_, true});
    }
    if (ec) {
      if (reused) continue;
      return fail(
          ClientError{ClientErrorKind::connection_lost, "send to " + base_url_ + ": " + ec.message(), true});
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(limits_.response_body_bytes_max);
    connection->complete([&](Resume done) {
      http::async_read(connection->stream, connection->buffer, parser,
                       [&, done](beast::error_code e, std::size_t) {
                         ec = e;
                         done();
                       });
    });
    if (ec == beast::error::timeout) {
      return fail(ClientError{ClientErrorKind::timeout,
                              "no answer from " + base_url_ + " within " +
                                  std::to_string(limits_.request_timeout.count()) + " ms",
                              true});
    }
    if (ec == http::error::body_limit) {
      return fail(ClientError{ClientErrorKind::response_too_large,
                              "response from " + base_url_ + " too large", true});
    }
    if (ec == http::error::end_of_stream && reused && parser.got_some() == false) continue;
    if (ec) {
      const bool lost = ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                        ec == asio::error::eof || ec == asio::error::broken_pipe;
      return fail(ClientError{lost ? ClientErrorKind::connection_lost : ClientErrorKind::malformed_response,
                              "reading from " + base_url_ + ": " + ec.message(), true});
    }

    http::response<http::string_body> response = parser.release();
    HttpResponse out;
    out.status = response.result_int();
    out.content_type = std::string(response[http::field::content_type]);
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = std::move(response.body());
    if (response.keep_alive()) keep_idle(std::move(connection));
    return out;
  }
  return fail(
      ClientError{ClientErrorKind::connection_lost, "connection to " + base_url_ + " kept closing", true});
}

}  // namespace kessai::runtime

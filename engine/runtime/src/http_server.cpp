#include "kessai/runtime/http_server.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "kessai/runtime/log.hpp"

namespace kessai::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kDrainTimeout{10'000};
constexpr std::size_t kDrainBytesMax = 4 * 1024 * 1024;

// Turns the callback-style handler into something a coroutine can co_await. The responder may be called
// from any thread; the completion runs on the session's strand.
template <class CompletionToken>
auto async_handle(const HttpHandler& handler, HttpRequest request, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void(HttpResponse)>(
      [&handler](auto completion, HttpRequest incoming) {
        using Completion = decltype(completion);
        using Guard = asio::executor_work_guard<asio::associated_executor_t<Completion>>;
        struct State {
          State(Completion c, Guard g) : completion(std::move(c)), work(std::move(g)) {}
          Completion completion;
          Guard work;
          std::atomic<bool> answered{false};
        };
        auto guard = asio::make_work_guard(asio::get_associated_executor(completion));
        auto state = std::make_shared<State>(std::move(completion), std::move(guard));
        handler(std::move(incoming), [state](HttpResponse response) {
          const bool already = state->answered.exchange(true);
          assert(!already && "a handler answered twice");
          if (already) return;
          asio::post(state->work.get_executor(), [state, response = std::move(response)]() mutable {
            std::move(state->completion)(std::move(response));
            state->work.reset();
          });
        });
      },
      token, std::move(request));
}

http::response<http::string_body> to_beast(HttpResponse response, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(response.status), version};
  out.set(http::field::server, "kessai");
  out.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) out.set(name, value);
  out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

HttpRequest from_beast(http::request<http::string_body>&& request, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(request.body());
  out.remote_address = remote;
  return out;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const std::string& host, std::uint16_t port, ServerLimits limits, HttpHandler handler,
       std::size_t threads)
      : limits(limits),
        handler(std::move(handler)),
        io_threads(threads),
        io(static_cast<int>(threads)),
        acceptor(io),
        signals(io, SIGINT, SIGTERM) {
    const tcp::endpoint endpoint(asio::ip::make_address(host), port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  }

  asio::awaitable<void> write_and_close(beast::tcp_stream& stream, HttpResponse response, unsigned version) {
    auto out = to_beast(std::move(response), version, false);
    stream.expires_after(limits.write_timeout);
    beast::error_code ec;
    co_await http::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
    // Read and drop what the client is still sending (bounded), so closing does not reset the connection
    // before the client has read the error.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kDrainTimeout / 10);
    std::array<char, 16 * 1024> sink;
    for (std::size_t drained = 0; !ec && drained < kDrainBytesMax;) {
      drained +=
          co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    struct Count {
      std::atomic<std::size_t>& value;
      ~Count() { --value; }
    } count{connections};
    std::string remote;
    beast::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (!ec) remote = peer.address().to_string();

    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(limits.body_bytes_max);
      parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
      stream.expires_after(first ? limits.read_timeout : limits.idle_timeout);
      first = false;
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        break;
      }
      if (ec == http::error::body_limit) {
        co_await write_and_close(
            stream,
            problem_response(413, "body_too_large", "Request body too large",
                             "the body exceeds " + std::to_string(limits.body_bytes_max) + " bytes"),
            11);
        break;
      }
      if (ec == http::error::header_limit) {
        co_await write_and_close(
            stream,
            problem_response(431, "headers_too_large", "Request headers too large",
                             "the headers exceed " + std::to_string(limits.header_bytes_max) + " bytes"),
            11);
        break;
      }
      if (ec) {
        co_await write_and_close(
            stream, problem_response(400, "malformed_request", "Malformed HTTP request", ec.message()), 11);
        break;
      }
      http::request<http::string_body> request = parser.release();
      const bool keep_alive = request.keep_alive();
      const unsigned version = request.version();
      stream.expires_never();  // the handler may wait on a processor; it has its own timeouts
      ++in_flight;
      HttpResponse response =
          co_await async_handle(handler, from_beast(std::move(request), remote), asio::use_awaitable);
      --in_flight;
      // Status 0 closes the connection without answering: simulators use it to play a lost response.
      if (response.status == 0) break;
      auto out = to_beast(std::move(response), version, keep_alive);
      stream.expires_after(limits.write_timeout);
      co_await http::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> drain_then_stop() {
    const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    asio::steady_timer timer(io);
    while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    io.stop();
  }

  asio::awaitable<void> listen() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(io),
                                                          asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        log::warn("http_accept_failed", {{"error", ec.message()}});
        continue;
      }
      if (connections.load() >= limits.connections_max) {
        log::warn("http_connection_refused", {{"reason", "connections_max"},
                                              {"connections_max", std::uint64_t{limits.connections_max}}});
        socket.close(ec);
        continue;
      }
      ++connections;
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
  }

  ServerLimits limits;
  HttpHandler handler;
  std::size_t io_threads;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
};

HttpServer::HttpServer(const std::string& host, std::uint16_t port, ServerLimits limits, HttpHandler handler,
                       std::size_t io_threads)
    : impl_(std::make_unique<Impl>(host, port, limits, std::move(handler), io_threads)) {
  assert(io_threads >= 1);
}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void HttpServer::run() {
  impl_->signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    log::info("shutdown_requested", {{"signal", signal_number}});
    stop();
  });
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->listen(), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->io_threads; ++i) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (std::thread& thread : threads) thread.join();
}

// Stops accepting at once, lets requests already being handled answer (bounded by kDrainTimeout), then stops.
void HttpServer::stop() {
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->signals.cancel(ec);
    asio::co_spawn(impl_->io, impl_->drain_then_stop(), asio::detached);
  });
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  ListenAddress address;
  address.host = std::string(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) return std::nullopt;
  boost::system::error_code ec;
  asio::ip::make_address(address.host, ec);
  if (ec) return std::nullopt;
  address.port = static_cast<std::uint16_t>(port);
  return address;
}

void write_port_file(const std::string& path, std::uint16_t port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out) throw std::runtime_error("cannot write port file " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + temporary + " to " + path);
  }
}

}  // namespace kessai::runtime

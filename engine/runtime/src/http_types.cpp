#include "kessai/runtime/http_types.hpp"

#include <chrono>
#include <cstdio>

#include "kessai/runtime/log.hpp"

namespace kessai::runtime {

std::optional<std::string_view> HttpRequest::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view HttpRequest::path() const {
  const std::string_view whole(target);
  return whole.substr(0, whole.find('?'));
}

std::string_view HttpRequest::query() const {
  const std::string_view whole(target);
  const std::size_t mark = whole.find('?');
  return mark == std::string_view::npos ? std::string_view() : whole.substr(mark + 1);
}

HttpResponse problem_response(unsigned status, std::string_view code, std::string_view title,
                              std::string_view detail) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/problem+json";
  response.body = "{\"type\":\"urn:kessai:problem:" + json_escape(code) + "\",\"title\":\"" +
                  json_escape(title) + "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" +
                  json_escape(detail) + "\",\"code\":\"" + json_escape(code) + "\"}";
  return response;
}

Responder logged_responder(const HttpRequest& request, Responder respond,
                           std::function<void(HttpResponse&)> before) {
  return [respond = std::move(respond), before = std::move(before), method = request.method,
          path = std::string(request.path()),
          started = std::chrono::steady_clock::now()](HttpResponse response) {
    if (before) before(response);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    log::info("http_request",
              {{"method", method},
               {"path", path},
               {"status", response.status},
               {"duration_us", static_cast<std::int64_t>(
                                   std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count())}});
    respond(std::move(response));
  };
}

}  // namespace kessai::runtime

#pragma once
// Plain HTTP request/response values: handlers work on these, never on Beast types, so request
// handling stays separate from I/O and is testable without sockets.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kessai::runtime {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", …
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view lower_case_name) const;
  std::string_view path() const;   // target without the query
  std::string_view query() const;  // after '?', or empty
};

struct HttpResponse {
  unsigned status = 200;  // 0: close the connection without answering (simulated lost response)
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A handler answers through the responder exactly once, from any thread, possibly later.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, Responder)>;

// An RFC 9457 problem document with kessai's stable "code" member.
HttpResponse problem_response(unsigned status, std::string_view code, std::string_view title,
                              std::string_view detail);

// Escapes text for a JSON string literal (without the quotes).
std::string json_escape(std::string_view text);

// Wraps a handler's responder so every answer is logged once as an "http_request" line (method, path,
// status, duration from now), never with a header's value; `before` may change the answer first.
Responder logged_responder(const HttpRequest& request, Responder respond,
                           std::function<void(HttpResponse&)> before = {});

}  // namespace kessai::runtime

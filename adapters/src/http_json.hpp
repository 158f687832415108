#pragma once
// What the HTTP/JSON processor adapters share. The card acquirer and the e-money centre speak one
// dialect: 200/201 with the object's "status" when done, 402 with "status": "declined" and a
// "decline_code" when refused, other 4xx when the request itself was refused, 5xx/408/429 or an
// unreadable answer when the outcome is unknown; inquiries answer {"object": "list", "data": [...]}.
// The mapping lives here once, so the adapters cannot drift apart on the one rule that matters:
// never guess an outcome.

#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "kessai/adapters/processor.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::adapters::http_json {

// How one processor kind is named in messages and logs.
struct Peer {
  std::string_view noun;            // "acquirer", "e-money centre"
  std::string_view rejected_event;  // the error log event of a refused request
};

// An answer as an outcome: approved when the answer is 200/201 and the object's "status" is one of
// `success_statuses` (its "id" is then the processor reference).
OperationResult interpret_response(unsigned status, std::string_view body,
                                   std::span<const std::string_view> success_statuses, std::string_view noun);

// A failed exchange is not_sent only when the processor surely never saw the request.
OperationResult interpret_client_error(const runtime::ClientError& error);

// One POST, its answer mapped by interpret_response; a refusal is logged loudly (our bug or bad config).
// payment_id is for the logs. When `answer` is given, the answer's object is copied there (left empty
// when it is none) for the caller to read fields of its own processor.
OperationResult post(runtime::HttpClient& client, const Peer& peer, const ProcessorId& processor,
                     std::string_view target, std::string_view body,
                     std::span<const std::string_view> success_statuses, std::string_view payment_id,
                     boost::json::object* answer = nullptr);

// An answer to an inquiry by reference: not_found for an empty list, unknown for anything unusable,
// found with its first object copied to `first` for the caller to read (each processor names its
// amounts its own way).
InquiryResult interpret_list_answer(unsigned status, std::string_view body, boost::json::object& first);

// One GET of an inquiry list, read by interpret_list_answer; unknown when the exchange failed.
InquiryResult inquire(runtime::HttpClient& client, std::string_view target, boost::json::object& first);

// Our own refusal, before anything is sent.
OperationResult refused_before_sending(std::string message);

// The field's text, or empty when it is missing or not a string.
std::string string_field(const boost::json::object& object, std::string_view key);

// Every byte but RFC 3986 unreserved characters as %XX: a processor's id in a path, our reference in a
// query, can never change the request's shape.
std::string percent_encode(std::string_view text);

}  // namespace kessai::adapters::http_json

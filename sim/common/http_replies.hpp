#pragma once
// The answers both simulators give the same way: a JSON body with a status, the 400 and 404 bodies,
// lists, the "reference" query of an inquiry, and the time stamp of a new record. Plain values, no
// sockets, so each simulator's API stays a function from request to answer.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "kessai/runtime/http_types.hpp"

namespace kessai::sim {

runtime::HttpResponse reply(unsigned status, const boost::json::value& body);

// 400 {"error": "invalid_request", "message"}.
runtime::HttpResponse bad_request(std::string message);

// 404 {"error": "not_found", "message"}.
runtime::HttpResponse not_found(std::string_view message = "no such resource");

// {"object": "list", "data": [...]}.
boost::json::object list_json(boost::json::array data);

// The query's "reference": absent (list everything), a value, or malformed.
struct ReferenceQuery {
  std::optional<std::string> reference;
  bool malformed = false;
};

// Finds "reference=…" among the query's "&"-separated pairs and percent-decodes its value; a broken
// %XX escape is malformed.
ReferenceQuery parse_reference_query(std::string_view query);

// %XX decoded (either case of hex digit); nullopt for a broken escape.
std::optional<std::string> percent_decode(std::string_view text);

// The wall clock in UTC, "YYYY-MM-DDTHH:MM:SSZ": the time stamp of a new record.
std::string utc_now();

}  // namespace kessai::sim

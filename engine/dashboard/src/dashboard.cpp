#include "kessai/engine/dashboard.hpp"

#include <array>
#include <cassert>
#include <charconv>

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

#include "kessai/engine/errors.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/ledger/journal.hpp"
#include "kessai/recon/recon_store.hpp"
#include "kessai/reports/table.hpp"
#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::engine {

namespace {

// The order of kRoutes is the order of Route.
enum class Route : std::size_t {
  page,
  asset,
  login,
  logout,
  session,
  takings,
  recon_summary,
  exceptions,
  cashless_status,
  resolve,
};

struct DashboardRoute {
  std::string_view method;
  std::string_view pattern;  // a {name} segment matches any non-empty segment
};

constexpr std::array<DashboardRoute, 10> kRoutes{{
    {"GET", "/dashboard"},
    {"GET", "/dashboard/assets/{name}"},
    {"POST", "/dashboard/login"},
    {"POST", "/dashboard/logout"},
    {"GET", "/dashboard/api/session"},
    {"GET", "/dashboard/api/takings"},
    {"GET", "/dashboard/api/recon-summary"},
    {"GET", "/dashboard/api/exceptions"},
    {"GET", "/dashboard/api/cashless-status"},
    {"POST", "/dashboard/api/exceptions/{id}/resolve"},
}};

// The one {…} segment of a matching path (empty when the pattern has none), or nullopt.
std::optional<std::string_view> match(std::string_view pattern, std::string_view path) {
  std::string_view parameter;
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return std::nullopt;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view want = pattern.substr(0, pattern.find('/'));
    const std::string_view have = path.substr(0, path.find('/'));
    if (want.starts_with('{')) {
      if (have.empty()) return std::nullopt;
      parameter = have;
    } else if (want != have) {
      return std::nullopt;
    }
    pattern.remove_prefix(want.size());
    path.remove_prefix(have.size());
  }
  return parameter;
}

runtime::HttpResponse problem(ErrorCode code, std::string_view detail) {
  const ErrorInfo& info = error_info(code);
  return runtime::problem_response(info.http_status, info.name, info.title, detail);
}

// Failures only the dashboard has; documented in docs/dashboard.md, not part of the /v1 catalogue.
runtime::HttpResponse csrf_refused() {
  return runtime::problem_response(403, "csrf_token_invalid", "The X-CSRF-Token header is missing or wrong",
                                   "send the csrf_token of GET /dashboard/api/session as X-CSRF-Token");
}

// Every dashboard answer: the page's files come only from kessaid itself (no inline script, nothing from
// elsewhere), and neither figures nor pages are kept by a browser or a proxy.
void add_security_headers(runtime::HttpResponse& response, bool cacheable = false) {
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", cacheable ? "no-cache" : "no-store");
}

runtime::HttpResponse json_ok(std::string body) {
  runtime::HttpResponse response;
  response.body = std::move(body);
  return response;
}

runtime::HttpResponse see_other(std::string_view location) {
  runtime::HttpResponse response;
  response.status = 303;
  response.content_type = "text/plain; charset=utf-8";
  response.headers.emplace_back("Location", std::string(location));
  return response;
}

// The login page, with a message above the form when the last attempt failed.
runtime::HttpResponse login_page(unsigned status, std::string_view message = {}) {
  const std::optional<DashboardAsset> asset = dashboard_asset("login.html");
  assert(asset);
  runtime::HttpResponse response;
  response.status = status;
  response.content_type = std::string(asset->content_type);
  response.body = std::string(asset->body);
  constexpr std::string_view kSlot = "<!--kessai:message-->";
  if (const std::size_t at = response.body.find(kSlot); at != std::string::npos) {
    response.body.replace(at, kSlot.size(),
                          message.empty() ? std::string()
                                          : "<p class=\"login-error\" role=\"alert\">" +
                                                reports::html_escape(message) + "</p>");
  }
  return response;
}

std::optional<std::string_view> cookie(const runtime::HttpRequest& request, std::string_view name) {
  std::string_view header = request.header("cookie").value_or("");
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (pair.starts_with(' ')) pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
  }
  return std::nullopt;
}

std::string session_cookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(token) +
         "; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age.count()) +
         (secure ? "; Secure" : "");
}

// The decoded fields of a query string or an application/x-www-form-urlencoded body; nullopt when it is
// malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> form_fields(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (text.empty()) return fields;  // (an empty view may have no data pointer, which Boost.URL cannot take)
  const auto params = boost::urls::parse_query(boost::core::string_view(text.data(), text.size()));
  if (!params) return std::nullopt;
  boost::urls::encoding_opts plus_is_space;
  plus_is_space.space_as_plus = true;
  for (const auto& param : *params) {
    fields.emplace_back(param.key.decode(plus_is_space),
                        param.has_value ? param.value.decode(plus_is_space) : std::string());
  }
  return fields;
}

std::string trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

bool has_content_type(const runtime::HttpRequest& request, std::string_view type) {
  const std::string_view value = request.header("content-type").value_or("");
  return trimmed(value.substr(0, value.find(';'))) == type;
}

}  // namespace

bool Dashboard::serves(std::string_view path) {
  return path == "/dashboard" || path.starts_with("/dashboard/");
}

void Dashboard::handle(runtime::HttpRequest request, runtime::Responder respond) {
  // Every answer is logged the same way, with the security headers; never with a key or a token.
  runtime::Responder logged = runtime::logged_responder(
      request, std::move(respond), [path = std::string(request.path())](runtime::HttpResponse& response) {
        add_security_headers(response, path.starts_with("/dashboard/assets/") && response.status == 200);
      });
  std::string allowed;
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    const std::optional<std::string_view> parameter = match(kRoutes[i].pattern, request.path());
    if (!parameter) continue;
    if (kRoutes[i].method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(kRoutes[i].method);
      continue;
    }
    const auto route = static_cast<Route>(i);
    if (route == Route::asset) {
      // Only the script and the style sheet; the pages are answered by their routes.
      const std::optional<DashboardAsset> asset = dashboard_asset(*parameter);
      if (!asset || parameter->ends_with(".html")) {
        return logged(problem(ErrorCode::not_found, "no dashboard file " + std::string(*parameter)));
      }
      return logged({200, std::string(asset->content_type), std::string(asset->body), {}});
    }
    // Without a cookie there is nothing to look up: the login page at once.
    if (route == Route::page && !cookie(request, kSessionCookie)) return logged(login_page(200));
    return run_blocking(std::move(logged), [this, request = std::move(request)] { return serve(request); });
  }
  if (!allowed.empty()) {
    runtime::HttpResponse response = problem(ErrorCode::method_not_allowed, "allowed: " + allowed);
    response.headers.emplace_back("Allow", allowed);
    return logged(std::move(response));
  }
  if (request.path() == "/dashboard/") return logged(see_other("/dashboard"));
  logged(problem(ErrorCode::not_found, "no dashboard page " + std::string(request.path())));
}

void Dashboard::run_blocking(runtime::Responder respond, std::function<runtime::HttpResponse()> work) {
  auto job = [respond, work = std::move(work)] {
    try {
      respond(work());
    } catch (const StoreUnavailable& error) {
      log::error("database_unavailable", {{"error", error.what()}});
      respond(problem(ErrorCode::database_unavailable, "the database cannot be reached; retry later"));
    } catch (const std::exception& error) {
      log::error("internal_error", {{"error", error.what()}});
      respond(problem(ErrorCode::internal_error, "an internal error occurred; it has been logged"));
    }
  };
  if (!services_.workers.try_post(job)) {
    respond(problem(ErrorCode::overloaded, "too many requests in progress; retry in a moment"));
  }
}

runtime::HttpResponse Dashboard::serve(const runtime::HttpRequest& request) {
  const std::string_view path = request.path();
  if (path == "/dashboard") return page(request);
  if (path == "/dashboard/login") return login(request);
  if (path == "/dashboard/logout") return logout(request);
  runtime::HttpResponse failure;
  const std::optional<DashboardViewer> viewer = viewer_of(request, failure);
  if (!viewer) return failure;
  if (request.method == "POST") {
    // Only resolve is a POST under /api/ (handle() matched it). With the cookie, the browser must also
    // prove it read the session's token, which another site's page cannot.
    if (!viewer->csrf_token.empty() &&
        !runtime::constant_time_equals(request.header("x-csrf-token").value_or(""), viewer->csrf_token)) {
      return csrf_refused();
    }
    constexpr std::string_view kPrefix = "/dashboard/api/exceptions/";
    const std::string_view rest = path.substr(kPrefix.size());
    return resolve(request, *viewer, rest.substr(0, rest.find('/')));
  }
  if (path == "/dashboard/api/session") {
    boost::json::object session{
        {"name", viewer->name},
        {"api_key_id", viewer->api_key_id},
        {"auth", viewer->csrf_token.empty() ? "bearer" : "session"},
        {"today", ledger::format_date(services_.business_day.date_of(services_.clock.now()))}};
    if (viewer->csrf_token.empty()) {
      session["csrf_token"] = nullptr;
    } else {
      session["csrf_token"] = viewer->csrf_token;
    }
    return json_ok(boost::json::serialize(session));
  }
  return data(request, path.substr(std::string_view("/dashboard/api/").size()));
}

runtime::HttpResponse Dashboard::page(const runtime::HttpRequest& request) {
  if (!session_viewer(request)) {
    // Expired, ended, or its key revoked: the login page, and the stale cookie is dropped.
    runtime::HttpResponse response = login_page(200);
    response.headers.emplace_back("Set-Cookie",
                                  session_cookie("", std::chrono::seconds(0), services_.secure_cookie));
    return response;
  }
  const std::optional<DashboardAsset> asset = dashboard_asset("index.html");
  assert(asset);
  return {200, std::string(asset->content_type), std::string(asset->body), {}};
}

runtime::HttpResponse Dashboard::login(const runtime::HttpRequest& request) {
  if (!has_content_type(request, "application/x-www-form-urlencoded")) {
    return login_page(415, "ログインフォームから送信してください (send the login form).");
  }
  const auto fields = form_fields(request.body);
  std::string presented;
  for (const auto& [name, value] : fields.value_or(std::vector<std::pair<std::string, std::string>>{})) {
    if (name == "api_key") presented = trimmed(value);
  }
  if (presented.empty()) return login_page(400, "キーを入力してください (enter your finance key).");
  const std::optional<std::string> key_id = api_key_id_of(presented);
  const std::optional<Caller> caller =
      key_id ? services_.keys.authenticate(*key_id, runtime::sha256_hex(presented)) : std::nullopt;
  if (!caller) {
    log::info("dashboard_login_refused", {{"reason", "invalid_api_key"}});
    return login_page(401, "キーが正しくないか、失効しています (the key is unknown or revoked).");
  }
  if (caller->role != KeyRole::finance) {
    log::info("dashboard_login_refused", {{"reason", "wrong_role"}, {"api_key_id", caller->api_key_id}});
    return login_page(403,
                      "これはバックエンド用のキーです。会計課用のキーでログインしてください "
                      "(this is a backend key; log in with a finance key).");
  }
  const NewSession session =
      create_dashboard_session(services_.pool, caller->api_key_id, services_.session_lifetime);
  log::info("dashboard_login", {{"api_key_id", caller->api_key_id}});
  runtime::HttpResponse response = see_other("/dashboard");
  response.headers.emplace_back(
      "Set-Cookie", session_cookie(session.token, services_.session_lifetime, services_.secure_cookie));
  return response;
}

runtime::HttpResponse Dashboard::logout(const runtime::HttpRequest& request) {
  const std::optional<std::string_view> token = cookie(request, kSessionCookie);
  if (token) {
    if (const std::optional<DashboardViewer> viewer = find_dashboard_session(services_.pool, *token)) {
      // The app's logout form carries the token as a field; a script may send the header instead.
      std::string presented(request.header("x-csrf-token").value_or(""));
      if (presented.empty() && has_content_type(request, "application/x-www-form-urlencoded")) {
        for (const auto& [name, value] :
             form_fields(request.body).value_or(std::vector<std::pair<std::string, std::string>>{})) {
          if (name == "csrf_token") presented = value;
        }
      }
      if (!runtime::constant_time_equals(presented, viewer->csrf_token)) return csrf_refused();
      end_dashboard_session(services_.pool, *token);
      log::info("dashboard_logout", {{"api_key_id", viewer->api_key_id}});
    }
  }
  runtime::HttpResponse response = see_other("/dashboard");
  response.headers.emplace_back("Set-Cookie",
                                session_cookie("", std::chrono::seconds(0), services_.secure_cookie));
  return response;
}

std::optional<DashboardViewer> Dashboard::session_viewer(const runtime::HttpRequest& request) {
  const std::optional<std::string_view> token = cookie(request, kSessionCookie);
  if (!token) return std::nullopt;
  return find_dashboard_session(services_.pool, *token);
}

std::optional<DashboardViewer> Dashboard::viewer_of(const runtime::HttpRequest& request,
                                                    runtime::HttpResponse& failure) {
  const std::optional<std::string_view> header = request.header("authorization");
  if (!header) {
    if (std::optional<DashboardViewer> viewer = session_viewer(request)) return viewer;
    failure = problem(ErrorCode::authentication_required,
                      cookie(request, kSessionCookie)
                          ? "the session has ended or expired; log in again at /dashboard"
                          : "log in at /dashboard, or send Authorization: Bearer <finance key>");
    failure.headers.emplace_back("WWW-Authenticate", "Bearer");
    return std::nullopt;
  }
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  std::string scheme(header->substr(0, 7));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string presented = scheme == "bearer " ? trimmed(header->substr(7)) : std::string();
  const std::optional<std::string> key_id = api_key_id_of(presented);
  const std::optional<Caller> caller =
      key_id ? services_.keys.authenticate(*key_id, runtime::sha256_hex(presented)) : std::nullopt;
  if (!caller) {
    failure = problem(ErrorCode::invalid_api_key, "the API key is unknown or revoked");
    failure.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return std::nullopt;
  }
  if (caller->role != KeyRole::finance) {
    failure = problem(ErrorCode::wrong_role,
                      "this is a backend key (for /v1); the dashboard takes a finance key, made with "
                      "kessai apikey create --role finance");
    return std::nullopt;
  }
  return DashboardViewer{.api_key_id = caller->api_key_id, .name = caller->name, .csrf_token = ""};
}

runtime::HttpResponse Dashboard::data(const runtime::HttpRequest& request, std::string_view route) {
  const bool ranged = route == "takings" || route == "exceptions";
  const auto fields = form_fields(request.query());
  if (!fields) return problem(ErrorCode::invalid_parameter, "the query string is malformed");
  reports::Period period;
  period.from = services_.business_day.date_of(services_.clock.now());
  std::optional<std::chrono::year_month_day> to;
  for (const auto& [name, value] : *fields) {
    const std::optional<std::chrono::year_month_day> date = ledger::parse_date(value);
    if ((name == "date" || (name == "to" && ranged)) && !date) {
      return problem(ErrorCode::invalid_parameter, name + " must be a date YYYY-MM-DD, not '" + value + "'");
    }
    if (name == "date") {
      period.from = *date;
    } else if (name == "to" && ranged) {
      to = date;
    } else {
      return problem(ErrorCode::unknown_parameter, "unknown query parameter '" + name + "'");
    }
  }
  period.to = to.value_or(period.from);
  const auto days = (std::chrono::sys_days(period.to) - std::chrono::sys_days(period.from)).count();
  if (days < 0 || days >= kDashboardPeriodDaysMax) {
    return problem(ErrorCode::invalid_parameter, "to must be on or after date, and at most " +
                                                     std::to_string(kDashboardPeriodDaysMax) +
                                                     " days in all");
  }
  return with_connection(services_.pool, [&](pqxx::connection& connection) {
    if (route == "takings") return json_ok(takings_json(reports::load_takings(connection, period)));
    if (route == "recon-summary") {
      return json_ok(recon_summary_json(reports::load_recon_summary(connection, period)));
    }
    if (route == "exceptions") return json_ok(exceptions_json(reports::load_exceptions(connection, period)));
    assert(route == "cashless-status");
    return json_ok(cashless_status_json(reports::load_cashless_status(connection, period)));
  });
}

runtime::HttpResponse Dashboard::resolve(const runtime::HttpRequest& request, const DashboardViewer& viewer,
                                         std::string_view id_text) {
  const auto not_found = [&] {
    return runtime::problem_response(404, "exception_not_found", "No such exception",
                                     "no exception " + std::string(id_text));
  };
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (error != std::errc{} || end != id_text.data() + id_text.size() || id <= 0) return not_found();
  if (!has_content_type(request, "application/json")) {
    return problem(ErrorCode::unsupported_media_type, "send {\"note\": \"…\"} as application/json");
  }
  boost::system::error_code parse_error;
  const boost::json::value body = boost::json::parse(request.body, parse_error);
  if (parse_error || !body.is_object()) return problem(ErrorCode::malformed_json, "send {\"note\": \"…\"}");
  for (const auto& member : body.as_object()) {
    if (member.key() != "note") {
      return problem(ErrorCode::unknown_parameter, "unknown member '" + std::string(member.key()) + "'");
    }
  }
  const boost::json::value* note_value = body.as_object().if_contains("note");
  const std::string note = note_value && note_value->is_string() ? trimmed(note_value->as_string()) : "";
  if (note.empty()) {
    return runtime::problem_response(400, "note_required", "A resolution needs a note",
                                     "say in the note what was done or found");
  }
  if (note.size() > kResolveNoteBytesMax) {
    return problem(ErrorCode::invalid_parameter,
                   "the note is longer than " + std::to_string(kResolveNoteBytesMax) + " bytes");
  }
  return with_connection(services_.pool, [&](pqxx::connection& connection) {
    const std::optional<recon::ExceptionRow> current = recon::find_exception(connection, id);
    const auto already = [&](const recon::ExceptionRow& row) {
      return runtime::problem_response(409, "exception_already_resolved", "The exception is resolved already",
                                       "exception " + std::to_string(id) + " was resolved by " +
                                           row.resolved_by + " at " + row.resolved_at);
    };
    if (!current) return not_found();
    if (current->status != "open") return already(*current);
    // resolve_exception writes the audit trail; it fails only if someone resolved it just now.
    const auto resolved = recon::resolve_exception(connection, id, viewer.name, note);
    if (!resolved.ok()) {
      const std::optional<recon::ExceptionRow> now = recon::find_exception(connection, id);
      return now ? already(*now) : not_found();
    }
    log::info("dashboard_exception_resolved", {{"exception_id", id}, {"api_key_id", viewer.api_key_id}});
    return json_ok(
        boost::json::serialize(boost::json::object{{"id", resolved->id},
                                                   {"status", resolved->status},
                                                   {"resolved_at", resolved->resolved_at},
                                                   {"resolved_by", resolved->resolved_by},
                                                   {"resolution_note", resolved->resolution_note}}));
  });
}

}  // namespace kessai::engine

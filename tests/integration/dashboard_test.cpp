// The finance dashboard's handler against a real PostgreSQL, without a browser or sockets: keys by role,
// login and sessions (only the token's hash stored, expiry, logout, revoked keys), the CSRF header, the
// data routes and their dates, resolving exceptions (audited; 400, 404, 409), and the security headers.
#include <catch2/catch.hpp>

#include <future>

#include <boost/json.hpp>

#include "kessai/engine/dashboard.hpp"
#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/runtime/crypto.hpp"
#include "test_database.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + std::chrono::hours(3);  // 12:00 JST
  }
};

struct Fixture {
  Fixture()
      : connection(database.url()),
        pool(database.url(), 4, std::chrono::seconds(5)),
        keys(pool),
        workers(2, 100),
        business_day(BusinessDay::make("Asia/Tokyo", "00:00").value()),
        dashboard(DashboardServices{.pool = pool,
                                    .keys = keys,
                                    .workers = workers,
                                    .clock = clock,
                                    .business_day = business_day,
                                    .session_lifetime = std::chrono::seconds(3600),
                                    .secure_cookie = false}) {
    finance_key = create_api_key(connection, "会計課 田中", {}, false, KeyRole::finance).secret;
    backend_key = create_api_key(connection, "reservations", {true, {}, {}}, false).secret;
  }

  runtime::HttpResponse call(const std::string& method, const std::string& target, Headers headers = {},
                             const std::string& body = "") {
    std::promise<runtime::HttpResponse> answered;
    std::future<runtime::HttpResponse> answer = answered.get_future();
    dashboard.handle(
        runtime::HttpRequest{method, target, std::move(headers), body, "127.0.0.1"},
        [&answered](runtime::HttpResponse response) { answered.set_value(std::move(response)); });
    REQUIRE(answer.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    return answer.get();
  }

  // Logs in with the finance key; returns the session cookie's token.
  std::string log_in() {
    const runtime::HttpResponse response =
        call("POST", "/dashboard/login", {{"content-type", "application/x-www-form-urlencoded"}},
             "api_key=" + finance_key);
    REQUIRE(response.status == 303);
    const std::string cookie = header(response, "Set-Cookie");
    REQUIRE(cookie.starts_with("kessai_session="));
    return cookie.substr(15, cookie.find(';') - 15);
  }

  std::string csrf_of(const std::string& token) {
    const runtime::HttpResponse session = call("GET", "/dashboard/api/session", cookie(token));
    REQUIRE(session.status == 200);
    return std::string(boost::json::parse(session.body).at("csrf_token").as_string());
  }

  static Headers cookie(const std::string& token) {
    return {{"cookie", "theme=dark; kessai_session=" + token}};
  }

  static std::string header(const runtime::HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  static std::string code_of(const runtime::HttpResponse& response) {
    INFO(response.body);
    REQUIRE(response.content_type == "application/problem+json");
    return std::string(boost::json::parse(response.body).at("code").as_string());
  }

  std::int64_t add_exception(const std::string& subject) {
    pqxx::work tx(connection);
    const std::int64_t id = tx.exec_params(
                                  "insert into recon_exceptions (reason, subject, processor_id,"
                                  " business_date, expected_yen, actual_yen, detail)"
                                  " values ('amount_mismatch', $1, 'card-sim', '2026-11-21', 3000,"
                                  " 2700, 'the line is 300 yen short') returning id",
                                  subject)[0][0]
                                .as<std::int64_t>();
    tx.commit();
    return id;
  }

  std::int64_t count(const std::string& sql) {
    pqxx::read_transaction tx(connection);
    return tx.exec(sql)[0][0].as<std::int64_t>();
  }

  testing::TestDatabase database;
  pqxx::connection connection;
  ledger::pg::ConnectionPool pool;
  PgApiKeyStore keys;
  runtime::WorkerPool workers;
  FixedClock clock;
  BusinessDay business_day;
  Dashboard dashboard;
  std::string finance_key;
  std::string backend_key;
};

}  // namespace

TEST_CASE_METHOD(Fixture,
                 "a finance key authenticates with its role, and apikey list shows it with no scope") {
  const std::string id = *api_key_id_of(finance_key);
  const std::optional<Caller> caller = keys.authenticate(id, runtime::sha256_hex(finance_key));
  REQUIRE(caller);
  CHECK(caller->role == KeyRole::finance);
  CHECK(caller->name == "会計課 田中");
  CHECK_FALSE(caller->may_charge(FacilityId::parse("FAC001"), std::nullopt));
  const std::optional<Caller> backend =
      keys.authenticate(*api_key_id_of(backend_key), runtime::sha256_hex(backend_key));
  REQUIRE(backend);
  CHECK(backend->role == KeyRole::backend);
  for (const ApiKeyInfo& info : list_api_keys(connection)) {
    CHECK(info.role == (info.id == id ? "finance" : "backend"));
    if (info.id == id) CHECK(info.scope.empty());
  }
  CHECK(key_role_from("finance") == KeyRole::finance);
  CHECK_FALSE(key_role_from("admin"));
}

TEST_CASE_METHOD(Fixture, "the login page, a wrong key, a backend key and a good login") {
  const runtime::HttpResponse page = call("GET", "/dashboard");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK_THAT(page.body, Catch::Contains("name=\"api_key\""));
  CHECK(header(page, "Content-Security-Policy").starts_with("default-src 'self'"));
  CHECK(header(page, "X-Content-Type-Options") == "nosniff");
  CHECK(header(page, "Cache-Control") == "no-store");

  const Headers form{{"content-type", "application/x-www-form-urlencoded"}};
  const runtime::HttpResponse wrong = call("POST", "/dashboard/login", form, "api_key=ksk_nothing");
  CHECK(wrong.status == 401);
  CHECK_THAT(wrong.body, Catch::Contains("login-error"));
  CHECK(header(wrong, "Set-Cookie").empty());
  const runtime::HttpResponse empty = call("POST", "/dashboard/login", form, "api_key=");
  CHECK(empty.status == 400);
  const runtime::HttpResponse backend = call("POST", "/dashboard/login", form, "api_key=" + backend_key);
  CHECK(backend.status == 403);
  CHECK_THAT(backend.body, Catch::Contains("backend key"));
  CHECK(header(backend, "Set-Cookie").empty());
  const runtime::HttpResponse json = call("POST", "/dashboard/login", {{"content-type", "application/json"}},
                                          "{\"api_key\": \"" + finance_key + "\"}");
  CHECK(json.status == 415);
  CHECK(count("select count(*) from dashboard_sessions") == 0);

  const runtime::HttpResponse good = call("POST", "/dashboard/login", form, "api_key=" + finance_key + "%0A");
  REQUIRE(good.status == 303);
  CHECK(header(good, "Location") == "/dashboard");
  const std::string set_cookie = header(good, "Set-Cookie");
  CHECK_THAT(set_cookie, Catch::Contains("; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=3600"));
  CHECK_THAT(set_cookie, !Catch::Contains("Secure"));
  const std::string token = set_cookie.substr(15, set_cookie.find(';') - 15);
  CHECK(token.size() == kDashboardTokenChars);
  // Only the hash is kept.
  CHECK(count("select count(*) from dashboard_sessions where token_sha256 = '" + runtime::sha256_hex(token) +
              "' and expires_at > now() + interval '59 minutes'") == 1);
  CHECK(count("select count(*) from dashboard_sessions where token_sha256 = '" + token + "'") == 0);

  const runtime::HttpResponse app = call("GET", "/dashboard", cookie(token));
  CHECK(app.status == 200);
  CHECK_THAT(app.body, Catch::Contains("/dashboard/assets/dashboard.js"));
  CHECK_THAT(app.body, !Catch::Contains("<script>"));
}

TEST_CASE_METHOD(Fixture, "the data routes need a finance session or a finance bearer key") {
  for (const char* route : {"session", "takings", "recon-summary", "exceptions", "cashless-status"}) {
    INFO(route);
    const std::string target = std::string("/dashboard/api/") + route;
    const runtime::HttpResponse none = call("GET", target);
    CHECK(none.status == 401);
    CHECK(code_of(none) == "authentication_required");
    const runtime::HttpResponse stale = call("GET", target, cookie("x"));
    CHECK(stale.status == 401);
    const runtime::HttpResponse backend = call("GET", target, {{"authorization", "Bearer " + backend_key}});
    CHECK(backend.status == 403);
    CHECK(code_of(backend) == "wrong_role");
    const runtime::HttpResponse unknown = call("GET", target, {{"authorization", "Bearer ksk_unknown"}});
    CHECK(unknown.status == 401);
    CHECK(code_of(unknown) == "invalid_api_key");
    const runtime::HttpResponse bearer = call("GET", target, {{"authorization", "bearer " + finance_key}});
    CHECK(bearer.status == 200);
    CHECK(header(bearer, "Cache-Control") == "no-store");
  }
  const std::string token = log_in();
  const runtime::HttpResponse session = call("GET", "/dashboard/api/session", cookie(token));
  REQUIRE(session.status == 200);
  const boost::json::value body = boost::json::parse(session.body);
  CHECK(body.at("name") == "会計課 田中");
  CHECK(body.at("auth") == "session");
  CHECK(body.at("today") == "2026-11-21");  // the fixed clock's business date in Asia/Tokyo
  CHECK(body.at("csrf_token").as_string().size() == kDashboardTokenChars);
  const runtime::HttpResponse bearer =
      call("GET", "/dashboard/api/session", {{"authorization", "Bearer " + finance_key}});
  CHECK(boost::json::parse(bearer.body).at("csrf_token").is_null());

  const runtime::HttpResponse takings =
      call("GET", "/dashboard/api/takings?date=2026-11-20&to=2026-11-21", cookie(token));
  REQUIRE(takings.status == 200);
  const boost::json::value figures = boost::json::parse(takings.body);
  CHECK(figures.at("period").at("from") == "2026-11-20");
  CHECK(figures.at("period").at("to") == "2026-11-21");
  CHECK(figures.at("totals").at("net_yen") == 0);
  CHECK(figures.at("by_means").as_array().size() == 4);
  CHECK(call("GET", "/dashboard/api/takings?date=2026-11-31", cookie(token)).status == 400);
  CHECK(call("GET", "/dashboard/api/takings?date=2026-11-21&to=2026-11-20", cookie(token)).status == 400);
  CHECK(call("GET", "/dashboard/api/takings?date=2025-01-01&to=2026-11-21", cookie(token)).status == 400);
  CHECK(code_of(call("GET", "/dashboard/api/recon-summary?to=2026-11-21", cookie(token))) ==
        "unknown_parameter");
  CHECK(code_of(call("GET", "/dashboard/api/nothing", cookie(token))) == "not_found");
  CHECK(code_of(call("POST", "/dashboard/api/takings", cookie(token))) == "method_not_allowed");
}

TEST_CASE_METHOD(Fixture, "resolving an exception: CSRF header with the cookie, a note, once, audited") {
  const std::int64_t id = add_exception("line:1");
  const std::int64_t other = add_exception("line:2");
  const std::string token = log_in();
  const std::string csrf = csrf_of(token);
  const std::string target = "/dashboard/api/exceptions/" + std::to_string(id) + "/resolve";
  const std::string note = R"({"note": "the acquirer confirmed the short line"})";
  const auto with = [&](Headers extra) {
    Headers headers = cookie(token);
    headers.emplace_back("content-type", "application/json");
    headers.insert(headers.end(), extra.begin(), extra.end());
    return headers;
  };

  const runtime::HttpResponse no_csrf = call("POST", target, with({}), note);
  CHECK(no_csrf.status == 403);
  CHECK(code_of(no_csrf) == "csrf_token_invalid");
  CHECK(call("POST", target, with({{"x-csrf-token", csrf + "x"}}), note).status == 403);
  CHECK(count("select count(*) from recon_exceptions where status = 'open'") == 2);

  CHECK(code_of(call("POST", target, with({{"x-csrf-token", csrf}}), R"({"note": "  "})")) ==
        "note_required");
  CHECK(code_of(call("POST", target, with({{"x-csrf-token", csrf}}), "{}")) == "note_required");
  CHECK(code_of(call("POST", target, with({{"x-csrf-token", csrf}}), R"({"note": 5})")) == "note_required");
  CHECK(code_of(call("POST", target, with({{"x-csrf-token", csrf}}), "{\"note\": ")) == "malformed_json");
  CHECK(code_of(call("POST", target, with({{"x-csrf-token", csrf}}), R"({"note": "a", "by": "x"})")) ==
        "unknown_parameter");
  CHECK(code_of(call("POST", target, with({{"x-csrf-token", csrf}}),
                     "{\"note\": \"" + std::string(kResolveNoteBytesMax + 1, 'a') + "\"}")) ==
        "invalid_parameter");
  CHECK(code_of(call("POST", "/dashboard/api/exceptions/999999/resolve", with({{"x-csrf-token", csrf}}),
                     note)) == "exception_not_found");
  CHECK(call("POST", "/dashboard/api/exceptions/abc/resolve", with({{"x-csrf-token", csrf}}), note).status ==
        404);

  const runtime::HttpResponse resolved = call("POST", target, with({{"x-csrf-token", csrf}}), note);
  INFO(resolved.body);
  REQUIRE(resolved.status == 200);
  CHECK(boost::json::parse(resolved.body).at("resolved_by") == "会計課 田中");
  CHECK(count("select count(*) from recon_exceptions where id = " + std::to_string(id) +
              " and status = 'resolved' and resolved_by = '会計課 田中'"
              " and resolution_note = 'the acquirer confirmed the short line'") == 1);
  CHECK(count("select count(*) from recon_exception_audit where exception_id = " + std::to_string(id) +
              " and action = 'resolved' and actor = '会計課 田中'") == 1);
  const runtime::HttpResponse again = call("POST", target, with({{"x-csrf-token", csrf}}), note);
  CHECK(again.status == 409);
  CHECK(code_of(again) == "exception_already_resolved");

  // A bearer key sends no cookie, so it needs no CSRF token.
  const runtime::HttpResponse bearer =
      call("POST", "/dashboard/api/exceptions/" + std::to_string(other) + "/resolve",
           {{"authorization", "Bearer " + finance_key}, {"content-type", "application/json"}}, note);
  CHECK(bearer.status == 200);
  const runtime::HttpResponse listed =
      call("GET", "/dashboard/api/exceptions?date=2026-11-21", {{"authorization", "Bearer " + finance_key}});
  REQUIRE(listed.status == 200);
  CHECK(boost::json::parse(listed.body).at("open") == 0);
  CHECK(boost::json::parse(listed.body).at("resolved") == 2);
}

TEST_CASE_METHOD(Fixture, "sessions end at logout, at expiry and when their key is revoked") {
  const std::string token = log_in();
  const std::string csrf = csrf_of(token);
  const Headers form{{"cookie", "kessai_session=" + token},
                     {"content-type", "application/x-www-form-urlencoded"}};
  CHECK(call("POST", "/dashboard/logout", form, "csrf_token=wrong").status == 403);
  const runtime::HttpResponse out = call("POST", "/dashboard/logout", form, "csrf_token=" + csrf);
  CHECK(out.status == 303);
  CHECK_THAT(header(out, "Set-Cookie"), Catch::Contains("Max-Age=0"));
  CHECK(call("GET", "/dashboard/api/session", cookie(token)).status == 401);
  const runtime::HttpResponse login_again = call("GET", "/dashboard", cookie(token));
  CHECK_THAT(login_again.body, Catch::Contains("name=\"api_key\""));

  const std::string expiring = log_in();
  {
    pqxx::work tx(connection);
    tx.exec_params(
        "update dashboard_sessions set expires_at = now() - interval '1 second' where token_sha256 = $1",
        runtime::sha256_hex(expiring));
    tx.commit();
  }
  CHECK(call("GET", "/dashboard/api/session", cookie(expiring)).status == 401);

  const std::string revoked = log_in();
  CHECK(call("GET", "/dashboard/api/session", cookie(revoked)).status == 200);
  REQUIRE(revoke_api_key(connection, *api_key_id_of(finance_key)));
  CHECK(call("GET", "/dashboard/api/session", cookie(revoked)).status == 401);
}

TEST_CASE_METHOD(Fixture, "the page's files are compiled in, and nothing else is served under /dashboard") {
  const runtime::HttpResponse script = call("GET", "/dashboard/assets/dashboard.js");
  CHECK(script.status == 200);
  CHECK(script.content_type == "text/javascript; charset=utf-8");
  CHECK_THAT(script.body, Catch::Contains("/dashboard/api/takings"));
  CHECK(header(script, "X-Content-Type-Options") == "nosniff");
  const runtime::HttpResponse style = call("GET", "/dashboard/assets/dashboard.css");
  CHECK(style.status == 200);
  CHECK(style.content_type == "text/css; charset=utf-8");
  CHECK(call("GET", "/dashboard/assets/login.html").status == 404);
  CHECK(call("GET", "/dashboard/assets/../../etc/passwd").status == 404);
  CHECK(call("GET", "/dashboard/nothing").status == 404);
  CHECK(call("GET", "/dashboard/").status == 303);
  CHECK(Dashboard::serves("/dashboard"));
  CHECK(Dashboard::serves("/dashboard/api/takings"));
  CHECK_FALSE(Dashboard::serves("/dashboardx"));
  CHECK_FALSE(Dashboard::serves("/v1/payment_intents"));
}

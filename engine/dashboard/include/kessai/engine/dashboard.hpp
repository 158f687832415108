#pragma once
// The web dashboard for finance staff (会計課), served by kessaid under /dashboard: a login with a
// finance key, the day's takings, the reconciliation per processor, the exception queue (resolved here,
// audited) and the facilities' cashless status. Every figure comes from kessai/reports/finance.hpp; this
// component only authenticates, encodes JSON and serves the page. Blocking work runs on the worker pool,
// never on a network thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kessai/engine/api_stores.hpp"
#include "kessai/engine/business_day.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/ledger/pg/pool.hpp"
#include "kessai/reports/finance.hpp"
#include "kessai/runtime/http_types.hpp"
#include "kessai/runtime/worker_pool.hpp"

namespace kessai::engine {

inline constexpr std::chrono::hours kDashboardSessionLifetime{8};  // a working day, then log in again
// Base-62 characters: 43 of them carry 256 bits, as many as 32 random bytes.
inline constexpr std::size_t kDashboardTokenChars = 43;
inline constexpr std::size_t kResolveNoteBytesMax = 2000;
inline constexpr int kDashboardPeriodDaysMax = 366;  // a takings or exceptions range, both ends included
inline constexpr std::string_view kSessionCookie = "kessai_session";

struct DashboardServices {
  ledger::pg::ConnectionPool& pool;
  ApiKeyStore& keys;
  runtime::WorkerPool& workers;
  const Clock& clock;
  const BusinessDay& business_day;  // "today" for a request without a date
  std::chrono::seconds session_lifetime = kDashboardSessionLifetime;
  bool secure_cookie = false;  // kessaid's public URL is https: the cookie travels over TLS only
};

// Who is looking: a finance key, by a session cookie or by its own Authorization header.
struct DashboardViewer {
  std::string api_key_id{};
  std::string name{};        // the key's name; recorded as resolved_by
  std::string csrf_token{};  // empty with a bearer key: no cookie, so nothing to forge
};

class Dashboard {
 public:
  explicit Dashboard(DashboardServices services) : services_(services) {}

  // True for /dashboard and everything under /dashboard/.
  static bool serves(std::string_view path);
  // The server's handler for those paths.
  void handle(runtime::HttpRequest request, runtime::Responder respond);

 private:
  runtime::HttpResponse serve(const runtime::HttpRequest& request);
  runtime::HttpResponse page(const runtime::HttpRequest& request);
  runtime::HttpResponse login(const runtime::HttpRequest& request);
  runtime::HttpResponse logout(const runtime::HttpRequest& request);
  runtime::HttpResponse data(const runtime::HttpRequest& request, std::string_view route);
  runtime::HttpResponse resolve(const runtime::HttpRequest& request, const DashboardViewer& viewer,
                                std::string_view id_text);
  // The viewer of an /api request, or the problem to answer.
  std::optional<DashboardViewer> viewer_of(const runtime::HttpRequest& request,
                                           runtime::HttpResponse& failure);
  std::optional<DashboardViewer> session_viewer(const runtime::HttpRequest& request);
  void run_blocking(runtime::Responder respond, std::function<runtime::HttpResponse()> work);

  DashboardServices services_;
};

// --- Sessions (dashboard_sessions; only the token's SHA-256 is stored) ----------------------------

struct NewSession {
  std::string token{};  // for the cookie; never stored
  std::string csrf_token{};
};
NewSession create_dashboard_session(ledger::pg::ConnectionPool& pool, const std::string& api_key_id,
                                    std::chrono::seconds lifetime);
// The viewer when the token names a live session of an unrevoked finance key; nullopt otherwise.
std::optional<DashboardViewer> find_dashboard_session(ledger::pg::ConnectionPool& pool,
                                                      std::string_view token);
void end_dashboard_session(ledger::pg::ConnectionPool& pool, std::string_view token);

// --- JSON (dashboard_json.cpp) --------------------------------------------------------------------

std::string takings_json(const reports::TakingsReport& report);
std::string recon_summary_json(const reports::ReconSummaryReport& report);
std::string exceptions_json(const reports::ExceptionsReport& report);
std::string cashless_status_json(const reports::CashlessStatusReport& report);

// --- The page and its files, compiled in (dashboard_assets.cpp.in) --------------------------------

struct DashboardAsset {
  std::string_view content_type;
  std::string_view body;
};
// "index.html", "login.html", "dashboard.js", "dashboard.css"; nullopt for any other name.
std::optional<DashboardAsset> dashboard_asset(std::string_view name);

}  // namespace kessai::engine

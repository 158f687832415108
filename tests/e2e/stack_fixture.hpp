#pragma once
// A whole kessai for one end-to-end test: a fresh database migrated by `kessai migrate`, the demo
// catalogue, a card-acquirer simulator, kessaid, and an API key — all real processes.

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "child_process.hpp"
#include "kessai/runtime/http_client.hpp"
#include "test_database.hpp"

namespace kessai::testing {

extern const std::string kBin;
extern const std::string kSource;

using Headers = std::vector<std::pair<std::string, std::string>>;

// Runs a kessai binary against the database; REQUIREs success; returns stdout+stderr.
std::string must_run(const std::string& program, const std::vector<std::string>& args,
                     const std::string& db_url);

struct StackOptions {
  std::string extra_config{};                 // TOML appended to kessaid.toml
  std::vector<std::string> simulator_args{};  // e.g. fault switches
  std::vector<std::string> payeasy_args{};    // the Pay-easy centre's extra switches
  std::vector<std::string> qr_args{};         // the QR provider's extra switches
  std::vector<std::string> emoney_args{};     // the e-money centre's extra switches
  // Text replaced in ops/config/kessaid.toml before it is written: {"jpqr_expires_after_s = 300", "… = 3"}.
  std::vector<std::pair<std::string, std::string>> config_edits{};
};

struct Stack {
  explicit Stack(StackOptions options = {});
  ~Stack();

  void start_simulator();
  // Starts `kessai-sim NAME` on a free port; its URL goes to url_out.
  std::unique_ptr<ChildProcess> start_other_simulator(const std::string& name, std::string& url_out,
                                                      const std::vector<std::string>& extra_args = {});
  void start_daemon();
  // A new API key; scope "all", "facility:FAC001", …
  std::string create_key(const std::vector<std::string>& scopes, const std::string& name = "e2e");

  runtime::HttpResponse request(const std::string& method, const std::string& target,
                                const std::string& body = "", const Headers& extra = {},
                                const std::string& content_type = "application/json");
  runtime::HttpResponse post(const std::string& body, const std::string& content_type = "application/json");
  runtime::HttpResponse get(const std::string& target);
  std::int64_t count(const std::string& sql);
  boost::json::array simulator_charges(const std::string& reference);

  TestDatabase database{false};
  std::string dir;
  std::string sim_url;
  std::string emoney_url;
  std::string qr_url;
  std::string payeasy_url;
  std::string notice_secret;  // shared by kessaid and the simulators that send notices
  std::string url;
  std::string api_key;
  StackOptions options;
  std::unique_ptr<ChildProcess> simulator;
  std::unique_ptr<ChildProcess> emoney_centre;
  std::unique_ptr<ChildProcess> qr_provider;
  std::unique_ptr<ChildProcess> payeasy_centre;
  std::unique_ptr<ChildProcess> daemon;
  std::unique_ptr<runtime::HttpClient> api;
};

std::string card_payment(const std::string& token, std::int64_t amount = 3000, const std::string& extra = "");
boost::json::object body_of(const runtime::HttpResponse& response);

}  // namespace kessai::testing

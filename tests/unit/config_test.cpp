#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catalog_file.hpp"
#include "config.hpp"

using namespace kessai;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() / ("kessai-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

const char* kGood = R"(
[server]
listen = "127.0.0.1:0"
worker_threads = 4
payment_threads = 3
[database]
url = "postgresql://u:p@127.0.0.1:5432/kessai"
connections_max = 4
group_commit_threads = 3
group_commit_batch_max = 100
[business_day]
time_zone = "Asia/Tokyo"
cutoff = "23:00"
[[processors]]
id = "card-a"
kind = "card"
url = "http://127.0.0.1:9000"
request_timeout_ms = 1500
[routing]
card = "card-a"
)";

}  // namespace

TEST_CASE("a complete kessaid config loads into validated values") {
  ::unsetenv("KESSAI_DATABASE_URL");
  ::unsetenv("KESSAI_LISTEN");
  ::unsetenv("KESSAI_LOG_LEVEL");
  auto config = daemon::load_config(write_temp("good.toml", kGood));
  REQUIRE(config.ok());
  CHECK(config->listen_port == 0);
  CHECK(config->worker_threads == 4);
  CHECK(config->payment_threads == 3);
  CHECK(config->group_commit_threads == 3);
  CHECK(config->group_commit_batch_max == 100);
  CHECK(config->cutoff == "23:00");
  REQUIRE(config->processors.size() == 1);
  CHECK(config->processors[0].request_timeout == std::chrono::milliseconds(1500));
  REQUIRE(config->routes.size() == 1);
  CHECK(config->routes[0].means == engine::Means::card);
  CHECK(config->routes[0].processors.at(0).str() == "card-a");
}

TEST_CASE("[[routes]] rows carry scope, fallbacks and weights; mistakes are named") {
  ::unsetenv("KESSAI_DATABASE_URL");
  const std::string base = R"(
[database]
url = "postgresql://x/y"
[[processors]]
id = "card-a"
kind = "card"
url = "http://127.0.0.1:9000"
[[processors]]
id = "card-b"
kind = "card"
url = "http://127.0.0.1:9001"
)";
  auto config = daemon::load_config(write_temp("routes.toml", base + R"(
[[routes]]
means = "card"
processors = ["card-a", "card-b"]
weights = [90, 10]
[[routes]]
means = "card"
facility = "FAC002"
processors = ["card-b"]
)"));
  REQUIRE(config.ok());
  REQUIRE(config->routes.size() == 2);
  CHECK(config->routes[0].weights == std::vector<unsigned>{90, 10});
  CHECK(config->routes[1].facility == "FAC002");
  const auto error_for = [&](const std::string& rows) {
    auto bad = daemon::load_config(write_temp("bad-routes.toml", base + rows));
    REQUIRE_FALSE(bad.ok());
    return bad.error();
  };
  CHECK_THAT(error_for("[[routes]]\nmeans = \"cash\"\nprocessors = [\"card-a\"]\n"),
             Catch::Contains("routes[0].means"));
  CHECK_THAT(error_for("[[routes]]\nmeans = \"card\"\nprocessors = []\n"),
             Catch::Contains("routes[0].processors"));
  CHECK_THAT(error_for("[[routes]]\nmeans = \"card\"\nprocessors = [\"card-a\"]\nweights = [-1]\n"),
             Catch::Contains("weights"));
  CHECK_THAT(
      error_for(
          "[[routes]]\nmeans = \"card\"\nfacility = \"A\"\nprocedure = \"B\"\nprocessors = [\"card-a\"]\n"),
      Catch::Contains("not both"));
}

TEST_CASE("the environment overrides the database and the listen address") {
  ::setenv("KESSAI_DATABASE_URL", "postgresql://other/db", 1);
  ::setenv("KESSAI_LISTEN", "127.0.0.1:9999", 1);
  auto config = daemon::load_config(write_temp("env.toml", kGood));
  ::unsetenv("KESSAI_DATABASE_URL");
  ::unsetenv("KESSAI_LISTEN");
  REQUIRE(config.ok());
  CHECK(config->database_url == "postgresql://other/db");
  CHECK(config->listen_port == 9999);
}

TEST_CASE("config mistakes are reported with the key they concern") {
  ::unsetenv("KESSAI_DATABASE_URL");
  const auto error_for = [](const std::string& text) {
    auto config = daemon::load_config(write_temp("bad.toml", text));
    REQUIRE_FALSE(config.ok());
    return config.error();
  };
  CHECK_THAT(error_for("[server]\nlisten = \"nowhere\"\n"), Catch::Contains("server.listen"));
  CHECK_THAT(error_for("[server]\nworkers = 3\n"), Catch::Contains("unknown key 'workers'"));
  CHECK_THAT(error_for("[server]\nworker_threads = 0\n"), Catch::Contains("server.worker_threads"));
  CHECK_THAT(error_for("[server]\npayment_threads = 65\n"),
             Catch::Contains("server.payment_threads must be an integer from 0 to 64"));
  CHECK_THAT(error_for("[database]\ngroup_commit_threads = 17\n"),
             Catch::Contains("database.group_commit_threads must be an integer from 0 to 16"));
  CHECK_THAT(error_for("[database]\ngroup_commit_batch_max = 0\n"),
             Catch::Contains("database.group_commit_batch_max"));
  CHECK_THAT(error_for("[database]\nurl = \"x\"\n[routing]\ncard = \"nope\"\n"),
             Catch::Contains("routing.card"));
  CHECK_THAT(error_for("[database]\nurl = \"x\"\n[routing]\ncash = \"a\"\n"), Catch::Contains("not a means"));
  CHECK_THAT(
      error_for("[database]\nurl = \"x\"\n[[processors]]\nid = \"c\"\nkind = \"card\"\nurl = \"http://h:1\"\n"
                "[routing]\nqr = \"c\"\n"),
      Catch::Contains("cannot take qr payments"));
  CHECK_THAT(error_for("[server\n"), Catch::Contains("bad.toml:"));
  CHECK_THAT(error_for("[log]\nlevel = \"loud\"\n"), Catch::Contains("log.level"));
  CHECK_THAT(
      error_for("[database]\nurl = \"x\"\n[payments]\ninquiry_after_ms = 5000\n[[processors]]\nid = \"c\"\n"
                "kind = \"card\"\nurl = \"http://h:1\"\n"),
      Catch::Contains("payments.inquiry_after_ms"));
  CHECK_THAT(error_for(""), Catch::Contains("KESSAI_DATABASE_URL"));
}

TEST_CASE("processors that send notices: their secret, JPQR merchant and deadlines are read") {
  ::unsetenv("KESSAI_DATABASE_URL");
  auto config = daemon::load_config(write_temp("payers.toml", std::string(kGood) + R"(
[[processors]]
id = "qr-a"
kind = "qr"
url = "http://127.0.0.1:9001"
notice_secret = "qr-secret"
settlement_profile = "paypay-v2"
[processors.jpqr]
merchant_code = "1234567890123"
name = "KESSAI CITY"
name_japanese = "けっさい市"
[[processors]]
id = "payeasy-a"
kind = "payeasy"
url = "http://127.0.0.1:9002"
notice_secret = "pe-secret"
[payments]
payeasy_expires_after_s = 604800
jpqr_expires_after_s = 120
)"));
  INFO((config.ok() ? "" : config.error()));
  REQUIRE(config.ok());
  const auto& qr = config->processors[1];
  CHECK(qr.notice_secret == "qr-secret");
  CHECK(qr.settlement_profile == "paypay-v2");
  CHECK(qr.jpqr.merchant_code == "1234567890123");
  CHECK(qr.jpqr.name_japanese == "けっさい市");
  CHECK(config->processors[2].notice_secret == "pe-secret");
  CHECK(config->payeasy_expires_after == std::chrono::hours(24 * 7));
  CHECK(config->jpqr_expires_after == std::chrono::seconds(120));

  const auto error_for = [](const std::string& text) {
    auto bad = daemon::load_config(write_temp("bad-payers.toml", std::string(kGood) + text));
    REQUIRE_FALSE(bad.ok());
    return bad.error();
  };
  CHECK_THAT(error_for("[payments]\npayeasy_expires_after_s = 0\n"),
             Catch::Contains("payeasy_expires_after_s"));
  CHECK_THAT(error_for("[payments]\njpqr_expires_after_s = 86401\n"),
             Catch::Contains("jpqr_expires_after_s"));
  CHECK_THAT(error_for("[[processors]]\nid = \"q\"\nkind = \"qr\"\nurl = "
                       "\"http://h:1\"\n[processors.jpqr]\nshop = \"x\"\n"),
             Catch::Contains("unknown key 'shop'"));
  CHECK_THAT(
      error_for("[[processors]]\nid = \"q\"\nkind = \"qr\"\nurl = \"http://h:1\"\nnotice_secret = 5\n"),
      Catch::Contains("notice_secret"));
  auto no_scheme = daemon::load_config(
      write_temp("bad-url.toml", "[server]\npublic_url = \"kessai.example.jp/\"\n[database]\nurl = \"x\"\n"));
  REQUIRE_FALSE(no_scheme.ok());
  CHECK_THAT(no_scheme.error(), Catch::Contains("server.public_url"));
}

TEST_CASE("the catalogue file loads fee codes, facilities and procedures") {
  auto catalog = cli::read_catalog_file(write_temp("catalog.toml", R"(
[[fee_code]]
code = "F001"
name = "体育館 個人利用料"
[[facility]]
id = "FAC001"
name = "中央体育館"
[[procedure]]
id = "PROC001"
name = "住民票"
)"));
  REQUIRE(catalog.ok());
  CHECK(catalog->fee_codes.at(0).name == "体育館 個人利用料");
  CHECK(catalog->facilities.at(0).id == "FAC001");
  CHECK(catalog->procedures.size() == 1);
}

TEST_CASE("the catalogue file gives a facility its category and means, a procedure its means") {
  auto catalog = cli::read_catalog_file(write_temp("catalog-means.toml", R"(
[[facility]]
id = "FAC001"
name = "中央体育館"
category = "citizen"
means = { card = 2026-04-01, emoney = 2026-04-01, qr = 2026-10-01 }
[[facility]]
id = "FAC005"
name = "区役所 窓口"
category = "office"
[[procedure]]
id = "PROC001"
name = "住民票"
means = { card = 2026-04-01, payeasy = 2026-06-15 }
)"));
  REQUIRE(catalog.ok());
  const engine::CatalogEntry& gym = catalog->facilities.at(0);
  CHECK(gym.category == "citizen");
  REQUIRE(gym.means.size() == 3);
  CHECK(gym.means.at(0).means == "card");
  CHECK(gym.means.at(0).live_since == std::chrono::year_month_day{std::chrono::year(2026) / 4 / 1});
  CHECK(gym.means.at(2).means == "qr");
  CHECK(gym.means.at(2).live_since == std::chrono::year_month_day{std::chrono::year(2026) / 10 / 1});
  // No means key: the place has none (loading replaces its set with the empty one).
  CHECK(catalog->facilities.at(1).category == "office");
  CHECK(catalog->facilities.at(1).means.empty());
  const engine::CatalogEntry& procedure = catalog->procedures.at(0);
  REQUIRE(procedure.means.size() == 2);
  CHECK(procedure.means.at(1).means == "payeasy");
  CHECK(procedure.means.at(1).live_since == std::chrono::year_month_day{std::chrono::year(2026) / 6 / 15});
}

TEST_CASE("catalogue means and categories that cannot be are refused, naming the entry") {
  const auto error_for = [](const std::string& text) {
    auto catalog = cli::read_catalog_file(write_temp("bad-means.toml", text));
    REQUIRE_FALSE(catalog.ok());
    return catalog.error();
  };
  const std::string facility = "[[facility]]\nid = \"A\"\nname = \"x\"\n";
  const std::string procedure = "[[procedure]]\nid = \"P\"\nname = \"x\"\n";
  CHECK_THAT(error_for(facility + "means = { paypay = 2026-04-01 }\n"),
             Catch::Contains("facility[0].means: unknown means 'paypay' (known: card, emoney, qr)"));
  // Pay-easy is for online procedures, e-money and QR for counters.
  CHECK_THAT(error_for(facility + "means = { payeasy = 2026-04-01 }\n"),
             Catch::Contains("unknown means 'payeasy'"));
  CHECK_THAT(error_for(procedure + "means = { qr = 2026-04-01 }\n"),
             Catch::Contains("procedure[0].means: unknown means 'qr' (known: card, payeasy)"));
  CHECK_THAT(error_for(facility + "means = { card = \"2026-04-01\" }\n"),
             Catch::Contains("facility[0].means.card must be a date"));
  CHECK_THAT(error_for(facility + "means = { card = 2026-04-01T09:00:00 }\n"),
             Catch::Contains("facility[0].means.card must be a date"));
  CHECK_THAT(error_for(facility + "means = { card = 20260401 }\n"),
             Catch::Contains("means.card must be a date"));
  // Not a calendar date: the TOML reader refuses it, naming the file and line.
  CHECK_THAT(error_for(facility + "means = { card = 2026-02-30 }\n"), Catch::Contains("bad-means.toml:4:"));
  CHECK_THAT(error_for(facility + "means = [\"card\"]\n"),
             Catch::Contains("facility[0].means must be a table"));
  CHECK_THAT(error_for(facility + "category = \"park\"\n"), Catch::Contains("facility[0].category must be"));
  CHECK_THAT(error_for(procedure + "category = \"office\"\n"), Catch::Contains("unknown key 'category'"));
  CHECK_THAT(error_for("[[fee_code]]\ncode = \"F1\"\nname = \"x\"\nmeans = { card = 2026-04-01 }\n"),
             Catch::Contains("unknown key 'means'"));
}

TEST_CASE("catalogue mistakes are refused whole") {
  const auto error_for = [](const std::string& text) {
    auto catalog = cli::read_catalog_file(write_temp("bad-catalog.toml", text));
    REQUIRE_FALSE(catalog.ok());
    return catalog.error();
  };
  CHECK_THAT(error_for("[[fee_code]]\ncode = \"F 1\"\nname = \"x\"\n"), Catch::Contains("fee_code[0].code"));
  CHECK_THAT(error_for("[[fee_code]]\ncode = \"F1\"\n"), Catch::Contains("name is required"));
  CHECK_THAT(error_for("[[facility]]\nid = \"A\"\nname = \"x\"\n[[facility]]\nid = \"A\"\nname = \"y\"\n"),
             Catch::Contains("appears twice"));
  CHECK_THAT(error_for("[[fees]]\ncode = \"F1\"\n"), Catch::Contains("unknown section 'fees'"));
  CHECK_THAT(error_for("[[facility]]\nid = \"A\"\nname = \"x\"\ncity = \"y\"\n"),
             Catch::Contains("unknown key 'city'"));
}

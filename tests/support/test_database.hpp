#pragma once
// A fresh, migrated database per test in the server named by KESSAI_TEST_DATABASE_URL (ops/test sets
// it); dropped when the test ends. Needs a role with CREATEDB.

#include <string>

namespace kessai::testing {

class TestDatabase {
 public:
  explicit TestDatabase(bool migrate = true);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// The URL with its database name replaced.
std::string with_database(const std::string& url, const std::string& database);

}  // namespace kessai::testing

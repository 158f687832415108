// kessai: the admin and finance command line.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <charconv>
#include <initializer_list>
#include <optional>

#include "catalog_file.hpp"
#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/engine/pg_pos_store.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/pg/migrate.hpp"
#include "kessai/ledger/pg/pool.hpp"
#include "kessai/reports/ledger_text.hpp"
#include "ledger_export.hpp"
#include "recon_commands.hpp"
#include "report_commands.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: kessai [--database-url URL] COMMAND\n"
    "commands:\n"
    "  migrate                          apply pending database migrations\n"
    "  catalog load FILE                load fee codes, facilities and procedures (TOML)\n"
    "  ledger trial-balance             balances per account; debits must equal credits\n"
    "  ledger journal --reference ID    the journals of one payment (or other reference)\n"
    "  ledger export --format hledger [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out FILE]\n"
    "                                   every journal (business dates from/to, both included) as an\n"
    "                                   hledger journal, to standard output or to FILE (written to\n"
    "                                   FILE.part, then renamed); check it with\n"
    "                                   hledger -f FILE check --strict\n"
    "  apikey create --name NAME --scope SCOPE [--scope SCOPE ...] [--replace]\n"
    "                                   create a backend's API key and print it (shown only once);\n"
    "                                   SCOPE is all, facility:ID or procedure:ID; --replace revokes\n"
    "                                   the other keys of that name\n"
    "  apikey create --name NAME --role finance [--replace]\n"
    "                                   a finance staff key for the dashboard (/dashboard); no scope,\n"
    "                                   it charges nothing and /v1 refuses it\n"
    "  apikey revoke KEY_ID             revoke a key (key_...); it stops working within seconds\n"
    "  apikey list                      every key with its role and scope (never the secret)\n"
    "  webhooks pending [--limit N]     webhook deliveries not delivered yet (pending or given up)\n"
    "  webhooks resend ID               send a delivery (numeric id) or every delivery of an event\n"
    "                                   (evt_...) again, now\n"
    "  terminal register --facility ID --name NAME [--format env|tsv]\n"
    "                                   register a POS terminal for a facility and print its id and\n"
    "                                   secret (shown only once): KEY=value lines, or one line\n"
    "                                   'facility<TAB>terminal<TAB>secret' with --format tsv\n"
    "  terminal revoke TERMINAL_ID      refuse the terminal (term_...) from its next request on\n"
    "  terminal list                    every terminal: facility, name, last request, revoked\n"
    "The database is --database-url, else KESSAI_DATABASE_URL.\n";

int usage() {
  std::fputs(kUsage.data(), stderr);
  std::fputs(kessai::cli::kReconUsage.data(), stderr);
  std::fputs(kessai::cli::kReportUsage.data(), stderr);
  return 2;
}

int migrate(pqxx::connection& connection) {
  auto report = kessai::ledger::pg::migrate(connection);
  if (!report.ok()) {
    std::fprintf(stderr, "kessai migrate: %s\n", report.error().c_str());
    return 1;
  }
  for (int version : report->applied) std::printf("applied migration %04d\n", version);
  std::printf("schema at version %d\n", report->schema_version);
  return 0;
}

int catalog_load(pqxx::connection& connection, const std::string& path) {
  auto catalog = kessai::cli::read_catalog_file(path);
  if (!catalog.ok()) {
    std::fprintf(stderr, "kessai catalog load: %s\n", catalog.error().c_str());
    return 1;
  }
  kessai::engine::load_catalog(connection, catalog.value());
  std::printf("catalog loaded: %zu fee codes, %zu facilities, %zu procedures\n", catalog->fee_codes.size(),
              catalog->facilities.size(), catalog->procedures.size());
  return 0;
}

// "all", "facility:ID", "procedure:ID"; false on anything else.
bool add_scope(const std::string& text, kessai::engine::ApiKeyScope& scope) {
  if (text == "all") {
    scope.all = true;
    return true;
  }
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos || !kessai::is_valid_identifier(text.substr(colon + 1))) return false;
  const std::string kind = text.substr(0, colon);
  if (kind == "facility") {
    scope.facility_ids.push_back(text.substr(colon + 1));
  } else if (kind == "procedure") {
    scope.procedure_ids.push_back(text.substr(colon + 1));
  } else {
    return false;
  }
  return true;
}

struct ApiKeyArguments {
  std::string name;
  kessai::engine::ApiKeyScope scope;
  bool replace = false;
  kessai::engine::KeyRole role = kessai::engine::KeyRole::backend;
};

// Parses `apikey create` flags; prints what is wrong and returns nullopt when they do not fit.
std::optional<ApiKeyArguments> parse_apikey_create(const std::vector<std::string>& args) {
  ApiKeyArguments parsed;
  bool any_scope = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "--replace") {
      parsed.replace = true;
    } else if (args[i] == "--name" && i + 1 < args.size()) {
      parsed.name = args[++i];
    } else if (args[i] == "--scope" && i + 1 < args.size()) {
      if (!add_scope(args[++i], parsed.scope)) {
        std::fprintf(stderr, "kessai apikey create: scope '%s' is not all, facility:ID or procedure:ID\n",
                     args[i].c_str());
        return std::nullopt;
      }
      any_scope = true;
    } else if (args[i] == "--role" && i + 1 < args.size()) {
      const auto role = kessai::engine::key_role_from(args[++i]);
      if (!role) {
        std::fprintf(stderr, "kessai apikey create: role '%s' is not backend or finance\n", args[i].c_str());
        return std::nullopt;
      }
      parsed.role = *role;
    } else {
      std::fprintf(stderr, "kessai apikey create: unexpected '%s'\n", args[i].c_str());
      return std::nullopt;
    }
  }
  if (parsed.name.empty() || parsed.name.size() > 200) {
    std::fputs("kessai apikey create: --name NAME (1-200 characters) is required\n", stderr);
    return std::nullopt;
  }
  if (parsed.role == kessai::engine::KeyRole::finance) {
    if (any_scope) {
      std::fputs("kessai apikey create: a finance key takes no --scope (it charges nothing)\n", stderr);
      return std::nullopt;
    }
    return parsed;
  }
  if (!any_scope) {
    std::fputs(
        "kessai apikey create: give at least one --scope (all, facility:ID or procedure:ID); a key with "
        "no scope could charge nothing\n",
        stderr);
    return std::nullopt;
  }
  return parsed;
}

int apikey_list(pqxx::connection& connection) {
  std::printf("%-22s %-24s %-8s %-17s %-17s %s\n", "id", "name", "role", "created (UTC)", "revoked (UTC)",
              "scope");
  for (const auto& key : kessai::engine::list_api_keys(connection)) {
    std::printf("%-22s %-24s %-8s %-17s %-17s %s\n", key.id.c_str(), key.name.c_str(), key.role.c_str(),
                key.created_at.c_str(), key.revoked_at.empty() ? "-" : key.revoked_at.c_str(),
                key.scope.empty() ? "-" : key.scope.c_str());
  }
  return 0;
}

int webhooks_pending(pqxx::connection& connection, std::size_t limit) {
  const auto deliveries = kessai::engine::undelivered(connection, limit);
  if (deliveries.empty()) {
    std::puts("every webhook delivery has been delivered");
    return 0;
  }
  std::printf("%-8s %-9s %-8s %-36s %-34s %-19s %s\n", "delivery", "state", "attempts", "event", "type",
              "next attempt (UTC)", "endpoint / last error");
  for (const auto& delivery : deliveries) {
    std::printf(
        "%-8lld %-9s %-8d %-36s %-34s %-19s %s\n      last error: %s\n", static_cast<long long>(delivery.id),
        delivery.state.c_str(), delivery.attempts, delivery.event_id.c_str(), delivery.event_type.c_str(),
        delivery.state == "dead" ? "(given up)" : delivery.next_attempt_at.c_str(),
        delivery.endpoint_url.c_str(), delivery.last_error.empty() ? "-" : delivery.last_error.c_str());
  }
  return 0;
}

int trial_balance(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto balances = kessai::ledger::pg::trial_balance(tx);
  std::fputs(kessai::reports::trial_balance_text(balances).c_str(), stdout);
  const auto totals = kessai::ledger::total(balances);
  return totals && totals->balanced ? 0 : 1;
}

int ledger_export(pqxx::connection& connection, const kessai::cli::LedgerExportOptions& options) {
  const auto summary = kessai::cli::export_hledger(connection, options);
  if (!summary.ok()) {
    std::fprintf(stderr, "kessai ledger export: %s\n", summary.error().c_str());
    return 1;
  }
  if (!options.out_path.empty()) {
    std::printf("exported %lld journal%s and %lld account%s to %s\n",
                static_cast<long long>(summary->journals), summary->journals == 1 ? "" : "s",
                static_cast<long long>(summary->accounts), summary->accounts == 1 ? "" : "s",
                options.out_path.c_str());
  }
  return 0;
}

int journal(pqxx::connection& connection, const std::string& reference) {
  pqxx::read_transaction tx(connection);
  const auto journals = kessai::ledger::pg::journals_by_reference(tx, reference);
  if (journals.empty()) {
    std::printf("no journals for %s\n", reference.c_str());
    return 0;
  }
  std::fputs(kessai::reports::journals_text(journals).c_str(), stdout);
  return 0;
}

}  // namespace

struct TerminalArguments {
  std::string facility;
  std::string name;
  bool tsv = false;
};

// Parses `terminal register` flags; prints what is wrong and returns nullopt when they do not fit.
std::optional<TerminalArguments> parse_terminal_register(const std::vector<std::string>& args) {
  TerminalArguments parsed;
  for (std::size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "kessai terminal register: %s needs a value\n", args[i].c_str());
      return std::nullopt;
    }
    const std::string& value = args[i + 1];
    if (args[i] == "--facility") {
      parsed.facility = value;
    } else if (args[i] == "--name") {
      parsed.name = value;
    } else if (args[i] == "--format" && (value == "env" || value == "tsv")) {
      parsed.tsv = value == "tsv";
    } else {
      std::fprintf(stderr, "kessai terminal register: unexpected '%s %s'\n", args[i].c_str(), value.c_str());
      return std::nullopt;
    }
  }
  if (parsed.facility.empty() || parsed.name.empty()) {
    std::fputs("kessai terminal register: --facility ID and --name NAME are required\n", stderr);
    return std::nullopt;
  }
  return parsed;
}

int terminal_register(pqxx::connection& connection, const TerminalArguments& arguments) {
  auto registered = kessai::engine::register_terminal(connection, arguments.facility, arguments.name);
  if (!registered.ok()) {
    std::fprintf(stderr, "kessai terminal register: %s\n", registered.error().c_str());
    return 1;
  }
  const auto& terminal = registered.value();
  std::fprintf(stderr,
               "registered %s '%s' for facility %s (%s); the secret is printed once, below: install it in "
               "the terminal\n",
               terminal.id.c_str(), arguments.name.c_str(), terminal.facility_id.c_str(),
               terminal.facility_name.c_str());
  if (arguments.tsv) {
    std::printf("%s\t%s\t%s\n", terminal.facility_id.c_str(), terminal.id.c_str(), terminal.secret.c_str());
  } else {
    std::printf("KESSAI_TERMINAL_ID=%s\nKESSAI_TERMINAL_SECRET=%s\nKESSAI_TERMINAL_FACILITY=%s\n",
                terminal.id.c_str(), terminal.secret.c_str(), terminal.facility_id.c_str());
  }
  return 0;
}

int terminal_list(pqxx::connection& connection) {
  std::printf("%-22s %-10s %-9s %-9s %-20s %-20s %s\n", "TERMINAL", "FACILITY", "LAST_SEQ", "LAST_TXN",
              "LAST_SEEN", "REVOKED", "NAME");
  for (const auto& terminal : kessai::engine::list_terminals(connection)) {
    std::printf("%-22s %-10s %-9lld %-9lld %-20s %-20s %s\n", terminal.id.c_str(),
                terminal.facility_id.c_str(), static_cast<long long>(terminal.highest_sequence),
                static_cast<long long>(terminal.highest_transaction),
                terminal.last_seen_at.empty() ? "-" : terminal.last_seen_at.c_str(),
                terminal.revoked_at.empty() ? "-" : terminal.revoked_at.c_str(), terminal.name.c_str());
  }
  return 0;
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string url;
  if (const char* env = std::getenv("KESSAI_DATABASE_URL")) url = env;
  if (args.size() >= 2 && args[0] == "--database-url") {
    url = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kUsage.data(), stdout);
    std::fputs(kessai::cli::kReconUsage.data(), stdout);
    std::fputs(kessai::cli::kReportUsage.data(), stdout);
    return 0;
  }
  if (!args.empty() && args[0] == "recon")
    return kessai::cli::recon_command({args.begin() + 1, args.end()}, url);
  if (!args.empty() && args[0] == "report")
    return kessai::cli::report_command({args.begin() + 1, args.end()}, url);
  const auto is = [&](std::size_t size, std::initializer_list<const char*> words) {
    if (args.size() != size) return false;
    std::size_t i = 0;
    for (const char* word : words) {
      if (args[i++] != word) return false;
    }
    return true;
  };
  std::optional<ApiKeyArguments> apikey;
  std::size_t pending_limit = 100;
  if (args.size() >= 2 && args[0] == "apikey" && args[1] == "create") {
    apikey = parse_apikey_create(args);
    if (!apikey) return 2;
  }
  std::optional<TerminalArguments> terminal;
  if (args.size() >= 2 && args[0] == "terminal" && args[1] == "register") {
    terminal = parse_terminal_register(args);
    if (!terminal) return 2;
  }
  std::optional<kessai::cli::LedgerExportOptions> ledger_export_options;
  if (args.size() >= 2 && args[0] == "ledger" && args[1] == "export") {
    auto parsed = kessai::cli::parse_ledger_export(args);
    if (!parsed.ok()) {
      std::fprintf(stderr, "kessai ledger export: %s\n", parsed.error().c_str());
      return 2;
    }
    ledger_export_options = std::move(parsed).value();
  }
  if (is(4, {"webhooks", "pending", "--limit"})) {
    const auto [end, error] = std::from_chars(args[3].data(), args[3].data() + args[3].size(), pending_limit);
    if (error != std::errc{} || end != args[3].data() + args[3].size() || pending_limit == 0) return usage();
  }
  const bool known = is(1, {"migrate"}) || is(3, {"catalog", "load"}) || is(2, {"ledger", "trial-balance"}) ||
                     is(4, {"ledger", "journal", "--reference"}) || apikey.has_value() ||
                     is(3, {"apikey", "revoke"}) || is(2, {"apikey", "list"}) ||
                     is(2, {"webhooks", "pending"}) || is(4, {"webhooks", "pending", "--limit"}) ||
                     is(3, {"webhooks", "resend"}) || terminal.has_value() || is(3, {"terminal", "revoke"}) ||
                     is(2, {"terminal", "list"}) || ledger_export_options.has_value();
  if (!known) return usage();
  if (url.empty()) {
    std::fprintf(stderr,
                 "kessai: no database: set KESSAI_DATABASE_URL or pass --database-url "
                 "(`ops/pg url` prints the embedded one)\n");
    return 2;
  }
  try {
    pqxx::connection connection(url);
    if (args[0] == "migrate" && args.size() == 1) return migrate(connection);
    if (args[0] == "catalog" && args.size() == 3 && args[1] == "load")
      return catalog_load(connection, args[2]);
    if (args[0] == "ledger" && args.size() == 2 && args[1] == "trial-balance")
      return trial_balance(connection);
    if (args[0] == "ledger" && args.size() == 4 && args[1] == "journal" && args[2] == "--reference") {
      return journal(connection, args[3]);
    }
    if (ledger_export_options) return ledger_export(connection, *ledger_export_options);
    if (apikey) {
      const auto key = kessai::engine::create_api_key(connection, apikey->name, apikey->scope,
                                                      apikey->replace, apikey->role);
      std::fprintf(stderr, "created %s (%s) for '%s'; the key is printed once, below; %s\n", key.id.c_str(),
                   std::string(to_string(apikey->role)).c_str(), apikey->name.c_str(),
                   apikey->role == kessai::engine::KeyRole::finance
                       ? "give it to the finance staff member, who logs in to /dashboard with it"
                       : "store it in the backend's secrets");
      std::printf("%s\n", key.secret.c_str());
      return 0;
    }
    if (is(3, {"apikey", "revoke"})) {
      if (!kessai::engine::revoke_api_key(connection, args[2])) {
        std::fprintf(stderr, "kessai apikey revoke: no unrevoked key %s (see kessai apikey list)\n",
                     args[2].c_str());
        return 1;
      }
      std::printf("revoked %s\n", args[2].c_str());
      return 0;
    }
    if (is(2, {"apikey", "list"})) return apikey_list(connection);
    if (terminal) return terminal_register(connection, *terminal);
    if (is(3, {"terminal", "revoke"})) {
      if (!kessai::engine::revoke_terminal(connection, args[2])) {
        std::fprintf(stderr, "kessai terminal revoke: no unrevoked terminal %s (see kessai terminal list)\n",
                     args[2].c_str());
        return 1;
      }
      std::printf("revoked %s\n", args[2].c_str());
      return 0;
    }
    if (is(2, {"terminal", "list"})) return terminal_list(connection);
    if (args[0] == "webhooks" && args[1] == "pending") return webhooks_pending(connection, pending_limit);
    if (is(3, {"webhooks", "resend"})) {
      const std::size_t count = kessai::engine::resend(connection, args[2]);
      if (count == 0) {
        std::fprintf(stderr,
                     "kessai webhooks resend: no delivery or event %s (see kessai webhooks pending)\n",
                     args[2].c_str());
        return 1;
      }
      std::printf("%zu deliver%s queued to be sent now\n", count, count == 1 ? "y" : "ies");
      return 0;
    }
    return usage();
  } catch (const pqxx::broken_connection& error) {
    std::fprintf(stderr, "kessai: cannot connect to %s: %s\n", kessai::ledger::pg::redact_url(url).c_str(),
                 error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai: %s\n", error.what());
    return 1;
  }
}

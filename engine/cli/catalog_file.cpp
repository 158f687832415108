#include "catalog_file.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <span>
#include <sstream>

#include "toml_file.hpp"

namespace kessai::cli {

namespace {

constexpr std::array<std::string_view, 3> kFacilityMeans{"card", "emoney", "qr"};
constexpr std::array<std::string_view, 2> kProcedureMeans{"card", "payeasy"};
constexpr std::array<std::string_view, 2> kFacilityCategories{"citizen", "office"};

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (const std::string_view word : words) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

bool listed(std::span<const std::string_view> words, std::string_view word) {
  return std::ranges::find(words, word) != words.end();
}

// The keys a section's entries may have.
std::vector<std::string_view> known_keys(std::string_view section, std::string_view id_key) {
  if (section == "facility") {
    return {id_key, "name", "category", "card_floor_limit_yen", "emoney_floor_limit_yen", "means"};
  }
  if (section == "procedure") return {id_key, "name", "means"};
  return {id_key, "name"};
}

// means = { card = 2026-04-01, emoney = 2026-04-01, qr = 2026-10-01 }: TOML local dates, one per means.
Result<std::vector<engine::MeansLiveSince>, std::string> read_means(const toml::node& node,
                                                                    const std::string& where,
                                                                    std::span<const std::string_view> known) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return fail(where + " must be a table of means and dates, e.g. { " + std::string(known.front()) +
                " = 2026-04-01 }");
  }
  std::vector<engine::MeansLiveSince> means;
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    if (!listed(known, name))
      return fail(where + ": unknown means '" + name + "' (known: " + joined(known) + ")");
    const toml::value<toml::date>* date = value.as_date();
    if (date == nullptr) {
      return fail(where + "." + name +
                  " must be a date without quotes, e.g. 2026-04-01 (the day it goes live)");
    }
    const std::chrono::year_month_day day{std::chrono::year(date->get().year),
                                          std::chrono::month(date->get().month),
                                          std::chrono::day(date->get().day)};
    if (!day.ok()) return fail(where + "." + name + " is not a calendar date");
    means.push_back({name, day});
  }
  return means;
}

// The keys only facilities and procedures have: category, floor limits, means.
Result<void, std::string> read_place_keys(const toml::table& table, const std::string& where, bool facility,
                                          engine::CatalogEntry& entry) {
  if (facility && table.get("category") != nullptr) {
    const std::optional<std::string> category = table.get("category")->value<std::string>();
    if (!category || !listed(kFacilityCategories, *category)) {
      return fail(where + ".category must be \"citizen\" (市民利用施設) or \"office\" (庁内施設)");
    }
    entry.category = *category;
  }
  for (const auto& [key, field] :
       {std::pair{"card_floor_limit_yen", &engine::CatalogEntry::card_floor_limit_yen},
        std::pair{"emoney_floor_limit_yen", &engine::CatalogEntry::emoney_floor_limit_yen}}) {
    if (!facility || table.get(key) == nullptr) continue;
    const std::optional<std::int64_t> yen = table.get(key)->value<std::int64_t>();
    if (!yen || *yen < 0 || *yen > 1'000'000) {
      return fail(where + "." + key +
                  " must be a whole number of yen from 0 to 1000000 (0: no offline payments)");
    }
    entry.*field = *yen;
  }
  if (const toml::node* means = table.get("means")) {
    auto read = read_means(*means, where + ".means",
                           facility ? std::span<const std::string_view>(kFacilityMeans)
                                    : std::span<const std::string_view>(kProcedureMeans));
    if (!read.ok()) return fail(read.error());
    entry.means = std::move(read).value();
  }
  return {};
}

Result<std::vector<engine::CatalogEntry>, std::string> read_entries(const toml::table& root,
                                                                    std::string_view section,
                                                                    std::string_view id_key) {
  std::vector<engine::CatalogEntry> entries;
  const toml::node* node = root.get(section);
  if (node == nullptr) return entries;
  const toml::array* array = node->as_array();
  if (array == nullptr) return fail("[[" + std::string(section) + "]] must be an array of tables");
  const std::vector<std::string_view> known = known_keys(section, id_key);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = std::string(section) + "[" + std::to_string(i) + "]";
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) return fail(where + " must be a table");
    for (const auto& [key, value] : *table) {
      if (!listed(known, key.str())) {
        return fail(where + ": unknown key '" + std::string(key.str()) + "' (known: " + joined(known) + ")");
      }
    }
    const std::optional<std::string> id =
        table->get(id_key) ? table->get(id_key)->value<std::string>() : std::nullopt;
    const std::optional<std::string> name =
        table->get("name") ? table->get("name")->value<std::string>() : std::nullopt;
    if (!id || !is_valid_identifier(*id)) {
      return fail(where + "." + std::string(id_key) + " must be 1-64 letters, digits, '-' or '_'");
    }
    if (!name || name->empty()) return fail(where + ".name is required");
    if (!seen.insert(*id).second) return fail(where + ": '" + *id + "' appears twice");
    engine::CatalogEntry entry{*id, *name};
    if (section != "fee_code") {
      auto place = read_place_keys(*table, where, section == "facility", entry);
      if (!place.ok()) return fail(place.error());
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

Result<engine::Catalog, std::string> read_catalog_file(const std::string& path) {
  auto parsed = daemon::parse_toml_file(path);
  if (!parsed.ok()) return fail(parsed.error());
  const toml::table& root = parsed.value();
  for (const auto& [key, value] : root) {
    if (key.str() != "fee_code" && key.str() != "facility" && key.str() != "procedure") {
      return fail(path + ": unknown section '" + std::string(key.str()) +
                  "' (known: fee_code, facility, procedure)");
    }
  }
  engine::Catalog catalog;
  auto fees = read_entries(root, "fee_code", "code");
  if (!fees.ok()) return fail(path + ": " + fees.error());
  auto facilities = read_entries(root, "facility", "id");
  if (!facilities.ok()) return fail(path + ": " + facilities.error());
  auto procedures = read_entries(root, "procedure", "id");
  if (!procedures.ok()) return fail(path + ": " + procedures.error());
  catalog.fee_codes = std::move(fees).value();
  catalog.facilities = std::move(facilities).value();
  catalog.procedures = std::move(procedures).value();
  return catalog;
}

}  // namespace kessai::cli

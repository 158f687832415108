#include "catalog_file.hpp"

#include <set>
#include <sstream>

#include "toml_file.hpp"

namespace kessai::cli {

namespace {

Result<std::vector<engine::CatalogEntry>, std::string> read_entries(const toml::table& root,
                                                                    std::string_view section,
                                                                    std::string_view id_key) {
  std::vector<engine::CatalogEntry> entries;
  const toml::node* node = root.get(section);
  if (node == nullptr) return entries;
  const toml::array* array = node->as_array();
  if (array == nullptr) return fail("[[" + std::string(section) + "]] must be an array of tables");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = std::string(section) + "[" + std::to_string(i) + "]";
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) return fail(where + " must be a table");
    const bool facility = section == "facility";
    for (const auto& [key, value] : *table) {
      const bool limit =
          facility && (key.str() == "card_floor_limit_yen" || key.str() == "emoney_floor_limit_yen");
      if (key.str() != id_key && key.str() != "name" && !limit) {
        return fail(where + ": unknown key '" + std::string(key.str()) + "' (known: " + std::string(id_key) +
                    (facility ? ", name, card_floor_limit_yen, emoney_floor_limit_yen)" : ", name)"));
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
    for (const auto& [key, field] :
         {std::pair{"card_floor_limit_yen", &engine::CatalogEntry::card_floor_limit_yen},
          std::pair{"emoney_floor_limit_yen", &engine::CatalogEntry::emoney_floor_limit_yen}}) {
      if (!facility || table->get(key) == nullptr) continue;
      const std::optional<std::int64_t> yen = table->get(key)->value<std::int64_t>();
      if (!yen || *yen < 0 || *yen > 1'000'000) {
        return fail(where + "." + key +
                    " must be a whole number of yen from 0 to 1000000 (0: no offline payments)");
      }
      entry.*field = *yen;
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

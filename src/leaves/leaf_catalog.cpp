#include "leaves/leaf_catalog.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "expr/symbol_table.h"
#include "leaves/json_file.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kExprFields[] = {"flops", "memory_read", "memory_write"};

// Builds one LeafKernel from the parsed JSON of `file`; throws CatalogError.
LeafKernel parse_leaf(const json& doc, const std::string& file) {
  auto fail = [&](const std::string& message) -> CatalogError {
    return CatalogError(file + ": " + one_line(message));
  };
  auto field_fail = [&](const std::string& field, const std::string& message) -> CatalogError {
    return fail("field '" + field + "': " + message);
  };

  if (!doc.is_object()) throw fail("expected a JSON object, got " + std::string(doc.type_name()));
  if (doc.contains("children"))
    throw fail("field 'children': a composite kernel does not belong in the leaf directory");

  auto required = [&](const char* field) -> const json& {
    auto it = doc.find(field);
    if (it == doc.end()) throw field_fail(field, "missing");
    return *it;
  };

  const json& name = required("kernel_name");
  if (!name.is_string() || name.get_ref<const std::string&>().empty())
    throw field_fail("kernel_name", "expected a non-empty string");

  std::string description;
  if (auto it = doc.find("description"); it != doc.end()) {
    if (!it->is_string()) throw field_fail("description", "expected a string");
    description = it->get<std::string>();
  }

  const json& init_params = required("init_params");
  if (!init_params.is_array()) throw field_fail("init_params", "expected an array");
  if (!init_params.empty())
    throw field_fail("init_params", "a leaf kernel takes no init params (expected [])");

  const json& forward = required("forward_params");
  if (!forward.is_array()) throw field_fail("forward_params", "expected an array of strings");
  std::vector<std::string> params;
  std::set<std::string> param_set;
  for (const json& p : forward) {
    if (!p.is_string()) throw field_fail("forward_params", "expected an array of strings");
    const std::string& s = p.get_ref<const std::string&>();
    if (!is_identifier(s))
      throw field_fail("forward_params", quote_for_message(s) + " is not a valid parameter name");
    if (s == LeafCatalog::kBytesSymbol)
      throw field_fail("forward_params", "'bytes' is implicit and cannot be a forward_param");
    if (!param_set.insert(s).second)
      throw field_fail("forward_params", "duplicate parameter " + quote_for_message(s));
    params.push_back(s);
  }

  std::vector<Expr> exprs;
  for (const char* field : kExprFields) {
    const json& value = required(field);
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number()) {
      text = value.dump();  // a bare JSON number, e.g. 0
    } else {
      throw field_fail(field, "expected an expression string");
    }
    try {
      exprs.push_back(Expr::parse(text));
    } catch (const ExprError& e) {
      throw field_fail(field, e.what());
    }
    for (const std::string& symbol : exprs.back().symbols()) {
      if (symbol != LeafCatalog::kBytesSymbol && param_set.count(symbol) == 0)
        throw fail("field '" + std::string(field) + "' uses symbol " + quote_for_message(symbol) +
                   " that is not a forward_param or 'bytes'");
    }
  }

  return LeafKernel{name.get<std::string>(), std::move(description), file, std::move(params),
                    std::move(exprs[0]),       std::move(exprs[1]),    std::move(exprs[2])};
}

}  // namespace

LeafCatalog LeafCatalog::load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw CatalogError(dir + ": not a directory");

  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  if (ec) throw CatalogError(dir + ": cannot list directory: " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) throw CatalogError(dir + ": cannot list directory: " + ec.message());
    const fs::path& p = it->path();
    if (p.extension() != ".json") continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    names.push_back(p.filename().string());
  }
  if (ec) throw CatalogError(dir + ": cannot list directory: " + ec.message());
  std::sort(names.begin(), names.end());

  LeafCatalog catalog;
  for (const std::string& name : names) {
    std::string file = (fs::path(dir) / name).string();
    LeafKernel leaf = parse_leaf(read_json_file(file), file);
    auto existing = catalog.leaves_.find(leaf.name);
    if (existing != catalog.leaves_.end())
      throw CatalogError(file + ": field 'kernel_name': " + quote_for_message(leaf.name) +
                         " is already defined in " + existing->second.file);
    std::string key = leaf.name;
    catalog.leaves_.emplace(std::move(key), std::move(leaf));
  }
  return catalog;
}

const LeafKernel* LeafCatalog::find(const std::string& name) const {
  auto it = leaves_.find(name);
  return it == leaves_.end() ? nullptr : &it->second;
}

}  // namespace kcost

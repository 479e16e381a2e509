#include "leaves/leaf_catalog.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "costfile/cost_file.h"
#include "costfile/message_text.h"
#include "expr/exact_json.h"
#include "expr/symbol_table.h"
#include "leaves/json_file.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kExprFields[] = {"flops", "memory_read", "memory_write"};

CatalogError file_error(const std::string& file, const std::string& message) {
  return CatalogError(file + ": " + one_line(message));
}

// An expression field of a leaf: a string or a bare JSON number, in `params` and `bytes`.
Expr leaf_expression(const json& value, const char* field, const std::set<std::string>& params,
                     const std::string& file) {
  auto field_fail = [&](const std::string& message) {
    return file_error(file, "field '" + std::string(field) + "': " + message);
  };
  if (!value.is_string() && !value.is_number()) throw field_fail("expected an expression string");
  Expr e;
  try {
    e = cost_expression(value);
  } catch (const ExprError& error) {
    throw field_fail(error.what());
  }
  for (const std::string& symbol : e.symbols()) {
    if (symbol != LeafCatalog::kBytesSymbol && params.count(symbol) == 0)
      throw file_error(file, "field '" + std::string(field) + "' uses symbol " + quote_for_message(symbol) +
                                 " that is not a forward_param or 'bytes'");
  }
  return e;
}

// Builds one LeafKernel from the parsed JSON of `file`, except bias_add_flops (see load());
// throws CatalogError.
LeafKernel parse_leaf(const json& doc, const std::string& file) {
  auto fail = [&](const std::string& message) -> CatalogError { return file_error(file, message); };
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

  // An expression field in the leaf's forward_params and `bytes`.
  std::vector<Expr> exprs;
  for (const char* field : kExprFields) exprs.push_back(leaf_expression(required(field), field, param_set, file));

  bool matmul_class = false;
  if (auto it = doc.find("matmul_class"); it != doc.end()) {
    if (!it->is_boolean()) throw field_fail("matmul_class", "expected true or false");
    matmul_class = it->get<bool>();
  }
  if (doc.contains("bias_add_flops") && !matmul_class)
    throw field_fail("bias_add_flops", "only a matmul-class leaf (\"matmul_class\": true) has bias adds");

  LeafKernel leaf{name.get<std::string>(), std::move(description), file, std::move(params),
                  std::move(exprs[0]),       std::move(exprs[1]),    std::move(exprs[2])};
  leaf.matmul_class = matmul_class;
  if (auto it = doc.find("bytes_rule"); it != doc.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) throw field_fail("bytes_rule", "expected a non-empty string");
    leaf.bytes_rule = it->get<std::string>();
  }
  if (auto it = doc.find("arguments"); it != doc.end()) {
    if (!it->is_array()) throw field_fail("arguments", "expected an array of argument names");
    for (const json& a : *it) {
      if (!a.is_string() || !is_identifier(a.get<std::string>()))
        throw field_fail("arguments", "expected an array of argument names");
      leaf.arguments.push_back(a.get<std::string>());
    }
  }
  if (auto it = doc.find("binds"); it != doc.end()) {
    if (!it->is_object()) throw field_fail("binds", "expected {\"param\": \"path\"} for the forward_params");
    for (const auto& [param, path] : it->items())
      if (!param_set.count(param)) throw field_fail("binds", quote_for_message(param) + " is not a forward_param");
    for (const std::string& param : leaf.forward_params) {
      auto at = it->find(param);
      if (at == it->end()) throw field_fail("binds", "no path for the forward_param " + quote_for_message(param));
      if (!at->is_string()) throw field_fail("binds", quote_for_message(param) + ": expected a path string");
      try {
        leaf.binds.push_back({param, parse_bind_path(at->get<std::string>())});
      } catch (const std::invalid_argument& e) {
        throw field_fail("binds", quote_for_message(param) + ": " + quote_for_message(at->get<std::string>()) + ": " + e.what());
      }
    }
  }
  if (auto it = doc.find("kernel_class"); it != doc.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) throw field_fail("kernel_class", "expected a class name");
    leaf.kernel_class = it->get<std::string>();
  }
  if (auto it = doc.find("checks"); it != doc.end()) {
    if (!it->is_array()) throw field_fail("checks", "expected an array of examples");
    auto number = [&](const json& v, const std::string& what) {
      std::optional<GiNaC::numeric> n = json_number_value(v);
      if (!n) throw field_fail("checks", what + ": expected a number");
      return *n;
    };
    for (size_t i = 0; i < it->size(); ++i) {
      const json& c = (*it)[i];
      const std::string at = "[" + std::to_string(i) + "]";
      if (!c.is_object() || !c.contains("params") || !c["params"].is_object())
        throw field_fail("checks", at + ": expected {\"params\": {...}, \"bytes\", \"flops\", \"memory_read\", \"memory_write\"}");
      LeafCheck check;
      for (const auto& [k, v] : c["params"].items()) {
        if (!param_set.count(k)) throw field_fail("checks", at + ": " + quote_for_message(k) + " is not a forward_param");
        check.params[k] = number(v, at + "." + k);
      }
      for (const std::string& p : leaf.forward_params)
        if (!check.params.count(p)) throw field_fail("checks", at + ": no value for " + quote_for_message(p));
      for (const char* f : {"bytes", "flops", "memory_read", "memory_write"})
        if (!c.contains(f)) throw field_fail("checks", at + ": missing " + std::string(f));
      check.params[LeafCatalog::kBytesSymbol] = number(c["bytes"], at + ".bytes");
      check.flops = number(c["flops"], at + ".flops");
      check.memory_read = number(c["memory_read"], at + ".memory_read");
      check.memory_write = number(c["memory_write"], at + ".memory_write");
      if (c.contains("why") && c["why"].is_string()) check.why = c["why"].get<std::string>();
      leaf.checks.push_back(std::move(check));
    }
  }
  return leaf;
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
  std::vector<std::pair<std::string, json>> bias_adds;  // kernel_name -> its bias_add_flops
  for (const std::string& name : names) {
    std::string file = (fs::path(dir) / name).string();
    json doc = read_json_file(file);
    LeafKernel leaf = parse_leaf(doc, file);
    leaf.content = doc.dump();
    if (auto it = doc.find("bias_add_flops"); it != doc.end()) bias_adds.emplace_back(leaf.name, *it);
    auto existing = catalog.leaves_.find(leaf.name);
    if (existing != catalog.leaves_.end())
      throw CatalogError(file + ": field 'kernel_name': " + quote_for_message(leaf.name) +
                         " is already defined in " + existing->second.file);
    std::string key = leaf.name;
    catalog.leaves_.emplace(std::move(key), std::move(leaf));
  }
  // The metadata formulas are parsed after every cost formula: GiNaC orders the terms of a sum
  // by when its symbols were first made, so a symbol first seen here would change how
  // expressions print (and the cost files written would differ from a library without them).
  for (const auto& [kernel, value] : bias_adds) {
    LeafKernel& leaf = catalog.leaves_.at(kernel);
    std::set<std::string> params(leaf.forward_params.begin(), leaf.forward_params.end());
    leaf.bias_add_flops = leaf_expression(value, "bias_add_flops", params, leaf.file);
  }
  return catalog;
}

const LeafKernel* LeafCatalog::find(const std::string& name) const {
  auto it = leaves_.find(name);
  return it == leaves_.end() ? nullptr : &it->second;
}

LeafCatalog LeafCatalog::over(const LeafCatalog& base) const {
  LeafCatalog out = *this;
  for (const auto& [name, leaf] : base.leaves_) out.leaves_.emplace(name, leaf);
  return out;
}

}  // namespace kcost

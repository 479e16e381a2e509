#include "costfile/cost_schema.h"

#include "leaves/operand_widths.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "expr/expr.h"
#include "expr/symbol_table.h"
#include "costfile/cost_file.h"  // usable_file_name
#include "costfile/message_text.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kFormulaFields[] = {"flops", "memory_read", "memory_write"};
const char* const kTopFields[] = {"kernel_name",  "description", "init_params",
                                  "forward_params", "flops",     "memory_read",
                                  "memory_write", "children",  "matmul_class", "bias_add_flops",
                                  "bytes_rule", "checks", "kernel_class", "footprint"};
const char* const kFootprintFields[] = {"parameters", "buffers", "cache_elements"};
const char* const kChildFields[] = {"kernel", "bindings", "count"};

// Collects the problems of one document.
class Checker {
 public:
  Checker(std::string file, std::vector<std::string>& out) : file_(std::move(file)), out_(out) {}

  void check(const json& j) {
    if (!j.is_object()) {
      problem("$", "expected a JSON object, got " + std::string(j.type_name()));
      return;
    }
    for (const auto& item : j.items()) {
      const auto& known = kTopFields;
      if (std::find(std::begin(known), std::end(known), item.key()) == std::end(known))
        problem(json_path_key("$", item.key()),
                "unknown field (a cost JSON has kernel_name, description, init_params, "
                "forward_params and either children or flops, memory_read, memory_write "
                "and optionally matmul_class, bias_add_flops, or footprint on a composite)");
    }
    check_kernel_name(j);
    if (auto it = j.find("description"); it != j.end() && !it->is_string())
      problem("$.description", "expected a string");

    std::set<std::string> params;
    check_params(j, "init_params", params);
    check_params(j, "forward_params", params);

    const bool composite = j.contains("children");
    bool any_formula = false;
    for (const char* f : kFormulaFields) any_formula |= j.contains(f);

    if (composite) {
      for (const char* f : {"flops", "memory_read", "memory_write", "matmul_class", "bias_add_flops", "bytes_rule", "checks", "kernel_class"})
        if (j.contains(f))
          problem(std::string("$.") + f, std::string("a composite kernel (with children) has no ") +
                                             f + ": its cost is the sum of its children's");
      check_children(j.at("children"), params);
      if (auto it = j.find("footprint"); it != j.end()) check_footprint(*it, params);
    } else if (any_formula) {
      if (j.contains("footprint"))
        problem("$.footprint", "a leaf kernel has no footprint (parameters and caches belong to the modules that call it)");
      if (auto it = j.find("init_params"); it != j.end() && it->is_array() && !it->empty())
        problem("$.init_params", "a leaf kernel takes no init params (expected [])");
      std::set<std::string> forward;
      if (auto it = j.find("forward_params"); it != j.end() && it->is_array())
        for (const json& p : *it)
          if (p.is_string()) forward.insert(p.get<std::string>());
      for (const char* f : kFormulaFields) {
        const std::string path = std::string("$.") + f;
        auto it = j.find(f);
        if (it == j.end()) {
          problem(path, "missing (a leaf has flops, memory_read and memory_write)");
          continue;
        }
        check_expression(path, *it, forward, /*leaf=*/true);
      }
      if (auto it = j.find("matmul_class"); it != j.end() && !it->is_boolean())
        problem("$.matmul_class", "expected true or false");
      if (auto it = j.find("bias_add_flops"); it != j.end())
        check_expression("$.bias_add_flops", *it, forward, /*leaf=*/true);
      if (auto it = j.find("bytes_rule"); it != j.end() && (!it->is_string() || it->get<std::string>().empty()))
        problem("$.bytes_rule", "expected a non-empty string");
    } else {
      problem("$",
              "neither a leaf (flops, memory_read, memory_write) nor a composite (children)");
    }
  }

 private:
  void problem(const std::string& path, const std::string& message) {
    out_.push_back(file_ + ": " + path + ": " + one_line(message));
  }

  void check_kernel_name(const json& j) {
    auto it = j.find("kernel_name");
    if (it == j.end()) {
      problem("$.kernel_name", "missing");
    } else if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      problem("$.kernel_name", "expected a non-empty string");
    } else if (!usable_file_name(it->get<std::string>())) {
      problem("$.kernel_name", quote_for_message(it->get<std::string>()) +
                                   " is not usable as a file name");
    }
  }

  // Checks one params array; adds its valid names to `seen` (shared by init and forward
  // params, so that a name in both is a duplicate) and returns them.
  std::vector<std::string> check_params(const json& j, const char* field,
                                        std::set<std::string>& seen) {
    const std::string path = std::string("$.") + field;
    std::vector<std::string> names;
    auto it = j.find(field);
    if (it == j.end()) {
      problem(path, "missing");
      return names;
    }
    if (!it->is_array()) {
      problem(path, "expected an array of parameter names");
      return names;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& p = (*it)[i];
      const std::string at = json_path_index(path, i);
      if (!p.is_string()) {
        problem(at, "expected a parameter name string, got " + std::string(p.type_name()));
        continue;
      }
      const std::string& s = p.get_ref<const std::string&>();
      if (!is_identifier(s)) {
        problem(at, quote_for_message(s) + " is not a valid parameter name");
      } else if (s == "self" || s == "config") {
        problem(at, "'" + s + "' cannot be a parameter");
      } else if (is_implicit_symbol(s)) {
        problem(at, "'" + s + "' is an implicit symbol and cannot be a parameter");
      } else if (!seen.insert(s).second) {
        problem(at, "duplicate parameter " + quote_for_message(s));
      } else {
        names.push_back(s);
      }
    }
    return names;
  }

  void check_footprint(const json& footprint, const std::set<std::string>& params) {
    if (!footprint.is_object()) {
      problem("$.footprint", "expected an object with parameters, buffers and cache_elements, got " +
                                 std::string(footprint.type_name()));
      return;
    }
    for (const auto& item : footprint.items()) {
      const std::string path = json_path_key("$.footprint", item.key());
      if (std::find(std::begin(kFootprintFields), std::end(kFootprintFields), item.key()) == std::end(kFootprintFields))
        problem(path, "unknown field (a footprint has parameters, buffers and cache_elements)");
      else
        check_expression(path, item.value(), params, /*leaf=*/false);
    }
  }

  void check_children(const json& children, const std::set<std::string>& params) {
    if (!children.is_object()) {
      problem("$.children", "expected an object of children by label, got " +
                                std::string(children.type_name()));
      return;
    }
    for (const auto& item : children.items()) {
      const std::string path = json_path_key("$.children", item.key());
      if (item.key().empty()) problem(path, "empty child label");
      check_child(path, item.value(), params);
    }
  }

  void check_child(const std::string& path, const json& child,
                   const std::set<std::string>& params) {
    if (!child.is_object()) {
      problem(path, "expected a child object, got " + std::string(child.type_name()));
      return;
    }
    for (const auto& item : child.items())
      if (std::find(std::begin(kChildFields), std::end(kChildFields), item.key()) ==
          std::end(kChildFields))
        problem(json_path_key(path, item.key()),
                "unknown field (a child has kernel, bindings and count)");

    auto kernel = child.find("kernel");
    if (kernel == child.end())
      problem(path + ".kernel", "missing");
    else if (!kernel->is_string() || kernel->get_ref<const std::string&>().empty())
      problem(path + ".kernel", "expected a non-empty kernel name string");

    auto bindings = child.find("bindings");
    if (bindings == child.end()) {
      problem(path + ".bindings", "missing (use {} for a kernel without parameters)");
    } else if (!bindings->is_object()) {
      problem(path + ".bindings",
              "expected an object from parameter names to expressions, got " +
                  std::string(bindings->type_name()));
    } else {
      for (const auto& item : bindings->items()) {
        const std::string at = json_path_key(path + ".bindings", item.key());
        if (!is_identifier(item.key()))
          problem(at, quote_for_message(item.key()) + " is not a valid parameter name");
        check_expression(at, item.value(), params, /*leaf=*/false);
      }
    }

    auto count = child.find("count");
    if (count == child.end()) return;
    const std::string at = path + ".count";
    if (count->is_number_integer()) {
      if (count->is_number_unsigned() ? count->get<unsigned long long>() == 0
                                      : count->get<long long>() <= 0)
        problem(at, "expected a positive integer, got " + count->dump());
      return;
    }
    if (!count->is_string()) {
      problem(at, "expected a positive integer or an expression string, got " +
                      (count->is_number() ? count->dump() : std::string(count->type_name())));
      return;
    }
    std::optional<Expr> e = check_expression(at, *count, params, /*leaf=*/false);
    if (e && e->is_number()) {
      const GiNaC::numeric n = e->as_number();
      if (!n.is_pos_integer())
        problem(at, "expression " + quote_for_message(count->get<std::string>()) +
                        ": a count must be a positive integer");
    }
  }

  // Parses an expression value and checks its symbols; returns it when it parsed.
  std::optional<Expr> check_expression(const std::string& path, const json& value,
                                       const std::set<std::string>& params, bool leaf) {
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number()) {
      text = value.dump();
    } else {
      problem(path, "expected an expression string, got " + std::string(value.type_name()));
      return std::nullopt;
    }
    Expr e;
    try {
      e = Expr::parse(text);
    } catch (const ExprError& error) {
      problem(path, error.what());
      return std::nullopt;
    }
    const std::string quoted = "expression " + quote_for_message(text) + ": ";
    for (const std::string& symbol : e.symbols()) {
      if (symbol == "self" || symbol.rfind("self.", 0) == 0) {
        problem(path, quoted + "uses " + quote_for_message(symbol) +
                          ": resolve self attributes to config.* or the kernel's params");
      } else if (leaf) {
        if (symbol != LeafCatalog::kBytesSymbol && params.count(symbol) == 0)
          problem(path, quoted + "uses symbol " + quote_for_message(symbol) +
                            " that is not a forward_param or 'bytes'");
      } else if (params.count(symbol) == 0 && !is_implicit_symbol(symbol) &&
                 symbol.rfind("config.", 0) != 0) {
        problem(path, quoted + "uses symbol " + quote_for_message(symbol) +
                          " that is not a param of this kernel, config.<attr> or one of "
                          "batch_size, seq_len, cache_len, bytes");
      }
    }
    return e;
  }

  std::string file_;
  std::vector<std::string>& out_;
};

// Parses JSON text, reporting duplicate object keys (with their path) into `duplicates`.
// Returns a discarded value and sets `error` when the text is not JSON.
json parse_reporting_duplicates(const std::string& text, std::vector<std::string>& duplicates,
                                std::string& error) {
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    size_t index = 0;
  };
  std::vector<Frame> stack;
  auto container_path = [&]() {
    std::string path = "$";
    for (size_t i = 0; i + 1 < stack.size(); ++i)
      path = stack[i].object ? json_path_key(path, stack[i].key) : json_path_index(path, stack[i].index);
    return path;
  };
  auto element_done = [&]() {
    if (!stack.empty() && !stack.back().object) ++stack.back().index;
  };
  json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        stack.push_back(Frame{true, {}, {}, 0});
        break;
      case json::parse_event_t::array_start:
        stack.push_back(Frame{false, {}, {}, 0});
        break;
      case json::parse_event_t::key: {
        Frame& top = stack.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second)
          duplicates.push_back(json_path_key(container_path(), top.key));
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::exception& e) {
    std::string message = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    if (!message.empty() && message[0] == '[') {
      auto close = message.find("] ");
      if (close != std::string::npos) message = message.substr(close + 2);
    }
    error = one_line(message);
    return json(json::value_t::discarded);
  }
}

// The parameter names of a cost JSON's params arrays (only its valid string entries).
std::vector<std::string> params_of(const json& j) {
  std::vector<std::string> out;
  for (const char* field : {"init_params", "forward_params"}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_array()) continue;
    for (const json& p : *it)
      if (p.is_string()) out.push_back(p.get<std::string>());
  }
  return out;
}

}  // namespace

bool is_implicit_symbol(const std::string& name) {
  return name == "batch_size" || name == "seq_len" || name == "cache_len" ||
         name == LeafCatalog::kBytesSymbol || name == "weight_bytes" || name == "kv_bytes" || name == "experts_hit";
}

std::vector<std::string> validate_cost_json(const json& j, const std::string& file) {
  std::vector<std::string> problems;
  Checker(file, problems).check(j);
  return problems;
}

namespace {

std::set<std::string> symbols_of(const json& e) {
  if (!e.is_string()) return {};
  try {
    return Expr::parse(e.get<std::string>()).symbols();
  } catch (const ExprError&) {
    return {};
  }
}

// Whether any cost depends on init param `param` of composite `kernel`: it does when a count
// or a leaf child's binding uses it, or a composite child's binding uses it for a parameter
// that matters there. A layer index that only selects a cache slot does not matter.
bool param_matters(const std::map<std::string, json>& by_kernel, const LeafCatalog& leaves,
                   const std::string& kernel, const std::string& param,
                   std::map<std::pair<std::string, std::string>, bool>& memo) {
  auto key = std::make_pair(kernel, param);
  if (auto m = memo.find(key); m != memo.end()) return m->second;
  memo[key] = true;  // a cycle counts as mattering
  auto found = by_kernel.find(kernel);
  if (found == by_kernel.end()) return true;
  auto children = found->second.find("children");
  if (children == found->second.end() || !children->is_object()) return true;
  bool matters = false;
  for (const auto& c : children->items()) {
    if (!c.value().is_object()) continue;
    if (auto n = c.value().find("count"); n != c.value().end() && symbols_of(*n).count(param)) matters = true;
    // Any JSON value may stand there (pass 2 reports it): a kernel is only a string.
    auto k = c.value().find("kernel");
    const std::string child_kernel = k != c.value().end() && k->is_string() ? k->get<std::string>() : "";
    auto b = c.value().find("bindings");
    if (b == c.value().end() || !b->is_object()) continue;
    for (const auto& e : b->items()) {
      if (!symbols_of(e.value()).count(param)) continue;
      if (leaves.find(child_kernel) || !by_kernel.count(child_kernel) ||
          param_matters(by_kernel, leaves, child_kernel, e.key(), memo))
        matters = true;
    }
  }
  memo[key] = matters;
  return matters;
}

}  // namespace

std::vector<std::string> validate_cost_dir(const std::string& dir, const LeafCatalog& leaves,
                                           bool allow_unknown) {
  std::vector<std::string> problems;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {dir + ": not a directory"};

  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".json" && it->is_regular_file(type_ec))
      names.push_back(it->path().filename().string());
  }
  if (ec) return {dir + ": cannot list directory: " + ec.message()};
  std::sort(names.begin(), names.end());

  // Pass 1: each file on its own. Files whose kernel_name matches their name are indexed.
  std::map<std::string, json> by_kernel;
  std::vector<std::pair<std::string, json>> documents;
  for (const std::string& name : names) {
    const std::string file = (fs::path(dir) / name).string();
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      problems.push_back(file + ": cannot read file");
      continue;
    }
    std::vector<std::string> duplicates;
    std::string error;
    json j = parse_reporting_duplicates(text.str(), duplicates, error);
    if (!error.empty()) {
      problems.push_back(file + ": invalid JSON: " + error);
      continue;
    }
    for (const std::string& path : duplicates)
      problems.push_back(file + ": " + path +
                         ": duplicate key (a JSON reader keeps only the last one)");
    for (std::string& p : validate_cost_json(j, file)) problems.push_back(std::move(p));
    if (!j.is_object()) continue;
    auto kernel_name = j.find("kernel_name");
    if (kernel_name != j.end() && kernel_name->is_string()) {
      const std::string& k = kernel_name->get_ref<const std::string&>();
      if (k + ".json" != name)
        problems.push_back(file + ": $.kernel_name: " + quote_for_message(k) +
                           " does not match the file name " + quote_for_message(name) +
                           " (kernels are found as <kernel_name>.json)");
    }
    by_kernel.emplace(name.substr(0, name.size() - 5), j);
    documents.emplace_back(file, std::move(j));
  }

  // Pass 2: each child refers to a kernel that exists and binds exactly its parameters.
  std::map<std::pair<std::string, std::string>, bool> memo;
  for (const auto& [file, j] : documents) {
    auto children = j.find("children");
    if (children == j.end() || !children->is_object()) continue;
    for (const auto& item : children->items()) {
      const json& child = item.value();
      if (!child.is_object()) continue;
      auto kernel_it = child.find("kernel");
      if (kernel_it == child.end() || !kernel_it->is_string()) continue;
      const std::string& kernel = kernel_it->get_ref<const std::string&>();
      if (kernel.empty()) continue;
      const std::string path = json_path_key("$.children", item.key());
      const std::string at = file + ": " + path;
      if (kernel == "unknown") {
        if (!allow_unknown)
          problems.push_back(at + ".kernel: kernel 'unknown': a call kcost could not model "
                                  "(see the .md file)");
        continue;
      }
      std::vector<std::string> params;
      // An init param no cost depends on (a layer index that only selects a cache slot) may be
      // left unbound; see param_matters.
      std::set<std::string> optional_params;
      if (const LeafKernel* leaf = leaves.find(kernel)) {
        params = leaf->forward_params;
        // An operand width left unbound is `bytes` (leaves/operand_widths.h).
        for (const std::string& p : params)
          if (is_width_param(p)) optional_params.insert(p);
      } else if (auto found = by_kernel.find(kernel); found != by_kernel.end()) {
        params = params_of(found->second);
        if (auto init = found->second.find("init_params"); init != found->second.end() && init->is_array())
          for (const auto& p : *init)
            if (p.is_string() && !param_matters(by_kernel, leaves, kernel, p.get<std::string>(), memo))
              optional_params.insert(p.get<std::string>());
      } else {
        problems.push_back(at + ".kernel: " + quote_for_message(kernel) +
                           " is neither a leaf kernel nor a file " +
                           path_for_message((fs::path(dir) / (kernel + ".json")).string()));
        continue;
      }
      auto bindings = child.find("bindings");
      if (bindings == child.end() || !bindings->is_object()) continue;
      for (const std::string& p : params)
        if (!bindings->contains(p) && !optional_params.count(p))
          problems.push_back(at + ".bindings: missing binding for parameter " +
                             quote_for_message(p) + " of " + quote_for_message(kernel));
      for (const auto& b : bindings->items())
        if (std::find(params.begin(), params.end(), b.key()) == params.end())
          problems.push_back(file + ": " + json_path_key(path + ".bindings", b.key()) + ": " +
                             quote_for_message(kernel) + " has no parameter " +
                             quote_for_message(b.key()));
    }
  }
  return problems;
}

}  // namespace kcost

#include "validate/traced_run.h"

#include <stdexcept>

#include "python/session.h"

namespace kcost {

namespace {

using json = nlohmann::json;

// The dtype class of a recorded tensor's dtype ("float32", "bool", "int64").
Value::DType dtype_class(const std::string& dtype) {
  if (dtype.find("float") != std::string::npos || dtype == "half" || dtype == "double" ||
      dtype.find("complex") != std::string::npos)
    return Value::DType::Float;
  return dtype == "bool" ? Value::DType::Bool : Value::DType::Integer;
}

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw std::runtime_error("traced run: " + path + ": " + what);
}

std::vector<Arg> arguments(const json& record, const std::string& path, SameTensors& same) {
  std::vector<Arg> out;
  if (record.contains("args")) {
    if (!record["args"].is_array()) bad(path + ".args", "not a list");
    for (const auto& a : record["args"]) out.push_back({"", traced_value(a, same), ""});
  }
  if (record.contains("kwargs")) {
    if (!record["kwargs"].is_object()) bad(path + ".kwargs", "not an object");
    for (const auto& [k, v] : record["kwargs"].items()) out.push_back({k, traced_value(v, same), k});
  }
  return out;
}

TracedCall parse_call(const json& r, const std::string& path) {
  if (!r.is_object()) bad(path, "not an object");
  TracedCall c;
  std::string kind = r.value("kind", "");
  if (kind == "module") c.kind = TracedCall::Kind::Module;
  else if (kind == "function") c.kind = TracedCall::Kind::Function;
  else if (kind == "attention") c.kind = TracedCall::Kind::Attention;
  else bad(path + ".kind", "unknown kind '" + kind + "'");
  if (!r.contains("names") || !r["names"].is_array()) bad(path + ".names", "missing");
  for (const auto& n : r["names"]) c.names.push_back(n.get<std::string>());
  c.op = r.value("op", "");
  c.method = r.value("method", false);
  SameTensors same;  // one view of one storage given twice in this call: one value
  if (c.method && r.contains("self")) c.self = traced_value(r["self"], same);
  c.args = arguments(r, path, same);
  if (r.contains("ctor")) {
    if (!r["ctor"].is_object()) bad(path + ".ctor", "not an object");
    for (const auto& [k, v] : r["ctor"].items()) c.ctor[k] = traced_value(v);
  }
  c.aten_flops = r.value("aten_flops", 0LL);
  if (r.contains("aten_bytes") && r["aten_bytes"].is_object()) {
    c.aten_read = r["aten_bytes"].value("read", 0LL);
    c.aten_write = r["aten_bytes"].value("write", 0LL);
    c.aten_mixed = r["aten_bytes"].value("mixed", false);
  }
  if (r.contains("calls")) {
    if (!r["calls"].is_array()) bad(path + ".calls", "not a list");
    size_t i = 0;
    for (const auto& sub : r["calls"]) c.calls.push_back(parse_call(sub, path + ".calls[" + std::to_string(i++) + "]"));
  }
  return c;
}

}  // namespace

ValuePtr traced_value(const json& d) {
  SameTensors same;
  return traced_value(d, same);
}

ValuePtr traced_value(const json& d, SameTensors& same) {
  if (d.is_object() && d.contains("tensor") && d.contains("same") && d["same"].is_number_integer()) {
    long long n = d["same"].get<long long>();
    if (auto it = same.find(n); it != same.end()) return it->second;
    json plain = d;
    plain.erase("same");
    return same[n] = traced_value(plain, same);
  }
  if (d.is_null()) return Value::none();
  if (d.is_boolean()) return Value::boolean(d.get<bool>());
  if (d.is_number_integer()) return Value::integer(d.get<long long>());
  if (d.is_number_float()) return Value::number(Expr::from_double(d.get<double>()));
  if (d.is_string()) return Value::string(d.get<std::string>());
  if (d.is_array()) {
    std::vector<ValuePtr> items;
    for (const auto& x : d) items.push_back(traced_value(x, same));
    return Value::tuple(items);
  }
  if (d.is_object()) {
    if (d.contains("tensor")) {
      std::vector<Expr> shape;
      for (const auto& n : d["tensor"]) shape.push_back(Expr(n.get<long long>()));
      ValuePtr t = Value::tensor(shape, dtype_class(d.value("dtype", "float32")));
      if (!d.contains("values") || !d["values"].is_array()) return t;
      // A small integer tensor's elements (its offsets, counts): what a binding may read.
      auto known = std::make_shared<Value>(*t);
      for (const auto& x : d["values"]) known->items.push_back(traced_value(x));
      return known;
    }
    if (d.contains("slice")) {
      std::vector<ValuePtr> parts;
      for (const auto& x : d["slice"]) parts.push_back(traced_value(x));
      while (parts.size() < 3) parts.push_back(Value::none());
      return Value::slice(parts[0], parts[1], parts[2]);
    }
    if (d.contains("ellipsis")) return Value::ellipsis();
    if (d.contains("dict")) {
      std::vector<std::string> keys;
      std::vector<ValuePtr> items;
      for (const auto& [k, v] : d["dict"].items()) {
        keys.push_back(k);
        items.push_back(traced_value(v, same));
      }
      return Value::dict(keys, items);
    }
    if (d.contains("float")) return Value::unknown("the float " + d["float"].get<std::string>());
    // Objects that only flow through a call.
    if (d.contains("dtype")) return Value::opaque("torch." + d["dtype"].get<std::string>());
    for (const char* what : {"device", "module", "object"})
      if (d.contains(what)) return Value::opaque(d[what].get<std::string>());
  }
  return Value::unknown("unreadable traced value " + d.dump());
}

TracedRun parse_traced_run(const json& j) {
  TracedRun run;
  run.model_class = j.value("model_class", "");
  run.config_class = j.value("config_class", "");
  run.config_kwargs = j.value("config_kwargs", json::object());
  run.attn_implementation = j.value("attn_implementation", "");
  if (j.contains("parameters") && j["parameters"].is_number_integer()) run.parameters = j["parameters"].get<long long>();
  if (j.contains("buffers") && j["buffers"].is_number_integer()) run.buffers = j["buffers"].get<long long>();
  if (!j.contains("points") || !j["points"].is_array()) bad("$.points", "missing");
  size_t i = 0;
  for (const auto& p : j["points"]) {
    std::string path = "$.points[" + std::to_string(i++) + "]";
    TracedPoint point;
    point.batch_size = p.at("batch_size").get<long long>();
    point.seq_len = p.at("seq_len").get<long long>();
    point.cache_len = p.at("cache_len").get<long long>();
    size_t k = 0;
    for (const auto& c : p.at("calls")) point.calls.push_back(parse_call(c, path + ".calls[" + std::to_string(k++) + "]"));
    const json& fc = p.at("flop_counter");
    point.flop_counter.total = fc.at("total").get<long long>();
    for (const auto& [op, n] : fc.at("by_op").items()) point.flop_counter.by_op[op] = n.get<long long>();
    if (p.contains("cache_elements") && p["cache_elements"].is_number_integer())
      point.cache_elements = p["cache_elements"].get<long long>();
    run.points.push_back(std::move(point));
  }
  return run;
}

TracedRun run_traced(PythonSession& session, const std::string& model_class, const std::string& attn_implementation,
                     const std::vector<RuntimeShape>& points, const std::string& experts_implementation,
                     const nlohmann::json& small_config_rule) {
  json list = json::array();
  for (const auto& p : points) list.push_back({p.batch_size, p.seq_len, p.cache_len});
  return parse_traced_run(
      session.call("traced_run", {model_class, attn_implementation, list.dump(), experts_implementation,
                                  small_config_rule.dump()}));
}

}  // namespace kcost

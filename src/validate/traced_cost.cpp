#include "validate/traced_cost.h"

#include <algorithm>
#include <set>

#include "expr/error.h"
#include "trace/inference_state.h"
#include "trace/leaf_binding.h"
#include "trace/op_leaf.h"
#include "trace/tensor_ops.h"
#include "trace/tensor_shapes.h"
#include "util/strings.h"

namespace kcost {

namespace {

// Calls that are not tensor ops of the model source: indexing (a zero-cost op of the design;
// the shape tracer's subscripts, reads and in-place writes alike, produce no child) and Python
// protocol conversions of a tensor (len(x), bool(x), int(x), x.item()).
bool is_free_protocol(const std::string& name) {
  static const std::set<std::string> s = {"__getitem__", "__setitem__", "__len__",   "__bool__", "__nonzero__",
                                          "__index__",   "__int__",     "__float__", "__iter__", "__contains__",
                                          "__format__",  "__repr__",    "__hash__",  "item",     "tolist",
                                          "is_contiguous", "stride",    "data_ptr",  "get_device"};
  return s.count(name) > 0;
}

struct OpName {
  std::string op;          // the short name leaf_for_op and bind_leaf know: "mul", "sub", "softmax"
  bool reflected = false;  // __rsub__: the tensor is the right operand
};

OpName op_name(const std::string& name) {
  OpName out{name};
  if (name.size() > 4 && name.compare(0, 2, "__") == 0 && name.compare(name.size() - 2, 2, "__") == 0) {
    std::string inner = name.substr(2, name.size() - 4);
    // Python operators as Tensor dunders (trace/op_leaf.h's table): `__rsub__` is sub with the
    // operands swapped, `__iadd__` is add in place.
    if (is_operator_base(inner)) {
      out.op = inner;
    } else if ((inner[0] == 'r' || inner[0] == 'i') && is_operator_base(inner.substr(1))) {
      out.op = inner.substr(1);
      out.reflected = inner[0] == 'r';
    }
    if (out.op == "truediv") out.op = "div";
  }
  return out;
}

class Pricer {
 public:
  Pricer(const LeafCatalog& leaves, const NameMap& names, const GiNaC::numeric& bytes)
      : leaves_(leaves), names_(names), bytes_(bytes) {}

  void walk(const std::vector<TracedCall>& calls, const std::string& where) {
    for (const auto& c : calls) visit(c, where);
  }

  TracedCost result;

 private:
  std::string first_name(const TracedCall& c) const { return c.names.empty() ? c.op : c.names[0]; }

  void unpriced(const TracedCall& c, const std::string& where, const std::string& reason) {
    result.unpriced.push_back({where, first_name(c), reason});
  }

  void visit(const TracedCall& c, const std::string& where) {
    switch (c.kind) {
      case TracedCall::Kind::Module: {
        std::optional<std::string> leaf = c.names.empty() ? std::nullopt : leaf_for_module(names_, c.names[0], c.ctor);
        if (!leaf) {
          walk(c.calls, where.empty() ? c.op : where + "/" + c.op);
          return;
        }
        LeafCall lc;
        lc.op = last_part(c.names[0]);
        lc.args = c.args;
        lc.ctor = c.ctor;
        lc.module = true;
        price(c, where, *leaf, lc);
        return;
      }
      case TracedCall::Kind::Attention: {
        // The mask's dtype class (float or bool) says what it costs to read, as in the analysis.
        price(c, where, "F.scaled_dot_product_attention", attention_leaf_call(c.args));
        return;
      }
      case TracedCall::Kind::Function: {
        OpName on = op_name(c.op);
        bool state = std::any_of(c.names.begin(), c.names.end(), [](const std::string& n) { return inference_state(n) != nullptr; });
        if (is_free_protocol(c.op) || is_zero_cost_op(on.op) || permuting_einsum(on.op, c.args) || state) {
          if (c.aten_flops) result.flop_counter_by_kernel["zero-cost " + c.op].aten_flops += c.aten_flops;
          return;
        }
        LeafCall lc;
        lc.op = on.op;
        if (on.reflected && c.self) {
          // `2 - x` is recorded as x.__rsub__(2): the operands in source order are (2, x).
          std::vector<Arg> positional, keywords;
          for (const auto& a : c.args) (a.name.empty() ? positional : keywords).push_back(a);
          lc.args = positional;
          lc.args.push_back({"", c.self, "self"});
          lc.args.insert(lc.args.end(), keywords.begin(), keywords.end());
        } else {
          lc.self = c.self;
          lc.args = c.args;
        }
        std::optional<std::string> leaf = leaf_for_op(names_, on.op, c.names, lc.self, lc.args);
        if (!leaf) {
          unpriced(c, where, "no leaf kernel in the name map");
          return;
        }
        price(c, where, *leaf, lc);
        return;
      }
    }
  }

  void price(const TracedCall& c, const std::string& where, const std::string& kernel, LeafCall lc) {
    const LeafKernel* leaf = leaves_.find(kernel);
    if (!leaf) {
      unpriced(c, where, "the name map gives leaf '" + kernel + "', which is not in the kernel library");
      return;
    }
    lc.leaf = leaf;
    LeafBinding b = bind_leaf(lc);
    if (!b.ok) {
      unpriced(c, where, kernel + ": " + b.why);
      return;
    }
    PricedCall p;
    p.where = where;
    p.name = first_name(c);
    p.kernel = kernel;
    // The run is at one width: the weights and the cache are at bytes too.
    const std::map<std::string, GiNaC::numeric> widths = {
        {LeafCatalog::kBytesSymbol, bytes_}, {"weight_bytes", bytes_}, {"kv_bytes", bytes_}};
    std::map<std::string, GiNaC::numeric> values = widths;
    try {
      for (const auto& [param, e] : b.bindings) {
        GiNaC::numeric v = e.eval(widths);  // a float mask's size is in bytes
        p.params.push_back({param, v});
        values[param] = v;
      }
      p.cost.flops = leaf->flops.eval(values);
      p.cost.memory_read = leaf->memory_read.eval(values);
      p.cost.memory_write = leaf->memory_write.eval(values);
      p.aten_flops = c.aten_flops;
      p.aten_read = c.aten_read;
      p.aten_write = c.aten_write;
      if (c.aten_read && c.aten_write && c.aten_mixed) {
        ++result.bytes_by_kernel[kernel].mixed_calls;
      } else if (c.aten_read && c.aten_write) {
        auto& share = result.bytes_by_kernel[kernel];
        share.leaf_read += p.cost.memory_read;
        share.leaf_write += p.cost.memory_write;
        share.aten_read += *c.aten_read;
        share.aten_write += *c.aten_write;
        ++share.calls;
      }
      if (leaf->matmul_class) {
        GiNaC::numeric bias = leaf->bias_add_flops.eval(values);
        result.matmul_flops += p.cost.flops;
        result.bias_add_flops += bias;
        auto& share = result.flop_counter_by_kernel[kernel];
        share.leaf_flops += p.cost.flops - bias;
        share.aten_flops += c.aten_flops;
      } else if (c.aten_flops) {
        result.flop_counter_by_kernel[kernel].aten_flops += c.aten_flops;
      }
    } catch (const ExprError& e) {
      unpriced(c, where, kernel + ": " + e.what());
      return;
    }
    result.totals += p.cost;
    result.by_kernel[kernel] += p.cost;
    ++result.calls_by_kernel[kernel];
    result.calls.push_back(std::move(p));
  }

  const LeafCatalog& leaves_;
  const NameMap& names_;
  GiNaC::numeric bytes_;
};

}  // namespace

TracedCost price_traced_calls(const std::vector<TracedCall>& calls, const LeafCatalog& leaves, const NameMap& names,
                              const GiNaC::numeric& bytes) {
  Pricer p(leaves, names, bytes);
  p.walk(calls, "");
  return std::move(p.result);
}

}  // namespace kcost

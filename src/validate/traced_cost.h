// TracedCost: the traced side of the correctness oracle. Prices each call a traced run
// recorded exactly as the shape tracer prices a call of the model source: zero-cost ops
// (is_zero_cost_op, indexing, Python protocol conversions) cost nothing; a module whose class
// the name map knows is one leaf call (what ran inside it is not counted again), any other
// module is the sum of the calls its forward made; a fused attention dispatch is one
// F.scaled_dot_product_attention call with what the interface received; every other call is
// priced by the leaf leaf_for_op chooses from its qualified names, bound by bind_leaf, its
// formulas evaluated at concrete shapes. A call with no leaf or no binding is listed, never
// dropped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ginac/ginac.h>

#include "evaluate/evaluator.h"  // CostNumbers
#include "leaves/leaf_catalog.h"
#include "leaves/name_map.h"
#include "validate/traced_run.h"

namespace kcost {

struct PricedCall {
  std::string where;   // the module path of the call: "LlamaForCausalLM/LlamaModel/LlamaDecoderLayer"
  std::string name;    // the callable's qualified name ("torch.Tensor.mul", "torch.nn.modules.linear.Linear")
  std::string kernel;  // the leaf kernel
  std::vector<std::pair<std::string, GiNaC::numeric>> params;  // the leaf's forward_params, bound
  CostNumbers cost;
  long long aten_flops = 0;  // what FlopCounterMode counted inside the call
  std::optional<long long> aten_read, aten_write;  // what its aten ops touched (traced_run.h)
};

struct UnpricedCall {
  std::string where;
  std::string name;
  std::string reason;  // "no leaf kernel in the name map", or why the binding failed
};

struct TracedCost {
  CostNumbers totals;
  std::map<std::string, CostNumbers> by_kernel;
  std::map<std::string, long long> calls_by_kernel;
  std::vector<PricedCall> calls;       // in call order
  std::vector<UnpricedCall> unpriced;  // calls that could not be priced (a failure of validation)
  // Matmul-class FLOPs and, within them, the bias adds FlopCounterMode does not count.
  GiNaC::numeric matmul_flops = 0;
  GiNaC::numeric bias_add_flops = 0;
  // The cross-check call by call: per matmul-class leaf kernel, its FLOPs less bias adds against
  // what FlopCounterMode counted inside those calls; also any other kernel, or zero-cost op
  // ("zero-cost <op>"), in whose calls FlopCounterMode counted FLOPs.
  struct FlopCounterShare {
    GiNaC::numeric leaf_flops = 0;  // less bias adds
    long long aten_flops = 0;
  };
  std::map<std::string, FlopCounterShare> flop_counter_by_kernel;
  // The independent byte count, per leaf kernel: its formulas' bytes over the calls that have an
  // aten count, against that count (validation.h ByteCheck).
  struct ByteShare {
    GiNaC::numeric leaf_read = 0, leaf_write = 0;
    long long aten_read = 0, aten_write = 0;
    long long calls = 0;
    long long mixed_calls = 0;  // on integer or bool tensors too: not compared (leaves price all at `bytes`)
  };
  std::map<std::string, ByteShare> bytes_by_kernel;
};

// `bytes`: the size of one element of the model dtype (4 for float32).
TracedCost price_traced_calls(const std::vector<TracedCall>& calls, const LeafCatalog& leaves, const NameMap& names,
                              const GiNaC::numeric& bytes);

}  // namespace kcost

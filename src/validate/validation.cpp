#include "validate/validation.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "emit/atomic_file.h"
#include "emit/emit_error.h"
#include "evaluate/experts_hit.h"
#include "evaluate/footprint.h"
#include "evaluate/model_costs.h"
#include "evaluate/values.h"
#include "locate/source_locator.h"
#include "python/session.h"

namespace kcost {

namespace fs = std::filesystem;

namespace {

// A fresh directory under the temp dir, removed when this goes out of scope (unless given).
class WorkDir {
 public:
  explicit WorkDir(const std::string& given) {
    if (!given.empty()) {
      path_ = given;
      fs::create_directories(path_);
      return;
    }
    std::random_device rd;
    for (int i = 0; i < 100; ++i) {
      fs::path p = fs::temp_directory_path() / ("kcost-validate-" + std::to_string(rd()));
      if (fs::create_directory(p)) {
        path_ = p.string();
        owned_ = true;
        return;
      }
    }
    throw std::runtime_error("cannot make a temp directory under " + fs::temp_directory_path().string());
  }
  ~WorkDir() {
    std::error_code ec;
    if (owned_) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

bool any_attention(const std::vector<TracedCall>& calls) {
  for (const auto& c : calls)
    if (c.kind == TracedCall::Kind::Attention || any_attention(c.calls)) return true;
  return false;
}

// Whether the run called the fused attention: through transformers' attention interface, or the
// model's own F.scaled_dot_product_attention call (4.x's Qwen2MoeSdpaAttention calls it directly).
bool calls_fused_attention(const std::vector<TracedCall>& calls, const TracedCost& priced) {
  return any_attention(calls) || priced.flop_counter_by_kernel.count("F.scaled_dot_product_attention") > 0;
}

bool flop_counter_counts_attention(const FlopCounterCount& fc) {
  for (const auto& [op, n] : fc.by_op)
    if (op.find("scaled_dot_product") != std::string::npos) return true;
  return false;
}

}  // namespace

bool ModelValidation::ok() const {
  if (!error.empty() || !unknowns.empty() || points.empty()) return false;
  for (const auto& p : points)
    if (!p.ok()) return false;
  for (const auto& m : memory)
    if (!m.ok()) return false;
  return true;
}

double relative_error(const GiNaC::numeric& s, const GiNaC::numeric& t) {
  if (s == t) return 0;
  if (t.is_zero()) return 1;
  return std::fabs(to_double(s - t)) / std::fabs(to_double(t));
}

PointValidation compare_point(const Evaluation& static_side, const TracedPoint& traced, const TracedCost& priced,
                              const LeafCatalog& leaves, bool fused_attention) {
  PointValidation v;
  v.point = {traced.batch_size, traced.seq_len, traced.cache_len};
  v.static_totals = static_side.totals;
  v.traced_totals = priced.totals;
  v.unpriced = priced.unpriced;
  std::set<std::string> kernels;
  for (const auto& [k, c] : static_side.by_kernel) kernels.insert(k);
  for (const auto& [k, c] : priced.by_kernel) kernels.insert(k);
  for (const auto& k : kernels) {
    KernelDiff d;
    d.kernel = k;
    if (auto it = static_side.by_kernel.find(k); it != static_side.by_kernel.end()) d.static_cost = it->second;
    if (auto it = priced.by_kernel.find(k); it != priced.by_kernel.end()) d.traced_cost = it->second;
    if (auto it = priced.calls_by_kernel.find(k); it != priced.calls_by_kernel.end()) d.traced_calls = it->second;
    if (!(d.static_cost == d.traced_cost)) v.diffs.push_back(d);
  }
  FlopCounterCheck& fc = v.flop_counter;
  fc.flop_counter_flops = traced.flop_counter.total;
  // FlopCounterMode has no formula for the fused kernel, but counts sdpa's math fallback (CPU
  // takes it when the query-key and value head sizes differ, as in multi-head latent attention):
  // attention is left out only where nothing was counted inside its calls.
  auto inside = priced.flop_counter_by_kernel.find("F.scaled_dot_product_attention");
  bool counted_inside = inside != priced.flop_counter_by_kernel.end() && inside->second.aten_flops > 0;
  fc.attention_excluded = fused_attention && !flop_counter_counts_attention(traced.flop_counter) && !counted_inside;
  for (const auto& [k, c] : static_side.by_kernel)
    if (const LeafKernel* leaf = leaves.find(k); leaf && leaf->matmul_class && !(fc.attention_excluded && k == "F.scaled_dot_product_attention"))
      fc.static_matmul_flops += c.flops;
  fc.bias_add_flops = priced.bias_add_flops;
  for (const auto& [k, share] : priced.flop_counter_by_kernel) {
    FlopCounterKernel fk;
    fk.kernel = k;
    fk.leaf_flops = share.leaf_flops;
    fk.flop_counter_flops = share.aten_flops;
    fk.excluded = fc.attention_excluded && k == "F.scaled_dot_product_attention";
    fc.kernels.push_back(fk);
  }
  for (const auto& [k, share] : priced.bytes_by_kernel) {
    ByteCheck b;
    b.kernel = k;
    if (const LeafKernel* leaf = leaves.find(k)) b.rule = leaf->bytes_rule;
    b.leaf_read = share.leaf_read;
    b.leaf_write = share.leaf_write;
    b.aten_read = share.aten_read;
    b.aten_write = share.aten_write;
    b.calls = share.calls;
    b.mixed_calls = share.mixed_calls;
    v.bytes.push_back(b);
  }
  return v;
}

ModelValidation validate_model(SourceLocator& locator, PythonSession& session, const ValidationLibrary& library,
                               const std::string& name, const ValidationOptions& options) {
  ModelValidation mv;
  mv.name = name;
  mv.attn_implementation = options.attn_implementation;
  mv.model_class = locator.qualified_name(name);
  TracedRun run;
  try {
    run = run_traced(session, mv.model_class, options.attn_implementation, options.points,
                     options.experts_implementation, options.small_config_rule);
  } catch (const std::exception& e) {  // the model cannot be built or run this way: this model fails
    mv.error = std::string("traced run: ") + e.what();
    return mv;
  }
  mv.config_kwargs = run.config_kwargs;
  // A model without sdpa ran eager (transformers' default for it): both sides are that.
  std::string attn = run.attn_implementation.empty() ? options.attn_implementation : run.attn_implementation;
  if (attn != options.attn_implementation) {
    mv.attn_implementation = attn;
    mv.attention_note = "the model has no " + options.attn_implementation + "; transformers runs it " + attn;
  }

  WorkDir work(options.work_dir);
  std::string config_file = (fs::path(work.path()) / "config.json").string();
  try {
    write_file_atomically(config_file, run.config_kwargs.dump(2) + "\n");
  } catch (const EmitError& e) {
    mv.error = e.what();
    return mv;
  }
  // The static side: the same pipeline eval runs (analyze afresh, resolve, the config's numbers).
  ModelCosts m;
  try {
    ModelRequest request;
    request.name = mv.model_class;
    request.config_file = config_file;
    request.attn_implementation = attn;
    request.experts_implementation = options.experts_implementation;
    request.device = "cpu";  // the traced run's device: code that branches on it goes the run's way
    request.costs_dir = (fs::path(work.path()) / "costs").string();
    request.reanalyze = true;
    request.allow_unknown = true;  // listed in mv.unknowns; the comparison shows what they miss
    m = load_model_costs(locator, session, ModelLibrary{library.leaves, library.names, "", ""}, request);
    mv.unknowns = m.analysis->unknowns;
  } catch (const PythonError& e) {
    if (!e.lookup) throw;
    mv.error = std::string("static side: ") + e.what();
    return mv;
  } catch (const std::exception& e) {
    mv.error = std::string("static side: ") + e.what();
    return mv;
  }
  const ResolvedTree& tree = m.tree;
  const Values& config = m.config;

  bool fused = attn != "eager";
  // The traced calls are priced with the names the analysis looked up.
  const NameMap& traced_names = m.analysis->names;
  for (const auto& point : run.points) {
    RuntimePoint rp;
    rp.batch_size = GiNaC::numeric(static_cast<long>(point.batch_size));
    rp.seq_len = GiNaC::numeric(static_cast<long>(point.seq_len));
    rp.cache_len = GiNaC::numeric(static_cast<long>(point.cache_len));
    rp.bytes = 4;  // float32
    Values values = config;
    for (const auto& [k, v] : runtime_values(rp)) values[k] = v;
    TracedCost priced = price_traced_calls(point.calls, library.leaves, traced_names, rp.bytes);
    // The experts the real run reached decide what the static side's experts read.
    long long expert_calls = 0;
    std::optional<GiNaC::numeric> hit = observed_experts_hit(priced, point.calls, &expert_calls);
    std::optional<ExpertsHit> experts;
    if (hit) experts = ExpertsHit{ExpertsHit::Kind::Count, *hit};
    Evaluation static_side;
    try {
      static_side = evaluate(with_experts_hit(tree, experts), values);
    } catch (const std::exception& e) {
      mv.error = std::string("static side: ") + e.what();
      return mv;
    }
    mv.points.push_back(compare_point(static_side, point, priced, library.leaves, fused && calls_fused_attention(point.calls, priced)));
    mv.points.back().experts_hit = hit;
    mv.points.back().expert_calls = expert_calls;
    std::optional<MemoryFootprint> memory;
    try {
      memory = evaluate_footprint(tree, values);
    } catch (const std::exception& e) {
      mv.error = std::string("static side's memory: ") + e.what();
      return mv;
    }
    if (point.cache_elements)
      mv.points.back().cache = MemoryCheck{"cache elements", memory ? std::optional<GiNaC::numeric>(memory->cache_elements) : std::nullopt,
                                           point.cache_elements};
    if (mv.memory.empty() && (run.parameters || run.buffers)) {
      auto value = [&](GiNaC::numeric MemoryFootprint::*field) {
        return memory ? std::optional<GiNaC::numeric>((*memory).*field) : std::nullopt;
      };
      mv.memory.push_back({"parameters", value(&MemoryFootprint::parameters), run.parameters});
      mv.memory.push_back({"buffers", value(&MemoryFootprint::buffers), run.buffers});
    }
  }
  return mv;
}

namespace {

// The distinct values of each one_hot's recorded index tensor, over the calls and their calls.
void one_hot_classes(const std::vector<TracedCall>& calls, GiNaC::numeric& sum, long long& n) {
  for (const TracedCall& c : calls) {
    if (c.kind == TracedCall::Kind::Function && c.op == "one_hot" && !c.args.empty() && c.args[0].value &&
        c.args[0].value->is_tensor() && !c.args[0].value->items.empty()) {
      std::set<long long> distinct;
      for (const ValuePtr& item : c.args[0].value->items)
        if (std::optional<long long> v = item ? known_int(*item) : std::nullopt) distinct.insert(*v);
      sum += GiNaC::numeric(static_cast<long>(distinct.size()));
      ++n;
    }
    one_hot_classes(c.calls, sum, n);
  }
}

}  // namespace

std::optional<GiNaC::numeric> observed_experts_hit(const TracedCost& priced, const std::vector<TracedCall>& calls,
                                                   long long* count) {
  GiNaC::numeric sum = 0;
  long long n = 0;
  for (const PricedCall& c : priced.calls)
    for (const auto& [param, value] : c.params)
      if (param == "E_read") {
        sum += value;
        ++n;
      }
  if (n == 0) one_hot_classes(calls, sum, n);  // the experts loop: what each layer's one_hot encoded
  if (count) *count = n;
  if (n == 0) return std::nullopt;
  return sum / n;
}

}  // namespace kcost

// ShapeTracer: stage 3 of the analysis. Abstract interpretation of a module's forward() (and
// of the functions it calls) over symbolic tensor shapes. Each cost-producing call becomes a
// child of the kernel with bindings: calls of submodules (through ModuleList loops, with a
// count), leaf ops (Python operators, torch.*, F.*, Tensor methods, activation modules) bound by
// their leaf's parameter signature, module-level functions inlined with their name as a label
// prefix, transformers' attention dispatch, mask creation and KV cache. Zero-cost ops only move
// shapes. What cannot be modelled becomes an "unknown" child with the reason.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "facts/derived_lists.h"
#include "facts/module_facts.h"
#include "leaves/leaf_catalog.h"
#include "leaves/name_map.h"
#include "trace/kernel_trace.h"
#include "trace/kv_cache.h"
#include "trace/leaf_binding.h"
#include "trace/signature.h"

namespace kcost {

// What every tracer of one model analysis shares.
struct TraceContext {
  SourceLocator& locator;
  const ConfigView& config;
  const LeafCatalog& leaves;
  const NameMap& names;
  std::string attn_implementation = "sdpa";
  std::string device = "cuda";  // what `x.device.type` is (AnalyzeOptions::device)
  // kcost's own leaf library and names, when `leaves` is another (a library written by others):
  // what an op the analysis's library has no leaf for outputs, so that the shapes flow past its
  // unknown child (never its cost). Null with kcost's own library.
  const LeafCatalog* shape_leaves = nullptr;
  const NameMap* shape_names = nullptr;
  // The KV cache the call runs with, layer by layer (empty: every layer keeps every token).
  KvCache cache{};
  // What a cache layer's update keeps and returns (memo: layer key + new tokens -> step).
  std::map<std::string, CacheStep> cache_steps{};
  // The new tokens the first cache.update of the trace was given (KvCache::held_tokens).
  std::optional<Expr> first_update_tokens{};
  // The cache layers the trace's cache.update calls reach (KvCache::filled); every one when a
  // call's layer index stands for all of them or is not known.
  std::set<long long> updated_layers{};
  bool every_layer_updated = false;
  // Whether the trace read the cache's layer objects (cache.layers): what they hold depends on
  // the layers the prefill updated.
  bool read_cache_layers = false;
  // A kind of layers of a stack as long as the cache (layer_kinds.cpp): its first layer, which
  // stands for them in the trace, -> all of them.
  std::map<long long, std::vector<long long>> cache_layer_kinds{};
  // Phase 1: every composite call is recorded here (kernel -> call sites).
  std::map<std::string, std::vector<CallSite>>* sites = nullptr;
  std::vector<std::string>* discovery_order = nullptr;
  // Phase 2: signatures of composite kernels, for the bindings of their call sites.
  const std::map<std::string, KernelSignature>* signatures = nullptr;
  // Classes built into more than one kind (layer_kinds.cpp): class -> kind key -> kernel name.
  const std::map<std::string, std::map<std::string, std::string>>* variants = nullptr;
  // Lists the config derives from its fields (facts/derived_lists.h), by attribute: the counts of
  // layer kinds built from them.
  const std::map<std::string, DerivedList>* derived_lists = nullptr;
  // Phase 2: integer init params whose call sites disagree: kernel -> param -> the values at its
  // sites (which layers a kernel taking a layer index stands for).
  const std::map<std::string, std::map<std::string, std::vector<long long>>>* param_values = nullptr;
  std::string kernel{};  // phase 2: the kernel being traced in its own symbols
  // Outputs of composite calls already traced (memo: kernel + arguments -> output).
  std::map<std::string, ValuePtr> outputs{};
  // Beside each output: the dict inputs its forward() set items of, by parameter name -> what
  // the forward left in them (Interpreter::changed; the caller's dict changes with them).
  std::map<std::string, std::map<std::string, ValuePtr>> changed_inputs{};
  std::map<std::string, std::shared_ptr<ModuleFacts>> facts{};
  int depth = 0;
};

class ShapeTracer : public Hooks {
 public:
  // `record`: the kernel whose children this trace writes (null: trace for outputs only).
  ShapeTracer(TraceContext& context, KernelTrace* record);

  // Runs `facts`'s forward with `inputs` (forward parameter -> value); returns its output.
  ValuePtr run_forward(const ModuleFacts& facts, const std::map<std::string, ValuePtr>& inputs);
  // run_forward as a call before the analysed one (generate's prefill, whose returned state the
  // analysed call continues with): it records nothing, and no call sites.
  ValuePtr run_earlier_call(const ModuleFacts& facts, const std::map<std::string, ValuePtr>& inputs);
  // Runs method `qualname` (prepare_inputs_for_generation) of the module `facts` describes, self
  // being that module, with `args` (super() in it looks past forward()'s owner, as in forward).
  ValuePtr run_method(const ModuleFacts& facts, const std::string& qualname, const std::vector<Arg>& args);
  // Facts of a module built with these constructor arguments (memoized).
  std::shared_ptr<ModuleFacts> facts_of(const std::string& kernel, const std::vector<Arg>* ctor_args);
  // Binds call arguments to the parameters of forward() (without self).
  std::map<std::string, ValuePtr> bind_forward(const ClassSource& cls, const std::vector<Arg>& args);

  // What a module is, structurally (layer_kinds.cpp): its class and, recursively, what its
  // __init__ makes of each attribute; symbolic numbers are parameters, not kinds, literal ones
  // (flags, constant sizes) are structure. Two modules of one kind cost the same formulas.
  std::string kind_key(const Value& module, int depth = 0);
  // The conditions on the symbols of `index` (a layer's index, each mapped to what replaces it)
  // that building `module` decided, through its submodules (layer_kinds.cpp).
  void index_decisions(const Value& module, const std::map<std::string, Expr>& index, std::vector<Decision>& out, int depth);
  // The kernel a call of a module value is: its class, or the class's variant for its kind and
  // the strings the call passes (`inputs`: forward parameter -> value; call_strings.h).
  std::string kernel_of(const Value& module, const std::map<std::string, ValuePtr>& inputs);

  // What `module.parameters()` and `module.buffers()` of a built module hold, in elements, from
  // what __init__ makes of it (module_parameters.cpp): its own nn.Parameter / register_buffer
  // tensors and, recursively, those of every registered submodule (attributes holding a module,
  // ModuleList items); plain tensors and modules in Python lists are not registered and do not
  // count. A stack whose items all count the same is `length * count` (symbolic length), else
  // the sum over its kinds. What cannot be followed is listed in `unknown`, counted as zero.
  struct ModuleParameters {
    Expr parameters{0};
    Expr buffers{0};
    std::vector<std::string> unknown;  // "path: why"
  };
  ModuleParameters module_parameters(const ModuleFacts& module, const std::string& path = "");
  ModuleParameters module_parameters(const Value& module, const std::string& path);
  void submodule_paths(const ModuleFacts& facts, const std::string& path, int depth,
                       std::vector<std::pair<std::string, ValuePtr>>& out);
  void subtract_instance_ties(const ModuleFacts& facts, const std::string& path, ModuleParameters& out);
  // The elements of the parameter or buffer at `dotted` ("lm_head.weight", "layers.0.mlp.w1")
  // under `module`; nullopt when the path does not name one.
  std::optional<Expr> state_elements(const ModuleFacts& module, const std::string& dotted);

  ValuePtr call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) override;
  ValuePtr attribute(const ast::Node& node, const ValuePtr& base, const std::string& name) override;
  std::vector<std::pair<ValuePtr, ValuePtr>> take_changed_arguments() override { return std::move(changed_arguments_); }
  ValuePtr binary(const ast::Node& node, const std::string& op, const ValuePtr& a, const ValuePtr& b) override;
  ValuePtr unary(const ast::Node& node, const std::string& op, const ValuePtr& a) override;
  ValuePtr subscript(const ast::Node& node, const ValuePtr& base, const ValuePtr& index) override;
  std::optional<std::vector<Iteration>> iterate(const ast::Node& node, const ValuePtr& iterable) override;
  void enter_repeat(const Expr& count) override { counts_.push_back(count); }
  void exit_repeat() override { counts_.pop_back(); }
  bool weighs_branches() const override { return true; }
  const std::map<std::string, ValuePtr>* module_state() const override { return &held_; }

 private:
  ValuePtr call_module(const ast::Node& node, const ValuePtr& module, const std::vector<Arg>& args);
  ValuePtr call_callable(const ast::Node& node, const Value& callee, const std::vector<Arg>& args);
  ValuePtr call_class(const ast::Node& node, const Value& cls, const std::vector<Arg>& args);
  ValuePtr call_cache_method(const ast::Node& node, const std::string& method, const std::vector<Arg>& args);
  ValuePtr call_dict_method(const Value& dict, const std::string& method, const std::vector<Arg>& args);
  ValuePtr call_composite(const ast::Node& node, const ValuePtr& module, const std::vector<Arg>& args,
                          const std::string& label);
  ValuePtr call_function(const ast::Node& node, const ValuePtr& fn, const std::vector<Arg>& args);
  ValuePtr inline_function(const std::string& qualname, const std::vector<Arg>& args, const ValuePtr& self);
  // An assumption naming the fused kernel transformers dispatches function `f` to where it is
  // installed (its @use_kernel_func_from_hub... decorator), whose PyTorch fallback is traced.
  void note_hub_kernel(const FunctionSource& f);
  ValuePtr call_leaf(const ast::Node& node, const std::string& leaf, LeafCall call, const std::string& label);
  ValuePtr call_op(const ast::Node& node, const std::string& op, const std::vector<std::string>& names,
                   const ValuePtr& self, const std::vector<Arg>& args);
  // What op `op` (reached under `names`) outputs by kcost's own leaf for it (TraceContext
  // shape_leaves); null without that library or leaf.
  ValuePtr own_output(const std::string& op, const std::vector<std::string>& names, const ValuePtr& self,
                      const std::vector<Arg>& args, const std::map<std::string, ValuePtr>& ctor = {}, bool module = false);
  ValuePtr call_attention(const ast::Node& node, const std::string& impl, const std::vector<Arg>& args);
  // A stack built by index (ModuleList([Layer(config, i) for i in range(n)])): one group per
  // kind of layer, each with its count and a representative layer (layer_kinds.cpp); nullopt
  // when all layers are of one kind.
  std::optional<std::vector<Iteration>> layer_kinds(const Value& stack);
  ValuePtr make_mask(const std::vector<Arg>& args, const std::string& function);
  // The cache layer of a call with this layer index: by its value when known, else the one every
  // layer is, or the one the layers a layer-index init param stands for all are; nullopt else.
  std::optional<CacheLayer> cache_layer_at(const ValuePtr& index) const;
  // What `layer`'s update keeps of cache_len cached tokens and returns with `fresh` new ones on
  // top (kv_cache.h); nullopt with `why` when its source could not be followed.
  // `call_args`: the update call's arguments after the keys and values (a whole cache's update
  // reads them: layer_idx, cache_kwargs).
  std::optional<CacheStep> kv_step(const CacheLayer& layer, const Expr& fresh, std::string* why,
                                   const std::vector<Arg>& call_args = {});
  // cache[layer_idx] (legacy tuples, a 4.x Cache's __getitem__): the layer's held keys and values.
  // The plain objects made here (make_object), by address: their attributes change as __init__
  // and methods assign them.
  std::map<const Value*, std::shared_ptr<Value>> objects_;
  // An instance of a plain Python class (no base but object, its own __init__), or nullptr.
  ValuePtr make_object(const Value& cls, const std::vector<Arg>& args);
  // Method `name` of the class of `object` (a submodule, a plain object), bound to it; unknown
  // when its class has none.
  ValuePtr method_of(const ValuePtr& object, const std::string& name);
  // What `name` is on an object of class `cls` that does not hold it itself: a class attribute of
  // plain data (`is_compileable = False` in DynamicLayer's body) is that value; a property
  // (DynamicCache's `is_compileable`) runs its getter on `object`, recording nothing (a class's
  // bookkeeping is not the model's work). nullptr when it is neither (a method, or nothing).
  ValuePtr class_member(const std::string& cls, const std::string& name, const ValuePtr& object);
  // A constant the body of class `cls` sets (`attention_type = "sliding_attention"`); nullptr
  // when it sets none of that name.
  ValuePtr class_constant(const std::string& cls, const std::string& name);
  // The analysed call's cache as a plain object of its class (generate's, else DynamicCache), for
  // its properties' getters: `layers`, the layer objects (cache_layer_objects; their class's
  // members as class_member finds them), when the cache's layers are known.
  ValuePtr cache_object();
  void assign_attribute(const ast::Node& node, const ValuePtr& base, const std::string& name, const ValuePtr& value) override;
  ValuePtr cache_layer_item(const ast::Node& node, const ValuePtr& index);
  // The keys (or values) a cache layer holds of `held` tokens: heads and head size as the
  // model's keys have them where it concatenates (unsized_dim), read from the cache.
  static ValuePtr held_keys(const Expr& held);
  // The cache a cat of cache_layer_item's tensors shows (their elements, now sized).
  void count_held_cache(const std::string& op, const std::vector<Arg>& args, const ValuePtr& out);
  // The state-space / linear-attention cache methods (get_conv_state, update_conv_state,
  // get_recurrent_state, update_recurrent_state, has_previous_state, is_recording_past);
  // nullptr when `method` is none of them.
  ValuePtr call_state_method(const ast::Node& node, const std::string& method, const std::vector<Arg>& args);
  ValuePtr unknown(const ast::Node& node, const std::string& what, const std::string& label);
  void add_child(ChildCall child, const ast::Node& node);
  std::string label_for(const std::string& op, const ast::Node& node) const;
  std::string unique_label(const std::string& label) const;
  Expr count() const;
  std::map<std::string, ValuePtr> ctor_params(const std::string& kernel, const std::vector<Arg>& args);
  Interpreter& interpreter() { return *interpreters_.back(); }
  // The values a symbolic number stands for when it is an init param of the kernel being traced
  // whose call sites disagree (a layer index: the layers of this kind); nullopt otherwise.
  std::optional<std::vector<long long>> index_values(const Value& index) const;

  TraceContext& ctx_;
  KernelTrace* record_;
  const ModuleFacts* facts_ = nullptr;
  std::vector<Interpreter*> interpreters_;
  std::vector<std::string> prefixes_;
  std::vector<Expr> counts_;
  // The routing masks (one_hot of topk's indices) this trace has made: a loop over range(C) of
  // one's classes runs once for the classes some row reaches and once for the others (routing.h).
  std::vector<std::shared_ptr<const Routing>> routing_masks_;
  // `out`, remembered when it is a routing mask (one_hot of routing indices).
  ValuePtr remember_mask(const ValuePtr& out);
  int mask_line_ = 0;
  // The conv / recurrent states the cache holds ("conv|<layer key>|<state index>" -> the state
  // after cache_len tokens), learned from the forward's update_*_state calls: a forward reads
  // them (get_conv_state) before it updates them, so a forward that reads one is first run by a
  // probe (recording nothing) that learns them.
  std::map<std::string, ValuePtr> states_;
  std::set<std::string> states_counted_;  // states whose elements this trace has counted
  bool probing_ = false;
  // State the module keeps in attributes (Hooks::module_state): "self.x" -> what it holds, set
  // where forward() assigns (the last assignment, for the methods it calls and the submodules it
  // calls: "self.rg_lru.recurrent_states" is passed to rg_lru as its "self.recurrent_states").
  // An attribute __init__ sets to None that forward() assigns holds, when forward() starts, what
  // the previous call left (generate's prefill): what a probe of forward() leaves in it, None
  // unless a token is cached (held_state).
  std::map<std::string, ValuePtr> held_;
  std::map<std::string, ValuePtr> held_after_;  // held state as the forward() run_forward ran left it
  // The dict inputs the forward() run_forward ran set items of: parameter -> what it left in them.
  std::map<std::string, ValuePtr> changed_inputs_;
  // The last module call's dict arguments its forward() changed: (passed, left), for the caller
  // (Hooks::take_changed_arguments).
  std::vector<std::pair<ValuePtr, ValuePtr>> changed_arguments_;
  bool probing_held_ = false;
  // This tracer runs forward ahead of the traced call, recording nothing and no call sites, to
  // learn the state the call leaves (held_after_, cache_layer_objects_); what it cannot follow it
  // leaves.
  void probe_forward(const ModuleFacts& facts, const std::map<std::string, ValuePtr>& inputs);
  void held_state(const ModuleFacts& facts, const FunctionSource& forward, const std::map<std::string, ValuePtr>& inputs);
  // `cache.layers`: the cache's layer objects, plain objects of their classes (kv_cache.h's
  // CacheLayer: its attributes as DynamicCache(config=config) built it), made once per trace so
  // that what the forward sets on one (Qwen4Exp's `indexer_cache.indexer_position_ids =
  // position_ids`) is what it reads back. An attribute the layer's class leaves None that the
  // forward sets holds, when the call starts, what generate's prefill left (held_layer_state).
  std::vector<ValuePtr> cache_layer_objects_;
  ValuePtr cache_layer_objects();
  // Layer index -> attribute -> what the prefill left in it (held_layer_state).
  std::map<size_t, std::map<std::string, ValuePtr>> layer_held_;
  // A forward that reads `<cache>.layers` and sets an attribute of an object it does not own: a
  // probe of it (recording nothing) on the layers as built learns what it leaves on them; with
  // the prefill's sizes (seq_len -> cache_len, no token cached before), None unless a token is
  // cached, that is what the analysed call finds there (as held_state for a module's own state).
  void held_layer_state(const ModuleFacts& facts, const FunctionSource& forward, const std::map<std::string, ValuePtr>& inputs);
};

// "self.a.x" for the attribute expression `self.a.x`; "" where it is not rooted at `self`.
std::string self_attribute_path(const ast::Node& node);

// A stack's `element` (its index a symbol, `layer_idx`) with the index's value taken from `item`
// (the same call with the index a number): numbers keep their symbol and carry the value, so
// branches on the index are decided while bindings stay symbolic (layer_kinds.cpp).
ValuePtr with_index_values(const Value& element, const Value& item);

// The layers of a stack built one by one (no common element): a literal constructor argument
// that every layer holding it holds as its own index (its own argument, or one of a module built
// for it and passed in, by the same path of classes and positions) becomes a symbol (the
// `__init__` parameter's name) carrying the index as its value, as with_index_values makes it
// for a stack with an element; other arguments are kept as they are (layer_kinds.cpp).
std::vector<ValuePtr> with_index_symbols(SourceLocator& locator, const std::vector<ValuePtr>& items);

// The design's attention mask: ones over [batch_size, cache_len + seq_len] (no padding; fill.h).
ValuePtr design_attention_mask();

// The inputs of the design's default inference call `model(input_ids, attention_mask=ones,
// past_key_values=cache, use_cache=True)` for a root model's forward.
std::map<std::string, ValuePtr> root_inputs(const ClassSource& root);

}  // namespace kcost

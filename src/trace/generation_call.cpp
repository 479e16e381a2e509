#include "trace/generation_call.h"

#include <algorithm>

#include <optional>
#include <set>

#include "ast/parameters.h"
#include "trace/tensor_shapes.h"
#include "util/strings.h"

namespace kcost {

namespace {

const char* const kBaseModule = "transformers.generation";
const char* const kPrepare = "prepare_inputs_for_generation";
const char* const kUpdate = "_update_model_kwargs_for_generation";

// What the prefill left, as the next call sees it: every seq_len in its shapes the cached tokens,
// and None unless a token is cached (at cache_len = 0 there was no prefill). Elements of its
// floating-point tensors (each tensor once) are added to `elements`.
ValuePtr carried(const ValuePtr& v, std::set<const Value*>& seen, Expr& elements, int depth = 0) {
  if (!v || depth > 8) return v;
  auto out = std::make_shared<Value>(*v);
  if (v->is_tensor()) {
    for (auto& d : out->shape) d = d.subs({{"seq_len", Expr::symbol("cache_len")}});
    if (v->dtype == Value::DType::Float && seen.insert(v.get()).second) elements = elements + numel(out->shape);
  }
  for (auto& item : out->items) item = carried(item, seen, elements, depth + 1);
  if (out->element) {
    // An item standing for `length` of them (a dict over the layers): its elements that often,
    // unless the items are listed as well (a list of known length keeps both).
    Expr one(0);
    out->element = carried(out->element, seen, one, depth + 1);
    if (out->items.empty()) elements = elements + out->length.subs({{"seq_len", Expr::symbol("cache_len")}}) * one;
  }
  return out;
}

// The model's own prepare_inputs_for_generation on `args`, as forward()'s inputs: the items of
// the dict it returns that forward() takes (one undecided keeps `design`'s value where it has
// one, else is not passed; `passed` says what was). Empty, with a note, where it cannot be
// followed or returns something else than a dict.
std::optional<std::map<std::string, ValuePtr>> prepared_inputs(ShapeTracer& tracer, const ModuleFacts& root,
                                                               const FunctionSource& prepare, const std::vector<Arg>& args,
                                                               const std::map<std::string, ValuePtr>& design,
                                                               std::vector<TraceNote>& notes, std::string& passed) {
  const ClassSource& cls = *root.source;
  const std::string method = cls.qualname + "." + kPrepare;
  ValuePtr out;
  try {
    out = tracer.run_method(root, method, args);
  } catch (const std::exception& e) {
    notes.push_back({prepare.file, prepare.def_line, method + " could not be followed (" + e.what() + "): the design's call"});
    return std::nullopt;
  }
  if (!out || !out->is(Value::Kind::Dict) || !out->class_name.empty()) {
    notes.push_back({prepare.file, prepare.def_line,
                     method + " returns " + (out ? out->describe() : std::string("nothing")) + ": the design's call"});
    return std::nullopt;
  }
  std::map<std::string, ValuePtr> inputs;
  for (const auto& p : ast::parameters_of(*cls.forward->def).all()) {
    auto it = std::find(out->keys.begin(), out->keys.end(), p.name());
    if (it == out->keys.end()) continue;  // not passed: forward()'s default
    ValuePtr v = out->items[static_cast<size_t>(it - out->keys.begin())];
    auto given = design.find(p.name());
    if (v->is(Value::Kind::Unknown) && given != design.end()) {
      notes.push_back({prepare.file, prepare.def_line,
                       std::string(kPrepare) + ": `" + p.name() + "` undecided (" + v->describe() + "): the design's"});
      v = given->second;
    } else if (v->is(Value::Kind::Unknown)) {
      notes.push_back({prepare.file, prepare.def_line,
                       std::string(kPrepare) + ": `" + p.name() + "` undecided (" + v->describe() + "): not passed"});
      continue;
    }
    inputs[p.name()] = v;
    passed += (passed.empty() ? "" : ", ") + p.name() + "=" + v->describe() +
              (v->none_unless ? " (None unless " + v->none_unless->str() + ")" : "");
  }
  return inputs;
}

// The model's own prepare_inputs_for_generation, where it has one (not GenerationMixin's), and
// what the base method declares (is_first_iteration, next_sequence_length).
struct OwnPrepare {
  const FunctionSource* prepare = nullptr;
  ast::Parameters declared;
};

// generate's prefill of a model it starts without a DynamicCache (the root class's
// default_dynamic_cache is false: rwkv's `state`, xlstm's and minimax's caches of their own): the
// root forward() on the prefill's tokens (seq_len of them, made cache_len after) with no cache, and
// the model's own _update_model_kwargs_for_generation over what it returns; the keywords that adds
// (the cache, or a state under a name of the model's own) are what the next call continues with,
// None unless a token is cached. Empty, with a note, where the interpretation cannot say.
std::map<std::string, ValuePtr> prefill_carry(ShapeTracer& tracer, SourceLocator& locator, const ModuleFacts& root,
                                              const OwnPrepare& own, GenerationCall& call) {
  const ClassSource& cls = *root.source;
  const std::string method = cls.qualname + "." + kUpdate;
  const FunctionSource* update = nullptr;
  try {
    update = &locator.find_function(method);
  } catch (const std::exception&) {
    return {};
  }
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len");
  auto mask = std::make_shared<Value>(*Value::tensor({b, s}, Value::DType::Integer));
  mask->fill = GiNaC::numeric(1);
  std::map<std::string, ValuePtr> inputs;
  for (const auto& [name, v] : root_inputs(cls))
    if (name != "cache" && name != "past_key_values") inputs[name] = v;
  if (inputs.count("attention_mask")) inputs["attention_mask"] = mask;
  // The prefill's call is what the model's own prepare_inputs_for_generation makes of its tokens
  // at the first iteration, as for the call after it (XLNet appends a dummy token, which its
  // memory then holds too).
  if (own.prepare) {
    std::vector<Arg> args = {{"", Value::tensor({b, s}, Value::DType::Integer), "input_ids"},
                             {"attention_mask", mask, "attention_mask"},
                             {"use_cache", Value::boolean(true), "use_cache"}};
    if (own.declared.has("is_first_iteration")) args.push_back({"is_first_iteration", Value::boolean(true), "is_first_iteration"});
    if (own.declared.has("next_sequence_length")) args.push_back({"next_sequence_length", Value::none(), "next_sequence_length"});
    std::string passed;
    if (auto prepared = prepared_inputs(tracer, root, *own.prepare, args, inputs, call.notes, passed)) inputs = *prepared;
  }
  std::map<std::string, ValuePtr> out;
  auto note = [&](const std::string& text) { call.notes.push_back({update->file, update->def_line, text}); };
  try {
    ValuePtr returned = tracer.run_earlier_call(root, inputs);
    ValuePtr kwargs = Value::dict({"use_cache", "attention_mask"}, {Value::boolean(true), mask});
    ValuePtr next = tracer.run_method(root, method, {{"", returned, "outputs"}, {"", kwargs, "model_kwargs"}});
    if (!next || !next->is(Value::Kind::Dict)) {
      note(method + " returns " + (next ? next->describe() : std::string("nothing")) +
           ": the state the prefill returns is not carried");
      return {};
    }
    std::set<const Value*> seen;
    std::string passed;
    for (size_t i = 0; i < next->keys.size(); ++i) {
      const std::string& k = next->keys[i];
      const ValuePtr& v = next->items[i];
      if (k == "use_cache" || k == "attention_mask" || !v || v->is(Value::Kind::None)) continue;
      if (v->is(Value::Kind::Unknown)) {
        note(method + ": `" + k + "` undecided (" + v->describe() + "): not carried");
        continue;
      }
      auto c = std::make_shared<Value>(*carried(v, seen, call.carried_elements));
      c->none_unless = Expr::compare("!=", Expr::symbol("cache_len"), Expr(0));
      out[k] = c;
      passed += (passed.empty() ? "" : ", ") + k + "=" + c->describe();
    }
    if (!passed.empty())
      note("generate starts " + cls.qualname + " without a cache (_supports_default_dynamic_cache() is False): its prefill's "
           "forward() returns the state " + method + " carries into the next call: " + passed +
           " (None when cache_len = 0); the cache's memory is its floating-point tensors, " +
           call.carried_elements.str() + " elements");
  } catch (const std::exception& e) {
    note("the prefill's forward() and " + method + " could not be followed (" + e.what() +
         "): the state the prefill returns is not carried");
    return {};
  }
  return out;
}

}  // namespace

GenerationCall generation_call(ShapeTracer& tracer, SourceLocator& locator, const ModuleFacts& root) {
  GenerationCall call;
  const ClassSource& cls = *root.source;
  call.inputs = root_inputs(cls);
  if (!cls.forward) return call;
  const FunctionSource* prepare = nullptr;
  try {
    prepare = &locator.find_function(cls.qualname + "." + kPrepare);
  } catch (const std::exception&) {
    return call;  // not a generating model: the design's call
  }
  if (!prepare->def) return call;
  // What generate passes: the whole sequence so far, the mask over it, the cache under the name
  // the base method takes it by, and the per-step arguments the base method declares.
  const FunctionSource* base = nullptr;
  try {
    base = &locator.find_function(std::string(kBaseModule) + ".utils.GenerationMixin." + kPrepare);
  } catch (const std::exception&) {
  }
  ast::Parameters declared = ast::parameters_of(base && base->def ? *base->def : *prepare->def);
  // transformers 4.x's generate: its base method makes position_ids and cache_position itself,
  // which only an interpretation of the base method would follow: the design's call, as the
  // oracle makes it there (model_run.generation_inputs).
  if (declared.has("cache_position")) {
    if (!starts_with(prepare->module, kBaseModule))
      call.notes.push_back({prepare->file, prepare->def_line,
                            cls.qualname + "." + kPrepare + " is not followed where generate passes cache_position (4.x): the design's call"});
    return call;
  }
  OwnPrepare own;
  if (!starts_with(prepare->module, kBaseModule)) {
    own.prepare = prepare;
    own.declared = declared;
  }
  // A model generate starts without a cache: what its prefill returned, carried.
  std::map<std::string, ValuePtr> carry;
  if (!cls.default_dynamic_cache) {
    carry = prefill_carry(tracer, locator, root, own, call);
    ast::Parameters forward = ast::parameters_of(*cls.forward->def);
    for (const char* keyword : {"cache", "past_key_values"})
      if (call.inputs.count(keyword)) {
        auto it = carry.find(keyword);
        if (it != carry.end()) call.inputs[keyword] = it->second;
        else call.inputs.erase(keyword);
      }
    for (const auto& [k, v] : carry)
      if (forward.has(k) && k != "cache" && k != "past_key_values") call.inputs[k] = v;
  }
  // The base class's own: the design's call, as its source gives it on the default path (with
  // the state a prefill returned, where generate carries it).
  if (starts_with(prepare->module, kBaseModule)) return call;
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len");
  std::vector<Arg> args;
  args.push_back({"", Value::tensor({b, c + s}, Value::DType::Integer), "input_ids"});
  for (const char* keyword : {"cache", "past_key_values"})
    if (declared.has(keyword)) {
      ValuePtr cache = Value::cache();
      if (!cls.default_dynamic_cache) cache = carry.count(keyword) ? carry[keyword] : Value::none();
      args.push_back({keyword, cache, keyword});
      break;
    }
  for (const auto& [k, v] : carry)
    if (k != "cache" && k != "past_key_values") args.push_back({k, v, k});
  args.push_back({"attention_mask", design_attention_mask(), "attention_mask"});
  args.push_back({"use_cache", Value::boolean(true), "use_cache"});
  if (declared.has("is_first_iteration"))
    args.push_back({"is_first_iteration", Value::number(Expr::compare("==", c, Expr(0))), "is_first_iteration"});
  if (declared.has("next_sequence_length")) args.push_back({"next_sequence_length", Value::number(s), "next_sequence_length"});
  std::string passed;
  std::optional<std::map<std::string, ValuePtr>> inputs = prepared_inputs(tracer, root, *prepare, args, call.inputs, call.notes, passed);
  if (!inputs) return call;
  const std::string method = cls.qualname + "." + kPrepare;
  call.notes.push_back({prepare->file, prepare->def_line,
                        "the call is what generate makes: " + method + " gives " + passed});
  call.inputs = std::move(*inputs);
  return call;
}

}  // namespace kcost

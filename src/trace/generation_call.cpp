#include "trace/generation_call.h"

#include <algorithm>

#include "ast/parameters.h"
#include "util/strings.h"

namespace kcost {

namespace {

const char* const kBaseModule = "transformers.generation";
const char* const kPrepare = "prepare_inputs_for_generation";

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
  // The base class's own: the design's call, as its source gives it on the default path.
  if (starts_with(prepare->module, kBaseModule) || !prepare->def) return call;
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
    call.notes.push_back({prepare->file, prepare->def_line,
                          cls.qualname + "." + kPrepare + " is not followed where generate passes cache_position (4.x): the design's call"});
    return call;
  }
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len");
  std::vector<Arg> args;
  args.push_back({"", Value::tensor({b, c + s}, Value::DType::Integer), "input_ids"});
  for (const char* keyword : {"cache", "past_key_values"})
    if (declared.has(keyword)) {
      args.push_back({keyword, Value::cache(), keyword});
      break;
    }
  args.push_back({"attention_mask", design_attention_mask(), "attention_mask"});
  args.push_back({"use_cache", Value::boolean(true), "use_cache"});
  if (declared.has("is_first_iteration"))
    args.push_back({"is_first_iteration", Value::number(Expr::compare("==", c, Expr(0))), "is_first_iteration"});
  if (declared.has("next_sequence_length")) args.push_back({"next_sequence_length", Value::number(s), "next_sequence_length"});
  const std::string method = cls.qualname + "." + kPrepare;
  ValuePtr out;
  try {
    out = tracer.run_method(root, method, args);
  } catch (const std::exception& e) {
    call.notes.push_back({prepare->file, prepare->def_line,
                          method + " could not be followed (" + e.what() +
                              "): the design's call"});
    return call;
  }
  if (!out || !out->is(Value::Kind::Dict) || !out->class_name.empty()) {
    call.notes.push_back({prepare->file, prepare->def_line,
                          method + " returns " +
                              (out ? out->describe() : std::string("nothing")) + ": the design's call"});
    return call;
  }
  std::map<std::string, ValuePtr> inputs;
  std::string passed;
  for (const auto& p : ast::parameters_of(*cls.forward->def).all()) {
    auto it = std::find(out->keys.begin(), out->keys.end(), p.name());
    if (it == out->keys.end()) continue;  // not passed: forward()'s default
    ValuePtr v = out->items[static_cast<size_t>(it - out->keys.begin())];
    auto design = call.inputs.find(p.name());
    if (v->is(Value::Kind::Unknown) && design != call.inputs.end()) {
      call.notes.push_back({prepare->file, prepare->def_line,
                            std::string(kPrepare) + ": `" + p.name() + "` undecided (" + v->describe() + "): the design's"});
      v = design->second;
    } else if (v->is(Value::Kind::Unknown)) {
      call.notes.push_back({prepare->file, prepare->def_line,
                            std::string(kPrepare) + ": `" + p.name() + "` undecided (" + v->describe() + "): not passed"});
      continue;
    }
    inputs[p.name()] = v;
    passed += (passed.empty() ? "" : ", ") + p.name() + "=" + v->describe() +
              (v->none_unless ? " (None unless " + v->none_unless->str() + ")" : "");
  }
  call.notes.push_back({prepare->file, prepare->def_line,
                        "the call is what generate makes: " + method + " gives " + passed});
  call.inputs = std::move(inputs);
  return call;
}

}  // namespace kcost

// KvCache: the KV cache the analysed call runs with, layer by layer, as the installed transformers
// builds `DynamicCache(config=config)` for the config (python `cache_layers.py`): each layer's
// class (DynamicLayer, DynamicSlidingWindowLayer, ...) and its plain attributes, numbers as the
// config fields they come from (`sliding_window` -> `config.sliding_window`).
//
// What a layer keeps and returns is read from the source: `cache_step` interprets the
// layer class's `update` on shapes, twice. First an empty layer takes `cache_len` tokens (the
// state the cache is in: for the layers transformers has, the state after any sequence of
// updates of cache_len tokens in total is the same); then, from that state, `update` takes the
// new tokens, and the length of the keys it returns is the answer. A sliding-window layer keeps
// `min(cache_len, w - 1)` tokens that way and returns `min(cache_len, w - 1) + seq_len` keys;
// a full layer returns `cache_len + seq_len`.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "interp/interpreter.h"
#include "locate/source_locator.h"

namespace kcost {

struct CacheLayer {
  std::string class_name;                  // qualified name of the cache-layer class
  bool sliding = false;                    // its is_sliding
  bool attention = true;                   // keeps keys and values (a CacheLayerMixin), not only
                                           // a state-space layer's conv and recurrent states
  std::map<std::string, ValuePtr> attributes;  // plain attributes: numbers, booleans, None
  // A layer of a cache class that keeps every layer's keys and values itself, in per-layer lists
  // (transformers 4.x's HybridCache, which 4.50's generate sets up for gemma2: its update(keys,
  // values, layer_idx, cache_kwargs)): the layer's index there (nullopt: a layer object of its
  // own, as DynamicCache's). Such a cache is static-shaped: generate gives it room for
  // max_cache_len = cache_len + seq_len tokens, and a layer's buffer has that many slots, or
  // `window` (a config field) where a window bounds it: min(window, max_cache_len).
  std::optional<long long> index;
  std::optional<Expr> window;
  // What the layer holds before its first update, as the cache builds it (DynamicLayer: keys and
  // values None, is_initialized False): a layer no call of the model updates (Mllama's
  // cross-attention layers in a text-only call) is so when the call starts (KvCache::filled).
  // Empty when the helper did not say.
  std::map<std::string, ValuePtr> empty;

  // Two layers of the same class with the same attributes behave the same.
  std::string key() const;
};

// The tokens a static-shaped cache has room for: generate sets it up for the cached tokens and
// the new ones, cache_len + seq_len.
Expr max_cache_len();

class KvCache {
 public:
  KvCache() = default;
  // From python cache_layers.py's JSON ({"layers": [...], "replicate": class or null}).
  static KvCache from_json(const nlohmann::json& data);

  bool empty() const { return layers_.empty() && replicate_.empty(); }
  size_t size() const { return layers_.size(); }
  // Layer `index` (a cache without per-layer structure: the class it appends for every layer).
  std::optional<CacheLayer> layer(long long index) const;
  // The layer every layer is, when they are all alike; nullopt when they differ.
  std::optional<CacheLayer> uniform() const;
  // The first attention layer whose is_sliding is `sliding` (masks are sized from it, as
  // transformers' get_mask_sizes asks the first attention layer, passing over linear ones).
  std::optional<CacheLayer> first(bool sliding) const;
  // The cache class generate sets up where it is not a DynamicCache (a HybridCache on 4.50), "" else.
  const std::string& cache_class() const { return class_; }
  // The cache of the analysed call as a value: a DynamicCache, or generate's class (isinstance
  // answers from its MRO, kept in the value's `keys`, its class in `class_name`).
  ValuePtr value() const;
  // The tokens the cache holds when the call starts: what generate's prefill gave its layers'
  // update. That is cache_len unless the model adds tokens of its own to every call (CPM-Ant
  // prepends `prompt_length` prompt tokens, which the prefill caches too): then what the
  // prefill's forward gave cache.update, once a token is cached (0 when cache_len = 0).
  // get_seq_length answers it, and each layer's update is filled with it (kv_cache.h).
  const Expr& held_tokens() const { return held_tokens_; }
  void set_held_tokens(const Expr& tokens) { held_tokens_ = tokens; }
  // Whether layer `index` holds what the prefill gave it when the call starts: the prefill is
  // the model's forward on a cache whose layers are all as built, and a layer no update of it
  // reached holds nothing (CacheLayer::empty). Every layer, unless set_filled says which.
  bool filled(long long index) const { return !filled_ || filled_->count(index) > 0; }
  void set_filled(const std::optional<std::set<long long>>& layers) { filled_ = layers; }

 private:
  std::vector<CacheLayer> layers_;
  std::string replicate_;
  std::string class_;
  std::vector<std::string> mro_;
  Expr held_tokens_ = Expr::symbol("cache_len");
  std::optional<std::set<long long>> filled_;
};

// The tokens a cache holds when the call starts (KvCache::held_tokens) when the prefill's forward
// gave its first cache.update `fresh` new tokens at the analysed call's sizes (seq_len new on
// top of the held tokens taken as cache_len): `fresh` at the prefill (seq_len the cached tokens,
// none before them), 0 when cache_len = 0; nullopt when that is cache_len (the usual case).
std::optional<Expr> prefill_held_tokens(const Expr& fresh);

// What one `layer.update(keys, values, ...)` does when the layer holds `cached` earlier tokens
// and gets `fresh` new ones, read by interpreting the class's update(): the number of tokens the
// layer holds before the call (what the cache's memory is after `cached` tokens) and the length
// of the keys it returns.
struct CacheStep {
  Expr held;      // tokens the layer keeps after taking `cached` tokens into an empty layer
  Expr returned;  // keys returned by the update that adds `fresh` tokens on top
};

// nullopt (with `why`) when the source could not be followed. `tensor_ops`: the hooks that
// evaluate torch calls, slicing and operators on shapes (the shape tracer, recording nothing).
// A layer of a whole cache (CacheLayer::index) holds its buffer whatever it took (static-shaped:
// `held` is its slots), and its class's update runs once, on the new tokens, with `call_args`:
// the call's arguments after the keys and values (layer_idx, cache_kwargs), the layer index
// made the layer's own.
std::optional<CacheStep> cache_step(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops,
                                    const CacheLayer& layer, const Expr& cached, const Expr& fresh, std::string* why,
                                    const std::vector<Arg>& call_args = {});

// What a method of a whole cache's class (`get_max_cache_shape()`) returns, read by running its
// source on the state of `layer`'s cache (its attributes and buffers); nullopt with `why` when
// the source could not be followed.
std::optional<ValuePtr> whole_cache_call(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops,
                                         const CacheLayer& layer, const std::string& method,
                                         const std::vector<Arg>& args, std::string* why);

// What one call of another method of a cache layer (`update_indexer(keys)`, `get_mask_sizes(q)`)
// returns once the layer holds `cached` tokens, read by interpreting the class's source: the
// layer is first given `cached` tokens by its `update` (as in cache_step); a method given
// tensors stores them (transformers' layout: tokens along dim -2), so it is first called with
// `cached` tokens in place of the new ones, and the tensors that call leaves on the layer are
// what it holds; then the call itself runs with `args`. A method given no tensor is a query of
// that state. nullopt (with `why`) when the source could not be followed.
struct CacheCall {
  ValuePtr returned;            // what the call returns
  Expr held_elements{0};        // elements of the tensors the method itself keeps (not update's)
};
std::optional<CacheCall> cache_call(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops, const CacheLayer& layer,
                                    const std::string& method, const std::vector<Arg>& args, const Expr& cached,
                                    std::string* why);

// What one `layer.update_conv_state(states, state_idx, **kwargs)` (or `update_recurrent_state`)
// of a state-space / linear-attention layer does, read by interpreting that method of the layer
// class (and what it calls on itself: lazy_initialization) on shapes, twice, as `cache_step` does
// for keys and values. First the layer as DynamicCache(config=config) built it (its per-state
// dicts read off the real object: nothing initialized, no previous state) takes the states of
// the `cached` tokens (`fresh` with seq_len made `cached`); the state it then keeps (`conv_states[i]`,
// `recurrent_states[i]`) is what the cache holds. Then, from that state, with
// `has_previous_state[i]` true exactly when a token was cached (`cached != 0`: the prefill of no
// tokens never calls the model), the update takes `fresh`; what it returns is the answer.
struct StateStep {
  ValuePtr held;      // the state kept after the cached tokens (a tensor; its size is the cache's)
  ValuePtr returned;  // what the update of the new tokens returns
};

// `method`: "update_conv_state" or "update_recurrent_state"; `kept`: the dict attribute it keeps
// the state in ("conv_states", "recurrent_states"); `state_idx`: the state's index (a number);
// `kwargs`: the other keywords the model passes (conv_kernel_size=...). nullopt with `why` when
// the source could not be followed.
std::optional<StateStep> state_step(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops,
                                    const CacheLayer& layer, const std::string& method, const std::string& kept,
                                    const ValuePtr& fresh, const ValuePtr& state_idx,
                                    const std::vector<Arg>& kwargs, const Expr& cached, std::string* why);

}  // namespace kcost

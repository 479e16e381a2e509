// What the installed transformers' cache layers return from update(), read from their source:
// a full layer every cached token, a sliding-window layer the last window - 1 of them (with the
// window a config field), both with the new tokens on top.
#include "trace/kv_cache.h"

#include <gtest/gtest.h>

#include "python/session.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  ConfigView config;
  TraceContext ctx{locator, config, leaves, names};
  ShapeTracer ops{ctx, nullptr};
};

Fixture& fx() {
  static Fixture f;
  return f;
}

const Expr cache_len = Expr::symbol("cache_len"), seq_len = Expr::symbol("seq_len");

Expr returned(const CacheLayer& layer) {
  std::string why;
  std::optional<CacheStep> n = cache_step(fx().locator, fx().config, fx().ops, layer, cache_len, seq_len, &why);
  EXPECT_TRUE(n) << why;
  return n ? n->returned : Expr(-1);
}

TEST(KvCacheSource, AFullLayerReturnsEveryCachedTokenAndTheNewOnes) {
  EXPECT_EQ(returned(CacheLayer{"transformers.cache_utils.DynamicLayer", false, true, {}}), cache_len + seq_len);
}

TEST(KvCacheSource, ASlidingLayerKeepsTheLastWindowMinusOneTokens) {
  const Expr w = Expr::symbol("config.sliding_window");
  CacheLayer sliding{"transformers.cache_utils.DynamicSlidingWindowLayer",
                     true,
                     true,
                     {{"sliding_window", Value::number(w, GiNaC::numeric(4))},
                      {"cumulative_length", Value::integer(0)},
                      {"record_past", Value::boolean(false)}}};
  EXPECT_EQ(returned(sliding), Expr::min(cache_len, w - Expr(1)) + seq_len);
}

TEST(KvCacheSource, AClassWithoutUpdateIsAReasonNotAGuess) {
  std::string why;
  CacheLayer bogus{"transformers.cache_utils.NoSuchLayer", false, {}};
  EXPECT_FALSE(cache_step(fx().locator, fx().config, fx().ops, bogus, cache_len, seq_len, &why));
  EXPECT_NE(why.find("NoSuchLayer"), std::string::npos) << why;
}

}  // namespace
}  // namespace kcost

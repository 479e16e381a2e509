// The resolver on small hand-written cost directories: substitution through bindings and counts,
// by_kernel sums, the JSON round trip, and every error naming what is wrong.
#include "resolve/resolver.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace kcost {
namespace {

namespace fs = std::filesystem;

const LeafCatalog& leaves() {
  static LeafCatalog c = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  return c;
}

class CostDir {
 public:
  CostDir() {
    static int n = 0;
    dir_ = (fs::temp_directory_path() / ("kcost_resolver_test_" + std::to_string(getpid()) + "_" + std::to_string(n++)))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~CostDir() { fs::remove_all(dir_); }
  void write(const std::string& kernel, const std::string& json) {
    std::ofstream(dir_ + "/" + kernel + ".json") << json;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

Expr E(const std::string& text) { return Expr::parse(text); }

// The error resolving `root` in `d` throws (a test failure, and an empty error, when none).
ResolveError resolve_error(const CostDir& d, const std::string& root) {
  try {
    resolve(d.dir(), root, leaves());
  } catch (const ResolveError& e) {
    return e;
  }
  ADD_FAILURE() << "no error resolving " << root;
  return ResolveError(ResolveError::Kind::bad_file, "");
}

// Top -> body (Block x config.n_layer, width = config.hidden_size) + head (F.linear);
// Block(width, layer_idx) -> proj (F.linear) + add (torch.add) + drop (F.dropout).
void write_model(CostDir& d) {
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "body": {"kernel": "Block", "bindings": {"width": "config.hidden_size"}, "count": "config.n_layer"},
    "head": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "config.hidden_size",
             "N": "config.vocab_size", "has_bias": "0"}}}})");
  d.write("Block", R"({"kernel_name": "Block", "init_params": ["width", "layer_idx"], "forward_params": [], "children": {
    "proj": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "width", "N": "2 * width",
             "has_bias": "config.use_bias"}, "count": 1},
    "add": {"kernel": "torch.add", "bindings": {"num_elements": "batch_size * seq_len * width",
            "a_elements": "batch_size * seq_len * width", "b_elements": "batch_size * seq_len * width"}},
    "drop": {"kernel": "F.dropout", "bindings": {}}}})");
}

TEST(Resolver, SubstitutesBindingsAndCounts) {
  CostDir d;
  write_model(d);
  ResolvedTree t = resolve(d.dir(), "Top", leaves());
  Expr M = E("batch_size * seq_len"), h = E("config.hidden_size"), L = E("config.n_layer");
  Expr v = E("config.vocab_size"), bias = E("config.use_bias");
  Expr proj_flops = Expr(2) * M * h * (Expr(2) * h) + bias * M * (Expr(2) * h);
  Expr add_flops = M * h;
  Expr head_flops = Expr(2) * M * h * v;
  EXPECT_TRUE(t.root.cost.flops.equivalent(L * (proj_flops + add_flops) + head_flops)) << t.root.cost.flops;
  Expr bytes = E("bytes");
  Expr read = L * ((M * h + Expr(2) * h * h + bias * Expr(2) * h) * bytes + Expr(2) * M * h * bytes) + (M * h + v * h) * bytes;
  EXPECT_TRUE(t.root.cost.memory_read.equivalent(read)) << t.root.cost.memory_read;
  ASSERT_EQ(t.root.children.size(), 2u);
  EXPECT_EQ(t.root.children[0].first, "body");
  EXPECT_EQ(t.root.children[0].second.count, L);
  EXPECT_FALSE(t.root.children[0].second.leaf);
  ASSERT_EQ(t.root.children[0].second.children.size(), 3u);
  EXPECT_EQ(t.root.children[0].second.children[0].first, "proj");  // file order, not sorted
  EXPECT_TRUE(t.root.children[0].second.children[2].second.leaf);
  for (const char* s : {"flops", "read", "write"}) (void)s;
  for (const std::string& s : t.root.cost.flops.symbols()) EXPECT_TRUE(is_resolved_symbol(s)) << s;
}

TEST(Resolver, ByKernelMultipliesCountsThrough) {
  CostDir d;
  write_model(d);
  ResolvedTree t = resolve(d.dir(), "Top", leaves());
  ASSERT_EQ(t.by_kernel.count("F.linear"), 1u);
  ASSERT_EQ(t.by_kernel.count("torch.add"), 1u);
  ASSERT_EQ(t.by_kernel.count("F.dropout"), 1u);
  Expr M = E("batch_size * seq_len"), h = E("config.hidden_size"), L = E("config.n_layer");
  EXPECT_TRUE(t.by_kernel.at("torch.add").flops.equivalent(L * M * h));
  Expr sum = 0;
  for (const auto& [k, c] : t.by_kernel) sum += c.flops;
  EXPECT_TRUE(sum.equivalent(t.root.cost.flops));
  EXPECT_EQ(t.by_kernel.at("F.dropout").flops, Expr(0));
}

TEST(Resolver, UnboundInitParamThatNoCostUsesIsAccepted) {
  CostDir d;
  write_model(d);  // body binds width but not layer_idx
  EXPECT_NO_THROW(resolve(d.dir(), "Top", leaves()));
}

TEST(Resolver, UnboundParamThatACostUsesNamesParamKernelAndParent) {
  CostDir d;
  write_model(d);
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "body": {"kernel": "Block", "bindings": {}, "count": 2}}})");
  ResolveError e = resolve_error(d, "Top");
  EXPECT_EQ(e.kind, ResolveError::Kind::unbound);
  std::string m = e.what();
  EXPECT_NE(m.find("'width'"), std::string::npos) << m;
  EXPECT_NE(m.find("'Block'"), std::string::npos) << m;
  EXPECT_NE(m.find("'Top' child 'body'"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
  // A child's label with a line break (a resolver fuzz finding) is quoted, escaped: one line.
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "bo\ndy": {"kernel": "Block", "bindings": {}, "count": 2}}})");
  m = resolve_error(d, "Top").what();
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("child 'bo\\ndy'"), std::string::npos) << m;
}

TEST(Resolver, MissingLeafBindingIsUnbound) {
  CostDir d;
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "act": {"kernel": "F.silu", "bindings": {}}}})");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL() << "no error";
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::unbound);
    EXPECT_NE(std::string(e.what()).find("'num_elements' of kernel 'F.silu'"), std::string::npos) << e.what();
  }
}

TEST(Resolver, MissingChildJsonNamesItAndTheFile) {
  CostDir d;
  write_model(d);
  fs::remove(d.dir() + "/Block.json");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL() << "no error";
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::missing_kernel);
    EXPECT_EQ(e.kernel, "Block");
    std::string m = e.what();
    EXPECT_NE(m.find("Top.json: $.children.body.kernel: 'Block'"), std::string::npos) << m;
    EXPECT_NE(m.find(d.dir() + "/Block.json"), std::string::npos) << m;
  }
  try {
    resolve(d.dir(), "Nowhere", leaves());
    FAIL() << "no error";
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::missing_kernel);
    EXPECT_EQ(e.kernel, "Nowhere");
  }
}

TEST(Resolver, UnknownChildFailsUnlessAllowed) {
  CostDir d;
  write_model(d);
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "body": {"kernel": "Block", "bindings": {"width": "config.hidden_size"}, "count": 3},
    "mystery": {"kernel": "unknown", "bindings": {}}}})");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL() << "no error";
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::unknown_child);
    EXPECT_NE(std::string(e.what()).find("mystery"), std::string::npos);
  }
  ResolveOptions o;
  o.allow_unknown = true;
  ResolvedTree t = resolve(d.dir(), "Top", leaves(), o);
  ASSERT_EQ(t.unknowns.size(), 1u);
  EXPECT_EQ(t.unknowns[0], "mystery");
  EXPECT_EQ(t.root.children[1].second.kernel, "unknown");
  EXPECT_EQ(t.root.children[1].second.cost.flops, Expr(0));
  EXPECT_EQ(t.by_kernel.count("unknown"), 0u);
}

TEST(Resolver, BadFilesAreNamed) {
  CostDir d;
  write_model(d);
  d.write("Block", "{not json");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL();
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::bad_file);
    EXPECT_NE(std::string(e.what()).find("Block.json: not valid JSON"), std::string::npos) << e.what();
  }
  d.write("Block", R"({"kernel_name": "Other", "init_params": [], "forward_params": [], "children": {}})");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL();
  } catch (const ResolveError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the file name"), std::string::npos) << e.what();
  }
  d.write("Block", R"({"kernel_name": "Block", "init_params": ["width"], "forward_params": [], "children": {
    "proj": {"kernel": "F.linear", "bindings": {"M": "width *", "K": "1", "N": "1", "has_bias": "0"}}}})");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL();
  } catch (const ResolveError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("$.children.proj.bindings.M"), std::string::npos) << m;
    EXPECT_NE(m.find("column"), std::string::npos) << m;
  }
  d.write("Block", R"({"kernel_name": "Block", "init_params": ["width"], "forward_params": [], "children": {
    "proj": {"kernel": "F.linear", "bindings": {"M": "1", "K": "1", "N": "1", "has_bias": "0", "Q": "2"}}}})");
  try {
    resolve(d.dir(), "Top", leaves());
    FAIL();
  } catch (const ResolveError& e) {
    EXPECT_NE(std::string(e.what()).find("$.children.proj.bindings.Q: 'F.linear' has no parameter 'Q'"),
              std::string::npos)
        << e.what();
  }
}

TEST(Resolver, CycleIsAnError) {
  CostDir d;
  d.write("A", R"({"kernel_name": "A", "init_params": [], "forward_params": [], "children": {
    "b": {"kernel": "B", "bindings": {}}}})");
  d.write("B", R"({"kernel_name": "B", "init_params": [], "forward_params": [], "children": {
    "a": {"kernel": "A", "bindings": {}}}})");
  try {
    resolve(d.dir(), "A", leaves());
    FAIL();
  } catch (const ResolveError& e) {
    EXPECT_NE(std::string(e.what()).find("'A' -> 'B' -> 'A'"), std::string::npos) << e.what();
  }
}

TEST(Resolver, RootParamsTakeRootBindings) {
  CostDir d;
  write_model(d);
  try {
    resolve(d.dir(), "Block", leaves());
    FAIL();
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::unbound);
    EXPECT_NE(std::string(e.what()).find("--bind width="), std::string::npos) << e.what();
  }
  ResolveOptions o;
  o.root_bindings["width"] = E("config.hidden_size");
  ResolvedTree t = resolve(d.dir(), "Block", leaves(), o);
  EXPECT_EQ(t.root.cost.flops.symbols(),
            (std::set<std::string>{"batch_size", "seq_len", "config.hidden_size", "config.use_bias"}));
  o.root_bindings["nope"] = 1;
  EXPECT_THROW(resolve(d.dir(), "Block", leaves(), o), ResolveError);
}

TEST(Resolver, ALeafResolvesToItsFormulas) {
  CostDir d;
  ResolveOptions o;
  o.root_bindings = {{"num_elements", E("batch_size * 7")}};
  ResolvedTree t = resolve(d.dir(), "F.silu", leaves(), o);
  EXPECT_TRUE(t.root.leaf);
  EXPECT_TRUE(t.root.cost.flops.equivalent(E("2 * batch_size * 7")));
  EXPECT_EQ(t.by_kernel.count("F.silu"), 1u);
}

TEST(Resolver, ConditionalBindingsStayConditional) {
  CostDir d;
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "sdpa": {"kernel": "F.scaled_dot_product_attention", "bindings": {"B": "batch_size", "H_q": "config.h",
      "H_kv": "config.h", "S_q": "seq_len", "S_kv": "cache_len + seq_len", "D": "config.d", "D_v": "config.d",
      "mask_elements": "batch_size * seq_len * (cache_len + seq_len) if seq_len != 1 and cache_len != 0 else 0"}}}})");
  ResolvedTree t = resolve(d.dir(), "Top", leaves());
  std::map<std::string, GiNaC::numeric> v = {{"batch_size", 3}, {"seq_len", 5}, {"cache_len", 7}, {"bytes", 2},
                                              {"config.h", 4}, {"config.d", 8}};
  // read: (B*Hq*Sq*D + 2*B*Hkv*Skv*D) * bytes + mask = (3*4*5*8 + 2*3*4*12*8) * 2 + 3*5*12
  EXPECT_EQ(t.root.cost.memory_read.eval(v), GiNaC::numeric((480 + 2304) * 2 + 180));
  v["seq_len"] = 1;
  EXPECT_EQ(t.root.cost.memory_read.eval(v), GiNaC::numeric((96 + 2 * 3 * 4 * 8 * 8) * 2));
}

TEST(ResolvedTreeJson, RoundTripsInCallOrder) {
  CostDir d;
  write_model(d);
  ResolvedTree t = resolve(d.dir(), "Top", leaves());
  nlohmann::ordered_json j = to_json(t);
  EXPECT_EQ(j["kernel_name"], "Top");
  EXPECT_FALSE(j.contains("count"));
  EXPECT_EQ(j["children"]["body"]["count"], "config.n_layer");
  EXPECT_EQ(j["children"]["head"]["count"], 1);
  EXPECT_EQ(j["children"].begin().key(), "body");
  EXPECT_EQ(j["children"]["body"]["children"].begin().key(), "proj");
  for (const char* key : {"kernel", "count", "flops", "memory_read", "memory_write", "children"})
    EXPECT_TRUE(j["children"]["body"].contains(key)) << key;
  ResolvedTree back = resolved_tree_from_json(nlohmann::ordered_json::parse(j.dump()), "t.json");
  EXPECT_TRUE(back.root.cost.flops.equivalent(t.root.cost.flops));
  EXPECT_EQ(back.root.children[0].first, "body");
  EXPECT_EQ(back.by_kernel.size(), t.by_kernel.size());
  EXPECT_TRUE(back.by_kernel.at("F.linear").memory_read.equivalent(t.by_kernel.at("F.linear").memory_read));
  nlohmann::ordered_json expanded = to_json(t, true);
  EXPECT_TRUE(Expr::parse(expanded["flops"].get<std::string>()).equivalent(t.root.cost.flops));
}

TEST(ResolvedTreeJson, BadInputIsNamed) {
  auto error = [](const std::string& text) {
    try {
      resolved_tree_from_json(nlohmann::ordered_json::parse(text), "t.json");
    } catch (const ResolvedTreeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error(R"({"flops": "1", "memory_read": "1", "memory_write": "1"})"), "t.json: $.kernel_name: missing or not a string");
  EXPECT_EQ(error(R"({"kernel_name": "X", "flops": "1", "memory_read": "1"})"), "t.json: $.memory_write: missing");
  EXPECT_NE(error(R"({"kernel_name": "X", "flops": "width", "memory_read": "1", "memory_write": "1"})")
                .find("$.flops: symbol 'width' is not implicit"),
            std::string::npos);
  EXPECT_NE(error(R"({"kernel_name": "X", "flops": "1", "memory_read": "1", "memory_write": "1",
                      "children": {"a.b": {"kernel": "F.silu", "flops": "1 +", "memory_read": "1", "memory_write": "1"}}})")
                .find("$.children['a.b'].flops: expression"),
            std::string::npos);
}

}  // namespace
}  // namespace kcost

namespace kcost {
namespace {

// Top (footprint: its whole module) -> body (Block x config.n_layer) whose own cache updates hold
// 2 * batch_size * cache_len * width elements, + head (F.linear).
void write_model_with_memory(CostDir& d, bool block_has_footprint) {
  d.write("Top", R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "body": {"kernel": "Block", "bindings": {"width": "config.hidden_size"}, "count": "config.n_layer"},
    "head": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "config.hidden_size",
             "N": "config.vocab_size", "has_bias": "0"}}},
    "footprint": {"parameters": "config.n_layer * 3 * config.hidden_size**2 + config.vocab_size * config.hidden_size",
                  "buffers": "7", "cache_elements": "0"}})");
  std::string block = R"({"kernel_name": "Block", "init_params": ["width"], "forward_params": [], "children": {
    "proj": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "width", "N": "3 * width",
             "has_bias": "0"}}})";
  if (block_has_footprint)
    block += R"(, "footprint": {"parameters": "3 * width**2", "buffers": "0", "cache_elements": "2 * batch_size * cache_len * width"})";
  d.write("Block", block + "}");
}

TEST(ResolverFootprint, CacheSumsOverCallsParametersStayPerModule) {
  CostDir d;
  write_model_with_memory(d, true);
  ResolvedTree t = resolve(d.dir(), "Top", leaves());
  ASSERT_TRUE(t.root.footprint);
  EXPECT_TRUE(t.root.footprint->cache_elements.equivalent(
      E("config.n_layer * 2 * batch_size * cache_len * config.hidden_size")))
      << t.root.footprint->cache_elements;
  EXPECT_TRUE(t.root.footprint->parameters.equivalent(
      E("config.n_layer * 3 * config.hidden_size**2 + config.vocab_size * config.hidden_size")));
  EXPECT_EQ(t.root.footprint->buffers, Expr(7));
  const ResolvedNode& body = t.root.children[0].second;
  ASSERT_TRUE(body.footprint);
  EXPECT_TRUE(body.footprint->parameters.equivalent(E("3 * config.hidden_size**2")));  // bound through the call
  // The JSON round trip keeps it.
  ResolvedTree back = resolved_tree_from_json(to_json(t), "t.json");
  ASSERT_TRUE(back.root.footprint);
  EXPECT_TRUE(back.root.footprint->cache_elements.equivalent(t.root.footprint->cache_elements));
}

TEST(ResolverFootprint, AbsentWhenACompositeBelowSaysNothingAboutMemory) {
  CostDir d;
  write_model_with_memory(d, false);
  ResolvedTree t = resolve(d.dir(), "Top", leaves());
  EXPECT_FALSE(t.root.footprint);  // Block's cache is not known, so neither is Top's
  EXPECT_FALSE(t.root.children[0].second.footprint);
}

}  // namespace
}  // namespace kcost

// Pins the leaf library kernels/ (every file loads; every leaf's formulas give hand-computed
// values at a small point) and the loader's validation and one-line errors.
#include "leaves/leaf_catalog.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kcost {
namespace {

namespace fs = std::filesystem;

std::string project_kernels_dir() { return std::string(KCOST_SOURCE_DIR) + "/kernels"; }

const LeafCatalog& project_catalog() {
  static const LeafCatalog catalog = LeafCatalog::load(project_kernels_dir());
  return catalog;
}

// ---------------------------------------------------------------- the project's library

TEST(LeafLibrary, EveryFileLoads) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(project_kernels_dir()))
    if (entry.path().extension() == ".json") ++files;
  const LeafCatalog& catalog = project_catalog();
  EXPECT_GT(files, 100u);
  EXPECT_EQ(catalog.all().size(), files);
}

TEST(LeafLibrary, FileNamedAfterKernelAndDescribed) {
  for (const auto& [name, leaf] : project_catalog().all()) {
    EXPECT_EQ(fs::path(leaf.file).filename().string(), name + ".json");
    EXPECT_GE(leaf.description.size(), 40u) << name << " needs a description of its conventions";
  }
}

TEST(LeafLibrary, ContractParameterNames) {
  const std::map<std::string, std::vector<std::string>> contract = {
      {"F.linear", {"M", "K", "N", "has_bias", "weight_width"}},
      {"torch.matmul", {"B", "M", "K", "N", "a_elements", "b_elements", "a_width", "b_width"}},
      {"torch.bmm", {"B", "M", "K", "N", "a_width", "b_width"}},
      {"torch.baddbmm", {"B", "M", "K", "N", "a_width", "b_width", "c_width"}},
      {"torch.einsum", {"B", "M", "K", "N"}},
      {"torch.mm", {"M", "K", "N", "a_width", "b_width"}},
      {"torch.addmm", {"M", "K", "N", "a_width", "b_width", "c_width"}},
      {"F.scaled_dot_product_attention",
       {"B", "H_q", "H_kv", "S_q", "S_kv", "D", "D_v", "mask_elements", "kv_width"}},
      {"F.softmax", {"num_elements"}},
      {"F.log_softmax", {"num_elements"}},
      {"F.silu", {"num_elements"}},
      {"F.gelu_tanh", {"num_elements"}},
      {"torch.add", {"num_elements", "a_elements", "b_elements", "a_width", "b_width"}},
      {"torch.lt", {"num_elements", "a_elements", "b_elements", "a_width", "b_width"}},
      {"torch.where", {"num_elements", "a_elements", "b_elements", "c_elements", "a_width", "b_width"}},
      {"torch.mean", {"num_elements", "out_elements"}},
      {"torch.cumsum", {"num_elements", "out_elements"}},
      {"F.layer_norm", {"num_elements", "normalized_size", "has_weight", "has_bias", "weight_width"}},
      {"F.rms_norm", {"num_elements", "normalized_size", "has_weight", "weight_width"}},
      {"F.group_norm", {"num_elements", "num_groups", "num_channels", "has_affine", "weight_width"}},
      {"F.embedding", {"num_indices", "embedding_dim", "weight_width"}},
      {"F.dropout", {}},
  };
  for (const auto& [name, params] : contract) {
    const LeafKernel* leaf = project_catalog().find(name);
    ASSERT_NE(leaf, nullptr) << name;
    EXPECT_EQ(leaf->forward_params, params) << name;
  }
}

// ---------------------------------------------------------------- every leaf at a point

struct Point {
  const char* leaf;
  std::map<std::string, long> params;
  long bytes;
  long flops, read, write;  // computed by hand from the leaf's documented semantics
};

// Unary elementwise leaves: FLOPs per element by the documented operation counts. Evaluated at
// num_elements = 10, bytes = 2: read 20, write 20.
const std::map<std::string, long> kUnaryFlopsPerElement = {
    {"F.silu", 2},          // sigmoid, multiply
    {"F.gelu", 5},          // divide, erf, add, *0.5, multiply
    {"F.gelu_tanh", 8},     // pow, *c, +x, *sqrt(2/pi), tanh, +1, 0.5*x, multiply
    {"F.gelu_fast", 9},     // x*c, c*x, *x, +1, *, tanh, +1, 0.5*x, multiply
    {"F.quick_gelu", 3},    // scale, sigmoid, multiply
    {"F.gelu_clipped", 6},  // gelu 5 + clamp
    {"F.relu", 1},
    {"F.relu2", 2},         // relu, square
    {"F.relu6", 1},
    {"F.leaky_relu", 2},    // multiply, select
    {"F.elu", 4},           // exp, -1, *alpha, select
    {"F.softplus", 3},      // exp, +1, log
    {"F.sqrt_softplus", 4}, // softplus 3 + sqrt
    {"F.mish", 5},          // softplus 3 + tanh + multiply
    {"F.hardswish", 4},     // +3, clamp, multiply, divide
    {"F.hardsigmoid", 3},   // +3, clamp, divide
    {"F.logsigmoid", 2},    // sigmoid, log
    {"F.laplace", 5},       // sub, div, erf, +1, *0.5
    {"F.xielu", 12},
    {"torch.sigmoid", 1},   {"torch.tanh", 1},  {"torch.neg", 1},        {"torch.exp", 1},
    {"torch.expm1", 1},     {"torch.log", 1},   {"torch.log1p", 1},      {"torch.rsqrt", 1},
    {"torch.sqrt", 1},      {"torch.cos", 1},   {"torch.sin", 1},        {"torch.abs", 1},
    {"torch.reciprocal", 1}, {"torch.erf", 1},  {"torch.square", 1},
    {"torch.floor", 1},     {"torch.ceil", 1},  {"torch.round", 1},      {"torch.sign", 1},
    {"torch.tril", 1},      {"torch.triu", 1},
};

std::vector<Point> hand_points() {
  std::vector<Point> p = {
      // ---- matmul class, bytes = 2
      // y[2,4] = x[2,3] W[4,3]^T + b[4]: 2*2*3*4 MACs + 8 bias adds; read (6 + 12 + 4) * 2.
      {"F.linear", {{"M", 2}, {"K", 3}, {"N", 4}, {"has_bias", 1}}, 2, 56, 44, 16},
      {"F.linear", {{"M", 2}, {"K", 3}, {"N", 4}, {"has_bias", 0}}, 2, 48, 36, 16},
      // 5 batches of [2,3] @ [3,4]: 2*5*24 = 240; read (30 + 60) * 2; write 40 * 2.
      {"torch.matmul", {{"B", 5}, {"M", 2}, {"K", 3}, {"N", 4}, {"a_elements", 30}, {"b_elements", 60}}, 2, 240, 180, 80},
      // [5,2,3] @ a weight [3,4] broadcast over the 5 batches: the weight is read once, (30 + 12) * 2.
      {"torch.matmul", {{"B", 5}, {"M", 2}, {"K", 3}, {"N", 4}, {"a_elements", 30}, {"b_elements", 12}}, 2, 240, 84, 80},
      {"torch.bmm", {{"B", 5}, {"M", 2}, {"K", 3}, {"N", 4}}, 2, 240, 180, 80},
      {"torch.einsum", {{"B", 5}, {"M", 2}, {"K", 3}, {"N", 4}}, 2, 240, 180, 80},
      // + 40 adds of the [5,2,4] input, read (30 + 60 + 40) * 2.
      {"torch.baddbmm", {{"B", 5}, {"M", 2}, {"K", 3}, {"N", 4}}, 2, 280, 260, 80},
      {"torch.mm", {{"M", 2}, {"K", 3}, {"N", 4}}, 2, 48, 36, 16},
      {"torch.addmm", {{"M", 2}, {"K", 3}, {"N", 4}}, 2, 56, 44, 16},
      // No rows (an expert a 4.x loop over every expert calls on none): the output is empty and
      // aten reads no operand, the weight neither; one row reads it whole.
      {"F.linear", {{"M", 0}, {"K", 3}, {"N", 4}, {"has_bias", 1}}, 2, 0, 0, 0},
      {"F.linear", {{"M", 1}, {"K", 3}, {"N", 4}, {"has_bias", 1}}, 2, 28, 38, 8},
      {"torch.matmul", {{"B", 5}, {"M", 0}, {"K", 3}, {"N", 4}, {"a_elements", 0}, {"b_elements", 12}}, 2, 0, 0, 0},
      {"torch.bmm", {{"B", 5}, {"M", 0}, {"K", 3}, {"N", 4}}, 2, 0, 0, 0},
      {"torch.baddbmm", {{"B", 5}, {"M", 0}, {"K", 3}, {"N", 4}}, 2, 0, 0, 0},
      {"torch.mm", {{"M", 0}, {"K", 3}, {"N", 4}}, 2, 0, 0, 0},
      {"torch.addmm", {{"M", 0}, {"K", 3}, {"N", 4}}, 2, 0, 0, 0},
      // 6 rows x [3,4] weights, 2 of 5 experts reached: 2*6*3*4; read (18 + 2*12) * 2 + 5 int32
      // offsets * 4.
      {"F.grouped_mm", {{"S", 6}, {"K", 3}, {"N", 4}, {"E", 5}, {"E_read", 2}}, 2, 144, 104, 48},
      // depthwise: x [2,4,7], w [4,1,3], out [2,4,8]: 2*2*8*3*4*1 + 2*4*8 bias; read (56+12+4)*2.
      {"F.conv1d",
       {{"B", 2}, {"C_in", 4}, {"L_in", 7}, {"C_out", 4}, {"L_out", 8}, {"kernel_size", 3},
        {"groups", 4}, {"has_bias", 1}},
       2, 448, 144, 128},
      // dense: w [6,4,3], no bias: 2*2*8*3*6*4; read (56 + 72) * 2; write 2*6*8*2.
      {"F.conv1d",
       {{"B", 2}, {"C_in", 4}, {"L_in", 7}, {"C_out", 6}, {"L_out", 8}, {"kernel_size", 3},
        {"groups", 1}, {"has_bias", 0}},
       2, 2304, 256, 192},
      // Q [2,8,3,4], K [2,2,5,4], V [2,2,5,6]: 2*2*8*3*5*4 + 2*2*8*3*5*6 = 1920 + 2880;
      // read (192 + 80 + 120) * 2 + 30 mask bytes; write 2*8*3*6*2.
      {"F.scaled_dot_product_attention",
       {{"B", 2}, {"H_q", 8}, {"H_kv", 2}, {"S_q", 3}, {"S_kv", 5}, {"D", 4}, {"D_v", 6},
        {"mask_elements", 30}},
       2, 4800, 814, 576},
      // A [2,4,4] unit lower-triangular, R [2,4,3]: per column 4*3/2 multiply-adds * 2 = 12,
      // 2*3 columns -> 72 (+ 4 divisions per column when not unitriangular); read (32 + 24) * 2.
      {"torch.linalg.solve_triangular", {{"B", 2}, {"N", 4}, {"K", 3}, {"unitriangular", 1}}, 2,
       72, 112, 48},
      {"torch.linalg.solve_triangular", {{"B", 2}, {"N", 4}, {"K", 3}, {"unitriangular", 0}}, 2,
       96, 112, 48},
      // ---- norms, 24 elements in 3 rows of 8, bytes = 2
      // 5*24 + 4*3 + 24 (weight) + 24 (bias); read (24 + 8 + 8) * 2.
      {"F.layer_norm",
       {{"num_elements", 24}, {"normalized_size", 8}, {"has_weight", 1}, {"has_bias", 1}},
       2, 180, 80, 48},
      {"F.layer_norm",
       {{"num_elements", 24}, {"normalized_size", 8}, {"has_weight", 0}, {"has_bias", 0}},
       2, 132, 48, 48},
      // pow 24 + mean (24 + 3) + eps 3 + rsqrt 3 + mul 24 + weight 24 = 105; read (24 + 8) * 2.
      {"F.rms_norm", {{"num_elements", 24}, {"normalized_size", 8}, {"has_weight", 1}}, 2, 105,
       64, 48},
      {"F.rms_norm", {{"num_elements", 24}, {"normalized_size", 8}, {"has_weight", 0}}, 2, 81,
       48, 48},
      // 5*48 + 2*48 affine; read (48 + 2*4) * 2.
      {"F.group_norm",
       {{"num_elements", 48}, {"num_groups", 2}, {"num_channels", 4}, {"has_affine", 1}},
       2, 336, 112, 96},
      {"F.group_norm",
       {{"num_elements", 48}, {"num_groups", 2}, {"num_channels", 4}, {"has_affine", 0}},
       2, 240, 96, 96},
      // 3*24 + 2*3 rows.
      {"F.normalize", {{"num_elements", 24}, {"normalized_size", 8}}, 2, 78, 48, 48},
      // ---- softmax: 5 per element
      {"F.softmax", {{"num_elements", 12}}, 2, 60, 24, 24},
      {"F.log_softmax", {{"num_elements", 12}}, 4, 60, 48, 48},
      // ---- special unary leaves
      {"torch.logical_not", {{"num_elements", 10}}, 2, 10, 10, 10},  // bool in and out
      {"F.prelu", {{"num_elements", 10}, {"num_parameters", 3}}, 2, 20, 26, 20},
      {"F.glu", {{"num_elements", 10}}, 2, 20, 40, 20},  // input has 20 elements
      {"F.identity", {}, 2, 0, 0, 0},
      {"F.dropout", {}, 2, 0, 0, 0},
      // ---- binary: 12 outputs, a 12 elements, b 4 (broadcast), bytes = 2
      {"torch.add", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 24},
      {"torch.sub", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 24},
      {"torch.mul", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 24},
      {"torch.div", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 24},
      {"torch.floor_divide", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 0}}, 2, 12,
       24, 24},
      {"torch.remainder", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 0}}, 2, 12, 24,
       24},
      {"torch.pow", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 0}}, 2, 12, 24, 24},
      // cos, sin and two products per element; a complex output element is two real ones.
      {"torch.polar", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 12}}, 2, 48, 48, 48},
      {"torch.maximum", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32,
       24},
      {"torch.minimum", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32,
       24},
      // comparisons write 1-byte bools
      {"torch.eq", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 12},
      {"torch.ne", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 12},
      {"torch.lt", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 12},
      {"torch.le", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 32, 12},
      {"torch.gt", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 0}}, 2, 12, 24, 12},
      {"torch.ge", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 0}}, 2, 12, 24, 12},
      // logical ops: bool operands and result
      {"torch.logical_and", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12,
       16, 12},
      {"torch.logical_or", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12, 16,
       12},
      {"torch.logical_xor", {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 4}}, 2, 12,
       16, 12},
      // where(cond[6], x[12], 0.0): read 12*2 + 6 bool bytes.
      {"torch.where",
       {{"num_elements", 12}, {"a_elements", 12}, {"b_elements", 0}, {"c_elements", 6}},
       2, 12, 30, 24},
      {"torch.masked_fill", {{"num_elements", 12}, {"mask_elements", 4}}, 2, 12, 28, 24},
      // ---- reductions: 24 elements -> 4, bytes = 2
      {"torch.sum", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 8},
      {"torch.mean", {{"num_elements", 24}, {"out_elements", 4}}, 2, 28, 48, 8},
      {"torch.amax", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 8},
      {"torch.amin", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 8},
      {"torch.prod", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 8},
      {"torch.max", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 40},  // + int64 idx
      {"torch.min", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 40},
      {"torch.argmax", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 32},
      {"torch.argmin", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 48, 32},
      {"torch.var", {{"num_elements", 24}, {"out_elements", 4}}, 2, 104, 48, 8},
      {"torch.std", {{"num_elements", 24}, {"out_elements", 4}}, 2, 108, 48, 8},
      {"torch.norm", {{"num_elements", 24}, {"out_elements", 4}}, 2, 52, 48, 8},
      {"torch.logsumexp", {{"num_elements", 24}, {"out_elements", 4}}, 2, 104, 48, 8},
      {"torch.all", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 24, 4},
      {"torch.any", {{"num_elements", 24}, {"out_elements", 4}}, 2, 24, 24, 4},
      {"torch.cumsum", {{"num_elements", 24}, {"out_elements", 24}}, 2, 24, 48, 48},
      {"torch.cumprod", {{"num_elements", 24}, {"out_elements", 24}}, 2, 24, 48, 48},
      // ---- routing and indexing, bytes = 2, int64 indices 8 bytes
      // 4 rows of 6, top-2: write 8 values * 2 + 8 indices * 8.
      {"torch.topk", {{"num_elements", 24}, {"rows", 4}, {"k", 2}}, 2, 24, 48, 80},
      {"torch.sort", {{"num_elements", 24}}, 2, 24, 48, 240},
      {"torch.argsort", {{"num_elements", 24}}, 2, 24, 48, 192},
      {"torch.gather", {{"num_elements", 6}}, 2, 0, 60, 12},
      {"torch.scatter", {{"num_elements", 20}, {"index_elements", 6}, {"has_src", 1}}, 2, 0, 100,
       40},
      {"torch.scatter", {{"num_elements", 20}, {"index_elements", 6}, {"has_src", 0}}, 2, 0, 88, 40},
      {"torch.Tensor.scatter_", {{"index_elements", 6}, {"has_src", 0}}, 2, 0, 48, 12},
      {"torch.Tensor.scatter_", {{"index_elements", 6}, {"has_src", 1}}, 2, 0, 60, 12},
      {"torch.scatter_add", {{"num_elements", 20}, {"index_elements", 6}}, 2, 6, 100, 40},
      {"torch.Tensor.scatter_add_", {{"index_elements", 6}}, 2, 6, 72, 12},
      // 3 indices x 5-element slices: read 24 + 30, write 30.
      {"torch.index_select", {{"num_indices", 3}, {"slice_elements", 5}}, 2, 0, 54, 30},
      {"torch.index_add", {{"num_elements", 40}, {"num_indices", 3}, {"slice_elements", 5}}, 2, 15,
       134, 80},
      {"torch.Tensor.index_add_", {{"num_indices", 3}, {"slice_elements", 5}}, 2, 15, 84, 30},
      {"torch.bincount", {{"num_elements", 6}, {"num_bins", 4}}, 2, 6, 48, 32},
      {"torch.histc", {{"num_elements", 6}, {"bins", 4}}, 2, 6, 12, 8},
      {"F.one_hot", {{"num_indices", 6}, {"num_classes", 4}}, 2, 0, 48, 192},
      // 6 tokens x 5 dims: read 6 * 8 + 30 * 2.
      {"F.embedding", {{"num_indices", 6}, {"embedding_dim", 5}}, 2, 0, 108, 60},
      // ---- creation and copies, 10 elements, bytes = 2
      {"torch.zeros", {{"num_elements", 10}}, 2, 0, 0, 20},
      {"torch.ones", {{"num_elements", 10}}, 2, 0, 0, 20},
      {"torch.full", {{"num_elements", 10}}, 2, 0, 0, 20},
      {"torch.arange", {{"num_elements", 10}, {"element_bytes", 8}}, 2, 0, 0, 80},  // int64
      {"torch.arange", {{"num_elements", 10}, {"element_bytes", 2}}, 2, 0, 0, 20},  // a float dtype at bytes = 2
      // clamp of [10] against a min bound of [10] and a number max: read 10 + 10, write 10.
      {"torch.clamp", {{"num_elements", 10}, {"a_elements", 10}, {"min_elements", 10}, {"max_elements", 0}}, 2, 10, 40, 20},
      // clamp of [2, 5] by numbers: read and write 10.
      {"torch.clamp", {{"num_elements", 10}, {"a_elements", 10}, {"min_elements", 0}, {"max_elements", 0}}, 2, 10, 20, 20},
      {"torch.empty", {{"num_elements", 10}}, 2, 0, 0, 0},
      {"torch.clone", {{"num_elements", 10}}, 2, 0, 20, 20},
      {"torch.repeat_interleave", {{"num_elements", 10}, {"out_elements", 30}}, 2, 0, 20, 60},
      {"F.pad", {{"num_elements", 10}, {"out_elements", 14}}, 2, 0, 20, 28},
  };
  for (const auto& [leaf, per_element] : kUnaryFlopsPerElement)
    p.push_back({leaf.c_str(), {{"num_elements", 10}}, 2, per_element * 10, 20, 20});
  return p;
}

// A width parameter (trace/leaf_binding.h: weight_width, kv_width, a_width, ...) the point does
// not give is the point's bytes: at one width every leaf prices what it always did.
bool is_width(const std::string& param) { return param.size() > 6 && param.compare(param.size() - 6, 6, "_width") == 0; }

std::map<std::string, GiNaC::numeric> values_of(const Point& point, const LeafKernel& leaf) {
  std::map<std::string, GiNaC::numeric> values;
  for (const auto& [name, v] : point.params) values.emplace(name, GiNaC::numeric(v));
  values.emplace("bytes", GiNaC::numeric(point.bytes));
  for (const std::string& p : leaf.forward_params)
    if (is_width(p)) values.emplace(p, GiNaC::numeric(point.bytes));
  return values;
}

TEST(LeafFormulas, EveryLeafMatchesHandComputedValues) {
  for (const Point& point : hand_points()) {
    SCOPED_TRACE(point.leaf);
    const LeafKernel* leaf = project_catalog().find(point.leaf);
    ASSERT_NE(leaf, nullptr);
    std::set<std::string> bound;
    for (const auto& [name, v] : point.params) bound.insert(name);
    for (const std::string& p : leaf->forward_params)
      if (is_width(p)) bound.insert(p);
    EXPECT_EQ(std::set<std::string>(leaf->forward_params.begin(), leaf->forward_params.end()),
              bound);
    auto values = values_of(point, *leaf);
    EXPECT_EQ(leaf->flops.eval(values), GiNaC::numeric(point.flops)) << leaf->flops.str();
    EXPECT_EQ(leaf->memory_read.eval(values), GiNaC::numeric(point.read))
        << leaf->memory_read.str();
    EXPECT_EQ(leaf->memory_write.eval(values), GiNaC::numeric(point.write))
        << leaf->memory_write.str();
  }
}

// Each operand at its own width, computed by hand (bytes 2 for activations, 0.5 for 4-bit
// weights, 1 for an fp8 cache).
TEST(LeafFormulas, OperandsAtTheirOwnWidths) {
  auto eval = [](const std::string& name, std::map<std::string, GiNaC::numeric> v) {
    const LeafKernel* leaf = project_catalog().find(name);
    EXPECT_NE(leaf, nullptr) << name;
    v["bytes"] = 2;
    return std::vector<GiNaC::numeric>{leaf->flops.eval(v), leaf->memory_read.eval(v), leaf->memory_write.eval(v)};
  };
  const GiNaC::numeric half(1, 2);
  // y[2,4] = x[2,3] W[4,3]^T + b[4], W and b at 0.5: read 6*2 + (12 + 4)*0.5 = 20, write 8*2.
  EXPECT_EQ(eval("F.linear", {{"M", 2}, {"K", 3}, {"N", 4}, {"has_bias", 1}, {"weight_width", half}}),
            (std::vector<GiNaC::numeric>{56, 20, 16}));
  // sdpa B=1, H_q=4, H_kv=2, S_q=1, S_kv=8, D=D_v=16, keys and values at 1 byte: query 64*2,
  // keys and values 2*2*8*16*1 = 512; output 64*2.
  EXPECT_EQ(eval("F.scaled_dot_product_attention", {{"B", 1}, {"H_q", 4}, {"H_kv", 2}, {"S_q", 1}, {"S_kv", 8}, {"D", 16},
                                                    {"D_v", 16}, {"mask_elements", 0}, {"kv_width", 1}})[1],
            GiNaC::numeric(128 + 512));
  // 6 lookups of 5-wide rows of a table at 0.5: indices 6*8, rows 30*0.5.
  EXPECT_EQ(eval("F.embedding", {{"num_indices", 6}, {"embedding_dim", 5}, {"weight_width", half}})[1], GiNaC::numeric(48 + 15));
  // weight[8] * x[3, 8]: the scale at 0.5, x at 2: 4 + 48.
  EXPECT_EQ(eval("torch.mul", {{"num_elements", 24}, {"a_elements", 8}, {"b_elements", 24}, {"a_width", half}, {"b_width", 2}})[1],
            GiNaC::numeric(52));
  // rms_norm of 24 elements over 8 with a scale at 0.5: 48 + 4.
  EXPECT_EQ(eval("F.rms_norm", {{"num_elements", 24}, {"normalized_size", 8}, {"has_weight", 1}, {"weight_width", half}})[1],
            GiNaC::numeric(52));
}

TEST(LeafFormulas, EveryLeafMatchesTheChecksItCarries) {
  for (const auto& [name, leaf] : project_catalog().all())
    for (const LeafCheck& check : leaf.checks) {
      SCOPED_TRACE(name + ": " + check.why);
      EXPECT_EQ(leaf.flops.eval(check.params), check.flops) << leaf.flops.str();
      EXPECT_EQ(leaf.memory_read.eval(check.params), check.memory_read) << leaf.memory_read.str();
      EXPECT_EQ(leaf.memory_write.eval(check.params), check.memory_write) << leaf.memory_write.str();
    }
}

TEST(LeafFormulas, EveryLeafHasAHandComputedPoint) {
  std::set<std::string> covered;
  for (const Point& point : hand_points()) covered.insert(point.leaf);
  for (const auto& [name, leaf] : project_catalog().all())
    if (!leaf.checks.empty()) covered.insert(name);  // the examples in its own file
  for (const auto& [name, leaf] : project_catalog().all())
    EXPECT_TRUE(covered.count(name)) << name << " has no hand-computed check";
}

TEST(LeafFormulas, SdpaUnderGqaReadsKeysAndValuesForKvHeadsOnly) {
  const LeafKernel* sdpa = project_catalog().find("F.scaled_dot_product_attention");
  ASSERT_NE(sdpa, nullptr);
  auto at = [](long h_kv) {
    return std::map<std::string, GiNaC::numeric>{
        {"B", 1}, {"H_q", 8}, {"H_kv", h_kv}, {"S_q", 1}, {"S_kv", 16},
        {"D", 4}, {"D_v", 4}, {"mask_elements", 0}, {"bytes", 2}, {"kv_width", 2}};
  };
  // Q: 1*8*1*4 = 32 elements; K and V: 1*H_kv*16*4 each.
  EXPECT_EQ(sdpa->memory_read.eval(at(2)), GiNaC::numeric((32 + 128 + 128) * 2));
  EXPECT_EQ(sdpa->memory_read.eval(at(8)), GiNaC::numeric((32 + 512 + 512) * 2));
  // FLOPs depend on the query heads only: 2*8*16*4 + 2*8*16*4.
  EXPECT_EQ(sdpa->flops.eval(at(2)), GiNaC::numeric(2048));
  EXPECT_EQ(sdpa->flops.eval(at(2)), sdpa->flops.eval(at(8)));
}

TEST(LeafFormulas, RmsNormLeafEqualsTheDecompositionTransformersWrites) {
  // x.pow(2) [N] -> mean(-1) [N -> rows] -> + eps [rows] -> rsqrt [rows] -> x * r [N] ->
  // weight * x [N], each priced by its own leaf, equals F.rms_norm's FLOPs.
  const LeafCatalog& c = project_catalog();
  const long n = 60, rows = 5;
  auto eval = [&](const char* name, std::map<std::string, GiNaC::numeric> v) {
    v.emplace("bytes", 2);
    return c.find(name)->flops.eval(v);
  };
  GiNaC::numeric traced =
      eval("torch.pow", {{"num_elements", n}, {"a_elements", n}, {"b_elements", 0}}) +
      eval("torch.mean", {{"num_elements", n}, {"out_elements", rows}}) +
      eval("torch.add", {{"num_elements", rows}, {"a_elements", rows}, {"b_elements", 0}}) +
      eval("torch.rsqrt", {{"num_elements", rows}}) +
      eval("torch.mul", {{"num_elements", n}, {"a_elements", n}, {"b_elements", rows}}) +
      eval("torch.mul", {{"num_elements", n}, {"a_elements", 12}, {"b_elements", n}});
  EXPECT_EQ(eval("F.rms_norm", {{"num_elements", n}, {"normalized_size", 12}, {"has_weight", 1}}),
            traced);
}

TEST(LeafFormulas, GeluTanhLeafEqualsNewGeluOpCount) {
  // NewGELUActivation: 0.5 * x, pow(x, 3), 0.044715 * p, x + ., c * ., tanh, 1 + ., * -> 8
  // elementwise leaves of N elements each.
  const LeafCatalog& c = project_catalog();
  const long n = 7;
  std::map<std::string, GiNaC::numeric> v = {{"num_elements", n}, {"bytes", 2}};
  EXPECT_EQ(c.find("F.gelu_tanh")->flops.eval(v), GiNaC::numeric(8 * n));
  EXPECT_EQ(c.find("F.silu")->flops.eval(v),
            c.find("torch.sigmoid")->flops.eval(v) + GiNaC::numeric(n));
}

TEST(LeafLibrary, MatmulClassLeavesAndTheirBiasAdds) {
  // The leaves FlopCounterMode counts, and the bias adds it leaves out, are data of the library.
  const std::set<std::string> matmul = {"F.linear",     "torch.matmul", "torch.bmm",
                                        "torch.mm",     "torch.addmm",  "torch.baddbmm",
                                        "torch.einsum", "F.conv1d",     "F.scaled_dot_product_attention"};
  std::set<std::string> marked;
  for (const auto& [name, leaf] : project_catalog().all())
    if (leaf.matmul_class) marked.insert(name);
  EXPECT_EQ(marked, matmul);
  const LeafCatalog& c = project_catalog();
  EXPECT_EQ(c.find("F.linear")->bias_add_flops.eval({{"has_bias", 1}, {"M", 3}, {"N", 5}}), 15);
  EXPECT_EQ(c.find("F.linear")->bias_add_flops.eval({{"has_bias", 0}, {"M", 3}, {"N", 5}}), 0);
  EXPECT_EQ(c.find("torch.addmm")->bias_add_flops.eval({{"M", 3}, {"N", 5}}), 15);
  EXPECT_EQ(c.find("torch.baddbmm")->bias_add_flops.eval({{"B", 2}, {"M", 3}, {"N", 5}}), 30);
  EXPECT_EQ(c.find("F.conv1d")->bias_add_flops.eval({{"has_bias", 1}, {"B", 2}, {"C_out", 3}, {"L_out", 7}}), 42);
  EXPECT_EQ(c.find("torch.bmm")->bias_add_flops.eval({}), 0);
  EXPECT_EQ(c.find("torch.mul")->bias_add_flops.eval({}), 0);
}

TEST(LeafCatalogLookup, FindUnknownIsNull) {
  EXPECT_EQ(project_catalog().find("torch.no_such_op"), nullptr);
  EXPECT_NE(project_catalog().find("F.linear"), nullptr);
}

// ---------------------------------------------------------------- loader errors

class LeafCatalogFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kcost_leaf_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(fs::path(dir_) / name) << text;
  }
  // A valid leaf with one field replaced (the raw JSON value text).
  static std::string leaf_json(const std::string& name, const std::string& field = "",
                               const std::string& value = "") {
    std::map<std::string, std::string> fields = {
        {"kernel_name", "\"" + name + "\""},
        {"init_params", "[]"},
        {"forward_params", "[\"M\", \"K\", \"N\"]"},
        {"flops", "\"2 * M * K * N\""},
        {"memory_read", "\"(M * K + K * N) * bytes\""},
        {"memory_write", "\"M * N * bytes\""}};
    if (!field.empty()) {
      if (value.empty())
        fields.erase(field);
      else
        fields[field] = value;
    }
    std::string text = "{";
    for (const auto& [k, v] : fields) text += (text.size() > 1 ? ", \"" : "\"") + k + "\": " + v;
    return text + "}";
  }
  std::string file(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string load_error() const {
    try {
      LeafCatalog::load(dir_);
    } catch (const CatalogError& e) {
      std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << "expected a CatalogError";
    return "";
  }
  std::string dir_;
};

TEST_F(LeafCatalogFiles, LoadsValidLeavesInSortedOrderAndIgnoresOtherFiles) {
  write("b.json", leaf_json("torch.mm"));
  write("a.json", leaf_json("x.mm"));
  write("notes.md", "not json");
  LeafCatalog catalog = LeafCatalog::load(dir_);
  ASSERT_EQ(catalog.all().size(), 2u);
  EXPECT_EQ(catalog.find("torch.mm")->file, file("b.json"));
  EXPECT_EQ(catalog.find("x.mm")->forward_params, (std::vector<std::string>{"M", "K", "N"}));
  EXPECT_EQ(catalog.find("x.mm")->description, "");
  EXPECT_EQ(catalog.find("x.mm")->flops.eval({{"M", 2}, {"K", 3}, {"N", 4}}), 48);
}

TEST_F(LeafCatalogFiles, ConditionalExpressionLoadsAndEvaluates) {
  // As written for the agent pipeline: no description, `a if c else b`, a bare 0.
  write("old.json", R"({"kernel_name": "old.op", "init_params": [],
    "forward_params": ["N", "has_bias"],
    "flops": "2 * N if has_bias else N",
    "memory_read": "(N + (1 if has_bias == 1 else 0)) * bytes",
    "memory_write": 0})");
  LeafCatalog catalog = LeafCatalog::load(dir_);
  const LeafKernel* leaf = catalog.find("old.op");
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(leaf->flops.eval({{"N", 5}, {"has_bias", 1}}), 10);
  EXPECT_EQ(leaf->flops.eval({{"N", 5}, {"has_bias", 0}}), 5);
  EXPECT_EQ(leaf->memory_read.eval({{"N", 5}, {"has_bias", 1}, {"bytes", 2}}), 12);
  EXPECT_EQ(leaf->memory_read.eval({{"N", 5}, {"has_bias", 0}, {"bytes", 2}}), 10);
  EXPECT_EQ(leaf->memory_write.eval({}), 0);
}

TEST_F(LeafCatalogFiles, ChecksAreReadAndTheirMistakesNamed) {
  write("a.json", leaf_json("a", "checks", R"([{"params": {"M": 2, "K": 3, "N": 4}, "bytes": 2, "flops": 48,
    "memory_read": 36, "memory_write": 16, "why": "2*2*3*4; (6 + 12) * 2; 8 * 2"}])"));
  LeafCatalog catalog = LeafCatalog::load(dir_);
  ASSERT_EQ(catalog.find("a")->checks.size(), 1u);
  const LeafCheck& c = catalog.find("a")->checks[0];
  EXPECT_EQ(c.params.at("bytes"), 2);
  EXPECT_EQ(c.flops, 48);
  EXPECT_EQ(c.why, "2*2*3*4; (6 + 12) * 2; 8 * 2");
  write("a.json", leaf_json("a", "checks", R"([{"params": {"M": 2, "K": 3, "Q": 4}, "bytes": 2, "flops": 1,
    "memory_read": 1, "memory_write": 1}])"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'checks': [0]: 'Q' is not a forward_param");
  write("a.json", leaf_json("a", "checks", R"([{"params": {"M": 2, "K": 3}, "bytes": 2, "flops": 1,
    "memory_read": 1, "memory_write": 1}])"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'checks': [0]: no value for 'N'");
  write("a.json", leaf_json("a", "checks", R"([{"params": {"M": 2, "K": 3, "N": 4}, "bytes": 2, "flops": "many",
    "memory_read": 1, "memory_write": 1}])"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'checks': [0].flops: expected a number");
}

TEST_F(LeafCatalogFiles, MatmulMetadataIsOptionalAndChecked) {
  write("a.json", leaf_json("a"));  // without the fields: not matmul-class, no bias adds
  EXPECT_FALSE(LeafCatalog::load(dir_).find("a")->matmul_class);
  write("a.json", leaf_json("a", "matmul_class", "true").insert(1, "\"bias_add_flops\": \"M * N\", "));
  LeafCatalog catalog = LeafCatalog::load(dir_);
  EXPECT_TRUE(catalog.find("a")->matmul_class);
  EXPECT_EQ(catalog.find("a")->bias_add_flops.eval({{"M", 3}, {"N", 4}}), 12);
  write("a.json", leaf_json("a", "matmul_class", "1"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'matmul_class': expected true or false");
  write("a.json", leaf_json("a", "bias_add_flops", "\"M * N\""));
  EXPECT_EQ(load_error(), file("a.json") +
                              ": field 'bias_add_flops': only a matmul-class leaf (\"matmul_class\": true) has bias adds");
  write("a.json", leaf_json("a", "matmul_class", "true").insert(1, "\"bias_add_flops\": \"M * Q\", "));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'bias_add_flops' uses symbol 'Q' that is not a forward_param or 'bytes'");
}

TEST_F(LeafCatalogFiles, ExpressionSyntaxErrorNamesFileFieldAndColumn) {
  write("F.linear.json", leaf_json("F.linear", "flops", "\"2 * M *\""));
  std::string message = load_error();
  EXPECT_EQ(message.rfind(file("F.linear.json") + ": field 'flops': ", 0), 0u) << message;
  EXPECT_NE(message.find("2 * M *"), std::string::npos) << message;
  EXPECT_NE(message.find("column 8"), std::string::npos) << message;
}

TEST_F(LeafCatalogFiles, ForwardParamsMustBeAnArrayOfStrings) {
  write("a.json", leaf_json("a", "forward_params", "\"M, K\""));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'forward_params': expected an array of strings");
  write("a.json", leaf_json("a", "forward_params", "[\"M\", 3]"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'forward_params': expected an array of strings");
}

TEST_F(LeafCatalogFiles, ForwardParamsMustBeDistinctIdentifiers) {
  write("a.json", leaf_json("a", "forward_params", "[\"M\", \"K\", \"N\", \"M\"]"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'forward_params': duplicate parameter 'M'");
  write("a.json", leaf_json("a", "forward_params", "[\"M\", \"K\", \"N\", \"config.x\"]"));
  EXPECT_EQ(load_error(),
            file("a.json") + ": field 'forward_params': 'config.x' is not a valid parameter name");
  write("a.json", leaf_json("a", "forward_params", "[\"M\", \"K\", \"N\", \"bytes\"]"));
  EXPECT_EQ(load_error(), file("a.json") +
                              ": field 'forward_params': 'bytes' is implicit and cannot be a "
                              "forward_param");
}

TEST_F(LeafCatalogFiles, UnknownSymbolIsNamed) {
  write("a.json", leaf_json("a", "memory_read", "\"(M * K + Q) * bytes\""));
  EXPECT_EQ(load_error(), file("a.json") +
                              ": field 'memory_read' uses symbol 'Q' that is not a forward_param "
                              "or 'bytes'");
  write("a.json", leaf_json("a", "flops", "\"config.hidden_size * M\""));
  EXPECT_EQ(load_error(), file("a.json") +
                              ": field 'flops' uses symbol 'config.hidden_size' that is not a "
                              "forward_param or 'bytes'");
}

TEST_F(LeafCatalogFiles, DuplicateKernelNameNamesBothFiles) {
  write("a.json", leaf_json("F.linear"));
  write("b.json", leaf_json("F.linear"));
  EXPECT_EQ(load_error(), file("b.json") + ": field 'kernel_name': 'F.linear' is already defined in " +
                              file("a.json"));
}

TEST_F(LeafCatalogFiles, InitParamsMustBeEmpty) {
  write("a.json", leaf_json("a", "init_params", "[\"hidden\"]"));
  EXPECT_EQ(load_error(),
            file("a.json") + ": field 'init_params': a leaf kernel takes no init params (expected [])");
  write("a.json", leaf_json("a", "init_params", "{}"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'init_params': expected an array");
}

TEST_F(LeafCatalogFiles, CompositeInLeafDirectoryIsAnError) {
  write("comp.json", R"({"kernel_name": "SomeMLP", "init_params": [], "forward_params": [],
    "children": {"up": {"kernel": "F.linear", "bindings": {}, "count": 1}}})");
  EXPECT_EQ(load_error(), file("comp.json") +
                              ": field 'children': a composite kernel does not belong in the leaf "
                              "directory");
}

TEST_F(LeafCatalogFiles, MissingAndMistypedFields) {
  write("a.json", leaf_json("a", "memory_write", ""));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'memory_write': missing");
  write("a.json", leaf_json("a", "flops", "[1]"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'flops': expected an expression string");
  write("a.json", leaf_json("a", "kernel_name", "\"\""));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'kernel_name': expected a non-empty string");
  write("a.json", leaf_json("a", "description", "7"));
  EXPECT_EQ(load_error(), file("a.json") + ": field 'description': expected a string");
}

TEST_F(LeafCatalogFiles, InvalidJsonAndNonObject) {
  write("a.json", "{\"kernel_name\": \"a\",\n \"flops\": }");
  std::string message = load_error();
  EXPECT_EQ(message.rfind(file("a.json") + ": invalid JSON: parse error at line 2", 0), 0u)
      << message;
  write("a.json", "[1, 2]");
  EXPECT_EQ(load_error(), file("a.json") + ": expected a JSON object, got array");
}

TEST_F(LeafCatalogFiles, MissingDirectory) {
  std::string missing = file("nope");
  try {
    LeafCatalog::load(missing);
    FAIL() << "expected a CatalogError";
  } catch (const CatalogError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": not a directory");
  }
}

}  // namespace
}  // namespace kcost

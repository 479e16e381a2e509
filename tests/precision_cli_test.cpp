// Mixed precision (issue 17): separate widths for the weights, the KV cache and the activations.
// Llama-2-7B (its published config.json, built here) decoding one token per sequence at 4096
// cached tokens, at W4A16 with a bf16 cache and at W8A8 with an fp8 cache: bytes read pinned to
// numbers computed here by hand, op by op; the difference between the model at (w, a, kv) and at
// (a, a, a) equals what the footprint says the weights and the cache hold; a sweep at a
// fractional width takes the compiled fast path at every point.
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "published_configs.h"

namespace {

using nlohmann::json;
using kcost_test::Result;

const char* kSuite = "precision_cli";

Result run(const std::string& args) { return kcost_test::run(kSuite, args); }

json eval_json(const std::string& widths, long long batch = 1, long long cache = 4096) {
  Result r = run("eval llama --config " + kcost_test::llama2_7b(kSuite) + " --batch-size " + std::to_string(batch) +
                 " --seq-len 1 --cache-len " + std::to_string(cache) + " " + widths + " --format json");
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(r.out);
}

// Llama-2-7B, one decode step of b sequences (seq_len 1) at c cached tokens, counted by hand.
const long long H = 4096, I = 11008, V = 32000, L = 32;

// Elements of parameters and buffers the step reads: every linear weight (q, k, v, o: H x H;
// gate, up, down: H x I; the untied lm_head V x H), the two RMSNorm scales of each layer and the
// final one, the b rows the embedding gathers (not its whole table), and the rotary embedding's
// inv_freq buffer (head_dim / 2 = 64; its original_inv_freq copy is not read).
long long weight_elements(long long b) { return L * (4 * H * H + 3 * H * I + 2 * H) + V * H + H + b * H + 64; }

// Elements attention reads from the cache: keys and values of c + 1 tokens (the cache returns
// the new token with the cached ones), 32 kv heads x 128, every layer.
long long kv_elements(long long b, long long c) { return L * 2 * b * (c + 1) * H; }

// Activation elements read, at the activations' width. Per layer and sequence: an RMSNorm as
// transformers writes it, x.pow(2) (H), .mean(-1) (H), + eps (1), rsqrt (1), x * rsqrt (H + 1),
// weight * x (H; the weight is among the weights), twice; the inputs of q, k, v, o, gate, up
// (H each) and down (I); rotary on q and k: q * cos (H), neg of half (H / 2), rotate_half * sin
// (H), the sum (2H), each twice; the query of attention (H); silu (I) and act * up (2I); two
// residual adds (2H each). The cos and sin tables [1, 1, 128] the four rotary products read
// (512) do not grow with the batch. Per step: the final norm (4H + 3) and the lm_head's input
// (H); the position arithmetic arange + past_seen_tokens (1); the rotary embedding's
// inv_freq @ positions (the positions, 1), cos and sin (128 each) and their scaling (128 each).
long long activation_elements(long long b) {
  long long per_layer = b * (2 * (4 * H + 3) + 6 * H + I + 2 * (H + H / 2 + H + 2 * H) + H + I + 2 * I + 2 * (2 * H)) + 512;
  return L * per_layer + b * (4 * H + 3 + H) + 1 + 1 + 4 * 128;
}

// Bytes of no width: the embedding's int64 indices (8 each).
long long fixed_bytes(long long b) { return 8 * b; }

TEST(PrecisionCli, HandCountsOfTheLlama2DecodeStep) {
  // The activations' count agrees with the per-layer sum the README's formula shows at b = 1
  // (5365955 b s + 16898 s less the weights' and the cache's b s terms).
  EXPECT_EQ(activation_elements(1), 5365955LL + 16898 - 4096 - 262144);
  EXPECT_EQ(weight_elements(1), 6607343680LL + 4096);
}

TEST(PrecisionCli, W4A16WithABf16Cache) {
  json j = eval_json("--bytes 2 --weight-bytes int4 --kv-bytes bf16");
  // 4-bit weights (0.5 B), bf16 activations and cache (2 B).
  const long long read = activation_elements(1) * 2 + weight_elements(1) / 2 + kv_elements(1, 4096) * 2 + fixed_bytes(1);
  EXPECT_EQ(read, 5461915058LL);
  EXPECT_EQ(j["totals"]["memory_read"].get<long long>(), read);
  EXPECT_EQ(j["point"]["weight_bytes"].get<double>(), 0.5);
  const json& t = j["traffic"];
  EXPECT_EQ(t["weights"].get<long long>(), weight_elements(1) / 2);
  EXPECT_EQ(t["kv_cache"].get<long long>(), kv_elements(1, 4096) * 2);
  EXPECT_EQ(t["activations"].get<long long>() + t["weights"].get<long long>() + t["kv_cache"].get<long long>(),
            read + j["totals"]["memory_write"].get<long long>());
  // The parameters' memory is at the weights' width, the cache's at its own.
  EXPECT_EQ(j["memory"]["parameter_bytes"].get<long long>(), 6738415616LL / 2);
  EXPECT_EQ(j["memory"]["cache_bytes"].get<long long>(), L * 2 * 4096 * H * 2);
}

TEST(PrecisionCli, W8A8WithAnFp8Cache) {
  json j = eval_json("--bytes 1 --weight-bytes int8 --kv-bytes fp8");
  const long long read = activation_elements(1) + weight_elements(1) + kv_elements(1, 4096) + fixed_bytes(1);
  EXPECT_EQ(read, 7686468365LL);
  EXPECT_EQ(j["totals"]["memory_read"].get<long long>(), read);
  EXPECT_EQ(j["traffic"]["kv_cache"].get<long long>(), kv_elements(1, 4096));
}

TEST(PrecisionCli, GroupScalesAndDequantizeFlops) {
  // int4 with an fp16 scale per 128 weights: 0.5 + 2/128 bytes per weight, one multiply each.
  json j = eval_json("--weight-bytes int4-g128 --hardware h100-sxm");
  const long long w = weight_elements(1);
  EXPECT_EQ(j["traffic"]["weights"].get<long long>() * 64, w * 33);
  EXPECT_EQ(j["traffic"]["dequantize_flops"].get<long long>(), w);
  EXPECT_EQ(j["roofline"]["flops"].get<long long>(), j["totals"]["flops"].get<long long>() + w);
}

// The widths proven against the footprint: the model at (w, a, kv) less the model at (a, a, a)
// is (w - a) x the weight elements read plus (kv - a) x the elements the cache holds after the
// step, where both come from the footprint kcost reports (its parameters, less the embedding
// table but the rows it gathers, plus the inv_freq buffer; the cache at cache_len + 1), at
// several batches and cache lengths.
TEST(PrecisionCli, WidthsDifferByWhatTheFootprintHolds) {
  for (long long b : {1, 3}) {
    for (long long c : {0, 777}) {
      json same = eval_json("--bytes 2", b, c);
      json mixed = eval_json("--bytes 2 --weight-bytes 0.5 --kv-bytes 1", b, c);
      json held = eval_json("--bytes 2", b, c + 1);  // what the cache holds after this step
      long long parameters = same["memory"]["parameters"].get<long long>();
      long long weights_read = parameters - V * H + b * H + 64;
      long long cache_after = held["memory"]["cache_elements"].get<long long>();
      long long diff = mixed["totals"]["memory_read"].get<long long>() * 2 - same["totals"]["memory_read"].get<long long>() * 2;
      // (0.5 - 2) x weights + (1 - 2) x cache, doubled to stay in integers.
      EXPECT_EQ(diff, -3 * weights_read - 2 * cache_after) << "b=" << b << " c=" << c;
      EXPECT_EQ(mixed["totals"]["flops"], same["totals"]["flops"]);
      EXPECT_EQ(mixed["totals"]["memory_write"], same["totals"]["memory_write"]);
      EXPECT_EQ(cache_after, kv_elements(b, c));
      EXPECT_EQ(weights_read, weight_elements(b));
    }
  }
}

TEST(PrecisionCli, EvalTablePrintsTheTrafficSplitAndTheRoofline) {
  Result r = run("eval llama --config " + kcost_test::llama2_7b(kSuite) +
                 " --batch-size 1 --seq-len 1 --cache-len 4096 --weight-bytes int4 --kv-bytes fp8 --hardware h100-sxm");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* line : {"weight_bytes=0.5", "kv_bytes=1", "traffic by kind", "  weights", "  KV cache", "  activations",
                           "roofline time"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  // FP8 compute on the H100: its dense FP8 peak.
  Result fp8 = run("eval llama --config " + kcost_test::llama2_7b(kSuite) +
                   " --batch-size 1 --seq-len 1 --cache-len 4096 --weight-bytes fp8 --compute-precision fp8 "
                   "--hardware h100-sxm --format json");
  ASSERT_EQ(fp8.code, 0) << fp8.err;
  EXPECT_DOUBLE_EQ(json::parse(fp8.out)["roofline"]["peak_flops"].get<double>(), 1978.9e12);
  Result a100 = run("eval llama --compute-precision fp8 --hardware a100");
  EXPECT_EQ(a100.code, 1);
  EXPECT_NE(a100.err.find("no fp8 peak"), std::string::npos) << a100.err;
  Result bad = run("eval llama --weight-bytes int3");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("int3"), std::string::npos) << bad.err;
}

TEST(PrecisionCli, SweepAtAFractionalWidthTakesTheFastPathEverywhere) {
  std::string out = kcost_test::scratch(kSuite) + "/sweep.csv";
  Result r = run("sweep llama --config " + kcost_test::llama2_7b(kSuite) +
                 " --batch-size 1:4 --seq-len 1 --cache-len 0:4096:64 --weight-bytes 0.5 --kv-bytes fp8 -o " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("; 0 exact fallbacks"), std::string::npos) << r.err;
  // Its row at b=1, c=4096 is the eval at the same point.
  json j = eval_json("--weight-bytes 0.5 --kv-bytes fp8");
  std::ifstream in(out);
  std::string header, line, want = "llama," + kcost_test::llama2_7b(kSuite) + ",1,1,4096,2,0.5,1,";
  std::getline(in, header);
  EXPECT_EQ(header.rfind("model,config,batch_size,seq_len,cache_len,bytes,weight_bytes,kv_bytes,flops,memory_read,", 0), 0u);
  bool found = false;
  while (std::getline(in, line))
    if (line.rfind(want, 0) == 0) {
      found = true;
      std::string rest = line.substr(want.size());
      std::string flops = rest.substr(0, rest.find(','));
      rest = rest.substr(rest.find(',') + 1);
      EXPECT_EQ(flops, j["totals"]["flops"].dump());
      EXPECT_EQ(rest.substr(0, rest.find(',')), j["totals"]["memory_read"].dump());
    }
  EXPECT_TRUE(found) << want;
}

// The sweep's roofline computes what eval's does: the dequantize FLOPs of a weight-only format
// included (a compute-bound step: 256 sequences decoding, int4 with group scales), and a plain
// width of the same size dequantizes nothing.
TEST(PrecisionCli, SweepRooflineCountsTheDequantizeFlopsAsEvalDoes) {
  const std::string config = kcost_test::llama2_7b(kSuite);
  Result e = run("eval llama --config " + config +
                 " --batch-size 256 --seq-len 1 --cache-len 0 --weight-bytes int4-g128 --hardware h100-sxm --format json");
  ASSERT_EQ(e.code, 0) << e.err;
  json roof = json::parse(e.out)["roofline"];
  ASSERT_EQ(roof["bound"], "compute");
  auto seconds_column = [&](const std::string& width) {
    std::string out = kcost_test::scratch(kSuite) + "/dequantize.csv";
    Result r = run("sweep llama --config " + config + " --batch-size 256 --seq-len 1 --cache-len 0 --weight-bytes " + width +
                   " --hardware h100-sxm -o " + out);
    EXPECT_EQ(r.code, 0) << r.err;
    std::ifstream in(out);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    // The seconds column is the second last.
    std::string rest = row.substr(0, row.rfind(','));
    return rest.substr(rest.rfind(',') + 1);
  };
  char want[32];
  std::snprintf(want, sizeof(want), "%.6g", roof["seconds"].get<double>());
  EXPECT_EQ(seconds_column("int4-g128"), want);
  std::snprintf(want, sizeof(want), "%.6g",
                static_cast<double>(json::parse(e.out)["totals"]["flops"].get<long long>()) / roof["peak_flops"].get<double>());
  EXPECT_EQ(seconds_column("0.515625"), want);  // the same bytes, nothing dequantized
}

}  // namespace

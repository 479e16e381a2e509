#include "evaluate/sweep.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kcost {
namespace {

using GiNaC::numeric;

std::vector<SweepModel> two_models() {
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len"),
       y = Expr::symbol("bytes");
  // flops, memory_read, memory_write, weight elements read
  return {{"llama", "", ClosedForm({2 * b * s * 4096 + b * s * c, y * (b * s + c) * 7, y * b * s, Expr(4096)}, sweep_variables())},
          {"gpt,2", "cfg.json",
           ClosedForm({Expr::pow(b * s, 2) * Expr::parse("2**70"), y * c / 3, y * b, b * 0}, sweep_variables())}};
}

SweepGrid grid() { return {{1, 8}, {1, 3}, {0, 7, 4096}, {numeric(1, 2), 2}}; }

std::string full_sweep(const std::vector<Accelerator>& hardware) {
  std::ostringstream out;
  run_sweep(two_models(), grid(), hardware, out);
  return out.str();
}

// The byte-identity that `kcost sweep --resume` rests on: from any prefix of a sweep's CSV (a run
// cut off at any byte), keeping what resumable_rows keeps and appending the rows run_sweep writes
// after it gives exactly the uninterrupted CSV.
TEST(SweepResume, EveryCutOffPointResumesToTheSameBytes) {
  Accelerator a;
  a.id = "x1";
  a.name = "x1";
  a.peak_flops = 1e15;
  a.bandwidth = 3e12;
  const std::vector<Accelerator> hardware = {a};
  const std::string full = full_sweep(hardware);
  const size_t total = two_models().size() * grid().size();
  ASSERT_EQ(total, 48u);
  EXPECT_NE(full.find(",1180591620717411303424,"), std::string::npos);  // 2**70: exact beyond 64 bits
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    const std::string prefix = full.substr(0, cut);
    size_t keep = 12345;
    size_t rows = resumable_rows(prefix, two_models(), grid(), hardware, &keep);
    ASSERT_LE(keep, cut);
    ASSERT_EQ(full.compare(0, keep, prefix, 0, keep), 0);
    ASSERT_EQ(prefix.find('\n', keep), std::string::npos) << "a complete line was dropped at " << cut;
    std::ostringstream rest;
    SweepStats stats = run_sweep(two_models(), grid(), hardware, rest, {}, rows, /*header=*/keep == 0);
    EXPECT_EQ(stats.rows, total - rows);
    ASSERT_EQ(prefix.substr(0, keep) + rest.str(), full) << "cut at byte " << cut;
  }
}

TEST(SweepResume, AnotherSweepsRowsAreRefusedNamingTheLine) {
  const std::string full = full_sweep({});
  size_t keep;
  std::string changed = full;
  changed.replace(changed.find("llama,,8"), 8, "llama,,9");
  EXPECT_THROW(resumable_rows(changed, two_models(), grid(), {}, &keep), SweepResumeError);
  try {
    resumable_rows(changed, two_models(), grid(), {}, &keep);
  } catch (const SweepResumeError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 8), "line 14:") << e.what();
  }
  Accelerator a;
  a.id = "h100";
  EXPECT_THROW(resumable_rows(full, two_models(), grid(), {a}, &keep), SweepResumeError);  // header differs
  EXPECT_THROW(resumable_rows(full + full.substr(full.find('\n') + 1), two_models(), grid(), {}, &keep),
               SweepResumeError);  // more rows than the sweep has
  EXPECT_EQ(resumable_rows(full, two_models(), grid(), {}, &keep), 48u);
  EXPECT_EQ(keep, full.size());
}

// Widths: weight_bytes 0.5 (int4) and an fp8 cache are columns after bytes, and every row takes
// the compiled fast path, fractional results included.
TEST(SweepWidths, FractionalWidthsKeepTheFastPathAndHaveColumns) {
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len"),
       y = Expr::symbol("bytes"), w = Expr::symbol("weight_bytes"), k = Expr::symbol("kv_bytes");
  std::vector<SweepModel> models = {
      {"m", "", ClosedForm({2 * b * s * 64, y * b * s * 3 + w * 101 + k * b * c * 4, y * b * s, Expr(101)},
                           sweep_variables(), sweep_rational_variables())}};
  SweepGrid g{{1, 3}, {1}, {0, 5}, {2}, {numeric(1, 2)}, {1}};
  std::ostringstream out;
  SweepStats st = run_sweep(models, g, {}, out);
  EXPECT_EQ(st.rows, 4u);
  EXPECT_EQ(st.exact_fallbacks, 0u);
  std::istringstream lines(out.str());
  std::string header, row;
  std::getline(lines, header);
  EXPECT_EQ(header, "model,config,batch_size,seq_len,cache_len,bytes,weight_bytes,kv_bytes,flops,memory_read,memory_write,arithmetic_intensity");
  std::getline(lines, row);
  // b=1, c=0: read 2*3 + 0.5*101 + 0 = 56.5.
  EXPECT_EQ(row.substr(0, row.find(",2,", 20)), "m,,1,1,0,2,0.5,1,128,56.5");
  // Unset widths are the point's bytes, and the CSV keeps its columns of before.
  SweepGrid same{{1}, {1}, {0}, {numeric(1, 2)}, {}, {}};
  std::ostringstream plain;
  run_sweep(models, same, {}, plain);
  EXPECT_EQ(plain.str().substr(0, plain.str().find('\n') + 1), sweep_header({}));
  EXPECT_NE(plain.str().find("m,,1,1,0,0.5,128,52,0.5,"), std::string::npos) << plain.str();
  // Resuming a sweep with widths keeps its rows.
  size_t keep = 0;
  EXPECT_EQ(resumable_rows(out.str(), models, g, {}, &keep), 4u);
  // The roofline computes the dequantize FLOPs of the weights' format (per weight element read,
  // the fourth output), the flops column does not: at 1 FLOP/s the seconds are the FLOPs.
  Accelerator slow;
  slow.id = "slow";
  slow.peak_flops = 1;
  slow.bandwidth = 1e30;
  SweepGrid dq{{1}, {1}, {0}, {2}, {numeric(1, 2)}, {1}, {numeric(1, 4)}};
  std::ostringstream roof;
  run_sweep(models, dq, {slow}, roof);
  EXPECT_NE(roof.str().find("m,,1,1,0,2,0.5,1,128,56.5,2,"), std::string::npos) << roof.str();
  EXPECT_NE(roof.str().find(",153.25,compute"), std::string::npos) << roof.str();  // 128 + 101 / 4
  // A model compiled with other outputs is refused, not misread.
  std::vector<SweepModel> three = {{"m", "", ClosedForm({b, b, b}, sweep_variables())}};
  EXPECT_THROW(run_sweep(three, g, {}, roof), std::invalid_argument);
}

}  // namespace
}  // namespace kcost

// The warm path of the cost cache as a user meets it: once a model has been loaded, eval,
// formula, sweep and resolve answer without Python (proved by an environment that cannot start
// one: --python-env /nonexistent), a cold load without Python fails with the environment's exit
// code, and an entry that is stale (an edited transformers file, a file replaced at the same
// path, an edited leaf) is never used.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using kcost_test::Result;

const char* const kNoPython = " --python-env /nonexistent";
const char* const kPoint = " --batch-size 3 --seq-len 5 --cache-len 7 --format json";

// A fresh cache directory for one test.
std::string fresh_cache(const std::string& name) {
  std::string d = kcost_test::scratch("warm_cli") + "/" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Result run(const std::string& args, const std::string& cache) { return kcost_test::run("warm_cli", args, cache); }

// The directory of the transformers package kcost imports by default.
std::string installed_transformers() {
  Result r = kcost_test::run("warm_cli", "--version");
  std::string out = r.out;
  size_t open = out.find("transformers ");
  size_t paren = out.find('(', open), close = out.find(')', paren);
  EXPECT_NE(close, std::string::npos) << out << r.err;
  return fs::path(out.substr(paren + 1, close - paren - 1)).parent_path().string();
}

// `dir` made a copy of `real` in which every entry is a symlink to the real one, except the
// path `keep` (relative), whose directories are made real and whose file is copied.
void link_tree(const fs::path& real, const fs::path& dir, const fs::path& keep) {
  fs::create_directories(dir);
  auto first = keep.begin();
  for (const auto& entry : fs::directory_iterator(real)) {
    fs::path name = entry.path().filename();
    if (first != keep.end() && name == *first) {
      fs::path rest;
      for (auto it = std::next(first); it != keep.end(); ++it) rest /= *it;
      if (rest.empty()) fs::copy_file(entry.path(), dir / name);
      else link_tree(entry.path(), dir / name, rest);
    } else {
      fs::create_symlink(entry.path(), dir / name);
    }
  }
}

void append(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << text;
}

TEST(WarmCli, AnswersWithoutPythonOnceCachedAndFailsColdWithoutIt) {
  std::string cache = fresh_cache("plain");
  Result cold_no_python = run("eval llama" + std::string(kPoint) + kNoPython, cache);
  EXPECT_EQ(cold_no_python.code, 3) << cold_no_python.err;
  EXPECT_NE(cold_no_python.err.find("no Python"), std::string::npos) << cold_no_python.err;

  Result cold = run("eval llama" + std::string(kPoint), cache);
  ASSERT_EQ(cold.code, 0) << cold.err;
  Result warm = run("eval llama" + std::string(kPoint) + kNoPython, cache);
  ASSERT_EQ(warm.code, 0) << warm.err;
  EXPECT_EQ(warm.out, cold.out);

  Result formula = run("formula llama --by-kernel" + std::string(kNoPython), cache);
  EXPECT_EQ(formula.code, 0) << formula.err;
  EXPECT_NE(formula.out.find("# F.linear"), std::string::npos) << formula.out;
  Result resolved = run("resolve llama" + std::string(kNoPython), cache);
  EXPECT_EQ(resolved.code, 0) << resolved.err;
  EXPECT_NE(resolved.out.find("\"kernel_name\": \"transformers.models.llama.modeling_llama.LlamaForCausalLM\""),
            std::string::npos);

  // A sweep compiles the totals once and keeps them; the next one (without Python) reads them,
  // and both write the same rows as eval's totals.
  std::string sweep_args = "sweep llama --batch-size 3 --seq-len 5 --cache-len 7,8 -o -";
  Result first = run(sweep_args + kNoPython, cache);
  ASSERT_EQ(first.code, 0) << first.err;
  Result second = run(sweep_args + kNoPython, cache);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
  size_t flops = cold.out.find("\"flops\": ");
  ASSERT_NE(flops, std::string::npos);
  std::string value = cold.out.substr(flops + 9, cold.out.find_first_of(",\n", flops) - flops - 9);
  EXPECT_NE(second.out.find(",3,5,7,2," + value + ","), std::string::npos) << second.out << "\n" << value;

  // Another request (another attention implementation) is not the cached one.
  Result eager = run("eval llama --attn-implementation eager" + std::string(kPoint) + kNoPython, cache);
  EXPECT_EQ(eager.code, 3) << eager.err;
}

TEST(WarmCli, AStaleEntryIsNeverUsed) {
  std::string cache = fresh_cache("stale");
  fs::path root = kcost_test::scratch("warm_cli") + "/checkout";
  fs::remove_all(root);
  fs::path package = root / "transformers";
  link_tree(installed_transformers(), package, "models/llama/modeling_llama.py");
  std::string args = "eval llama" + std::string(kPoint) + " --transformers-dir " + root.string();

  Result cold = run(args, cache);
  ASSERT_EQ(cold.code, 0) << cold.err;
  Result warm = run(args + kNoPython, cache);
  ASSERT_EQ(warm.code, 0) << warm.err;
  EXPECT_EQ(warm.out, cold.out);

  // An edited modeling file: the entry is stale, so without Python there is no answer.
  append(package / "models" / "llama" / "modeling_llama.py", "\n# edited\n");
  Result stale = run(args + kNoPython, cache);
  EXPECT_EQ(stale.code, 3) << stale.out << stale.err;
  Result again = run(args, cache);  // with Python: analyzed again, and warm after that
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, cold.out);
  EXPECT_EQ(run(args + kNoPython, cache).code, 0);

  // Another file at the same path (the same text, as another version's unchanged file would be).
  fs::path init = package / "__init__.py";
  fs::path target = fs::read_symlink(init);
  fs::remove(init);
  fs::copy_file(target, init);
  Result replaced = run(args + kNoPython, cache);
  EXPECT_EQ(replaced.code, 3) << replaced.out << replaced.err;
}

TEST(WarmCli, AnEditedLeafIsAnotherEntry) {
  std::string cache = fresh_cache("leaf");
  fs::path kernels = kcost_test::scratch("warm_cli") + "/kernels";
  fs::remove_all(kernels);
  fs::copy(std::string(KCOST_SOURCE_DIR) + "/kernels", kernels, fs::copy_options::recursive);
  std::string args = "eval llama" + std::string(kPoint) + " --kernels-dir " + kernels.string();
  Result cold = run(args, cache);
  ASSERT_EQ(cold.code, 0) << cold.err;
  ASSERT_EQ(run(args + kNoPython, cache).code, 0);

  // F.silu priced at twice its FLOPs: the cached entry is not this library's.
  fs::path silu = kernels / "F.silu.json";
  std::ifstream in(silu);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = text.find("\"flops\": \"");
  ASSERT_NE(at, std::string::npos) << text;
  text.insert(at + 10, "2 * ");
  std::ofstream(silu) << text;
  Result stale = run(args + kNoPython, cache);
  EXPECT_EQ(stale.code, 3) << stale.out << stale.err;
  Result fresh = run(args, cache);
  ASSERT_EQ(fresh.code, 0) << fresh.err;
  EXPECT_NE(fresh.out, cold.out);
}

}  // namespace

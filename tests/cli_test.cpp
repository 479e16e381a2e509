// The kcost binary as a user runs it: exit codes, one-line errors, and the acceptance examples.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli_support.h"

namespace {

using kcost_test::kcost;
using kcost_test::Result;

// `env`: assignments put before the command, e.g. "KCOST_MEMORY_BUDGET_GIB=0.0001".
Result run(const std::string& args, const std::string& env = "") { return kcost_test::run("cli", args, "", env); }

size_t count_lines(const std::string& s) {
  size_t lines = 0;
  for (char c : s) lines += c == '\n';
  return lines;
}

TEST(Cli, HelpListsCommandsAndExitCodes) {
  Result r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("inspect"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  Result i = run("inspect --help");
  EXPECT_EQ(i.code, 0);
  EXPECT_NE(i.out.find("--format"), std::string::npos);
  EXPECT_NE(i.out.find("--python-env"), std::string::npos);
}

TEST(Cli, VersionNamesKcostAndTheLibrariesItReads) {
  Result r = run("--version");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("kcost ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\ntransformers "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ntorch "), std::string::npos) << r.out;
  // Without a usable environment: kcost's own version, then the one-line exit-3 message.
  Result none = run("--version --python-env /nonexistent");
  EXPECT_EQ(none.code, 3);
  EXPECT_EQ(none.out.rfind("kcost ", 0), 0u);
  EXPECT_NE(none.err.find("/nonexistent"), std::string::npos) << none.err;
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(run("").code, 1);
  Result unknown = run("frobnicate");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("frobnicate"), std::string::npos);
  EXPECT_EQ(run("inspect --format yaml llama").code, 1);
  EXPECT_EQ(run("inspect").code, 1);
}

TEST(Cli, InspectBadNameIsOneLineAndNonZero) {
  Result r = run("inspect no.such.Thing");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("no.such.Thing"), std::string::npos);
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos);
}

TEST(Cli, InspectBadPythonEnvIsAnEnvironmentError) {
  Result r = run("inspect llama --python-env /nonexistent/env");
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/env"), std::string::npos);
}

TEST(Cli, UnimportableTransformersIsAnEnvironmentError) {
  // A --transformers-dir whose package fails to import: one line naming it, exit 3.
  std::string dir = "/tmp/kcost_cli_test_broken_" + std::to_string(getpid());
  std::string package = dir + "/transformers";
  ASSERT_EQ(std::system(("mkdir -p " + package).c_str()), 0);
  FILE* f = fopen((package + "/__init__.py").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("raise ImportError('broken on purpose')\n", f);
  fclose(f);
  Result r = run("inspect llama --transformers-dir " + dir);
  std::system(("rm -rf " + dir).c_str());
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("cannot import transformers"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken on purpose"), std::string::npos) << r.err;
}

TEST(Cli, AnalyzeWritesTheClosure) {
  std::string dir = "/tmp/kcost_cli_test_costs_" + std::to_string(getpid());
  Result r = run("analyze llama --costs-dir " + dir);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("7 kernels written, 0 kept, 0 unknown children"), std::string::npos) << r.out;
  Result again = run("analyze llama --costs-dir " + dir);
  EXPECT_NE(again.out.find("0 kernels written, 7 kept"), std::string::npos) << again.out;
  std::system(("rm -rf " + dir).c_str());
  EXPECT_EQ(run("analyze llama --attn-implementation flash").code, 1);
  EXPECT_EQ(run("analyze no_such_model_type --costs-dir " + dir).code, 2);
}

TEST(Cli, InspectLlamaAttention) {
  Result r = run("inspect transformers.models.llama.modeling_llama.LlamaAttention");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("head_dim              value       config.head_dim"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("config.num_attention_heads // config.num_key_value_heads"), std::string::npos);
  EXPECT_NE(r.out.find("q_proj"), std::string::npos);
  EXPECT_NE(r.out.find("torch.nn.modules.linear.Linear(config.hidden_size, config.head_dim * "
                       "config.num_attention_heads, bias=config.attention_bias)"),
            std::string::npos)
      << r.out;
}

TEST(Cli, InspectModelTypeAsJson) {
  Result r = run("inspect llama --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"name\": \"transformers.models.llama.modeling_llama.LlamaForCausalLM\""), std::string::npos);
  EXPECT_NE(r.out.find("\"lm_head\""), std::string::npos);
  EXPECT_NE(r.out.find("config.vocab_size"), std::string::npos);
}

// --- hardening: nothing from input is executed, bad sizes and configs are one-line errors,
// an interrupted sweep resumes to the same bytes.

std::string scratch_dir(const std::string& name) {
  std::string dir = "/tmp/kcost_cli_test_" + name + "_" + std::to_string(getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  return dir;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(Cli, LeafFormulaIsParsedNeverExecuted) {
  std::string dir = scratch_dir("evil_leaf");
  std::string marker = dir + "/executed";
  write_text(dir + "/F.evil.json",
             "{\"kernel_name\": \"F.evil\", \"init_params\": [], \"forward_params\": [\"N\"],\n"
             " \"flops\": \"__import__('os').system('touch " + marker + "')\",\n"
             " \"memory_read\": \"N * bytes\", \"memory_write\": \"N * bytes\"}\n");
  Result r = run("resolve F.evil --kernels-dir " + dir + " --costs-dir " + dir);
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("F.evil.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("flops"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("column 1: unknown function '__import__'"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
  std::system(("rm -rf " + dir).c_str());
}

TEST(Cli, BadSizesAreOneLineUsageErrors) {
  for (const char* args : {"eval llama --batch-size 1.5", "eval llama --seq-len 0", "eval llama --cache-len=-1",
                           "eval llama --cache-len 7/2", "eval llama --bytes 0", "sweep llama --batch-size 0,1",
                           "sweep llama --seq-len 1,2.5", "sweep llama --cache-len 0:10:0.5", "sweep llama --bytes 0",
                           "sweep llama --cache-len 0:9999999,0:9999999", "sweep llama --resume",
                           "eval llama --peak-flops 0 --bandwidth 1T", "eval llama --peak-flops 1e999 --bandwidth 1T"}) {
    Result r = run(args);
    EXPECT_EQ(r.code, 1) << args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << args << "\n" << r.err;
  }
}

TEST(Cli, ConfigFilesWithNonFiniteDeepHugeOrWrongValues) {
  std::string dir = scratch_dir("configs");
  struct Case {
    std::string name, text;
    int code;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           // Python's json writes Infinity and NaN (transformers' config.json of falcon_h1 has them): read.
           {"nonfinite", R"({"hidden_size": 256, "num_hidden_layers": 2, "foo": [0.0, Infinity], "bar": NaN})", 0, ""},
           {"deep", "{\"hidden_size\": " + std::string(100, '[') + std::string(100, ']') + "}", 5, "nesting deeper"},
           {"huge", R"({"vocab_size": 123456789012345678901234567890})", 5, "$.vocab_size: integer out of the 64-bit range"},
           {"overflow", R"({"rope_theta": 1e400})", 5, "1e400"},
           {"wrong", R"({"num_hidden_layers": "many"})", 5, "num_hidden_layers"},
       }) {
    std::string file = dir + "/" + c.name + ".json";
    write_text(file, c.text);
    Result r = run("eval llama --costs-dir " + dir + "/costs --config " + file);
    EXPECT_EQ(r.code, c.code) << c.name << "\n" << r.err;
    if (c.code == 0) continue;
    EXPECT_EQ(count_lines(r.err), 1u) << c.name << "\n" << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << c.name << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << "\n" << r.err;
    EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << c.name;
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST(Cli, ValidateRefusesAModelOverTheMemoryBudget) {
  Result r = run("validate llama --points 1,1,0", "KCOST_MEMORY_BUDGET_GIB=0.0001");
  EXPECT_EQ(r.code, 6) << r.out << r.err;
  EXPECT_NE(r.out.find("over the memory budget of 0.0001 GiB"), std::string::npos) << r.out << r.err;
}

// Runs `kcost <args>` in a child process; with `file_limit` > 0 a write that takes a file past that
// many bytes fails there (RLIMIT_FSIZE; the embedded CPython ignores SIGXFSZ, so the write fails
// with EFBIG and kcost stops with exit 5, leaving the row it was writing cut short); with
// `kill_when` set, it gets SIGKILL as soon as the file `kill_when` has grown past `kill_size`
// bytes. Returns the wait status.
int run_killed(const std::string& args, long file_limit, const std::string& kill_when = "", long kill_size = 0) {
  pid_t pid = fork();
  if (pid == 0) {
    if (file_limit > 0) {
      struct rlimit limit = {static_cast<rlim_t>(file_limit), static_cast<rlim_t>(file_limit)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    std::string command = "exec " + kcost() + " " + args + " 2>/dev/null";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (!kill_when.empty()) {
    while (waitpid(pid, &status, WNOHANG) == 0) {
      struct stat st;
      if (::stat(kill_when.c_str(), &st) == 0 && st.st_size > kill_size) {
        kill(pid, SIGKILL);
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  waitpid(pid, &status, 0);
  return status;
}

// The cost files of a directory, name -> content (the .json files only: .md reasoning carries timings).
std::map<std::string, std::string> cost_files(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") out[e.path().filename().string()] = read_text(e.path().string());
  return out;
}

size_t json_files(const std::string& dir) { return cost_files(dir).size(); }

TEST(Cli, AnalysisKilledMidwayResumesToTheSameCostFiles) {
  std::string dir = scratch_dir("analyze_resume");
  Result whole = run("analyze llama --costs-dir " + dir + "/reference");
  ASSERT_EQ(whole.code, 0) << whole.err;
  const auto expected = cost_files(dir + "/reference");
  ASSERT_GE(expected.size(), 5u);
  // SIGKILL once 1, 3 or 5 cost files are there; or a write that fails at 300 bytes (a cost file
  // cut short: exit 5). Each time the directory holds only whole files, and analyzing again keeps
  // them and writes the rest: the same files as the run that was never stopped.
  for (long n : {1L, 3L, 5L, -300L}) {
    std::string out = dir + "/run" + std::to_string(n < 0 ? -n : n);
    pid_t pid = fork();
    if (pid == 0) {
      if (n < 0) {
        struct rlimit limit = {static_cast<rlim_t>(-n), static_cast<rlim_t>(-n)};
        setrlimit(RLIMIT_FSIZE, &limit);
      }
      std::string command = "exec " + kcost() + " analyze llama --costs-dir " + out + " 2>/dev/null";
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    while (n > 0 && waitpid(pid, &status, WNOHANG) == 0) {
      if (json_files(out) >= static_cast<size_t>(n)) {
        kill(pid, SIGKILL);
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    waitpid(pid, &status, 0);
    for (const auto& [name, text] : cost_files(out)) {
      ASSERT_TRUE(expected.count(name)) << name;
      EXPECT_TRUE(text == expected.at(name)) << name << " is not whole after the stop at " << n;
    }
    Result again = run("analyze llama --costs-dir " + out);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_TRUE(cost_files(out) == expected) << "resumed after the stop at " << n << " differs";
  }
}

TEST(Cli, SweepKilledMidwayResumesToTheSameBytes) {
  std::string dir = scratch_dir("sweep_resume");
  const std::string grid = "sweep llama --costs-dir " + dir + "/costs --batch-size 1:32 --seq-len 1:8 "
                           "--cache-len 0:8192:64 --hardware h100-sxm,l4";
  const std::string reference = dir + "/reference.csv", out = dir + "/out.csv", partial = out + ".partial";
  Result whole = run(grid + " -o " + reference);
  ASSERT_EQ(whole.code, 0) << whole.err;
  const std::string expected = read_text(reference);
  ASSERT_GT(expected.size(), 3000000u);  // several 1 MiB writes: kills land between and inside them

  struct Kill {
    long file_limit;  // writes fail at this size of the partial CSV, cutting a row or the header short
    long kill_size;   // or SIGKILL once it has grown past this size
  };
  for (const Kill& k : {Kill{40, 0}, Kill{2000017, 0}, Kill{0, 1000000}, Kill{0, 2000000}}) {
    std::system(("rm -f " + out + " " + partial).c_str());
    int status = run_killed(grid + " -o " + out, k.file_limit, k.kill_size ? partial : "", k.kill_size);
    if (k.kill_size && !WIFSIGNALED(status)) {  // the sweep finished before the poll saw it grow
      EXPECT_TRUE(read_text(out) == expected);
      continue;
    }
    if (k.file_limit)
      ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 5)) << "not stopped at " << k.file_limit;
    else
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "not killed at " << k.kill_size;
    EXPECT_FALSE(exists(out)) << "a killed sweep left " << out;  // only the partial file
    ASSERT_TRUE(exists(partial));
    const std::string cut = read_text(partial);
    EXPECT_LT(cut.size(), expected.size());
    EXPECT_EQ(expected.compare(0, cut.size(), cut), 0);
    Result resumed = run(grid + " -o " + out + " --resume");
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    const bool has_rows = std::count(cut.begin(), cut.end(), '\n') >= 2;
    EXPECT_EQ(resumed.err.find("rows kept from the interrupted run") != std::string::npos, has_rows) << resumed.err;
    EXPECT_FALSE(exists(partial));
    EXPECT_TRUE(read_text(out) == expected) << "resumed after a kill at " << cut.size() << " bytes differs";
  }
  // Resuming a complete file changes nothing; resuming another sweep's file is refused.
  Result again = run(grid + " -o " + out + " --resume");
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(read_text(out) == expected);
  write_text(partial, expected.substr(0, 1000));
  Result other = run("sweep llama --costs-dir " + dir + "/costs --batch-size 2 --hardware h100-sxm,l4 -o " + out +
                     " --resume");
  EXPECT_EQ(other.code, 5) << other.err;
  EXPECT_EQ(count_lines(other.err), 1u) << other.err;
  EXPECT_NE(other.err.find("line 2: not the row of this sweep"), std::string::npos) << other.err;
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace

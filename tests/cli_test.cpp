// The kcost binary as a user runs it: exit codes, one-line errors, and the acceptance examples.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

struct Result {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string kcost() {
  const char* dir = std::getenv("KCOST_BUILD_DIR");
  return std::string(dir ? dir : "build") + "/kcost";
}

Result run(const std::string& args) {
  char err_path[] = "/tmp/kcost_cli_test_XXXXXX";
  int fd = mkstemp(err_path);
  close(fd);
  std::string command = kcost() + " " + args + " 2>" + err_path;
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int status = pclose(pipe);
  std::string err;
  if (FILE* f = fopen(err_path, "r")) {
    while ((n = fread(buffer.data(), 1, buffer.size(), f)) > 0) err.append(buffer.data(), n);
    fclose(f);
  }
  std::remove(err_path);
  return {WEXITSTATUS(status), out, err};
}

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

}  // namespace

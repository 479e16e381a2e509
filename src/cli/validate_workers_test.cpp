// Tests of validate's worker processes with a stand-in worker (a shell script that speaks the
// line protocol): outcomes come back in task order, and a worker killed on a task fails that task
// alone while a new worker finishes the rest.
#include "cli/validate_workers.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kcost {
namespace {

namespace fs = std::filesystem;

// A worker: `validate --worker-output FILE <common...> --worker-task I=ATTN:MODEL ...`; a model
// named "crash" kills the worker with SIGKILL after saying it started, "quit" makes it exit 3
// before saying anything.
std::string fake_worker() {
  fs::path p = fs::temp_directory_path() / ("kcost_fake_worker_" + std::to_string(getpid()) + ".sh");
  std::ofstream(p) << R"(#!/bin/bash
shift  # validate
out=""
tasks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --worker-output) out="$2"; shift 2 ;;
    --worker-task) tasks+=("$2"); shift 2 ;;
    *) shift ;;
  esac
done
for t in "${tasks[@]}"; do
  i="${t%%=*}"; rest="${t#*=}"; attn="${rest%%:*}"; model="${rest#*:}"
  [ "$model" = quit ] && exit 3
  echo "{\"start\": $i}" >> "$out"
  [ "$model" = crash ] && kill -9 $$
  echo "{\"task\": $i, \"summary\": \"$model: agree\", \"ok\": true, \"failed\": false, \"report\": {\"name\": \"$model\", \"attn_implementation\": \"$attn\"}}" >> "$out"
done
)";
  fs::permissions(p, fs::perms::owner_all);
  return p.string();
}

std::vector<ValidationTask> tasks_of(const std::vector<std::string>& models) {
  std::vector<ValidationTask> t;
  for (const auto& m : models) t.push_back({m, "sdpa"});
  return t;
}

TEST(ValidateWorkers, OutcomesInTaskOrderWhateverOrderTheyEnd) {
  std::vector<size_t> order;
  auto out = run_in_workers(fake_worker(), tasks_of({"a", "b", "c", "d", "e"}), 2, {"--points", "2,1,9"},
                            [&](size_t i, const TaskOutcome&) { order.push_back(i); });
  ASSERT_EQ(out.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(out[i].ok) << i;
    EXPECT_EQ(out[i].summary, std::string(1, static_cast<char>('a' + i)) + ": agree");
    EXPECT_EQ(out[i].report["name"], std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_EQ(order.size(), 5u);  // each reported once
}

TEST(ValidateWorkers, AKilledWorkerFailsItsTaskAndANewOneFinishesTheRest) {
  // One worker: a, crash, c, d. The crash fails alone; c and d are done by a second worker.
  auto out = run_in_workers(fake_worker(), tasks_of({"a", "crash", "c", "d"}), 1, {}, nullptr);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[0].ok);
  EXPECT_FALSE(out[1].ok);
  EXPECT_TRUE(out[1].failed);
  EXPECT_NE(out[1].summary.find("crash: FAILED (the worker validating it was killed by signal 9"), std::string::npos)
      << out[1].summary;
  EXPECT_TRUE(out[2].ok);
  EXPECT_TRUE(out[3].ok);
}

TEST(ValidateWorkers, AWorkerThatEndsBeforeSayingFailsItsFirstUnfinishedTask) {
  auto out = run_in_workers(fake_worker(), tasks_of({"a", "quit", "b"}), 1, {}, nullptr);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].ok);
  EXPECT_TRUE(out[1].failed);
  EXPECT_NE(out[1].summary.find("exited with code 3"), std::string::npos) << out[1].summary;
  EXPECT_TRUE(out[2].ok);
}

TEST(ValidateWorkers, TaskText) {
  ValidationTask t = parse_task("eager:transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_EQ(t.attn_implementation, "eager");
  EXPECT_EQ(t.model, "transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_EQ(task_text(t), "eager:transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_THROW(parse_task("llama"), std::invalid_argument);
}

}  // namespace
}  // namespace kcost

// validate's work split over processes: `kcost validate --jobs N` runs its (model, attention)
// tasks in N worker processes, each `kcost validate --worker-output FILE --worker-task
// ATTN:MODEL...` with a fresh interpreter. A worker appends one JSON line to its file when it
// starts a task ({"start": i}) and one when it ends it ({"task": i, "summary", "ok", "failed",
// "report"}). A worker that dies (a model that exhausts memory and is killed, a crash) fails
// the task it had started, with the signal or exit code, and a new worker takes the rest of its
// tasks: no model can stop the run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kcost {

struct ValidationTask {
  std::string model;
  std::string attn_implementation;
};

struct TaskOutcome {
  std::string summary;  // validation_summary_line
  bool ok = false;
  bool failed = false;  // failed before any comparison (ModelValidation::error)
  nlohmann::ordered_json report;  // validation_json
};

// A worker's lines.
nlohmann::json task_start_line(size_t task);
nlohmann::json task_done_line(size_t task, const TaskOutcome& outcome);
// Appends one line to `path` (opened, written, flushed and closed: what is written survives the
// worker's death).
void append_line(const std::string& path, const nlohmann::json& line);

// "sdpa:llama" <-> task.
std::string task_text(const ValidationTask& task);
ValidationTask parse_task(const std::string& text);

// This kcost executable (/proc/self/exe).
std::string self_executable();

// Runs `tasks` in `jobs` workers: `self` is the kcost executable, `common` the arguments every
// worker takes after `validate` (points, library, environment, ...). `done(i, outcome)` is called
// as each task ends, in the order they end. Returns the outcomes in task order.
std::vector<TaskOutcome> run_in_workers(const std::string& self, const std::vector<ValidationTask>& tasks, size_t jobs,
                                        const std::vector<std::string>& common,
                                        const std::function<void(size_t, const TaskOutcome&)>& done);

}  // namespace kcost

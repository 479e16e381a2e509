#include "cli/validate_workers.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

namespace kcost {

namespace {

namespace fs = std::filesystem;

struct Worker {
  pid_t pid = -1;
  std::string file;
  std::streamoff offset = 0;           // how much of the file has been read
  std::vector<size_t> tasks;           // the tasks given to it, in order
  std::map<size_t, bool> ended;        // tasks it reported ended
  std::optional<size_t> running;       // the task it said it started and has not ended
};

pid_t spawn(const std::string& self, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(self.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot start a worker process");
  if (pid == 0) {
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

TaskOutcome outcome_of(const nlohmann::json& line) {
  TaskOutcome o;
  o.summary = line.value("summary", "");
  o.ok = line.value("ok", false);
  o.failed = line.value("failed", false);
  if (line.contains("report")) o.report = nlohmann::ordered_json::parse(line["report"].dump());
  return o;
}

// Reads the complete lines the worker appended since the last read.
std::vector<nlohmann::json> new_lines(Worker& w) {
  std::vector<nlohmann::json> out;
  std::ifstream in(w.file);
  if (!in) return out;
  in.seekg(w.offset);
  std::string line;
  while (true) {
    std::streamoff at = in.tellg();
    if (!std::getline(in, line) || in.eof()) {
      w.offset = at;  // an incomplete last line is read again next time
      break;
    }
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      // a line cut short by a dying worker: nothing to read in it
    }
    w.offset = in.tellg();
  }
  return out;
}

std::string death(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "the worker validating it was killed by signal " + std::to_string(sig) +
           (sig == SIGKILL ? " (the system's out-of-memory killer, most likely)" : "");
  }
  return "the worker validating it exited with code " + std::to_string(WEXITSTATUS(status)) + " before reporting it";
}

}  // namespace

std::string self_executable() { return fs::read_symlink("/proc/self/exe").string(); }

nlohmann::json task_start_line(size_t task) { return {{"start", task}}; }

nlohmann::json task_done_line(size_t task, const TaskOutcome& o) {
  return {{"task", task}, {"summary", o.summary}, {"ok", o.ok}, {"failed", o.failed},
          {"report", nlohmann::json::parse(o.report.dump())}};
}

void append_line(const std::string& path, const nlohmann::json& line) {
  std::ofstream out(path, std::ios::app);
  out << line.dump() << "\n";
  out.flush();
  if (!out) throw std::runtime_error(path + ": cannot write");
}

std::string task_text(const ValidationTask& t) { return t.attn_implementation + ":" + t.model; }

ValidationTask parse_task(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) throw std::invalid_argument("a worker task is ATTN:MODEL, not " + text);
  return {text.substr(colon + 1), text.substr(0, colon)};
}

std::vector<TaskOutcome> run_in_workers(const std::string& self, const std::vector<ValidationTask>& tasks, size_t jobs,
                                        const std::vector<std::string>& common,
                                        const std::function<void(size_t, const TaskOutcome&)>& done) {
  std::vector<std::optional<TaskOutcome>> outcomes(tasks.size());
  fs::path dir = fs::temp_directory_path() / ("kcost-validate-" + std::to_string(getpid()));
  fs::create_directories(dir);
  int started = 0;
  auto start = [&](std::vector<size_t> mine) {
    Worker w;
    w.file = (dir / ("worker-" + std::to_string(started++) + ".jsonl")).string();
    w.tasks = std::move(mine);
    std::vector<std::string> args = {"validate", "--worker-output", w.file};
    args.insert(args.end(), common.begin(), common.end());
    for (size_t i : w.tasks) {
      args.push_back("--worker-task");
      args.push_back(std::to_string(i) + "=" + task_text(tasks[i]));
    }
    w.pid = spawn(self, args);
    return w;
  };
  std::vector<Worker> workers;
  jobs = std::max<size_t>(1, std::min(jobs, tasks.size()));
  for (size_t j = 0; j < jobs; ++j) {
    std::vector<size_t> mine;
    for (size_t i = j; i < tasks.size(); i += jobs) mine.push_back(i);
    if (!mine.empty()) workers.push_back(start(mine));
  }
  auto finish = [&](size_t i, TaskOutcome o) {
    if (outcomes[i]) return;
    outcomes[i] = o;
    if (done) done(i, o);
  };
  auto read = [&](Worker& w) {
    for (const nlohmann::json& line : new_lines(w)) {
      if (line.contains("start")) {
        w.running = line["start"].get<size_t>();
      } else if (line.contains("task")) {
        size_t i = line["task"].get<size_t>();
        w.ended[i] = true;
        if (w.running == i) w.running.reset();
        finish(i, outcome_of(line));
      }
    }
  };
  while (!workers.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::vector<Worker> next;
    for (Worker& w : workers) {
      read(w);
      int status = 0;
      pid_t r = waitpid(w.pid, &status, WNOHANG);
      if (r == 0) {
        next.push_back(std::move(w));
        continue;
      }
      read(w);  // what it wrote before it ended
      // The task it ended on (or, when it ended before saying, its first unfinished one) fails;
      // a new worker takes the others, so each ending worker settles at least one task.
      std::vector<size_t> rest;
      std::optional<size_t> culprit = w.running;
      for (size_t i : w.tasks)
        if (!culprit && !w.ended.count(i)) culprit = i;
      for (size_t i : w.tasks) {
        if (w.ended.count(i)) continue;
        if (culprit == i) {
          TaskOutcome o;
          o.failed = true;
          o.summary = tasks[i].model + ": FAILED (" + death(status) + ")";
          o.report = {{"name", tasks[i].model}, {"attn_implementation", tasks[i].attn_implementation}, {"ok", false},
                      {"error", death(status)}};
          finish(i, o);
          continue;
        }
        rest.push_back(i);
      }
      if (!rest.empty()) next.push_back(start(rest));
    }
    workers = std::move(next);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::vector<TaskOutcome> out;
  for (auto& o : outcomes) out.push_back(o ? *o : TaskOutcome{});
  return out;
}

}  // namespace kcost

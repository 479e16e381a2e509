#include "cli/model_batch.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "python/session.h"

namespace kcost {

namespace {

nlohmann::json run_one(const std::function<nlohmann::json(const std::string&)>& work, const std::string& item) {
  try {
    return work(item);
  } catch (const std::exception& e) {
    return {{"error", e.what()}};
  } catch (...) {
    return {{"error", "unknown failure"}};
  }
}

bool write_all(int fd, const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    ssize_t n = write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

struct Worker {
  pid_t pid = -1;
  int to = -1, from = -1;  // the parent's ends: indices out, results in
  std::string buffer;      // a result line read in part
  long current = -1;       // the index it works on
};

// The worker's loop: an index per line in, a JSON result per line out; ends at EOF.
[[noreturn]] void worker_main(int in, int out, const std::vector<std::string>& items,
                              const std::function<nlohmann::json(const std::string&)>& work) {
  FILE* input = fdopen(in, "r");
  char line[64];
  while (input && std::fgets(line, sizeof(line), input)) {
    size_t i = std::strtoul(line, nullptr, 10);
    nlohmann::json result = i < items.size() ? run_one(work, items[i]) : nlohmann::json{{"error", "no such item"}};
    if (!write_all(out, result.dump() + "\n")) break;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(0);  // no destructors: the interpreter is not finalized in a worker
}

bool start_worker(PythonSession& session, Worker& w, const std::vector<std::string>& items,
                  const std::function<nlohmann::json(const std::string&)>& work, const std::vector<Worker>& others) {
  int down[2], up[2];
  if (pipe(down) != 0) return false;
  if (pipe(up) != 0) {
    close(down[0]);
    close(down[1]);
    return false;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  int pid = session.fork_process();
  if (pid < 0) {
    for (int fd : {down[0], down[1], up[0], up[1]}) close(fd);
    return false;
  }
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    for (const Worker& o : others) {  // the other workers' pipes are not this one's
      if (o.to >= 0) close(o.to);
      if (o.from >= 0) close(o.from);
    }
    worker_main(down[0], up[1], items, work);
  }
  close(down[0]);
  close(up[1]);
  w = Worker();
  w.pid = pid;
  w.to = down[1];
  w.from = up[0];
  return true;
}

void stop_worker(Worker& w) {
  if (w.to >= 0) close(w.to);
  if (w.from >= 0) close(w.from);
  w.to = w.from = -1;
}

std::string how_it_ended(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return "the worker process was lost";
  if (WIFSIGNALED(status)) return "the worker process was killed by signal " + std::to_string(WTERMSIG(status));
  return "the worker process exited with status " + std::to_string(WEXITSTATUS(status)) + " before answering";
}

}  // namespace

void draw_batch_progress(std::size_t done, std::size_t total, const std::string& label) {
  int width = 30;
  int filled = total ? static_cast<int>(width * done / total) : width;
  std::string shown = label.size() > 30 ? label.substr(0, 30) : label;
  std::fprintf(stderr, "\r[%s%s] %3d%% %zu/%zu %-30s", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), total ? static_cast<int>(100 * done / total) : 100, done,
               total, shown.c_str());
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

void run_model_batch(PythonSession& session, const std::vector<std::string>& items, int jobs,
                     const std::function<nlohmann::json(const std::string&)>& work,
                     const std::function<void(std::size_t, const nlohmann::json&)>& done) {
  if (jobs <= 1 || items.size() <= 1) {
    for (std::size_t i = 0; i < items.size(); ++i) done(i, run_one(work, items[i]));
    return;
  }
  signal(SIGPIPE, SIG_IGN);
  std::vector<Worker> workers(std::min<std::size_t>(static_cast<std::size_t>(jobs), items.size()));
  std::size_t next = 0, finished = 0;
  auto hand_out = [&](Worker& w) {
    if (next >= items.size()) {
      stop_worker(w);
      return;
    }
    if (!write_all(w.to, std::to_string(next) + "\n")) return;  // its end shows as EOF below
    w.current = static_cast<long>(next);
    ++next;
  };
  for (Worker& w : workers) {
    if (!start_worker(session, w, items, work, workers)) {
      // Could not fork: do the rest here.
      for (; next < items.size(); ++next, ++finished) done(next, run_one(work, items[next]));
      return;
    }
    hand_out(w);
  }
  while (finished < items.size()) {
    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    for (Worker& w : workers)
      if (w.from >= 0) {
        fds.push_back({w.from, POLLIN, 0});
        owners.push_back(&w);
      }
    if (fds.empty()) break;
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& w = *owners[k];
      char chunk[65536];
      ssize_t n = read(w.from, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // the worker is gone
        long lost = w.current;
        pid_t pid = w.pid;
        stop_worker(w);
        std::string why = how_it_ended(pid);
        w.pid = -1;
        if (lost >= 0 && static_cast<std::size_t>(lost) < items.size()) {
          done(static_cast<std::size_t>(lost), {{"error", why}});
          ++finished;
        }
        if (next < items.size() && start_worker(session, w, items, work, workers)) hand_out(w);
        continue;
      }
      w.buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t end;
      while ((end = w.buffer.find('\n')) != std::string::npos) {
        std::string line = w.buffer.substr(0, end);
        w.buffer.erase(0, end + 1);
        nlohmann::json result;
        try {
          result = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
          result = {{"error", "the worker's answer is not JSON"}};
        }
        if (w.current >= 0) done(static_cast<std::size_t>(w.current), result);
        ++finished;
        w.current = -1;
        hand_out(w);
      }
    }
  }
  for (Worker& w : workers) {
    if (w.to >= 0 || w.from >= 0) stop_worker(w);
    if (w.pid > 0) waitpid(w.pid, nullptr, 0);
  }
  // No worker left (fork failing): the rest here.
  for (; next < items.size(); ++next) done(next, run_one(work, items[next]));
}

}  // namespace kcost

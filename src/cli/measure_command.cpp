// `kcost measure MODEL...`: times the design's inference call of real models (random weights,
// built from their configs on a device) at runtime points, into a runs CSV for kcost calibrate.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "calibrate/calibration_error.h"
#include "calibrate/machine_peaks.h"
#include "calibrate/measured_runs.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "emit/atomic_file.h"
#include "emit/emit_error.h"
#include "evaluate/report.h"
#include "locate/source_locator.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

struct Point {
  long long batch_size, seq_len, cache_len;
};

long long count_of(const GiNaC::numeric& n, const std::string& option, long long least) {
  if (!n.is_integer() || n < least || n > 1000000000)
    throw po::error("--" + option + ": '" + to_string(n) + "' is not a whole number of at least " + std::to_string(least));
  return n.to_long();
}

std::vector<Point> measure_points(const po::variables_map& vm) {
  std::vector<Point> out;
  if (vm.count("points")) {
    std::string text = vm["points"].as<std::string>();
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(';', start);
      std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? text.size() + 1 : end + 1;
      if (part.find_first_not_of(" \t") == std::string::npos) continue;
      std::vector<GiNaC::numeric> v = number_list(part, "points");
      if (v.size() != 3) throw po::error("--points: '" + part + "' is not batch_size,seq_len,cache_len");
      out.push_back({count_of(v[0], "points", 1), count_of(v[1], "points", 1), count_of(v[2], "points", 0)});
    }
    if (out.empty()) throw po::error("--points: no point in '" + text + "'");
    return out;
  }
  for (const auto& b : number_list(vm["batch-size"].as<std::string>(), "batch-size"))
    for (const auto& s : number_list(vm["seq-len"].as<std::string>(), "seq-len"))
      for (const auto& c : number_list(vm["cache-len"].as<std::string>(), "cache-len"))
        out.push_back({count_of(b, "batch-size", 1), count_of(s, "seq-len", 1), count_of(c, "cache-len", 0)});
  return out;
}

void draw_progress(size_t done, size_t total, const std::string& what) {
  int width = 30;
  int filled = total ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu %-40.40s", std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
               done, total, what.c_str());
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace

int measure_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost measure <model_type | qualified class>... [options] -o runs.csv\n\n"
      "Times the design's inference call of each model at each runtime point: builds the model from\n"
      "its config (--config, else the config class defaults) with random weights on --device in\n"
      "--dtype (nothing is downloaded; a model whose parameters, counted on the meta device, exceed\n"
      "the memory budget is refused before it is built), prefills a DynamicCache with cache_len\n"
      "tokens (not timed), then times model(input_ids, attention_mask=ones, cache, use_cache=True)\n"
      "with seq_len new tokens: --warmup calls, then --repeats timed calls, the device synchronised\n"
      "around each, the cache cropped back to cache_len between calls. One CSV row per model and\n"
      "point: model, model_class, config, config_hash, attn_implementation, dtype, bytes, device,\n"
      "device_name, threads, batch_size, seq_len, cache_len, phase, status (ok, or oom: the point ran\n"
      "out of memory and the sweep went on), repeats, warmup, and median / q1 / q3 / min / max\n"
      "seconds. On the CPU, this machine's peak FLOP/s and bandwidth are measured first when the\n"
      "hardware table has no `cpu` entry yet (kcost hardware cpu --measure). Rows from several\n"
      "machines can be pooled for kcost calibrate.\n\n"
      "  kcost measure llama qwen3 --config llama.json --config qwen3.json \\\n"
      "      --points \"1,128,0;4,64,0;1,1,256;8,1,512\" --threads 1 -o runs.csv\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value<std::string>()->default_value("-"), "the runs CSV (written atomically); - for stdout")
      ("config", po::value<std::vector<std::string>>(), "config.json of the model (repeat: one per model, in order, or one for all)")
      ("points", po::value<std::string>(), "runtime points \"batch_size,seq_len,cache_len;...\" (instead of the lists)")
      ("batch-size", po::value<std::string>()->default_value("1"), "list of batch sizes (1,4 or start:stop:step)")
      ("seq-len", po::value<std::string>()->default_value("1"), "list of new-token counts")
      ("cache-len", po::value<std::string>()->default_value("0"), "list of cached-token counts")
      ("device", po::value<std::string>()->default_value("cpu"), "cpu | cuda | cuda:N | mps")
      ("dtype", po::value<std::string>()->default_value("float32"), "float32 | bfloat16 | float16")
      ("attn-implementation", po::value<std::string>()->default_value("sdpa"), "sdpa | eager")
      ("repeats", po::value<int>()->default_value(5), "timed calls per point (the median is reported)")
      ("warmup", po::value<int>()->default_value(2), "untimed calls before them")
      ("threads", po::value<int>()->default_value(0), "torch threads (0: torch's default); recorded in the CSV")
      ("memory-budget", po::value<std::string>()->default_value("0"),
       "refuse a model whose parameters take more bytes (e.g. 8e9, 8G); 0: 90% of the device's free memory");
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;
  std::vector<std::string> names = positionals(vm, "name");
  if (names.empty()) throw po::error("missing the models to measure");
  std::vector<std::string> configs = vm.count("config") ? vm["config"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (!configs.empty() && configs.size() != names.size() && configs.size() != 1)
    throw po::error(std::to_string(configs.size()) + " --config files for " + std::to_string(names.size()) +
                    " models: give one per model, in order, or one for all");
  std::vector<Point> points = measure_points(vm);
  std::string device = vm["device"].as<std::string>();
  std::string dtype = vm["dtype"].as<std::string>();
  if (dtype_bytes(dtype) == 0) throw po::error("--dtype must be float32, bfloat16 or float16, not '" + dtype + "'");
  std::string attn = vm["attn-implementation"].as<std::string>();
  if (attn != "sdpa" && attn != "eager") throw po::error("--attn-implementation must be sdpa or eager, not '" + attn + "'");
  int repeats = vm["repeats"].as<int>(), warmup = vm["warmup"].as<int>(), threads = vm["threads"].as<int>();
  if (repeats < 1) throw po::error("--repeats must be at least 1");
  if (warmup < 0) throw po::error("--warmup must not be negative");
  if (threads < 0) throw po::error("--threads must not be negative");
  const std::string budget_option = vm["memory-budget"].as<std::string>();
  double budget = budget_option == "0" ? 0.0 : si_number(budget_option, "memory-budget");
  const std::string output = vm["output"].as<std::string>();

  return run_reporting("measure", [&]() -> int {
    PythonSession& session = PythonSession::start(session_options(vm));
    SourceLocator locator(session);
    auto started = std::chrono::steady_clock::now();

    if (device == "cpu") {
      HardwareTable table = HardwareTable::load(HardwareTable::default_path());
      bool known = false;
      for (const Accelerator& a : table.all()) known = known || a.id == "cpu";
      if (!known) {
        Accelerator cpu = measure_machine(session, device, dtype, threads);
        HardwareTable::save_local(cpu);
        char line[200];
        std::snprintf(line, sizeof(line), "%.3g GFLOP/s, %.3g GB/s", cpu.peak_flops / 1e9, cpu.bandwidth / 1e9);
        std::cerr << "kcost measure: measured this CPU (" << cpu.name << "): " << line << "; saved as hardware 'cpu' in "
                  << HardwareTable::local_path() << " (kcost hardware cpu --measure measures again)\n";
      }
    }

    std::string temp = output == "-" ? "" : output + ".tmp-" + std::to_string(getpid());
    std::ofstream file;
    if (!temp.empty()) {
      file.open(temp, std::ios::binary);
      if (!file) throw EmitError(output + ": cannot write");
    }
    std::ostream& csv = temp.empty() ? std::cout : file;
    csv << measured_runs_header();
    bool bar = isatty(STDERR_FILENO);
    size_t total = names.size() * points.size(), done = 0, rows = 0, oom = 0;
    int refused = 0;
    std::string device_name;
    int used_threads = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      MeasuredRun run;
      run.model = names[i];
      run.model_class = locator.qualified_name(names[i]);
      run.config = configs.empty() ? "" : configs[configs.size() == 1 ? 0 : i];
      run.attn_implementation = attn;
      run.dtype = dtype;
      run.bytes = dtype_bytes(dtype);
      run.device = device;
      run.repeats = repeats;
      run.warmup = warmup;
      std::string config_json;
      if (!run.config.empty()) {
        nlohmann::json file_json = read_config_file(run.config);
        nlohmann::json defaults;
        try {
          defaults = locator.config_of(run.model_class).values;
        } catch (const LocateError& e) {
          throw ConfigError(run.config + ": " + e.what());
        }
        config_json = text_model_config(file_json, defaults).dump();
        run.config_hash = config_hash(run.config);
      } else {
        run.config_hash = "defaults";
      }
      char budget_text[32];
      std::snprintf(budget_text, sizeof(budget_text), "%.0f", budget);
      nlohmann::json load = session.call("measure_load", {run.model_class, config_json, attn, device, dtype,
                                                          std::to_string(threads), budget_text});
      if (load.value("status", "") != "ok") {
        std::cerr << (bar && done ? "\n" : "") << "kcost measure: " << run.model << ": refused: " << load.value("reason", "")
                  << "\n";
        ++refused;
        done += points.size();
        continue;
      }
      run.device_name = device_name = load.value("device_name", device);
      run.threads = used_threads = load.value("threads", threads);
      for (const Point& p : points) {
        run.batch_size = p.batch_size;
        run.seq_len = p.seq_len;
        run.cache_len = p.cache_len;
        if (bar)
          draw_progress(done, total, run.model + " b=" + std::to_string(p.batch_size) + " s=" + std::to_string(p.seq_len) +
                                         " c=" + std::to_string(p.cache_len));
        nlohmann::json t = session.call("measure_point", {std::to_string(p.batch_size), std::to_string(p.seq_len),
                                                          std::to_string(p.cache_len), std::to_string(repeats),
                                                          std::to_string(warmup)});
        run.status = t.value("status", "");
        if (run.status == "ok") {
          run.median_seconds = t.value("median", 0.0);
          run.q1_seconds = t.value("q1", 0.0);
          run.q3_seconds = t.value("q3", 0.0);
          run.min_seconds = t.value("min", 0.0);
          run.max_seconds = t.value("max", 0.0);
        } else {
          ++oom;
          if (bar) std::fprintf(stderr, "\n");
          std::cerr << "kcost measure: " << run.model << " b=" << p.batch_size << " s=" << p.seq_len << " c=" << p.cache_len
                    << ": out of memory (" << t.value("reason", "") << "); going on\n";
        }
        csv << measured_run_row(run);
        csv.flush();
        ++rows;
        ++done;
      }
      session.call("measure_release");
    }
    if (bar) draw_progress(total, total, "");
    if (!temp.empty()) {
      file.close();
      replace_with_temp(temp, output, static_cast<bool>(file));
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "kcost measure: " << rows << " rows (" << names.size() - refused << " models x " << points.size()
              << " points, " << oom << " out of memory) in " << format_seconds(seconds) << " on " << device_name
              << ", torch threads " << used_threads << (output == "-" ? "" : "; written to " + output) << "\n";
    return refused ? kExitBadInput : kExitOk;
  });
}

}  // namespace kcost

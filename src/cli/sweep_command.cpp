// `kcost sweep MODEL...`: models x runtime points into CSV, each model compiled once.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "calibrate/calibration_error.h"
#include "calibrate/calibration_file.h"
#include "calibrate/class_work_form.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "emit/atomic_file.h"
#include "emit/emit_error.h"
#include "evaluate/experts_hit.h"
#include "evaluate/plots.h"
#include "evaluate/report.h"
#include "evaluate/sweep.h"
#include "locate/python_on_demand.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void draw_progress(size_t done, size_t total) {
  int width = 40;
  int filled = total ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\r[%s%s] %3d%% %zu/%zu rows", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), total ? static_cast<int>(100 * done / total) : 100, done, total);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

// One line per model and (batch_size, seq_len, bytes) combination, over cache_len; with more
// than 16 lines, only the first batch_size, seq_len and bytes of the lists (said in *note).
nlohmann::json plot_series(const std::vector<SweepModel>& models, const SweepGrid& grid, const Accelerator& a,
                           std::string* note) {
  nlohmann::json series = nlohmann::json::array();
  bool all = models.size() * grid.batch_size.size() * grid.seq_len.size() * grid.bytes.size() <= 16;
  auto first = [&](const std::vector<GiNaC::numeric>& v) { return all ? v : std::vector<GiNaC::numeric>{v.front()}; };
  std::vector<GiNaC::numeric> bs = first(grid.batch_size), ss = first(grid.seq_len), ys = first(grid.bytes);
  if (!all)
    *note = " (batch_size=" + to_string(bs[0]) + ", seq_len=" + to_string(ss[0]) + ", bytes=" + to_string(ys[0]) +
            ": the first values of the lists)";
  bool many_b = bs.size() > 1, many_s = ss.size() > 1, many_y = ys.size() > 1;
  for (const SweepModel& m : models)
    for (const auto& b : bs)
      for (const auto& s : ss)
        for (const auto& y : ys) {
          std::string label = m.model + (m.config.empty() ? "" : " (" + m.config + ")");
          if (many_b) label += " b=" + to_string(b);
          if (many_s) label += " s=" + to_string(s);
          if (many_y) label += " bytes=" + to_string(y);
          nlohmann::json xs = nlohmann::json::array(), ts = nlohmann::json::array();
          for (const auto& c : grid.cache_len) {
            const GiNaC::numeric w = grid.weight_bytes.empty() ? y : grid.weight_bytes.front();
            const GiNaC::numeric k = grid.kv_bytes.empty() ? y : grid.kv_bytes.front();
            const GiNaC::numeric dq = grid.weight_dequantize_flops.empty() ? 0 : grid.weight_dequantize_flops.front();
            std::vector<GiNaC::numeric> v = m.totals.evaluate({b, s, c, y, w, k});
            xs.push_back(c.to_double());
            ts.push_back(roofline((v[0] + dq * v[3]).to_double(), (v[1] + v[2]).to_double(), a).seconds());
          }
          series.push_back({{"label", label}, {"cache_len", xs}, {"seconds", ts}});
        }
  return series;
}

// A list of token or sequence counts: whole numbers (negative ones number_list refuses), and
// positive when `positive`.
std::vector<GiNaC::numeric> size_list(const po::variables_map& vm, const std::string& option, bool positive) {
  std::vector<GiNaC::numeric> values = number_list(vm[option].as<std::string>(), option);
  for (const GiNaC::numeric& n : values) {
    if (!n.is_integer()) throw po::error("--" + option + " must be whole numbers, not " + to_string(n));
    if (positive && n.is_zero()) throw po::error("--" + option + " must be positive, not 0");
  }
  return values;
}

const char* partial_suffix() { return ".partial"; }

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EmitError(path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes the sweep to `output` through <output>.partial: rows are appended to the partial file as
// they are evaluated, and it is renamed to `output` when complete, so `output` is never half
// written. With `resume`, the rows an interrupted run left in the partial file (or a complete
// `output`) are kept and only the missing rows are evaluated and appended.
SweepStats write_sweep_file(const std::string& output, bool resume, const std::vector<SweepModel>& models,
                            const SweepGrid& grid, const std::vector<Accelerator>& hardware,
                            const std::function<void(size_t, size_t)>& progress) {
  namespace fs = std::filesystem;
  const std::string partial = output + partial_suffix();
  std::error_code ec;
  size_t skip = 0, keep = 0;
  bool append = false;
  if (resume) {
    std::string from = fs::exists(partial, ec) ? partial : fs::exists(output, ec) ? output : "";
    if (!from.empty()) {
      try {
        skip = resumable_rows(read_whole_file(from), models, grid, hardware, &keep);
      } catch (const SweepResumeError& e) {
        throw EmitError(from + ": " + e.what() + "; cannot resume it (run without --resume to start over)");
      }
      if (from == output) {
        if (skip == models.size() * grid.size()) {
          SweepStats done;
          done.resumed_rows = skip;
          return done;
        }
        fs::copy_file(output, partial, fs::copy_options::overwrite_existing, ec);
        if (ec) throw EmitError(partial + ": cannot write: " + ec.message());
      }
      fs::resize_file(partial, keep, ec);  // drop a last line cut short
      if (ec) throw EmitError(partial + ": cannot write: " + ec.message());
      append = true;
    }
  }
  SweepStats stats;
  {
    std::ofstream out(partial, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    if (!out) throw EmitError(partial + ": cannot write");
    stats = run_sweep(models, grid, hardware, out, progress, skip, /*header=*/keep == 0);
    out.flush();
    if (!out) throw EmitError(partial + ": cannot write");
  }
  stats.resumed_rows = skip;
  fs::rename(partial, output, ec);
  if (ec) throw EmitError(output + ": cannot write: " + ec.message());
  return stats;
}

}  // namespace

int sweep_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost sweep <model_type | qualified name>... [options] -o out.csv\n\n"
      "One CSV row per model and runtime point, the points being the product of the lists of\n"
      "--batch-size, --seq-len, --cache-len, --bytes, and --weight-bytes and --kv-bytes when given\n"
      "(their columns follow bytes; a list is 1,8,64 or a range\n"
      "start:stop:step with stop included, or both: 1,2,4:64:4). Each model is loaded once (cost\n"
      "files from the cache or --costs-dir, analyzed on the fly when missing), its totals with its\n"
      "config's numbers substituted are compiled into a closed form, and each point is then a few\n"
      "hundred integer instructions, exact (points the fast path cannot do exactly are evaluated\n"
      "exactly by GiNaC). Columns: model, config, batch_size, seq_len, cache_len, bytes, flops,\n"
      "memory_read, memory_write, arithmetic_intensity, and per accelerator <id>_seconds (roofline\n"
      "time) and <id>_bound. A progress bar goes to a terminal's stderr; a summary line with the\n"
      "evaluation rate goes to stderr at the end.\n\n"
      "  kcost sweep llama mistral qwen2 --batch-size 1,8,64 --seq-len 1 --cache-len 0:32768:1024 \\\n"
      "      --hardware h100-sxm -o decode.csv --plot decode.png\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value<std::string>()->default_value("-"),
       "the CSV file; - for stdout. Rows go to FILE.partial as they are evaluated, renamed to FILE when complete")
      ("resume", "continue an interrupted sweep: keep the rows in FILE.partial (checked to be this sweep's) "
                 "and append only the missing ones")
      ("plot", po::value<std::string>(),
       "draw roofline time against cache length, one line per model (and batch_size, seq_len when they vary), to FILE")
      ("batch-size", po::value<std::string>()->default_value("1"), "list of batch sizes")
      ("seq-len", po::value<std::string>()->default_value("1"), "list of new-token counts")
      ("cache-len", po::value<std::string>()->default_value("0"), "list of cached-token counts")
      ("bytes", po::value<std::string>()->default_value("2"), "list of bytes per element")
      ("calibration", po::value<std::string>(),
       "add the latency predicted by this kcost calibrate file: predicted_seconds, <class>_seconds, per_step_seconds");
  visible.add(width_options(true));
  visible.add(experts_hit_options());
  visible.add(model_options(true));
  visible.add(hardware_options(true));
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;
  std::vector<std::string> names = positionals(vm, "name");
  if (names.empty()) throw po::error("missing the models to sweep");
  std::vector<std::string> configs = vm.count("config") ? vm["config"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (!configs.empty() && configs.size() != names.size() && configs.size() != 1)
    throw po::error(std::to_string(configs.size()) + " --config files for " + std::to_string(names.size()) +
                    " models: give one per model, in order, or one for all");
  SweepGrid grid{size_list(vm, "batch-size", true), size_list(vm, "seq-len", true), size_list(vm, "cache-len", false),
                 number_list(vm["bytes"].as<std::string>(), "bytes")};
  for (const GiNaC::numeric& n : grid.bytes)
    if (n.is_zero()) throw po::error("--bytes must be positive, not 0");
  for (const Precision& p : width_list(vm, "weight-bytes")) {
    grid.weight_bytes.push_back(p.bytes);
    grid.weight_dequantize_flops.push_back(p.dequantize_flops);
  }
  for (const Precision& p : width_list(vm, "kv-bytes")) grid.kv_bytes.push_back(p.bytes);
  if (vm.count("calibration") && grid.widths())
    throw po::error("--calibration does not combine with --weight-bytes or --kv-bytes yet");
  if (vm.count("plot") && !vm.count("hardware") && !vm.count("peak-flops"))
    throw po::error("--plot needs an accelerator (--hardware, or --peak-flops and --bandwidth)");
  std::vector<ModelRequest> requests;
  for (size_t i = 0; i < names.size(); ++i)
    requests.push_back(model_request(vm, names[i], configs.empty() ? "" : configs[configs.size() == 1 ? 0 : i]));
  std::optional<ExpertsHit> hit = experts_hit(vm);
  const std::string output = vm["output"].as<std::string>();
  if (vm.count("resume") && output == "-") throw po::error("--resume needs an output file (-o FILE)");

  return run_reporting("sweep", [&]() -> int {
    std::vector<Accelerator> hardware = accelerators(vm);
    std::optional<LatencyModel> calibration;
    if (vm.count("calibration")) calibration = read_calibration(vm["calibration"].as<std::string>());
    std::vector<ClassWorkForm> class_work;
    LoadedLibrary library = load_library(vm);
    PythonOnDemand python(session_options(vm));  // the warm path never starts it

    Clock::time_point load_start = Clock::now();
    std::vector<SweepModel> models;
    for (ModelRequest r : requests) {
      // A warm entry's compiled totals are of experts_hit unset: a given one compiles afresh.
      r.need_tree = calibration.has_value() || hit.has_value();
      ModelCosts m = load_model_costs(python, library.view(), r);
      if (m.unknowns)
        std::cerr << "kcost sweep: warning: " << m.name << ": " << m.unknowns
                  << " children could not be modelled and count zero\n";
      if (m.sweep_totals && !hit) {
        models.push_back(SweepModel{m.name, r.config_file, std::move(*m.sweep_totals)});
      } else {
        m.tree = with_experts_hit(m.tree, hit);
        models.push_back(compile_sweep_model(m.name, r.config_file, m.tree, m.config));
        if (!hit) remember_sweep_totals(m, models.back().totals);
      }
      if (calibration) class_work.emplace_back(m.tree, m.config, calibration->classes);
    }
    double load_seconds = seconds_since(load_start);

    bool bar = isatty(STDERR_FILENO) && models.size() * grid.size() >= 100000;
    auto progress = bar ? std::function<void(size_t, size_t)>(draw_progress) : std::function<void(size_t, size_t)>();
    auto sweep_to = [&](std::ostream& out) {
      if (!calibration) return run_sweep(models, grid, hardware, out, progress);
      std::ostringstream rows;
      SweepStats st = run_sweep(models, grid, hardware, rows, progress);
      out << append_predicted_columns(rows.str(), class_work, {grid.batch_size, grid.seq_len, grid.cache_len, grid.bytes},
                                      *calibration);
      return st;
    };
    Clock::time_point eval_start = Clock::now();
    SweepStats stats;
    if (output == "-") {
      stats = sweep_to(std::cout);
      std::cout.flush();
    } else {
      if (calibration) {
        // Calibrated rows carry predicted columns: written whole through a temporary file.
        if (vm.count("resume")) throw po::error("--resume does not combine with --calibration");
        std::string temp = output + ".tmp-" + std::to_string(getpid());
        bool written = false;
        {
          std::ofstream out(temp, std::ios::binary);
          if (!out) throw EmitError(output + ": cannot write");
          stats = sweep_to(out);
          out.flush();
          written = static_cast<bool>(out);
        }
        replace_with_temp(temp, output, written);
      } else {
        stats = write_sweep_file(output, vm.count("resume") > 0, models, grid, hardware, progress);
      }
    }
    double eval_seconds = seconds_since(eval_start);
    char rate[64];
    std::snprintf(rate, sizeof(rate), "%.3g", eval_seconds > 0 ? stats.rows / eval_seconds : 0.0);
    std::cerr << "kcost sweep: " << stats.rows << " rows (" << models.size() << " models x " << grid.size()
              << " points) evaluated in " << format_seconds(eval_seconds) << " (" << rate << " points/s; "
              << stats.exact_fallbacks << " exact fallbacks); models loaded in " << format_seconds(load_seconds)
              << (output == "-" ? "" : "; written to " + output) << "\n";
    if (stats.resumed_rows)
      std::cerr << "kcost sweep: resumed: " << stats.resumed_rows << " rows kept from the interrupted run\n";
    if (vm.count("plot")) {
      std::string note;
      nlohmann::json series = plot_series(models, grid, hardware[0], &note);
      const std::string& path = vm["plot"].as<std::string>();
      if (int rc = write_plot(python.session(), sweep_plot_spec(series, hardware[0].name + note, path), "sweep", "plot", path))
        return rc;
    }
    return kExitOk;
  });
}

}  // namespace kcost

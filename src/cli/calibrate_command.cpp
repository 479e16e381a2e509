// `kcost calibrate runs.csv --hardware NAME`: fits the latency model (per kernel class achieved
// fractions of peak FLOP/s and bandwidth, seconds per call, seconds per step) to measured runs
// on kcost's own counts, cross-validated; writes the calibration JSON.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "calibrate/calibration_error.h"
#include "calibrate/calibration_file.h"
#include "calibrate/fit.h"
#include "calibrate/measured_runs.h"
#include "calibrate/run_work.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "emit/atomic_file.h"
#include "emit/emit_error.h"
#include "evaluate/report.h"
#include "locate/python_on_demand.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.1f%%", v);
  return b;
}

std::string fraction_text(double coefficient) {
  if (coefficient <= 0) return "-";
  char b[32];
  std::snprintf(b, sizeof(b), "%.3g", 1.0 / coefficient);
  return b;
}

std::string errors_line(const ErrorSummary& e) {
  std::string out;
  for (const char* phase : {"all", "prefill", "decode", "chunked"}) {
    auto it = e.mape.find(phase);
    if (it == e.mape.end()) continue;
    out += std::string(out.empty() ? "" : "   ") + phase + " " + percent(it->second) + " (" +
           std::to_string(e.runs.at(phase)) + " runs)";
  }
  return out;
}

nlohmann::ordered_json errors_json(const ErrorSummary& e) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const char* phase : {"all", "prefill", "decode", "chunked"})
    if (e.mape.count(phase)) j[phase] = {{"mape_percent", e.mape.at(phase)}, {"runs", e.runs.at(phase)}};
  return j;
}

}  // namespace

int calibrate_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost calibrate <runs.csv>... --hardware NAME [options] -o calibration.json\n\n"
      "Fits a latency model of one device to the runs kcost measure wrote, on kcost's own counts:\n"
      "each run's model, config and point are evaluated by the cost model (by_kernel FLOPs and\n"
      "bytes, calls from the resolved tree, bytes per element of the run's dtype), summed by class\n"
      "of leaf kernel (--kernel-classes), and\n"
      "    t = sum over classes (a * FLOPs / peak + b * bytes / bandwidth + c * calls) + d\n"
      "is fitted by non-negative least squares on relative error (1/a: achieved fraction of the\n"
      "hardware's peak FLOP/s, 1/b: of its bandwidth, c: seconds per call, d: seconds per step).\n"
      "Prints the parameters and the mean absolute percentage error of k-fold cross-validation\n"
      "(runs the fit did not see), overall and for prefill and decode; --holdout MODEL leaves a\n"
      "model out of the fit entirely and reports the error of predicting it. Runs that ran out of\n"
      "memory are skipped. The runs must be of one device (--device-name picks one of several).\n\n"
      "  kcost calibrate runs.csv --hardware cpu --holdout gpt2 -o calibration.json\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value<std::string>(), "the calibration JSON (written atomically)")
      ("folds", po::value<int>()->default_value(5), "k of the k-fold cross-validation")
      ("holdout", po::value<std::vector<std::string>>(), "a model (as named in the CSV) to leave out of the fit and predict (repeatable)")
      ("device-name", po::value<std::string>(), "use only the runs of this device_name")
      ("predictions", po::value<std::string>(), "also write a CSV of each run's measured and predicted seconds")
      ("plot", po::value<std::string>(),
       "draw measured against predicted seconds, by phase and set (cross-validated, held-out model), to FILE "
       "(.png, .svg, .pdf)")
      ("per-call", po::value<std::string>()->default_value("shared"),
       "shared: one seconds-per-call for every class; per-class: one for each (more coefficients, needs more runs)")
      ("configs", po::value<std::vector<std::string>>()->composing(),
       "a directory where a run's config.json is found by its content when the run's recorded path is missing "
       "or holds another file (runs pooled from other machines; repeatable)")
      ("kernel-classes", po::value<std::string>()->default_value(KernelClasses::default_path()),
       "the class of each leaf kernel (JSON)");
  visible.add(hardware_options());
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "runs", vm)) return kExitOk;
  std::vector<std::string> files = vm.count("runs") ? vm["runs"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (files.empty()) throw po::error("missing the runs CSV (from kcost measure)");
  if (!vm.count("hardware") && !vm.count("peak-flops"))
    throw po::error("--hardware is required (the peak FLOP/s and bandwidth the fractions are of; e.g. cpu)");
  int folds = vm["folds"].as<int>();
  std::string per_call = vm["per-call"].as<std::string>();
  if (per_call != "shared" && per_call != "per-class")
    throw po::error("--per-call must be shared or per-class, not '" + per_call + "'");
  if (folds < 2) throw po::error("--folds must be at least 2");
  std::set<std::string> holdout;
  if (vm.count("holdout"))
    for (const std::string& m : vm["holdout"].as<std::vector<std::string>>()) holdout.insert(m);

  return run_reporting("calibrate", [&]() -> int {
    std::vector<Accelerator> hardware = accelerators(vm);
    KernelClasses classes = KernelClasses::load(vm["kernel-classes"].as<std::string>());
    std::vector<MeasuredRun> runs;
    size_t skipped = 0;
    for (const std::string& f : files)
      for (MeasuredRun& r : read_measured_runs(f)) {
        if (r.status != "ok") ++skipped;
        else runs.push_back(std::move(r));
      }
    std::set<std::string> devices;
    for (const MeasuredRun& r : runs) devices.insert(r.device_name);
    if (vm.count("device-name")) {
      std::string want = vm["device-name"].as<std::string>();
      std::vector<MeasuredRun> kept;
      for (MeasuredRun& r : runs)
        if (r.device_name == want) kept.push_back(std::move(r));
      if (kept.empty()) throw CalibrationError("no run of device '" + want + "' in the runs");
      runs = std::move(kept);
      devices = {want};
    }
    if (devices.size() > 1) {
      std::string list;
      for (const std::string& d : devices) list += (list.empty() ? "'" : ", '") + d + "'";
      throw CalibrationError("the runs are of " + std::to_string(devices.size()) + " devices (" + list +
                             "); fit one at a time with --device-name");
    }
    if (runs.empty()) throw CalibrationError("no run that finished in the runs CSV");
    std::set<std::string> thread_counts, dtypes, models;
    for (const MeasuredRun& r : runs) {
      thread_counts.insert(std::to_string(r.threads));
      dtypes.insert(r.dtype);
      models.insert(r.model);
    }
    for (const std::string& h : holdout)
      if (!models.count(h)) throw CalibrationError("--holdout " + h + ": no run of that model in the runs");

    LoadedLibrary library = load_library(vm);
    classes = classes.with_leaves(library.leaves);  // the classes leaves declare themselves
    PythonOnDemand python(session_options(vm));  // the warm path never starts it
    ModelLibrary view = library.view();
    RunWork work(python, view, classes,
                 vm.count("configs") ? vm["configs"].as<std::vector<std::string>>() : std::vector<std::string>{});
    std::vector<CalibrationSample> train, test;
    std::vector<const MeasuredRun*> train_runs, test_runs;
    for (const MeasuredRun& r : runs) {
      CalibrationSample s{r.model, r.phase(), work.of(r), r.median_seconds};
      if (holdout.count(r.model)) test.push_back(s), test_runs.push_back(&r);
      else train.push_back(s), train_runs.push_back(&r);
    }
    if (train.size() < 2) throw CalibrationError("fewer than 2 runs left to fit after the hold-outs");

    LatencyModel base;
    base.hardware_id = hardware[0].id;
    base.hardware_name = hardware[0].name;
    base.peak_flops = hardware[0].peak_flops;
    base.bandwidth = hardware[0].bandwidth;
    base.classes = classes;
    base.shared_per_call = per_call == "shared";
    CrossValidation cv = cross_validate(base, train, folds);
    LatencyModel model = fit_latency_model(base, train);
    std::vector<double> test_predicted;
    for (const CalibrationSample& s : test) test_predicted.push_back(model.predict(s.work));
    ErrorSummary held = summarize_errors(test, test_predicted);

    auto join = [](const std::set<std::string>& s) {
      std::string out;
      for (const std::string& x : s) out += (out.empty() ? "" : ", ") + x;
      return out;
    };
    std::set<std::string> fitted_models;
    for (const auto& s : train) fitted_models.insert(s.model);
    char peaks[160];
    std::snprintf(peaks, sizeof(peaks), "%.4g GFLOP/s, %.4g GB/s", base.peak_flops / 1e9, base.bandwidth / 1e9);
    std::cout << "runs:     " << train.size() << " fitted (" << join(fitted_models) << ")";
    if (!test.empty()) std::cout << ", " << test.size() << " held out (" << join(holdout) << ")";
    if (skipped) std::cout << ", " << skipped << " out of memory skipped";
    std::cout << "\ndevice:   " << *devices.begin() << "; threads " << join(thread_counts) << "; dtype " << join(dtypes)
              << "\nhardware: " << base.hardware_name << " (" << peaks << ")\n\n";
    char line[200];
    std::snprintf(line, sizeof(line), "%-20s %14s %14s %12s\n", "kernel class", "of peak FLOP/s", "of bandwidth",
                  "per call");
    std::cout << line;
    for (const std::string& c : classes.names()) {
      const ClassCoefficients& k = model.coefficients[c];
      std::snprintf(line, sizeof(line), "%-20s %14s %14s %12s\n", c.c_str(), fraction_text(k.flops).c_str(),
                    fraction_text(k.bytes).c_str(), format_seconds(k.per_call).c_str());
      std::cout << line;
    }
    std::cout << "per step: " << format_seconds(model.per_step) << (model.shared_per_call ? "   (per call: shared by the classes)" : "")
            << "   (-: that term fitted to zero)\n\n";
    std::cout << cv.folds << "-fold cross-validated error (mean absolute percentage, runs not in the fit):\n  "
              << errors_line(cv.held_out) << "\n";
    if (!test.empty()) std::cout << "held-out " << join(holdout) << " (not in the fit at all):\n  " << errors_line(held) << "\n";

    nlohmann::ordered_json runs_json = {{"files", files},
                                        {"device_name", *devices.begin()},
                                        {"threads", join(thread_counts)},
                                        {"dtype", join(dtypes)},
                                        {"fitted", train.size()},
                                        {"fitted_models", fitted_models},
                                        {"held_out", test.size()},
                                        {"held_out_models", holdout},
                                        {"out_of_memory_skipped", skipped}};
    nlohmann::ordered_json errors = {{"cross_validation", {{"folds", cv.folds}, {"held_out", errors_json(cv.held_out)}}}};
    if (!test.empty()) errors["held_out_models"] = errors_json(held);
    if (vm.count("output")) {
      const std::string path = vm["output"].as<std::string>();
      write_file_atomically(path, calibration_json(model, runs_json, errors).dump(2) + "\n");
      std::cout << "written to " << path << "\n";
    }
    if (vm.count("predictions")) {
      std::string csv = "model,batch_size,seq_len,cache_len,phase,set,measured_seconds,predicted_seconds,error_percent\n";
      auto add = [&](const MeasuredRun& r, const char* set, double predicted) {
        char numbers[120];
        std::snprintf(numbers, sizeof(numbers), "%.6g,%.6g,%.2f", r.median_seconds, predicted,
                      100.0 * (predicted - r.median_seconds) / r.median_seconds);
        csv += csv_field(r.model) + "," + std::to_string(r.batch_size) + "," + std::to_string(r.seq_len) + "," +
               std::to_string(r.cache_len) + "," + r.phase() + "," + set + "," + numbers + "\n";
      };
      for (size_t i = 0; i < train.size(); ++i) add(*train_runs[i], "cross_validation", cv.predicted[i]);
      for (size_t i = 0; i < test.size(); ++i) add(*test_runs[i], "held_out_model", test_predicted[i]);
      write_file_atomically(vm["predictions"].as<std::string>(), csv);
    }
    if (vm.count("plot")) {
      const std::string& path = vm["plot"].as<std::string>();
      nlohmann::json points = nlohmann::json::array();
      auto add = [&](const MeasuredRun& r, const char* set, double predicted) {
        points.push_back({{"model", r.model}, {"phase", r.phase()}, {"set", set}, {"measured_seconds", r.median_seconds},
                          {"predicted_seconds", predicted}});
      };
      for (size_t i = 0; i < train.size(); ++i) add(*train_runs[i], "cross_validation", cv.predicted[i]);
      for (size_t i = 0; i < test.size(); ++i) add(*test_runs[i], "held_out_model", test_predicted[i]);
      std::string title = base.hardware_name + ": " + std::to_string(cv.folds) + "-fold cross-validated error " +
                          errors_line(cv.held_out) + (test.empty() ? "" : "; held-out " + join(holdout) + " " + errors_line(held));
      nlohmann::json spec = {{"kind", "calibration"}, {"output", path}, {"title", title}, {"runs", points}};
      if (int rc = write_plot(python.session(), spec, "calibrate", "calibration plot", path)) return rc;
    }
    return kExitOk;
  });
}

}  // namespace kcost

// `kcost fit NAME`: how many sequences of a given context fit on an accelerator, and how fast
// one decode step runs at that batch.
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "costfile/message_text.h"
#include "evaluate/evaluator.h"
#include "evaluate/experts_hit.h"
#include "evaluate/footprint.h"
#include "evaluate/report.h"
#include "evaluate/traffic.h"
#include "expr/exact_json.h"
#include "locate/python_on_demand.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

using GiNaC::numeric;

// "80Gi" (binary), "80G", "85899345920", "8.5e10" -> bytes.
double capacity_bytes(const std::string& text) {
  static const std::pair<const char*, double> binary[] = {
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}};
  for (const auto& [suffix, scale] : binary)
    if (text.size() > 2 && text.compare(text.size() - 2, 2, suffix) == 0)
      return si_number(text.substr(0, text.size() - 2), "memory") * scale;
  return si_number(text, "memory");
}

std::string bytes_text(const numeric& n) { return si(n.to_double(), "B"); }

}  // namespace

int fit_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost fit <model_type | qualified class> --hardware NAME --cache-len C [options]\n\n"
      "How many sequences of --cache-len cached tokens fit in the accelerator's memory beside the\n"
      "model, and the roofline time of one decode step (seq_len 1) at that batch. Memory is the\n"
      "model's parameters and buffers plus the KV cache as transformers keeps it (windowed layers\n"
      "hold their window only), elements from the analysis times --bytes; the capacity is the\n"
      "hardware table's (datasheet, binary units) times --gpus times --memory-fraction. Over\n"
      "several GPUs the model and cache are taken as split evenly (tensor parallel) and the\n"
      "roofline as ideal: FLOPs / (gpus x peak), bytes / (gpus x bandwidth), no communication.\n"
      "Nothing else is counted: activations of the step, framework and allocator overheads (lower\n"
      "--memory-fraction for them, e.g. 0.9).\n\n"
      "  kcost fit llama --config Llama-2-7b/config.json --hardware h100-sxm --cache-len 4096\n\n"
      "Formats: table (default) or json ({model, root, config, hardware, gpus, capacity_bytes,\n"
      "point, memory_per_sequence?, largest_batch, memory, decode}; exact integers; largest_batch\n"
      "null when nothing grows with the batch).\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("format", po::value<std::string>()->default_value("table"), "table | json")
      ("cache-len", po::value<std::string>(), "tokens each sequence holds in the KV cache (required)")
      ("bytes", po::value<std::string>()->default_value("2"), "bytes per element (2: bf16; 0.5 exact)")
      ("gpus", po::value<std::string>()->default_value("1"), "accelerators the model is split over")
      ("memory-fraction", po::value<std::string>()->default_value("1"),
       "the share of each accelerator's memory the model and cache may use (0 < F <= 1)")
      ("memory", po::value<std::string>(),
       "each accelerator's memory in bytes instead of the table's (80Gi, 80G, 85899345920); needed for "
       "a custom accelerator");
  visible.add(width_options());
  visible.add(experts_hit_options());
  visible.add(model_options());
  visible.add(hardware_options());
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;

  std::vector<std::string> names = positionals(vm, "name");
  if (names.size() != 1) throw po::error(names.empty() ? "missing the model to fit" : "one model at a time");
  std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json") throw po::error("--format must be table or json, not '" + format + "'");
  if (!vm.count("cache-len")) throw po::error("--cache-len is required: the tokens each sequence keeps in the cache");
  std::vector<numeric> cache = number_list(vm["cache-len"].as<std::string>(), "cache-len");
  std::vector<numeric> bytes = number_list(vm["bytes"].as<std::string>(), "bytes");
  std::vector<numeric> gpus = number_list(vm["gpus"].as<std::string>(), "gpus");
  if (cache.size() != 1 || !cache[0].is_integer() || cache[0].is_negative())
    throw po::error("--cache-len must be one whole number, not " + quote_for_message(vm["cache-len"].as<std::string>()));
  if (bytes.size() != 1 || !bytes[0].is_positive()) throw po::error("--bytes must be one positive number");
  if (gpus.size() != 1 || !gpus[0].is_pos_integer()) throw po::error("--gpus must be a positive whole number");
  double fraction = si_number(vm["memory-fraction"].as<std::string>(), "memory-fraction");
  if (!(fraction > 0 && fraction <= 1)) throw po::error("--memory-fraction must be in (0, 1]");
  std::string config_file = vm.count("config") ? vm["config"].as<std::string>() : "";
  ModelRequest request = model_request(vm, names[0], config_file);
  std::optional<Precision> weight_width = width_option(vm, "weight-bytes"), kv_width = width_option(vm, "kv-bytes");

  return run_reporting("fit", [&]() -> int {
    std::vector<Accelerator> hardware = accelerators(vm);
    if (hardware.empty()) throw po::error("fit needs an accelerator (--hardware, or --peak-flops, --bandwidth and --memory)");
    Accelerator acc = hardware[0];
    if (vm.count("memory")) acc.memory = capacity_bytes(vm["memory"].as<std::string>());
    if (!(acc.memory > 0))
      throw po::error("the memory of '" + acc.name + "' is not known: give it with --memory (e.g. 80Gi)");
    LoadedLibrary library = load_library(vm);
    PythonOnDemand python(session_options(vm));  // the warm path never starts it
    ModelCosts m = load_model_costs(python, library.view(), request);
    m.tree = with_experts_hit(m.tree, experts_hit(vm));

    Values values = m.config;
    RuntimePoint point;
    point.seq_len = 1;
    point.cache_len = cache[0];
    point.bytes = bytes[0];
    if (weight_width) {
      point.weight_bytes = weight_width->bytes;
      point.weight_dequantize_flops = weight_width->dequantize_flops;
    }
    if (kv_width) point.kv_bytes = kv_width->bytes;
    for (const auto& [name, value] : runtime_values(point)) values[name] = value;
    if (!m.tree.root.footprint)
      throw po::error("the cost files of '" + m.root + "' carry no footprint (written by another tool or kcost version)");
    // Capacity in whole bytes: the table's figure times the GPUs and the fraction, rounded down.
    numeric capacity = numeric(static_cast<long>(std::floor(acc.memory * fraction))) * gpus[0];
    std::optional<numeric> batch = largest_batch(m.tree, values, capacity);
    numeric at = batch ? (batch->is_zero() ? numeric(1) : *batch) : numeric(1);
    values["batch_size"] = at;
    point.batch_size = at;
    MemoryFootprint memory = *evaluate_footprint(m.tree, values);
    values["batch_size"] = 1;
    MemoryFootprint one = *evaluate_footprint(m.tree, values);
    values["batch_size"] = at;
    CostNumbers step = evaluate(m.tree, values).totals;
    TrafficSplit traffic = traffic_split(m.tree, values, point);
    step.flops += traffic.dequantize_flops;  // what the roofline computes
    Accelerator all = acc;  // ideal split over the GPUs
    all.peak_flops *= gpus[0].to_double();
    all.bandwidth *= gpus[0].to_double();
    Roofline rl = roofline(step, all);

    if (format == "json") {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      j["model"] = m.name;
      j["root"] = m.root;
      j["config"] = m.config_source;
      j["hardware"] = to_json(acc);
      j["gpus"] = to_json_number(gpus[0]);
      j["memory_fraction"] = fraction;
      j["capacity_bytes"] = to_json_number(capacity);
      j["point"] = {{"seq_len", 1},
                    {"cache_len", to_json_number(cache[0])},
                    {"bytes", to_json_number(bytes[0])},
                    {"weight_bytes", to_json_number(point.weight_width())},
                    {"kv_bytes", to_json_number(point.kv_width())}};
      j["memory_per_sequence"] = to_json_number(one.cache_bytes());
      j["largest_batch"] = batch ? nlohmann::ordered_json(to_json_number(*batch)) : nlohmann::ordered_json();
      j["memory"] = to_json(memory);
      nlohmann::ordered_json decode = nlohmann::ordered_json::object();
      decode["batch_size"] = to_json_number(at);
      decode["totals"] = to_json(step);
      decode["traffic"] = to_json(traffic);
      decode["seconds"] = rl.seconds();
      decode["bound"] = rl.bound();
      decode["tokens_per_second"] = rl.seconds() > 0 ? at.to_double() / rl.seconds() : 0.0;
      j["decode"] = decode;
      std::cout << dump_exact(j, 2) << "\n";
      return kExitOk;
    }
    std::ostringstream out;
    out << m.name << ": " << m.root << "\n";
    out << "config: " << m.config_source << "\n";
    out << "on:     " << to_string(gpus[0]) << " x " << acc.name << ", " << bytes_text(numeric(static_cast<long>(acc.memory)))
        << " each" << (fraction < 1 ? " x " + std::to_string(fraction) : std::string()) << " = " << bytes_text(capacity) << " ("
        << to_string(capacity) << " B)\n";
    out << "point:  cache_len=" << to_string(cache[0]) << " tokens per sequence, bytes=" << to_string(bytes[0])
        << (weight_width ? ", weight_bytes=" + to_string(point.weight_width()) : std::string())
        << (kv_width ? ", kv_bytes=" + to_string(point.kv_width()) : std::string()) << "\n\n";
    out << "parameters          " << to_string(one.parameters) << " elements, " << bytes_text(one.parameter_bytes()) << "\n";
    if (!one.buffers.is_zero())
      out << "buffers             " << to_string(one.buffers) << " elements, " << bytes_text(one.buffer_bytes()) << "\n";
    out << "KV cache/sequence   " << to_string(one.cache_bytes()) << " B, " << bytes_text(one.cache_bytes()) << "\n";
    if (!batch) {
      out << "largest batch       not bounded by memory: nothing grows with the batch at cache_len "
          << to_string(cache[0]) << "\n";
    } else if (batch->is_zero()) {
      out << "largest batch       0: the model and one sequence need " << bytes_text(memory.total_bytes())
          << ", more than " << bytes_text(capacity) << "\n";
      std::cout << out.str();
      return kExitOk;
    } else {
      out << "largest batch       " << to_string(*batch) << " sequences: " << bytes_text(memory.total_bytes()) << " of "
          << bytes_text(capacity) << " (" << to_string(memory.total_bytes()) << " B)\n";
    }
    out << "\ndecode step at batch " << to_string(at) << " (seq_len 1, cache_len " << to_string(cache[0]) << ")\n";
    out << "  FLOPs             " << si(step.flops.to_double(), "FLOP") << "\n";
    out << "  bytes             " << si(step.bytes().to_double(), "B") << "\n";
    if (weight_width || kv_width)
      out << "    weights " << si(traffic.weight_bytes.to_double(), "B") << ", KV cache " << si(traffic.kv_bytes.to_double(), "B")
          << ", activations " << si(traffic.activation_bytes.to_double(), "B") << "\n";
    out << "  roofline time     " << format_seconds(rl.seconds()) << ", " << rl.bound() << "-bound"
        << (gpus[0] > 1 ? " (ideal split over " + to_string(gpus[0]) + " accelerators)" : std::string()) << "\n";
    if (rl.seconds() > 0)
      out << "  tokens/s          " << si(at.to_double() / rl.seconds(), "") << " (" << to_string(at) << " sequences x 1 token)\n";
    std::cout << out.str();
    return kExitOk;
  });
}

}  // namespace kcost

// Plots: pictures of numbers C++ computed, drawn by matplotlib in the embedded interpreter
// (python_helpers/kcost_helpers/plots.py; it only draws). The spec is JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "evaluate/report.h"

namespace kcost {

class PythonSession;

// The leaf kernels of `report` (which must have hardware) on the accelerator's roofline:
// attainable FLOP/s against arithmetic intensity, one point per leaf kernel sized by its share of
// the roofline time, and the whole model.
nlohmann::json roofline_plot_spec(const EvalReport& report, const std::string& output);

// Time against cache length, one line per model (and batch_size, seq_len when those vary).
// `series`: [{"label", "cache_len": [...], "seconds": [...]}].
nlohmann::json sweep_plot_spec(const nlohmann::json& series, const std::string& hardware_name,
                               const std::string& output);

// Draws the spec to its "output" file (PNG, SVG, PDF by extension). Throws PythonError
// (matplotlib missing, file not writable).
void render_plot(PythonSession& session, const nlohmann::json& spec);

}  // namespace kcost

// ModelBatch: one piece of work per model type (analyze --all), run in this process or split
// over worker processes forked from it once its interpreter has imported torch and transformers
// (--jobs), so that those imports are paid once. Each piece of work returns a JSON object; the
// parent gets them in completion order, hands out the next model as a worker finishes one, and
// replaces a worker that dies (its model is reported as failed with how the worker ended).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kcost {

class PythonSession;

// Runs work(items[i]) for every i with `jobs` workers (1: here, no fork), and done(i, result)
// in the parent for each as it completes. A work function that throws gives
// {"error": what()} for that item.
void run_model_batch(PythonSession& session, const std::vector<std::string>& items, int jobs,
                     const std::function<nlohmann::json(const std::string&)>& work,
                     const std::function<void(std::size_t, const nlohmann::json&)>& done);

// A progress bar on stderr ("\r[####....]  42% 123/300 <label>"); a newline when done == total.
void draw_batch_progress(std::size_t done, std::size_t total, const std::string& label);

}  // namespace kcost

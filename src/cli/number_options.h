// The command-line value parsers that need nothing but exact numbers and expressions (no Python,
// no cost model): lists and ranges of sizes, SI numbers, the runtime point's options and
// `--bind NAME=EXPR`. Split from model_options so that the fuzz harness of fuzz/ links them alone.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <ginac/ginac.h>

#include "evaluate/precision.h"
#include "evaluate/values.h"
#include "expr/expr.h"

namespace kcost {

// --batch-size, --seq-len, --cache-len, --bytes (single values), width_options and
// experts_hit_options.
boost::program_options::options_description point_options();
// --weight-bytes, --kv-bytes (evaluate/precision.h: a number or a format's name), one value each
// or with `lists` comma-separated lists of them (sweep), and --compute-precision.
boost::program_options::options_description width_options(bool lists = false);
// A width option's value (a number or a name: int4, int4-g128, fp8, bf16, ...); nullopt when not
// given; po::error naming the option for a bad one.
std::optional<Precision> width_option(const boost::program_options::variables_map& vm, const std::string& option);
// A comma-separated list of widths (sweep); empty when the option is not given.
std::vector<Precision> width_list(const boost::program_options::variables_map& vm, const std::string& option);
// --experts-hit N|P% (evaluate/experts_hit.h), for commands whose point is not point_options'.
boost::program_options::options_description experts_hit_options();
// Its value; nullopt when not given; po::error naming the option for a bad one.
std::optional<ExpertsHit> experts_hit(const boost::program_options::variables_map& vm);
// The runtime point of point_options; po::error naming the option for a bad number.
RuntimePoint runtime_point(const boost::program_options::variables_map& vm);

// "1,8,64", "0:4096:512" (start:stop:step, stop included), or a mix; po::error naming `option`,
// also for a list of more than `max_values` values (10 million on the command line).
std::vector<GiNaC::numeric> number_list(const std::string& text, const std::string& option,
                                        size_t max_values = 10000000);
// "989e12", "989T", "3.35e12", "3.35T" -> the number; po::error naming `option`.
double si_number(const std::string& text, const std::string& option);

// The values of --bind NAME=EXPR, NAME -> EXPR; po::error naming the bad one.
std::map<std::string, Expr> bindings(const std::vector<std::string>& binds);

}  // namespace kcost

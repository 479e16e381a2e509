// ClosedForm: a few expressions in a few integer variables (a model's totals in batch_size,
// seq_len, cache_len, bytes once the config's numbers are substituted), compiled once into a
// straight-line program over 128-bit integers so that evaluating them at a point costs a few
// hundred machine instructions (sweeps of millions of points).
//
// Compilation expands the expressions, shares common subexpressions, and represents rational
// intermediate values as numerator/denominator register pairs, so `x / 2`, `math.ceil(h / 2)`,
// `a // b`, `%`, min/max, comparisons, and/or/not and `a if c else b` all compile. Both arms of
// a conditional are computed (no branches). The fast path is exact or it fails: on overflow,
// division by zero, a result that is not an integer, or an expression that holds a float, it
// reports failure for that point and evaluate() falls back to exact GiNaC evaluation of the
// original expression (which also short-circuits `and`/`or`/`if` like Python). So the result
// of evaluate() is always exactly Expr::eval's.
//
// Rational variables (the element widths bytes, weight_bytes, kv_bytes: 0.5 for 4-bit, 0.5625
// for 4-bit with scales) are compiled as fractions of an input numerator register over one
// denominator register they share (at a point, their least common denominator, so that their
// terms add as numerators), so that a point at a width that is not an integer runs the same program over
// the same 128-bit integers (run_rational), and an output may be a fraction (the numerator and
// a positive denominator, not reduced). At integer widths the denominators are 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ginac/ginac.h>
#include <nlohmann/json.hpp>

#include "expr/expr.h"

namespace kcost {

using int128 = __int128;

class ClosedForm {
 public:
  ClosedForm() = default;
  // `outputs` may contain no symbols but `variables`; throws ExprError naming one that is not.
  // `rational_variables` (a subset of `variables`) may take fractional values on the fast path.
  ClosedForm(const std::vector<Expr>& outputs, const std::vector<std::string>& variables,
             const std::vector<std::string>& rational_variables = {});

  const std::vector<std::string>& variables() const { return variables_; }
  size_t output_count() const { return outputs_.size(); }
  size_t instruction_count() const { return program_.size(); }
  // False when some output could not be compiled (it holds a float); evaluate() still works.
  bool fully_compiled() const;

  // Scratch registers for run() and run_rational(); one per thread. The program runs over
  // 64-bit integers first (every step of most points fits) and again over 128-bit ones when a
  // 64-bit step overflows; `narrow` is empty when a constant needs more than 64 bits.
  // A register file remembers the point it last ran at: the next run executes only the
  // instructions that depend on a variable whose value changed (a sweep's inner axis), the
  // others' registers holding their values already. A run that fails leaves its file to run
  // whole next time.
  struct Registers {
    std::vector<std::int64_t> narrow;
    std::vector<int128> wide;
    bool narrow_current = false, wide_current = false;  // the registers hold a whole run's values
    std::vector<std::vector<std::uint32_t>> programs;    // per mask of changed variables: instruction indices
  };
  Registers make_registers() const;

  // Fast path: `inputs` in the order of variables(); writes every output to `results` and
  // returns true when every output is an exact integer computed without overflow; returns
  // false otherwise (then call evaluate()).
  bool run(const std::int64_t* inputs, int128* results, Registers& registers) const;
  // Fast path at rational inputs: variable i is numerators[i] / denominators[i] (denominators
  // positive, and 1 for a variable that is not rational); writes each output as
  // result_numerators[i] / result_denominators[i] (denominator positive, not reduced). False on
  // overflow, division by zero, or an output that could not be compiled.
  bool run_rational(const std::int64_t* numerators, const std::int64_t* denominators, int128* result_numerators,
                    int128* result_denominators, Registers& registers) const;

  // Exact values at `inputs` (any GiNaC numbers): the fast path when the inputs are 64-bit
  // integers (fractions of them for the rational variables) and it succeeds, else Expr::eval of
  // the outputs. Throws ExprError as Expr::eval.
  std::vector<GiNaC::numeric> evaluate(const std::vector<GiNaC::numeric>& inputs) const;
  // Exact GiNaC evaluation only (for tests and for the fallback).
  std::vector<GiNaC::numeric> evaluate_exact(const std::vector<GiNaC::numeric>& inputs) const;

  // The compiled program as JSON (variables, outputs as Python text, instructions, constants),
  // and back: what the cost cache keeps so that a warm sweep starts evaluating at once.
  // from_json throws std::runtime_error for anything that is not such a program (a register
  // out of range, an unknown instruction); the program it gives is the one to_json wrote.
  nlohmann::json to_json() const;
  static ClosedForm from_json(const nlohmann::json& j);

  struct Instruction {
    std::uint8_t op;
    std::uint32_t d, a, b, c;
  };

 private:
  friend class ClosedFormCompiler;
  // The instructions to run when the variables in `changed` (a bit per variable) took new values.
  const std::vector<std::uint32_t>& program_for(std::uint32_t changed, Registers& regs) const;
  void compute_dependencies();
  template <class T>
  bool run_in(const std::int64_t* numerators, const std::int64_t* denominators, std::int64_t common,
              int128* result_numerators, int128* result_denominators, T* registers, bool& current,
              Registers& regs) const;
  std::vector<std::string> variables_;
  std::vector<Expr> outputs_;
  std::vector<Instruction> program_;
  std::vector<int128> registers_;     // initial register file: constants preloaded
  std::vector<std::uint32_t> input_registers_;
  std::vector<std::int64_t> input_denominators_;   // per variable: its denominator register, -1: an integer
  std::vector<std::int64_t> output_registers_;     // -1: output not compiled
  std::vector<std::int64_t> output_denominators_;  // per output: its denominator register, -1: an integer
  // Per instruction: the variables (bit i: variables_[i]) its result depends on. Empty when the
  // program is not in the form partial runs need (each register written by one instruction,
  // but kFixDen's in-place fix of a fraction just made; at most 16 variables).
  std::vector<std::uint32_t> dependencies_;
};

// 128-bit integer as decimal text.
std::string to_string(int128 value);
// numerator / denominator (denominator positive) as exact text, as to_string(GiNaC::numeric)
// writes it: "12", "3306363274.5" (a terminating decimal), "1/3" (otherwise a ratio).
void append_rational(std::string& out, int128 numerator, int128 denominator);
GiNaC::numeric to_numeric(int128 value);

}  // namespace kcost

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
  ClosedForm(const std::vector<Expr>& outputs, const std::vector<std::string>& variables);

  const std::vector<std::string>& variables() const { return variables_; }
  size_t output_count() const { return outputs_.size(); }
  size_t instruction_count() const { return program_.size(); }
  // False when some output could not be compiled (it holds a float); evaluate() still works.
  bool fully_compiled() const;

  // Scratch registers for run(); one per thread.
  std::vector<int128> make_registers() const { return registers_; }

  // Fast path: `inputs` in the order of variables(); writes every output to `results` and
  // returns true when every output is an exact integer computed without overflow; returns
  // false otherwise (then call evaluate()).
  bool run(const std::int64_t* inputs, int128* results, std::vector<int128>& registers) const;

  // Exact values at `inputs` (any GiNaC numbers): the fast path when the inputs are 64-bit
  // integers and it succeeds, else Expr::eval of the outputs. Throws ExprError as Expr::eval.
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
  std::vector<std::string> variables_;
  std::vector<Expr> outputs_;
  std::vector<Instruction> program_;
  std::vector<int128> registers_;     // initial register file: constants preloaded
  std::vector<std::uint32_t> input_registers_;
  std::vector<std::int64_t> output_registers_;  // -1: output not compiled
};

// 128-bit integer as decimal text.
std::string to_string(int128 value);
GiNaC::numeric to_numeric(int128 value);

}  // namespace kcost

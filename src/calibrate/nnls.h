// NNLS: non-negative least squares, min ||A x - b|| subject to x >= 0, by the active-set method
// of Lawson and Hanson (Solving Least Squares Problems, 1974, ch. 23). Small and dense: what a
// latency fit of a few dozen coefficients over a few hundred runs needs.
#pragma once

#include <stdexcept>
#include <vector>

namespace kcost {

// Row-major m x n.
struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<double> data;
  Matrix() = default;
  Matrix(size_t r, size_t c) : rows(r), cols(c), data(r * c, 0.0) {}
  double& at(size_t r, size_t c) { return data[r * cols + c]; }
  double at(size_t r, size_t c) const { return data[r * cols + c]; }
};

struct NnlsResult {
  std::vector<double> x;
  double residual_norm = 0;  // ||A x - b||
  int iterations = 0;
};

// Throws std::invalid_argument when b's length is not A's row count. Stops after
// `max_iterations` (default 3 n) outer iterations with the best feasible point found.
NnlsResult nnls(const Matrix& a, const std::vector<double>& b, int max_iterations = 0);

// Unconstrained least squares on the columns `active` of `a` (the others are zero), by
// Householder QR; columns that are linearly dependent on earlier ones get 0.
std::vector<double> least_squares(const Matrix& a, const std::vector<double>& b, const std::vector<size_t>& active);

}  // namespace kcost

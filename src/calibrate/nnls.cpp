#include "calibrate/nnls.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kcost {

std::vector<double> least_squares(const Matrix& a, const std::vector<double>& b, const std::vector<size_t>& active) {
  const size_t m = a.rows, k = active.size();
  // Work on a copy of the active columns (column-major for Householder).
  std::vector<std::vector<double>> q(k, std::vector<double>(m));
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < m; ++i) q[j][i] = a.at(i, active[j]);
  std::vector<double> y = b;
  std::vector<double> diag(k, 0.0);
  std::vector<bool> dependent(k, false);
  double scale = 0;
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < m; ++i) scale = std::max(scale, std::fabs(q[j][i]));
  const double tiny = scale * 1e-12 * static_cast<double>(std::max(m, k));
  size_t r = 0;  // rows used so far
  std::vector<size_t> pivot_row(k, 0);
  for (size_t j = 0; j < k; ++j) {
    if (r >= m) {
      dependent[j] = true;
      continue;
    }
    double norm = 0;
    for (size_t i = r; i < m; ++i) norm += q[j][i] * q[j][i];
    norm = std::sqrt(norm);
    if (norm <= tiny) {
      dependent[j] = true;
      continue;
    }
    double alpha = q[j][r] > 0 ? -norm : norm;
    std::vector<double> v(m, 0.0);
    for (size_t i = r; i < m; ++i) v[i] = q[j][i];
    v[r] -= alpha;
    double vv = 0;
    for (size_t i = r; i < m; ++i) vv += v[i] * v[i];
    if (vv > 0) {
      auto reflect = [&](std::vector<double>& col) {
        double d = 0;
        for (size_t i = r; i < m; ++i) d += v[i] * col[i];
        d = 2 * d / vv;
        for (size_t i = r; i < m; ++i) col[i] -= d * v[i];
      };
      for (size_t jj = j; jj < k; ++jj) reflect(q[jj]);
      reflect(y);
    }
    diag[j] = q[j][r];
    pivot_row[j] = r;
    ++r;
  }
  // Back substitution over the independent columns.
  std::vector<double> x(k, 0.0);
  for (size_t jj = k; jj-- > 0;) {
    if (dependent[jj]) continue;
    size_t row = pivot_row[jj];
    double s = y[row];
    for (size_t l = jj + 1; l < k; ++l)
      if (!dependent[l]) s -= q[l][row] * x[l];
    x[jj] = s / diag[jj];
  }
  std::vector<double> full(a.cols, 0.0);
  for (size_t j = 0; j < k; ++j) full[active[j]] = x[j];
  return full;
}

namespace {

std::vector<double> residual(const Matrix& a, const std::vector<double>& x, const std::vector<double>& b) {
  std::vector<double> r(a.rows);
  for (size_t i = 0; i < a.rows; ++i) {
    double s = 0;
    for (size_t j = 0; j < a.cols; ++j) s += a.at(i, j) * x[j];
    r[i] = b[i] - s;
  }
  return r;
}

}  // namespace

NnlsResult nnls(const Matrix& a, const std::vector<double>& b, int max_iterations) {
  if (b.size() != a.rows) throw std::invalid_argument("nnls: b has " + std::to_string(b.size()) + " rows, A has " +
                                                      std::to_string(a.rows));
  const size_t n = a.cols;
  if (max_iterations <= 0) max_iterations = static_cast<int>(3 * n) + 10;
  std::vector<double> x(n, 0.0);
  std::vector<bool> passive(n, false);
  NnlsResult out;
  double scale = 0;
  for (double v : a.data) scale = std::max(scale, std::fabs(v));
  double bscale = 0;
  for (double v : b) bscale = std::max(bscale, std::fabs(v));
  const double tolerance = 1e-12 * std::max(1.0, scale * bscale) * static_cast<double>(std::max<size_t>(a.rows, 1));
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    out.iterations = iteration + 1;
    // Gradient of -1/2 ||Ax - b||^2: w = A^T (b - A x).
    std::vector<double> r = residual(a, x, b);
    size_t best = n;
    double best_w = tolerance;
    for (size_t j = 0; j < n; ++j) {
      if (passive[j]) continue;
      double w = 0;
      for (size_t i = 0; i < a.rows; ++i) w += a.at(i, j) * r[i];
      if (w > best_w) best_w = w, best = j;
    }
    if (best == n) break;  // Kuhn-Tucker conditions hold
    passive[best] = true;
    // Inner loop: solve on the passive set, step back while some coefficient would go negative.
    for (;;) {
      std::vector<size_t> set;
      for (size_t j = 0; j < n; ++j)
        if (passive[j]) set.push_back(j);
      std::vector<double> z = least_squares(a, b, set);
      bool feasible = true;
      for (size_t j : set)
        if (z[j] <= 0) feasible = false;
      if (feasible) {
        x = z;
        break;
      }
      double alpha = std::numeric_limits<double>::infinity();
      for (size_t j : set)
        if (z[j] <= 0) alpha = std::min(alpha, x[j] / (x[j] - z[j]));
      for (size_t j = 0; j < n; ++j) x[j] += alpha * (z[j] - x[j]);
      bool removed = false;
      for (size_t j : set)
        if (x[j] <= 1e-15 * std::max(1.0, std::fabs(z[j]))) {
          passive[j] = false;
          x[j] = 0;
          removed = true;
        }
      if (!removed) {  // numerical corner: drop the most negative one
        size_t worst = set.front();
        for (size_t j : set)
          if (z[j] < z[worst]) worst = j;
        passive[worst] = false;
        x[worst] = 0;
      }
      bool any = false;
      for (size_t j = 0; j < n; ++j) any = any || passive[j];
      if (!any) break;
    }
  }
  out.x = x;
  std::vector<double> r = residual(a, x, b);
  double s = 0;
  for (double v : r) s += v * v;
  out.residual_norm = std::sqrt(s);
  return out;
}

}  // namespace kcost

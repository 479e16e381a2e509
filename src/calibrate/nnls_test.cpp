#include "calibrate/nnls.h"

#include <cmath>

#include <gtest/gtest.h>

namespace kcost {
namespace {

Matrix matrix(const std::vector<std::vector<double>>& rows) {
  Matrix a(rows.size(), rows.front().size());
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) a.at(i, j) = rows[i][j];
  return a;
}

TEST(Nnls, ExactNonNegativeSolutionIsRecovered) {
  Matrix a = matrix({{1, 2, 0}, {0, 1, 3}, {2, 0, 1}, {1, 1, 1}});
  std::vector<double> x = {0.5, 2.0, 1.5};
  std::vector<double> b(4, 0.0);
  for (size_t i = 0; i < 4; ++i)
    for (size_t j = 0; j < 3; ++j) b[i] += a.at(i, j) * x[j];
  NnlsResult r = nnls(a, b);
  for (size_t j = 0; j < 3; ++j) EXPECT_NEAR(r.x[j], x[j], 1e-10);
  EXPECT_NEAR(r.residual_norm, 0, 1e-10);
}

TEST(Nnls, NegativeUnconstrainedCoefficientIsClampedToZero) {
  // b = 2 * col1 - 1 * col2 = (1, -1, -3); with x >= 0 the optimum drops col2 and
  // x1 = <col1, b> / <col1, col1> = (1 - 1 - 3) / 3 < 0, so that is clamped too, and the best
  // is col2 alone? <col2, b> = 1 - 3 - 15 < 0: the optimum is x = 0.
  Matrix a = matrix({{1, 1}, {1, 3}, {1, 5}});
  NnlsResult r = nnls(a, {1, -1, -3});
  EXPECT_EQ(r.x[0], 0.0);
  EXPECT_EQ(r.x[1], 0.0);
  // b = 4 * col1 - 1 * col2 = (3, 1, -1): x2 = 0, x1 = (3 + 1 - 1) / 3 = 1.
  r = nnls(a, {3, 1, -1});
  EXPECT_NEAR(r.x[0], 1.0, 1e-12);
  EXPECT_EQ(r.x[1], 0.0);
}

TEST(Nnls, MatchesKnownTextbookOptimum) {
  // min ||A x - b||, x >= 0 with the unconstrained optimum outside the orthant; the constrained
  // optimum (checked by the KKT conditions below) keeps only the first column.
  Matrix a = matrix({{1, 0}, {1, 1}, {0, 1}});
  std::vector<double> b = {3, 2, -2};
  NnlsResult r = nnls(a, b);
  // With x2 = 0: x1 = (3 + 2) / 2 = 2.5; gradient for x2: A2^T (b - A x) = (2 - 2.5) + (-2) < 0.
  EXPECT_NEAR(r.x[0], 2.5, 1e-12);
  EXPECT_NEAR(r.x[1], 0.0, 1e-12);
  EXPECT_NEAR(r.residual_norm, std::sqrt(0.25 + 0.25 + 4.0), 1e-12);
}

TEST(Nnls, DependentColumnsStillGiveTheOptimalFit) {
  // Columns 1 and 2 are equal: any split of the coefficient fits; the residual must be zero.
  Matrix a = matrix({{1, 1, 0}, {2, 2, 1}, {3, 3, 0}, {0, 0, 1}});
  std::vector<double> b = {2, 5, 6, 1};  // 2 * col1 + 1 * col3
  NnlsResult r = nnls(a, b);
  EXPECT_NEAR(r.x[0] + r.x[1], 2.0, 1e-9);
  EXPECT_NEAR(r.x[2], 1.0, 1e-9);
  EXPECT_GE(r.x[0], 0);
  EXPECT_GE(r.x[1], 0);
}

TEST(Nnls, AllNegativeTargetGivesZero) {
  Matrix a = matrix({{1, 2}, {3, 4}});
  NnlsResult r = nnls(a, {-1, -2});
  EXPECT_EQ(r.x[0], 0.0);
  EXPECT_EQ(r.x[1], 0.0);
}

TEST(Nnls, WrongRightHandSideLengthThrows) {
  Matrix a(3, 2);
  EXPECT_THROW(nnls(a, {1, 2}), std::invalid_argument);
}

TEST(Nnls, LeastSquaresOnASubsetOfColumns) {
  Matrix a = matrix({{1, 5}, {1, 7}, {1, 9}});
  std::vector<double> x = least_squares(a, {2, 2, 2}, {0});
  EXPECT_NEAR(x[0], 2.0, 1e-12);
  EXPECT_EQ(x[1], 0.0);
}

}  // namespace
}  // namespace kcost

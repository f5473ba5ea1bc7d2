// Tests of the unbiased pass@k estimator against brute-force enumeration of k-subsets, and of the
// k values a report lists.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/pass_at_k.h"

namespace {

// Fraction of the k-subsets of n samples (the first c correct) containing a correct sample,
// by enumerating every subset as a bit mask.
double brute_force(int n, int c, int k) {
  long hit = 0, total = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) != k) continue;
    ++total;
    if (mask & ((1u << c) - 1)) ++hit;
  }
  return static_cast<double>(hit) / total;
}

TEST(PassAtK, MatchesSubsetEnumerationForAllSmallCases) {
  for (int n = 1; n <= 12; ++n)
    for (int c = 0; c <= n; ++c)
      for (int k = 1; k <= n; ++k)
        EXPECT_NEAR(ds::eval::pass_at_k(n, c, k), brute_force(n, c, k), 1e-12)
            << "n=" << n << " c=" << c << " k=" << k;
}

TEST(PassAtK, PassAtOneIsTheFractionCorrect) {
  for (int n : {1, 7, 32, 1000})
    for (int c = 0; c <= n; c += std::max(1, n / 9))
      EXPECT_NEAR(ds::eval::pass_at_k(n, c, 1), static_cast<double>(c) / n, 1e-12);
}

TEST(PassAtK, EdgeCases) {
  EXPECT_EQ(ds::eval::pass_at_k(32, 0, 32), 0.0);  // nothing correct
  EXPECT_EQ(ds::eval::pass_at_k(32, 1, 32), 1.0);  // k = n sees every sample
  EXPECT_EQ(ds::eval::pass_at_k(32, 30, 3), 1.0);  // only 2 wrong: every 3-subset hits
  EXPECT_EQ(ds::eval::pass_at_k(1, 1, 1), 1.0);
}

TEST(PassAtK, LargeNIsStableAndMatchesLogGamma) {
  // 1 - C(n-c, k) / C(n, k) through lgamma, fine at these sizes in double.
  auto reference = [](int n, int c, int k) {
    auto lc = [](int a, int b) {
      return std::lgamma(a + 1.0) - std::lgamma(b + 1.0) - std::lgamma(a - b + 1.0);
    };
    return 1.0 - std::exp(lc(n - c, k) - lc(n, k));
  };
  for (int n : {256, 1024, 4096})
    for (int c : {1, 3, n / 10, n / 2})
      for (int k : {1, 4, 16, 64})
        EXPECT_NEAR(ds::eval::pass_at_k(n, c, k), reference(n, c, k), 1e-9)
            << "n=" << n << " c=" << c << " k=" << k;
}

TEST(PassAtK, IncreasesWithKAndWithC) {
  const int n = 32;
  for (int c = 1; c < n; ++c)
    for (int k = 1; k < n; ++k) {
      EXPECT_LE(ds::eval::pass_at_k(n, c, k), ds::eval::pass_at_k(n, c, k + 1) + 1e-15);
      EXPECT_LE(ds::eval::pass_at_k(n, c, k), ds::eval::pass_at_k(n, c + 1, k) + 1e-15);
    }
}

TEST(ReportKs, PowersOfTwoFromFourPlusN) {
  using V = std::vector<int>;
  EXPECT_EQ(ds::eval::report_ks(1), V({1}));
  EXPECT_EQ(ds::eval::report_ks(2), V({1, 2}));
  EXPECT_EQ(ds::eval::report_ks(3), V({1, 3}));
  EXPECT_EQ(ds::eval::report_ks(4), V({1, 4}));
  EXPECT_EQ(ds::eval::report_ks(6), V({1, 4, 6}));
  EXPECT_EQ(ds::eval::report_ks(8), V({1, 4, 8}));
  EXPECT_EQ(ds::eval::report_ks(32), V({1, 4, 8, 16, 32}));
  EXPECT_EQ(ds::eval::report_ks(48), V({1, 4, 8, 16, 32, 48}));
}

TEST(PassAtKDeathTest, RejectsImpossibleCounts) {
  EXPECT_DEATH(ds::eval::pass_at_k(4, 5, 1), "c <= n");
  EXPECT_DEATH(ds::eval::pass_at_k(4, 1, 5), "k <= n");
}

}  // namespace

// Owns the unbiased pass@k estimator of Chen et al. (2021, "Evaluating Large Language Models
// Trained on Code") and the choice of which k a report shows. Pure functions; thread-safe.
#pragma once

#include <vector>

namespace ds::eval {

// Probability that at least one of k samples drawn without replacement from n samples, c of
// them correct, is correct: 1 - C(n-c, k) / C(n, k). Computed as the product
// 1 - prod_{i=n-c+1..n} (1 - k / i), which never forms a binomial coefficient, so it is exact to
// double rounding for any n (no overflow at n = 1024, c = 512). Requires 0 <= c <= n, 1 <= k <= n.
double pass_at_k(int n, int c, int k);

// The k values a report lists for n samples per problem: 1, then the powers of two from 4 up to n,
// then n itself when n is not a power of two (so the largest k always uses every sample).
// E.g. n=32 -> {1,4,8,16,32}; n=6 -> {1,4,6}; n=2 -> {1,2}; n=1 -> {1}. k=2 is left out, as in
// the paper's protocol {1, 4, 8, ..., n}. Requires n >= 1.
std::vector<int> report_ks(int n);

}  // namespace ds::eval

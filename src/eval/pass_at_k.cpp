// Unbiased pass@k estimator (see pass_at_k.h).
#include "eval/pass_at_k.h"

#include "core/errors.h"

namespace ds::eval {

double pass_at_k(int n, int c, int k) {
  DS_CHECK(n >= 1 && c >= 0 && c <= n, "pass_at_k: need 0 <= c <= n and n >= 1");
  DS_CHECK(k >= 1 && k <= n, "pass_at_k: need 1 <= k <= n");
  // Every k-subset contains a correct sample when fewer than k samples are wrong.
  if (n - c < k) return 1.0;
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1..n} (1 - k / i): each factor is in [0, 1).
  double all_wrong = 1.0;
  for (int i = n - c + 1; i <= n; ++i) all_wrong *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - all_wrong;
}

std::vector<int> report_ks(int n) {
  DS_CHECK(n >= 1, "report_ks: need n >= 1");
  std::vector<int> ks{1};
  for (int k = 4; k <= n; k *= 2) ks.push_back(k);
  if (ks.back() != n) ks.push_back(n);
  return ks;
}

}  // namespace ds::eval

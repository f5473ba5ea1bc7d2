// The Countdown task: generator and verifier (see countdown.h).
#include "tasks/countdown.h"

#include <algorithm>
#include <map>

#include "core/errors.h"
#include "tasks/answer_extract.h"
#include "tasks/countdown_expr.h"
#include "tasks/generate_util.h"

namespace ds::tasks {

namespace {

// Intermediate values of reference solutions stay within this bound.
constexpr int64_t kValueCap = 1000000;
// Random combination trees drawn per problem before giving up (never reached in practice: the
// acceptance rate of the hardest level is about 26%).
constexpr int kMaxTreeAttempts = 10000;

struct Item {
  int64_t value;
  std::string expr;  // minimal-parenthesis expression
  int prec;          // precedence of its top operator: 1 for + -, 2 for * /, 3 for a literal
};

int precedence(char op) {
  return op == '+' || op == '-' ? 1 : 2;
}

Item combine(const Item& a, char op, const Item& b) {
  int p = precedence(op);
  bool paren_left = a.prec < p;
  bool paren_right = b.prec < p || (b.prec == p && (op == '-' || op == '/'));
  std::string left = paren_left ? "(" + a.expr + ")" : a.expr;
  std::string right = paren_right ? "(" + b.expr + ")" : b.expr;
  int64_t v = op == '+'   ? a.value + b.value
              : op == '-' ? a.value - b.value
              : op == '*' ? a.value * b.value
                          : a.value / b.value;
  return {v, left + op + right, p};
}

std::string join_numbers(const std::vector<int64_t>& xs) {
  std::string out;
  for (size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + std::to_string(xs[i]);
  return out;
}

Problem make_problem(Rng& rng, const CountdownLevel& lv, bool use_all) {
  for (int attempt = 0; attempt < kMaxTreeAttempts; ++attempt) {
    std::vector<int64_t> numbers(static_cast<size_t>(lv.count));
    for (auto& x : numbers) x = uniform_int(rng, 1, lv.number_max);
    std::vector<Item> pool;
    for (int64_t x : numbers) pool.push_back({x, std::to_string(x), 3});
    std::string steps;
    while (pool.size() > 1) {
      size_t i = rng.below(pool.size());
      size_t j = rng.below(pool.size() - 1);
      if (j >= i) ++j;
      Item a = pool[i], b = pool[j];
      std::vector<char> ops;
      if (a.value + b.value <= kValueCap) ops.push_back('+');
      if (a.value * b.value <= kValueCap) ops.push_back('*');
      if (a.value != b.value) ops.push_back('-');
      int64_t big = std::max(a.value, b.value), small = std::min(a.value, b.value);
      if (lv.divide && small > 1 && big % small == 0) ops.push_back('/');
      DS_CHECK(!ops.empty(), "no feasible countdown step");
      char op = ops[rng.below(ops.size())];
      if ((op == '-' || op == '/') && a.value < b.value) std::swap(a, b);
      Item c = combine(a, op, b);
      steps += std::to_string(a.value) + op + std::to_string(b.value) + "=" +
               std::to_string(c.value) + "\n";
      pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
      pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
      pool.push_back(std::move(c));
    }
    int64_t target = pool[0].value;
    if (target < 1 || target > lv.target_max) continue;
    // Show the numbers in a random order so the text does not reveal the solution's order.
    for (size_t k = numbers.size(); k > 1; --k) std::swap(numbers[k - 1], numbers[rng.below(k)]);
    Problem p;
    p.problem = "Make " + std::to_string(target) + " from " + join_numbers(numbers) + ". Use " +
                (use_all ? "each number exactly once" : "each number at most once") +
                " with + - * /.";
    p.answer = pool[0].expr;
    p.solution = steps + "\\boxed{" + pool[0].expr + "}";
    return p;
  }
  DS_CHECK(false, "countdown generator found no target in range");
  return {};
}

class CountdownTask final : public Task {
 public:
  explicit CountdownTask(const CountdownOptions& options) : options_(options) {}
  std::string name() const override { return kCountdownTaskName; }
  std::string description() const override {
    return "reach a target from given numbers with + - * / (own expression verifier)";
  }
  int max_difficulty() const override { return kCountdownMaxDifficulty; }
  std::vector<Problem> generate(int difficulty, int n, uint64_t seed) const override {
    check_generate_args(*this, difficulty, n);
    const CountdownLevel& lv = countdown_level(difficulty);
    return generate_problems(name(), difficulty, n, seed, [&](Rng& rng) {
      return make_problem(rng, lv, options_.use_all_numbers);
    });
  }
  Score score(const Problem& problem, const std::string& response) const override {
    return score_countdown(parse_countdown_gold(problem.answer, "problem " + problem.id), response,
                           options_);
  }
  void check_problem(const Problem& problem, const std::string& where) const override {
    parse_countdown_gold(problem.answer, where);
  }

 private:
  CountdownOptions options_;
};

}  // namespace

const CountdownLevel& countdown_level(int difficulty) {
  DS_CHECK(difficulty >= 1 && difficulty <= kCountdownMaxDifficulty,
           "countdown difficulty out of range");
  return kCountdownLevels[difficulty - 1];
}

CountdownSpec parse_countdown_gold(const std::string& answer, const std::string& where) {
  ParsedExpr e = parse_countdown_expression(answer, /*allow_fractions=*/true);
  if (!e.ok)
    throw DataError(where,
                    "countdown answer '" + answer + "' is not a valid expression (" + e.error + ")",
                    "write the reference solution over the given numbers, e.g. \"(3+5)*7\"");
  if (!e.value.is_integer())
    throw DataError(
        where, "countdown answer '" + answer + "' has the non-integer value " + to_string(e.value),
        "the target must be a whole number");
  CountdownSpec spec;
  spec.numbers = e.numbers;
  std::sort(spec.numbers.begin(), spec.numbers.end());
  spec.target = e.value.num;
  return spec;
}

Score check_countdown_expression(const std::string& candidate, const CountdownSpec& spec,
                                 const CountdownOptions& options) {
  Score s;
  s.extracted = candidate;
  std::string expr = candidate;
  std::optional<std::string> claimed;
  if (size_t eq = candidate.find('='); eq != std::string::npos) {
    if (candidate.find('=', eq + 1) != std::string::npos) {
      s.reason = "more than one '='";
      return s;
    }
    expr = candidate.substr(0, eq);
    claimed = candidate.substr(eq + 1);
  }
  ParsedExpr e = parse_countdown_expression(expr, options.allow_fractions);
  if (!e.ok) {
    s.reason = "malformed expression: " + e.error;
    return s;
  }
  std::map<int64_t, int> left;
  for (int64_t x : spec.numbers) ++left[x];
  for (int64_t x : e.numbers) {
    auto it = left.find(x);
    if (it == left.end()) {
      s.reason = "number " + std::to_string(x) + " is not given";
      return s;
    }
    if (it->second == 0) {
      s.reason = "number " + std::to_string(x) + " used more often than given";
      return s;
    }
    --it->second;
  }
  if (options.use_all_numbers) {
    std::vector<int64_t> unused;
    for (auto [x, k] : left)
      for (int i = 0; i < k; ++i) unused.push_back(x);
    if (!unused.empty()) {
      s.reason = "numbers not used: " + join_numbers(unused);
      return s;
    }
  }
  if (claimed) {
    ParsedExpr c = parse_countdown_expression(*claimed, true);
    if (!c.ok || c.numbers.size() != 1) {
      s.reason = "the right-hand side of '=' must be a single number";
      return s;
    }
    if (!(c.value == e.value)) {
      s.reason = "claims " + to_string(c.value) + " but the expression is " + to_string(e.value);
      return s;
    }
  }
  if (!(e.value == Rational{spec.target, 1})) {
    s.reason = "value " + to_string(e.value) + " is not the target " + std::to_string(spec.target);
    return s;
  }
  s.correct = true;
  s.reason = "reaches " + std::to_string(spec.target);
  return s;
}

Score score_countdown(const CountdownSpec& spec, const std::string& response,
                      const CountdownOptions& options) {
  auto candidate = extract_final_answer(response);
  if (!candidate) {
    Score s;
    s.reason = "no \\boxed{} answer";
    return s;
  }
  return check_countdown_expression(*candidate, spec, options);
}

std::shared_ptr<const Task> make_countdown_task(const CountdownOptions& options) {
  return std::make_shared<CountdownTask>(options);
}

}  // namespace ds::tasks

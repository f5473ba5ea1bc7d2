// The verifier's orchestration: extraction, hedging rule, fast paths, parse, compare, bounds
// (see verify.h).
#include "verifier/verify.h"

#include <algorithm>
#include <new>

#include "verifier/budget.h"
#include "verifier/compare.h"
#include "verifier/extract.h"
#include "verifier/normalize.h"
#include "verifier/number.h"
#include "verifier/parser.h"

namespace ds::verify {

namespace {

// One side of a comparison, normalized once and parsed lazily.
struct Prepared {
  std::string raw;
  Normalized norm;
  std::optional<NumberLiteral> plain;  // the fast path
  bool parse_done = false;
  ParseResult parsed;

  Prepared(std::string_view answer, const VerifyOptions& opts) : raw(answer) {
    // Normalization may shorten an answer (markup, spaces), but not by this much: bound the
    // string work before doing any.
    if (answer.size() > 4 * static_cast<size_t>(std::max(0, opts.max_answer_chars)) + 64)
      Budget::exceed("answer longer than " + std::to_string(opts.max_answer_chars) + " chars");
    norm = normalize_answer(answer);
    if (!norm.text_only) plain = parse_plain_number(norm.text, opts.max_number_bits / 3);
  }
  const ParseResult& parse(Budget& b) {
    if (!parse_done) {
      parsed = parse_answer(norm, b);
      parse_done = true;
    }
    return parsed;
  }
};

Outcome percent_retry(const Answer& g, bool g_percent, const Answer& c, bool c_percent, Budget& b) {
  if (g.kind != Kind::kExpr || c.kind != Kind::kExpr) return {Eq::kDifferent, ""};
  ExprPtr ge = g.expr, ce = c.expr;
  ExprPtr hundred = make_int(100);
  if (g_percent) ge = make_binary(Op::kDiv, ge, hundred);
  if (c_percent) ce = make_binary(Op::kDiv, ce, hundred);
  Outcome o = compare_scalars(ge, ce, b);
  if (o.eq == Eq::kEqual) o.how += " (as a percentage)";
  return o;
}

Outcome compare_prepared(Prepared& gold, Prepared& cand, Budget& b) {
  const VerifyOptions& opts = b.opts();
  if (static_cast<int>(cand.norm.text.size()) > opts.max_answer_chars)
    Budget::exceed("answer longer than " + std::to_string(opts.max_answer_chars) + " chars");
  if (gold.norm.text.empty()) return {Eq::kUndecided, "gold answer is empty"};
  if (cand.norm.text.empty()) return {Eq::kDifferent, "empty answer"};
  bool percent_differs = gold.norm.percent != cand.norm.percent && opts.percent_equivalence;
  if (gold.norm.text == cand.norm.text) return {Eq::kEqual, "identical after normalization"};
  // Fast path: two plain numbers.
  if (gold.plain && cand.plain && !opts.gold_decimal_rounding) {
    if (gold.plain->value == cand.plain->value) return {Eq::kEqual, "exact"};
    if (percent_differs) {
      mpq_class g = gold.plain->value, c = cand.plain->value;
      if (gold.norm.percent) g /= 100;
      if (cand.norm.percent) c /= 100;
      if (g == c) return {Eq::kEqual, "exact (as a percentage)"};
    }
    return {Eq::kDifferent, "not equal (exact)"};
  }
  const ParseResult& g = gold.parse(b);
  if (!g.ok) {
    // A gold that is not math (prose): only the same text counts.
    std::string a = gold.norm.text, c = cand.norm.text;
    a.erase(std::remove(a.begin(), a.end(), ' '), a.end());
    c.erase(std::remove(c.begin(), c.end(), ' '), c.end());
    if (a == c) return {Eq::kEqual, "same text (gold is not parsable: " + g.error + ")"};
    return {Eq::kUndecided, "gold answer is not parsable (" + g.error + ")"};
  }
  if (g.answer.kind == Kind::kChoice) {
    auto letter = choice_letter(cand.norm.text, /*strict=*/false);
    if (!letter) letter = choice_letter(cand.raw, /*strict=*/false);
    if (letter && std::string(1, *letter) == g.answer.text) return {Eq::kEqual, "same choice"};
    return {Eq::kDifferent, "expected choice (" + g.answer.text + ")"};
  }
  if (g.answer.kind == Kind::kText) {
    if (text_key(cand.norm.text) == g.answer.text) return {Eq::kEqual, "same words"};
    return {Eq::kDifferent, "expected '" + g.answer.text + "'"};
  }
  const ParseResult& c = cand.parse(b);
  if (!c.ok) return {Eq::kDifferent, "answer is not parsable (" + c.error + ")"};
  Outcome o = compare_answers(g.answer, c.answer, b);
  if (o.eq != Eq::kEqual && percent_differs) {
    Outcome p = percent_retry(g.answer, gold.norm.percent, c.answer, cand.norm.percent, b);
    if (p.eq == Eq::kEqual) return p;
  }
  return o;
}

Verdict make_verdict(Status status, std::string extracted, std::string reason) {
  Verdict v;
  v.status = status;
  v.correct = status == Status::kCorrect;
  v.extracted = std::move(extracted);
  v.reason = std::move(reason);
  return v;
}

Verdict from_outcome(const Outcome& o, const std::string& extracted) {
  switch (o.eq) {
    case Eq::kEqual:
      return make_verdict(Status::kCorrect, extracted, "equal: " + o.how);
    case Eq::kDifferent:
      return make_verdict(Status::kWrong, extracted, o.how);
    case Eq::kUndecided:
      return make_verdict(Status::kUndecided, extracted, o.how);
  }
  return make_verdict(Status::kUndecided, extracted, o.how);
}

std::string gold_answer_of(const std::string& gold) {
  if (gold.find("\\boxed") == std::string::npos && gold.find("\\fbox") == std::string::npos)
    return gold;
  bool unterminated = false;
  auto boxes = find_boxed(gold, &unterminated);
  return boxes.empty() ? gold : boxes.back();
}

}  // namespace

const char* status_name(Status s) {
  switch (s) {
    case Status::kCorrect:
      return "correct";
    case Status::kWrong:
      return "wrong";
    case Status::kNoAnswer:
      return "no_answer";
    case Status::kUndecided:
      return "undecided";
  }
  return "?";
}

Verdict verify(const std::string& gold, const std::string& response, const VerifyOptions& opts) {
  Budget budget(opts);
  if (static_cast<int64_t>(response.size()) > opts.max_response_chars)
    return make_verdict(
        Status::kUndecided, "",
        "response longer than " + std::to_string(opts.max_response_chars) + " chars");
  Extraction ex = extract(response);
  if (!ex.found) {
    return make_verdict(Status::kNoAnswer, "",
                        ex.unterminated ? "no answer: unterminated \\boxed{" : "no answer found");
  }
  if (static_cast<int>(ex.boxed.size()) > opts.max_boxed)
    return make_verdict(Status::kWrong, ex.answer,
                        "too many boxed answers (" + std::to_string(ex.boxed.size()) + ")");
  try {
    Prepared g(gold_answer_of(gold), opts);
    if (static_cast<int>(g.norm.text.size()) > opts.max_answer_chars)
      return make_verdict(Status::kUndecided, ex.answer, "gold answer too long");
    Prepared last(ex.answer, opts);
    Outcome o = compare_prepared(g, last, budget);
    if (o.eq != Eq::kEqual || !opts.reject_hedging || ex.boxed.size() < 2)
      return from_outcome(o, ex.answer);
    // Every other distinct boxed answer must also match the gold.
    std::vector<std::string> seen{last.norm.text};
    for (size_t i = 0; i + 1 < ex.boxed.size(); ++i) {
      Prepared other(ex.boxed[i], opts);
      if (std::find(seen.begin(), seen.end(), other.norm.text) != seen.end()) continue;
      seen.push_back(other.norm.text);
      Outcome oo = compare_prepared(g, other, budget);
      if (oo.eq != Eq::kEqual) {
        return make_verdict(Status::kWrong, ex.answer,
                            "multiple different answers: \\boxed{" + ex.boxed[i] +
                                "} and \\boxed{" + ex.answer + "}");
      }
    }
    return from_outcome(o, ex.answer);
  } catch (const BudgetExceeded& e) {
    return make_verdict(Status::kUndecided, ex.answer,
                        std::string("could not decide: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // A library error (GMP / GiNaC) on hostile input: never a crash, never "correct".
    return make_verdict(Status::kUndecided, ex.answer,
                        std::string("could not decide: ") + e.what());
  }
}

std::optional<std::string> extract_answer(std::string_view response) {
  Extraction ex = extract(response);
  if (!ex.found) return std::nullopt;
  return ex.answer;
}

Verdict compare_answers(std::string_view gold, std::string_view candidate,
                        const VerifyOptions& opts) {
  Budget budget(opts);
  std::string c(candidate);
  try {
    Prepared g(gold_answer_of(std::string(gold)), opts);
    Prepared cand(candidate, opts);
    if (cand.norm.text.empty()) return make_verdict(Status::kNoAnswer, c, "empty answer");
    return from_outcome(compare_prepared(g, cand, budget), c);
  } catch (const BudgetExceeded& e) {
    return make_verdict(Status::kUndecided, c, std::string("could not decide: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return make_verdict(Status::kUndecided, c, std::string("could not decide: ") + e.what());
  }
}

bool answers_equivalent(std::string_view gold, std::string_view candidate,
                        const VerifyOptions& opts) {
  return compare_answers(gold, candidate, opts).correct;
}

GoldReport describe_answer(std::string_view gold, const VerifyOptions& opts) {
  GoldReport r;
  Budget budget(opts);
  Normalized n = normalize_answer(gold_answer_of(std::string(gold)));
  r.normalized = n.text;
  try {
    ParseResult p = parse_answer(n, budget);
    r.parsed = p.ok;
    r.error = p.error;
    if (p.ok) {
      r.kind = kind_name(p.answer.kind);
      r.canonical = to_string(p.answer);
    }
  } catch (const BudgetExceeded& e) {
    r.error = std::string("bound exceeded: ") + e.what();
  }
  return r;
}

}  // namespace ds::verify

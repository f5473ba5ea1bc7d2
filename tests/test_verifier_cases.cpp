// Table-driven acceptance test of the math verifier: tests/data/verifier/cases.jsonl holds
// {"gold", "response", "expect", "note"} lines written from the rules (extraction, hedging,
// normalization, numbers, expressions, equations, structures, choices, words, bounds), in both
// directions: pairs that must match and near-misses that must not. All failures are reported
// together.
#include <gtest/gtest.h>

#include <string>

#include "core/jsonl.h"
#include "verifier/verify.h"

namespace {

const std::string kCases = std::string(DS_SOURCE_DIR) + "/tests/data/verifier/cases.jsonl";

TEST(VerifierCases, TableHasBothDirections) {
  auto lines = ds::read_jsonl(kCases);
  size_t positive = 0, negative = 0;
  for (const auto& c : lines) (c["expect"] == "correct" ? positive : negative)++;
  EXPECT_GE(lines.size(), 300u);
  EXPECT_GE(positive, 150u);
  EXPECT_GE(negative, 100u);
}

TEST(VerifierCases, EveryCaseHasTheExpectedVerdict) {
  std::string failures;
  size_t n = 0, bad = 0;
  ds::for_each_jsonl(kCases, [&](const ds::json& c, size_t line) {
    std::string gold = ds::require_string(c, "gold", kCases, line);
    std::string response = ds::require_string(c, "response", kCases, line);
    std::string expect = ds::require_string(c, "expect", kCases, line);
    ds::verify::Verdict v = ds::verify::verify(gold, response);
    ++n;
    std::string got = ds::verify::status_name(v.status);
    EXPECT_EQ(v.correct, v.status == ds::verify::Status::kCorrect);
    if (got != expect) {
      ++bad;
      failures += "  line " + std::to_string(line) + " [" + c.value("note", "") + "]: gold '" +
                  gold + "' response '" + response.substr(0, 80) + "' expected " + expect +
                  ", got " + got + " (" + v.reason + ")\n";
    }
  });
  EXPECT_EQ(bad, 0u) << bad << " of " << n << " cases failed:\n" << failures;
}

}  // namespace

// The verifier on the real evaluation sets (read from DS_SHARED_DIR at test time):
//  - every gold answer of data/eval/*.jsonl parses (the few that cannot are listed with a
//    reason; at most 0.5% may fail, and each failure must be a known non-math gold);
//  - every MATH500 gold, rewritten into other valid forms (inside a sentence, \dfrac, spacing,
//    "x = " prefix, \left( \right), thousands separators, a/b, display math), is judged correct;
//  - every MATH500 gold with one digit changed is judged not correct (near-misses).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "core/jsonl.h"
#include "verifier/verify.h"

namespace {

namespace fs = std::filesystem;
using ds::verify::verify;

const std::string kEvalDir = std::string(DS_SHARED_DIR) + "/data/eval";

std::vector<std::string> golds_of(const std::string& path) {
  std::vector<std::string> out;
  ds::for_each_jsonl(path, [&](const ds::json& row, size_t line) {
    out.push_back(ds::require_string(row, "answer", path, line));
  });
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

bool is_plain_integer(const std::string& s) {
  size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size()) return false;
  for (size_t k = i; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return false;
  return true;
}

// Drops spaces that LaTeX ignores (keeps one after a command name followed by a letter).
std::string without_spaces(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != ' ') {
      out += s[i];
      continue;
    }
    size_t j = out.size();
    while (j > 0 && std::isalpha(static_cast<unsigned char>(out[j - 1]))) --j;
    bool after_command = j > 0 && j < out.size() && out[j - 1] == '\\';
    bool before_letter = i + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 1]));
    if (after_command && before_letter) out += ' ';
  }
  return out;
}

// Spaces around operators and after commas.
std::string with_spaces(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool escaped = i > 0 && s[i - 1] == '\\';
    bool thousands = c == ',' && i + 1 < s.size() &&
                     (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '\\');
    if (!escaped && !thousands && (c == '+' || c == '=' || c == ',')) {
      out += c == ',' ? ", " : std::string(" ") + c + " ";
    } else {
      out += c;
    }
  }
  return out;
}

// Valid rewrites of a gold answer, each a full response.
std::vector<std::pair<std::string, std::string>> rewrites(const std::string& g) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("sentence", "Putting it together, the final answer is $\\boxed{" + g + "}$.");
  out.emplace_back("display", "\\[\n\\boxed{" + g + "}\n\\]");
  out.emplace_back("phrase", "After simplifying, the answer is $" + g + "$.");
  out.emplace_back("spaced", "\\boxed{ " + with_spaces(g) + " }");
  out.emplace_back("compact", "\\boxed{" + without_spaces(g) + "}");
  std::string d = g;
  replace_all(d, "\\frac", "\\dfrac");
  out.emplace_back("dfrac", "\\boxed{" + d + "}");
  bool scalar = g.find_first_of(",=<>") == std::string::npos &&
                g.find("\\text") == std::string::npos && g.find("\\in") == std::string::npos &&
                g.find("\\begin") == std::string::npos && g.find("\\mbox") == std::string::npos &&
                g.find("\\cup") == std::string::npos && g.find("\\pm") == std::string::npos &&
                g.find("(") == std::string::npos && g.find("[") == std::string::npos &&
                g.find("\\{") == std::string::npos;
  if (scalar) out.emplace_back("x=", "$\\boxed{x = " + g + "}$");
  if (g.size() > 1 && g.front() == '(' && g.back() == ')' && g.find('[') == std::string::npos &&
      g.find("\\left") == std::string::npos) {
    std::string l = g;
    replace_all(l, "(", "\\left(");
    replace_all(l, ")", "\\right)");
    out.emplace_back("left-right", "\\boxed{" + l + "}");
  }
  if (is_plain_integer(g)) {
    std::string digits = g[0] == '-' ? g.substr(1) : g;
    if (digits.size() > 3) {
      std::string sep;
      for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) sep += ',';
        sep += digits[i];
      }
      out.emplace_back("thousands", "\\boxed{" + std::string(g[0] == '-' ? "-" : "") + sep + "}");
    }
    out.emplace_back("frac", "\\boxed{\\frac{2\\cdot " + g + "}{2}}");
    out.emplace_back("decimal", "\\boxed{" + g + ".0}");
  }
  // \frac{a}{b} -> a/b for simple numeric fractions.
  if (g.rfind("\\frac{", 0) == 0 && g.back() == '}') {
    auto mid = g.find("}{");
    std::string a = g.substr(6, mid == std::string::npos ? 0 : mid - 6);
    std::string b = mid == std::string::npos ? "" : g.substr(mid + 2, g.size() - mid - 3);
    if (!a.empty() && !b.empty() && is_plain_integer(a) && is_plain_integer(b))
      out.emplace_back("slash", "\\boxed{" + a + "/" + b + "}");
  }
  return out;
}

TEST(VerifierGolds, EveryEvalGoldParses) {
  ASSERT_TRUE(fs::exists(kEvalDir)) << kEvalDir;
  size_t total = 0;
  std::vector<std::string> failures;
  for (const auto& entry : fs::directory_iterator(kEvalDir)) {
    if (entry.path().extension() != ".jsonl") continue;
    for (const auto& g : golds_of(entry.path().string())) {
      ++total;
      auto r = ds::verify::describe_answer(g);
      if (!r.parsed)
        failures.push_back(entry.path().filename().string() + ": '" + g + "': " + r.error);
      // A gold must always match itself.
      EXPECT_TRUE(verify(g, "\\boxed{" + g + "}").correct) << g;
    }
  }
  std::string list;
  for (const auto& f : failures) list += "  " + f + "\n";
  std::printf("gold answers: %zu, not parsed as math: %zu\n%s", total, failures.size(),
              list.c_str());
  EXPECT_GT(total, 2800u);
  EXPECT_LE(failures.size() * 200, total) << "more than 0.5% of the golds do not parse:\n" << list;
}

TEST(VerifierGolds, Math500GoldsMatchTheirRewrites) {
  auto golds = golds_of(kEvalDir + "/math500.jsonl");
  ASSERT_EQ(golds.size(), 500u);
  size_t checked = 0;
  std::string failures;
  for (const auto& g : golds) {
    for (const auto& [name, response] : rewrites(g)) {
      ++checked;
      auto v = verify(g, response);
      if (!v.correct)
        failures += "  [" + name + "] gold '" + g + "' response '" + response +
                    "': " + ds::verify::status_name(v.status) + " (" + v.reason + ")\n";
    }
  }
  std::printf("math500 rewrites checked: %zu\n", checked);
  EXPECT_GT(checked, 3000u);
  EXPECT_TRUE(failures.empty()) << failures;
}

TEST(VerifierGolds, Math500DigitMutationsAreRejected) {
  auto golds = golds_of(kEvalDir + "/math500.jsonl");
  size_t checked = 0;
  std::string failures;
  for (const auto& g : golds) {
    size_t pos = g.find_first_of("0123456789");
    if (pos == std::string::npos) continue;
    std::string m = g;
    m[pos] = static_cast<char>('0' + (g[pos] - '0' + 1) % 10);
    ++checked;
    auto v = verify(g, "\\boxed{" + m + "}");
    if (v.correct) failures += "  gold '" + g + "' accepted '" + m + "' (" + v.reason + ")\n";
  }
  std::printf("math500 digit mutations checked: %zu\n", checked);
  EXPECT_GT(checked, 450u);
  EXPECT_TRUE(failures.empty()) << failures;
}

}  // namespace

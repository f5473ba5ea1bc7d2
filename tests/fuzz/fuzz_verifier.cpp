// libFuzzer target of the math verifier. Input bytes: "gold \n response" (no newline: the whole
// input is a response checked against a fixed gold). Beyond "no crash, hang or leak" (the
// sanitizers and -timeout), it checks invariants that must hold for any input:
//  - correct <=> status kCorrect, and a non-empty reason;
//  - an answer checked against itself inside \boxed{} is never "wrong" (it may be undecided when
//    a bound is hit, e.g. an over-long answer).
// Build: cmake -S . -B build-fuzz -DDS_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ &&
//        cmake --build build-fuzz --target fuzz_verifier
// Run:   build-fuzz/fuzz_verifier -max_total_time=300 -timeout=2 -rss_limit_mb=2048 \
//          -dict=tests/fuzz/verifier.dict CORPUS_DIR
#include <cstdint>
#include <cstdlib>
#include <string>

#include "verifier/verify.h"

namespace {

// Braces balanced the way the box scanner reads them (escaped braces ignored), never negative.
bool boxable(const std::string& s) {
  if (s.find("\\boxed") != std::string::npos || s.find("\\fbox") != std::string::npos) return false;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      if (i + 1 == s.size()) return false;
      ++i;
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth < 0) return false;
  }
  return depth == 0;
}

void check(const ds::verify::Verdict& v) {
  if (v.correct != (v.status == ds::verify::Status::kCorrect)) std::abort();
  if (v.reason.empty()) std::abort();
}

}  // namespace

// CLN allocates a few printer globals at load time and never frees them (not a per-input leak).
// CLN has no frame pointers, so the suppression needs the slow unwinder to see its frames.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libcln.so\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string gold = nl == std::string::npos ? "\\frac{1}{2}" : in.substr(0, nl);
  std::string response = nl == std::string::npos ? in : in.substr(nl + 1);

  check(ds::verify::verify(gold, response));
  check(ds::verify::compare_answers(response, gold));
  (void)ds::verify::describe_answer(response);
  (void)ds::verify::extract_answer(response);

  if (boxable(gold) && !gold.empty()) {
    ds::verify::Verdict self = ds::verify::verify(gold, "\\boxed{" + gold + "}");
    check(self);
    if (self.status == ds::verify::Status::kWrong) std::abort();
  }
  return 0;
}

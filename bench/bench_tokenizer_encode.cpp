// Encode / decode throughput of the tokenizers on a large English + LaTeX text: every problem and
// answer of the shared evaluation sets (/work/shared/data/eval/*.jsonl) joined and repeated to
// ~4 MB. Prints MB/s per tokenizer; "nocache" disables the per-pre-token BPE cache (the worst case:
// every word merged from scratch). Single-threaded. Also times loading the Qwen2 files.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/jsonl.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using ds::tok::Tokenizer;

const std::string& corpus() {
  static const std::string text = [] {
    std::string one;
    std::string dir = std::string(DS_SHARED_DIR) + "/data/eval";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".jsonl") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      ds::for_each_jsonl(f.string(), [&](const ds::json& j, size_t) {
        for (const char* field : {"problem", "answer"})
          if (j.contains(field) && j[field].is_string())
            one += j[field].get<std::string>() + "\n\n";
      });
    std::string all;
    while (all.size() < (4u << 20)) all += one;
    return all;
  }();
  return text;
}

std::string tokenizer_dir(const char* name) {
  return std::string(DS_SHARED_DIR) + "/data/tokenizers/" + name;
}

const Tokenizer& get(const std::string& key) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  std::unique_ptr<Tokenizer> t;
  ds::tok::TokenizerLoadOptions o;
  if (key.find("nocache") != std::string::npos) o.cache_capacity = 0;
  if (key.rfind("qwen2", 0) == 0)
    t = ds::tok::load_tokenizer(tokenizer_dir("qwen2"), o);
  else if (key.rfind("gpt2", 0) == 0)
    t = ds::tok::load_tokenizer(tokenizer_dir("gpt2"), o);
  else
    t = ds::tok::make_char_tokenizer();
  return *cache.emplace(key, std::move(t)).first->second;
}

void encode(benchmark::State& state, const std::string& key) {
  const Tokenizer& tok = get(key);
  const std::string& text = corpus();
  size_t tokens = 0;
  for (auto _ : state) {
    auto ids = tok.encode(text);
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(text.size()) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/token"] = static_cast<double>(text.size()) / static_cast<double>(tokens);
}

void decode(benchmark::State& state, const std::string& key) {
  const Tokenizer& tok = get(key);
  auto ids = tok.encode(corpus());
  for (auto _ : state) benchmark::DoNotOptimize(tok.decode(ids));
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(corpus().size()) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void load_qwen2(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ds::tok::load_tokenizer(tokenizer_dir("qwen2")));
}

BENCHMARK_CAPTURE(encode, qwen2, std::string("qwen2"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(encode, qwen2_nocache, std::string("qwen2_nocache"))
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(encode, gpt2, std::string("gpt2"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(encode, gpt2_nocache, std::string("gpt2_nocache"))
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(encode, char, std::string("char"))->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_CAPTURE(decode, qwen2, std::string("qwen2"))->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(load_qwen2)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();

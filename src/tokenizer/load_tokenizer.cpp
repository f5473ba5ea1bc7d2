// load_tokenizer: decides from the files present which tokenizer a directory holds (see
// tokenizer.h). Order: tokenizer.json, then vocab.json + merges.txt, then char_tokenizer.json.
#include <filesystem>

#include "core/errors.h"
#include "core/log.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/hf_files.h"
#include "tokenizer/tokenizer.h"

namespace ds::tok {

namespace fs = std::filesystem;

namespace {

void check_options(const TokenizerLoadOptions& o) {
  if (o.split_rule != "auto") parse_split_rule(o.split_rule);
  if (o.normalization != "none" && o.normalization != "nfc" && o.normalization != "auto")
    throw ConfigError("normalization", "unknown normalization '" + o.normalization + "'",
                      "use one of: none, nfc, auto");
  if (o.cache_capacity < 0)
    throw ConfigError("cache_capacity", "must be >= 0, got " + std::to_string(o.cache_capacity),
                      "use 0 to disable the cache");
}

std::unique_ptr<Tokenizer> make_bpe(BpeTokenizerSpec spec) {
  auto tok = std::make_unique<BpeTokenizer>(std::move(spec));
  auto missing = tok->model().missing_bytes();
  if (!missing.empty())
    log_warn("tokenizer has no token for {} byte value(s) (e.g. 0x{:02X}); such bytes are dropped",
             missing.size(), missing[0]);
  return tok;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  return load_tokenizer(dir, TokenizerLoadOptions{});
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir,
                                          const TokenizerLoadOptions& options) {
  check_options(options);
  fs::path p(dir);
  if (!fs::exists(p))
    throw DataError(dir, "tokenizer directory not found",
                    "pass a directory holding tokenizer.json, or vocab.json + merges.txt, or "
                    "char_tokenizer.json");
  if (fs::is_regular_file(p)) {
    if (p.filename() == kCharTokenizerFile) return CharTokenizer::load(dir);
    if (p.extension() == ".json") return make_bpe(read_hf_tokenizer_json(dir, options));
    throw DataError(dir, "not a tokenizer file",
                    "pass the tokenizer's directory (or its tokenizer.json)");
  }
  if (fs::exists(p / "tokenizer.json"))
    return make_bpe(read_hf_tokenizer_json((p / "tokenizer.json").string(), options));
  if (fs::exists(p / "vocab.json") || fs::exists(p / "merges.txt"))
    return make_bpe(read_hf_vocab_merges(dir, options));
  if (fs::exists(p / kCharTokenizerFile))
    return CharTokenizer::load((p / kCharTokenizerFile).string());
  throw DataError(dir,
                  "no tokenizer files found (looked for tokenizer.json, vocab.json + merges.txt, " +
                      std::string(kCharTokenizerFile) + ")",
                  "pass the directory of a Hugging Face tokenizer or of a deepsearch checkpoint");
}

}  // namespace ds::tok

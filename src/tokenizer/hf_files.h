// Owns the Hugging Face tokenizer file formats: reads vocab.json + merges.txt (+
// tokenizer_config.json, added_tokens.json, special_tokens_map.json) or one tokenizer.json into a
// BpeTokenizerSpec, deciding the split rule and normalization; writes a BpeTokenizer back as
// tokenizer.json + tokenizer_config.json (loadable by HF and by load_tokenizer). Every problem with
// a file is a DataError that names the file (and line / field). Thread-safety: pure functions (file
// I/O only).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace ds::tok {

// Parses a JSON file; DataError naming it when missing or invalid.
nlohmann::json read_json_file(const std::string& path);

// `dir` holds vocab.json and merges.txt (tokenizer_config.json etc. optional).
BpeTokenizerSpec read_hf_vocab_merges(const std::string& dir, const TokenizerLoadOptions& options);

// `path` is a tokenizer.json; a tokenizer_config.json next to it is read too (eos / pad / bos).
BpeTokenizerSpec read_hf_tokenizer_json(const std::string& path,
                                        const TokenizerLoadOptions& options);

// Writes tokenizer.json and tokenizer_config.json into dir (atomically, creating dir).
void write_hf_tokenizer(const BpeTokenizer& tokenizer, const std::string& dir);

}  // namespace ds::tok

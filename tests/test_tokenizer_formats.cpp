// Tests of the file formats: a hand-made HF tokenizer.json (tests/data/tokenizer/tiny) in both
// merge forms, added-token flags (lstrip / rstrip / single_word), normalization options, split-rule
// detection and override, the older added_tokens.json / special_tokens_map.json files, and
// save -> load round trips of the real Qwen2 and GPT-2 tokenizers.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<int32_t>;

std::string tiny_dir() {
  return std::string(DS_SOURCE_DIR) + "/tests/data/tokenizer/tiny";
}

const BpeTokenizer& as_bpe(const std::unique_ptr<Tokenizer>& t) {
  auto* b = dynamic_cast<const BpeTokenizer*>(t.get());
  EXPECT_NE(b, nullptr);
  return *b;
}

TEST(Formats, TinyTokenizerJson) {
  auto tok = load_tokenizer(tiny_dir());
  EXPECT_EQ(tok->kind(), "bpe");
  EXPECT_EQ(as_bpe(tok).split_rule(), SplitRule::kQwen2);
  EXPECT_EQ(tok->vocab_size(), 274);
  EXPECT_EQ(tok->eos_id(), 270);  // <|im_end|> from tokenizer_config.json
  EXPECT_EQ(tok->pad_id(), 268);
  EXPECT_EQ(tok->encode(" the"), (Ids{258}));
  EXPECT_EQ(tok->encode("the"), (Ids{116, 257}));
  EXPECT_EQ(tok->encode("12345"), (Ids{49, 50, 51, 52, 53}));  // qwen2: one digit per piece
  EXPECT_EQ(tok->encode("<|im_start|>x<|im_end|>"), (Ids{269, 120, 270}));
  EXPECT_TRUE(tok->is_special(269));
  EXPECT_FALSE(tok->is_special(273));  // "cat" is added but not special
}

TEST(Formats, AddedTokenFlags) {
  auto tok = load_tokenizer(tiny_dir());
  // single_word "cat": matches between non-word characters only.
  EXPECT_EQ(tok->encode("the cat"), (Ids{116, 257, 32, 273}));
  EXPECT_EQ(tok->encode("concat"), (Ids{99, 111, 110, 99, 261}));
  // lstrip "<mask>" swallows the space on its left, rstrip "<sep>" the spaces on its right.
  EXPECT_EQ(tok->encode("a <mask> b"), (Ids{97, 271, 32, 98}));
  EXPECT_EQ(tok->encode("a <sep>  b"), (Ids{97, 32, 272, 98}));
  // Longest match first; unmatched prefixes are ordinary text.
  EXPECT_EQ(tok->encode("<|im_end"), (Ids{60, 124, 105, 109, 95, 101, 110, 100}));
}

TEST(Formats, NormalizationOption) {
  const std::string decomposed = "e\xCC\x81";  // e + U+0301
  auto plain = load_tokenizer(tiny_dir());     // default: none
  EXPECT_EQ(plain->encode(decomposed), (Ids{101, 204, 129}));
  EXPECT_EQ(plain->decode(plain->encode(decomposed)), decomposed);
  TokenizerLoadOptions o;
  o.normalization = "auto";  // tokenizer.json declares NFC
  auto nfc = load_tokenizer(tiny_dir(), o);
  EXPECT_EQ(nfc->encode(decomposed), (Ids{267}));
  EXPECT_EQ(nfc->encode("\xC3\xA9"), (Ids{267}));
  o.normalization = "bogus";
  EXPECT_THROW(load_tokenizer(tiny_dir(), o), ConfigError);
}

TEST(Formats, SplitRuleOverride) {
  TokenizerLoadOptions o;
  o.split_rule = "gpt2";
  auto tok = load_tokenizer(tiny_dir(), o);
  EXPECT_EQ(tok->encode("12345"), (Ids{263, 51, 52, 53}));
  o.split_rule = "wordpiece";
  EXPECT_THROW(load_tokenizer(tiny_dir(), o), ConfigError);
}

TEST(Formats, PairFormMergesAndFilePath) {
  auto dir = testing::fresh_temp_dir("pairs");
  auto j = nlohmann::json::parse(testing::slurp(tiny_dir() + "/tokenizer.json"));
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& m : j["model"]["merges"]) {
    std::string s = m;
    pairs.push_back({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
  }
  j["model"]["merges"] = pairs;
  testing::write_text(dir / "tokenizer.json", j.dump());
  auto a = load_tokenizer(tiny_dir());
  auto b = load_tokenizer((dir / "tokenizer.json").string());  // a file path works too
  for (const char* s : {" the cat", "12 3", "a\n\nb", "\xC3\xA9t\xC3\xA9"})
    EXPECT_EQ(a->encode(s), b->encode(s)) << s;
  EXPECT_EQ(b->eos_id(), 268);  // no tokenizer_config.json next to it: <|endoftext|>
}

TEST(Formats, Gpt2StyleTokenizerJsonDetected) {
  auto dir = testing::fresh_temp_dir("bytelevel");
  auto j = nlohmann::json::parse(testing::slurp(tiny_dir() + "/tokenizer.json"));
  j["pre_tokenizer"] = {{"type", "ByteLevel"},
                        {"add_prefix_space", false},
                        {"trim_offsets", true},
                        {"use_regex", true}};
  j["normalizer"] = nullptr;
  testing::write_text(dir / "tokenizer.json", j.dump());
  auto tok = load_tokenizer(dir.string());
  EXPECT_EQ(as_bpe(tok).split_rule(), SplitRule::kGpt2);
  EXPECT_EQ(tok->encode("12345"), (Ids{263, 51, 52, 53}));
  // add_prefix_space: a space is put in front of each text segment.
  j["pre_tokenizer"]["add_prefix_space"] = true;
  testing::write_text(dir / "tokenizer.json", j.dump());
  EXPECT_EQ(load_tokenizer(dir.string())->encode("the"), (Ids{258}));
  // Llama-3's regex is recognised too.
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"},
         {"pattern", {{"Regex", split_rule_pattern(SplitRule::kLlama3)}}},
         {"behavior", "Isolated"},
         {"invert", false}},
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  testing::write_text(dir / "tokenizer.json", j.dump());
  EXPECT_EQ(as_bpe(load_tokenizer(dir.string())).split_rule(), SplitRule::kLlama3);
}

TEST(Formats, SplitRuleFromTokenizerClass) {
  auto dir = testing::fresh_temp_dir("class");
  std::string qwen = testing::shared_tokenizer_dir("qwen2");
  fs::create_symlink(qwen + "/vocab.json", dir / "vocab.json");
  fs::create_symlink(qwen + "/merges.txt", dir / "merges.txt");
  // No tokenizer_config.json: the classic GPT-2 layout (gpt2 rule). Qwen's vocab.json lacks
  // <|endoftext|> and no file names an eos token: there is none.
  auto gpt2_rule = load_tokenizer(dir.string());
  EXPECT_EQ(as_bpe(gpt2_rule).split_rule(), SplitRule::kGpt2);
  EXPECT_EQ(gpt2_rule->eos_id(), -1);
  EXPECT_EQ(gpt2_rule->vocab_size(), 151643);
  testing::write_text(
      dir / "tokenizer_config.json",
      R"({"tokenizer_class": "Qwen2Tokenizer", "eos_token": {"content": "<|endoftext|>"}})");
  auto qwen_rule = load_tokenizer(dir.string());  // (warns: the named eos gets a new id, as in HF)
  EXPECT_EQ(as_bpe(qwen_rule).split_rule(), SplitRule::kQwen2);
  EXPECT_EQ(qwen_rule->eos_id(), 151643);
  EXPECT_TRUE(qwen_rule->is_special(151643));
  EXPECT_EQ(qwen_rule->encode("2024"), (Ids{17, 15, 17, 19}));
  // Case-insensitive contractions are qwen2-only: "'M" is one piece there, two under gpt2.
  EXPECT_NE(qwen_rule->encode("I'M"), gpt2_rule->encode("I'M"));
  EXPECT_EQ(gpt2_rule->encode("I'M"), (Ids{40, 6, 44}));
}

TEST(Formats, OlderAddedTokensAndSpecialTokensMapFiles) {
  auto dir = testing::fresh_temp_dir("old");
  std::string qwen = testing::shared_tokenizer_dir("qwen2");
  fs::create_symlink(qwen + "/vocab.json", dir / "vocab.json");
  fs::create_symlink(qwen + "/merges.txt", dir / "merges.txt");
  testing::write_text(dir / "added_tokens.json",
                      R"({"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645})");
  testing::write_text(dir / "special_tokens_map.json",
                      R"({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"})");
  testing::write_text(dir / "tokenizer_config.json", R"({"tokenizer_class": "Qwen2Tokenizer"})");
  auto tok = load_tokenizer(dir.string());
  EXPECT_EQ(tok->eos_id(), 151645);
  EXPECT_EQ(tok->pad_id(), 151643);
  EXPECT_EQ(tok->encode("<|im_start|>"), (Ids{151644}));
}

void expect_same_behaviour(const Tokenizer& a, const Tokenizer& b, const std::string& cases_stem,
                           const std::string& dir) {
  EXPECT_EQ(a.vocab_size(), b.vocab_size());
  EXPECT_EQ(a.eos_id(), b.eos_id());
  EXPECT_EQ(a.pad_id(), b.pad_id());
  auto cases = testing::read_llama_cpp_cases(dir + "/llama.cpp-vocab-tests/" + cases_stem + ".inp",
                                             dir + "/llama.cpp-vocab-tests/" + cases_stem + ".out");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) EXPECT_EQ(b.encode(c.text), c.ids) << c.text;
  std::string chat = "<|im_start|>user\n1+1=?<|im_end|>\n<|endoftext|>";
  EXPECT_EQ(a.encode(chat), b.encode(chat));
  for (int32_t id = 0; id < a.vocab_size(); id += 97) {
    EXPECT_EQ(a.token_bytes(id), b.token_bytes(id));
    EXPECT_EQ(a.is_special(id), b.is_special(id));
  }
}

TEST(Formats, SaveAndReloadQwen2) {
  auto original = load_tokenizer(testing::shared_tokenizer_dir("qwen2"));
  auto dir = testing::fresh_temp_dir("save_qwen2");
  original->save(dir.string());
  EXPECT_TRUE(fs::exists(dir / "tokenizer.json"));
  EXPECT_TRUE(fs::exists(dir / "tokenizer_config.json"));
  auto reloaded = load_tokenizer(dir.string());
  EXPECT_EQ(as_bpe(reloaded).split_rule(), SplitRule::kQwen2);
  EXPECT_TRUE(as_bpe(reloaded).declared_nfc());
  expect_same_behaviour(*original, *reloaded, "ggml-vocab-qwen2.gguf",
                        testing::shared_tokenizer_dir("qwen2"));
}

TEST(Formats, SaveAndReloadGpt2) {
  auto original = load_tokenizer(testing::shared_tokenizer_dir("gpt2"));
  auto dir = testing::fresh_temp_dir("save_gpt2");
  original->save(dir.string());
  auto reloaded = load_tokenizer(dir.string());
  EXPECT_EQ(as_bpe(reloaded).split_rule(), SplitRule::kGpt2);
  expect_same_behaviour(*original, *reloaded, "ggml-vocab-gpt-2.gguf",
                        testing::shared_tokenizer_dir("gpt2"));
}

}  // namespace
}  // namespace ds::tok

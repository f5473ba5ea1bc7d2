// Missing or corrupt tokenizer files give a ds::DataError naming the file (and the line of
// merges.txt, or the field of tokenizer.json), never a crash. Each case starts from a small valid
// vocab.json + merges.txt written here and breaks one thing.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

namespace fs = std::filesystem;

// 256 byte tokens (id = byte) plus "Ġt" (256), "he" (257), "Ġthe" (258).
nlohmann::json tiny_vocab() {
  nlohmann::json v = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) v[bytes_to_token_string(std::string(1, static_cast<char>(b)))] = b;
  v["\xC4\xA0t"] = 256;
  v["he"] = 257;
  v["\xC4\xA0the"] = 258;
  return v;
}
const std::string kMerges = "#version: 0.2\n\xC4\xA0 t\nh e\n\xC4\xA0t he\n";

class TokenizerErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    testing::write_text(dir_ / "vocab.json", tiny_vocab().dump());
    testing::write_text(dir_ / "merges.txt", kMerges);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Loads dir_ and returns the DataError's message (fails the test if none is thrown).
  std::string load_error(const std::string& path = "") {
    try {
      load_tokenizer(path.empty() ? dir_.string() : path);
    } catch (const DataError& e) {
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "wrong exception type: " << e.what();
      return "";
    }
    ADD_FAILURE() << "no error";
    return "";
  }
  static bool has(const std::string& msg, const std::string& part) {
    return msg.find(part) != std::string::npos;
  }

  fs::path dir_;
};

TEST_F(TokenizerErrors, ValidBaselineLoads) {
  auto tok = load_tokenizer(dir_.string());
  EXPECT_EQ(tok->encode(" the"), (std::vector<int32_t>{258}));
}

TEST_F(TokenizerErrors, MissingDirectoryOrFiles) {
  std::string msg = load_error((dir_ / "nope").string());
  EXPECT_TRUE(has(msg, "nope")) << msg;
  fs::remove(dir_ / "vocab.json");
  fs::remove(dir_ / "merges.txt");
  msg = load_error();
  EXPECT_TRUE(has(msg, "no tokenizer files found")) << msg;
}

TEST_F(TokenizerErrors, MissingVocabOrMerges) {
  fs::remove(dir_ / "merges.txt");
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, "merges.txt") && has(msg, "not found")) << msg;
  testing::write_text(dir_ / "merges.txt", kMerges);
  fs::remove(dir_ / "vocab.json");
  msg = load_error();
  EXPECT_TRUE(has(msg, "vocab.json") && has(msg, "not found")) << msg;
}

TEST_F(TokenizerErrors, InvalidOrTruncatedVocabJson) {
  std::string full = tiny_vocab().dump();
  testing::write_text(dir_ / "vocab.json", full.substr(0, full.size() / 2));
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, "vocab.json") && has(msg, "invalid JSON")) << msg;
  testing::write_text(dir_ / "vocab.json", "[1, 2, 3]");
  msg = load_error();
  EXPECT_TRUE(has(msg, "vocab.json") && has(msg, "JSON object")) << msg;
  auto v = tiny_vocab();
  v["he"] = "257";
  testing::write_text(dir_ / "vocab.json", v.dump());
  msg = load_error();
  EXPECT_TRUE(has(msg, "vocab.json") && has(msg, "'he'") && has(msg, "integer")) << msg;
  v["he"] = 3;  // the id of another token
  testing::write_text(dir_ / "vocab.json", v.dump());
  msg = load_error();
  EXPECT_TRUE(has(msg, "vocab.json") && has(msg, "id 3")) << msg;
}

TEST_F(TokenizerErrors, MalformedMergesLineNamesTheLine) {
  testing::write_text(dir_ / "merges.txt", "#version: 0.2\n\xC4\xA0 t\nhe\n");
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, "merges.txt:3") && has(msg, "malformed")) << msg;
  testing::write_text(dir_ / "merges.txt", "#version: 0.2\nh e x\n");
  msg = load_error();
  EXPECT_TRUE(has(msg, "merges.txt:2")) << msg;
}

TEST_F(TokenizerErrors, MergeWithUnknownTokenNamesTheLine) {
  testing::write_text(dir_ / "merges.txt", kMerges + "\xE4\xB8\xAD t\n");  // 中 is no token
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, "merges.txt:5") && has(msg, "not a token")) << msg;
  testing::write_text(dir_ / "merges.txt", kMerges + "t h\n");  // "th" is no token
  msg = load_error();
  EXPECT_TRUE(has(msg, "merges.txt:5") && has(msg, "'th'")) << msg;
}

TEST_F(TokenizerErrors, CorruptTokenizerConfig) {
  testing::write_text(dir_ / "tokenizer_config.json", "{\"eos_token\": ");
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, "tokenizer_config.json") && has(msg, "invalid JSON")) << msg;
  testing::write_text(dir_ / "tokenizer_config.json",
                      R"({"added_tokens_decoder": {"x": {"content": "<a>"}}})");
  msg = load_error();
  EXPECT_TRUE(has(msg, "tokenizer_config.json") && has(msg, "added_tokens_decoder")) << msg;
  testing::write_text(dir_ / "tokenizer_config.json", R"({"eos_token": 5})");
  msg = load_error();
  EXPECT_TRUE(has(msg, "tokenizer_config.json") && has(msg, "eos_token")) << msg;
}

class TokenizerJsonErrors : public TokenizerErrors {
 protected:
  void SetUp() override {
    TokenizerErrors::SetUp();
    fs::remove(dir_ / "vocab.json");
    fs::remove(dir_ / "merges.txt");
    doc_ = nlohmann::json::parse(
        testing::slurp(std::string(DS_SOURCE_DIR) + "/tests/data/tokenizer/tiny/tokenizer.json"));
  }
  std::string error_with(const nlohmann::json& doc) {
    testing::write_text(dir_ / "tokenizer.json", doc.dump());
    return load_error();
  }
  nlohmann::json doc_;
};

TEST_F(TokenizerJsonErrors, InvalidJson) {
  testing::write_text(dir_ / "tokenizer.json", doc_.dump().substr(0, 2000));
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, "tokenizer.json") && has(msg, "invalid JSON")) << msg;
}

TEST_F(TokenizerJsonErrors, UnsupportedModels) {
  auto d = doc_;
  d["model"]["type"] = "WordPiece";
  EXPECT_TRUE(has(error_with(d), "WordPiece"));
  d = doc_;
  d.erase("model");
  EXPECT_TRUE(has(error_with(d), "no 'model'"));
  d = doc_;
  d["pre_tokenizer"] = {{"type", "Metaspace"}};
  d["decoder"] = {{"type", "Metaspace"}};
  EXPECT_TRUE(has(error_with(d), "not byte-level"));
  d = doc_;
  d["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+";
  std::string msg = error_with(d);
  EXPECT_TRUE(has(msg, "pre_tokenizer") && has(msg, "split_rule")) << msg;
  d = doc_;
  d["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Removed";  // drops the matches: unsupported
  EXPECT_TRUE(has(error_with(d), "pre_tokenizer"));
  d = doc_;
  d["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+";
  error_with(d);
  // ... which an explicit split rule overrides.
  TokenizerLoadOptions o;
  o.split_rule = "qwen2";
  EXPECT_NO_THROW(load_tokenizer(dir_.string(), o));
}

TEST_F(TokenizerJsonErrors, BadVocabAndMergesNameTheField) {
  auto d = doc_;
  d["model"]["vocab"]["he"] = nullptr;
  std::string msg = error_with(d);
  EXPECT_TRUE(has(msg, "model.vocab") && has(msg, "'he'")) << msg;
  d = doc_;
  d["model"]["merges"][1] = "he";
  msg = error_with(d);
  EXPECT_TRUE(has(msg, "model.merges[1]")) << msg;
  d = doc_;
  d["model"]["merges"][2] = nlohmann::json::array({"\xC4\xA0t", "xyz"});
  msg = error_with(d);
  EXPECT_TRUE(has(msg, "model.merges[2]") && has(msg, "'xyz'")) << msg;
  d = doc_;
  d["model"]["merges"][0] = nlohmann::json::array({"a"});
  msg = error_with(d);
  EXPECT_TRUE(has(msg, "model.merges[0]") && has(msg, "pair")) << msg;
  d = doc_;
  d["added_tokens"][0].erase("id");
  msg = error_with(d);
  EXPECT_TRUE(has(msg, "added_tokens[0]")) << msg;
}

TEST_F(TokenizerErrors, CorruptCharTokenizerFile) {
  fs::remove(dir_ / "vocab.json");
  fs::remove(dir_ / "merges.txt");
  testing::write_text(dir_ / kCharTokenizerFile, "{\"type\": \"char\", ");
  std::string msg = load_error();
  EXPECT_TRUE(has(msg, kCharTokenizerFile) && has(msg, "invalid JSON")) << msg;
  testing::write_text(
      dir_ / kCharTokenizerFile,
      R"({"type": "char", "version": 1, "special_tokens": ["<pad>"], "eos_token": "<eos>", "pad_token": "<pad>"})");
  msg = load_error();
  EXPECT_TRUE(has(msg, kCharTokenizerFile) && has(msg, "<eos>")) << msg;
  testing::write_text(dir_ / kCharTokenizerFile, R"({"type": "bpe"})");
  msg = load_error();
  EXPECT_TRUE(has(msg, "not a char tokenizer")) << msg;
}

}  // namespace
}  // namespace ds::tok

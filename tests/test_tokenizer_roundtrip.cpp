// Property tests (fixed seeds): decode(encode(s)) == s for random valid UTF-8 and random Unicode,
// for the Qwen2 and GPT-2 BPE tokenizers and the char tokenizer; raw token bytes reproduce any byte
// string; decoding arbitrary ids never crashes and yields valid UTF-8; the two merge algorithms and
// the cache agree; concurrent encodes agree.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "core/rng.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

class RoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    qwen2_ = load_tokenizer(testing::shared_tokenizer_dir("qwen2")).release();
    gpt2_ = load_tokenizer(testing::shared_tokenizer_dir("gpt2")).release();
    char_ = make_char_tokenizer().release();
  }
  static void TearDownTestSuite() {
    delete qwen2_;
    delete gpt2_;
    delete char_;
  }
  static std::vector<const Tokenizer*> all() { return {qwen2_, gpt2_, char_}; }
  static inline Tokenizer* qwen2_ = nullptr;
  static inline Tokenizer* gpt2_ = nullptr;
  static inline Tokenizer* char_ = nullptr;
};

// Random Unicode scalar values from every plane (surrogates excluded), biased towards the
// characters the split rules care about.
std::string random_unicode(Rng& rng, size_t max_chars) {
  static const char32_t kInteresting[] = {' ',    ' ',   '\n',    '\r',   '\t',   '\'',
                                          's',    'L',   '7',     0xA0,   0x3000, 0x301,
                                          0x200D, 0x17F, 0x1F600, 0xFFFD, 0x85,   0x2028};
  std::string s;
  size_t n = rng.below(max_chars + 1);
  for (size_t i = 0; i < n; ++i) {
    char32_t cp;
    switch (rng.below(4)) {
      case 0:
        cp = kInteresting[rng.below(std::size(kInteresting))];
        break;
      case 1:
        cp = static_cast<char32_t>(0x20 + rng.below(0x5F));
        break;
      case 2:
        cp = static_cast<char32_t>(rng.below(0x800));
        break;
      default:
        do cp = static_cast<char32_t>(rng.below(0x110000));
        while (cp >= 0xD800 && cp <= 0xDFFF);
    }
    append_utf8(s, cp);
  }
  return s;
}

TEST_F(RoundTrip, RandomUnicode) {
  Rng rng(1234);
  for (int trial = 0; trial < 1500; ++trial) {
    std::string s = random_unicode(rng, 48);
    for (const Tokenizer* t : all())
      ASSERT_EQ(t->decode(t->encode(s)), s) << t->kind() << " trial " << trial;
  }
}

TEST_F(RoundTrip, RandomValidUtf8FromBytes) {
  // Random bytes, keeping only the strings that happen to be valid UTF-8 plus their repaired form.
  Rng rng(99);
  int checked = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string raw;
    size_t n = rng.below(24);
    for (size_t i = 0; i < n; ++i)
      raw.push_back(static_cast<char>(rng.below(2) ? rng.below(128) : rng.below(256)));
    std::string s = repair_utf8(raw);
    for (const Tokenizer* t : all()) ASSERT_EQ(t->decode(t->encode(s)), s) << t->kind();
    ++checked;
  }
  EXPECT_EQ(checked, 3000);
}

TEST_F(RoundTrip, TokenBytesReproduceInvalidUtf8Exactly) {
  Rng rng(5);
  for (int trial = 0; trial < 1000; ++trial) {
    std::string s;
    size_t n = rng.below(32);
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(rng.below(256)));
    for (const Tokenizer* t : all()) {
      std::string joined;
      for (int32_t id : t->encode(s)) joined += t->token_bytes(id);
      ASSERT_EQ(joined, s) << t->kind();
      EXPECT_EQ(t->decode(t->encode(s)), repair_utf8(s));
    }
  }
}

TEST_F(RoundTrip, AddedTokensInsideRandomText) {
  Rng rng(11);
  const char* specials[] = {"<|im_start|>", "<|im_end|>", "<|endoftext|>"};
  for (int trial = 0; trial < 300; ++trial) {
    std::string s = random_unicode(rng, 8) + specials[rng.below(3)] + random_unicode(rng, 8);
    EXPECT_EQ(qwen2_->decode(qwen2_->encode(s)), s);
    EXPECT_EQ(gpt2_->decode(gpt2_->encode(s)), s);
  }
  EXPECT_EQ(char_->decode(char_->encode("x<|im_end|>y")), "x<|im_end|>y");
}

TEST_F(RoundTrip, DecodingArbitraryIdsNeverCrashes) {
  Rng rng(3);
  for (const Tokenizer* t : all()) {
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<int32_t> ids;
      size_t n = rng.below(20);
      for (size_t i = 0; i < n; ++i) {
        int64_t v =
            static_cast<int64_t>(rng.below(static_cast<uint64_t>(t->vocab_size()) + 100)) - 50;
        ids.push_back(static_cast<int32_t>(v));
      }
      if (trial == 0) ids = {INT32_MIN, -1, INT32_MAX, t->vocab_size()};
      std::string text = t->decode(ids);
      EXPECT_TRUE(is_valid_utf8(text));
      for (int32_t id : ids) (void)t->token_bytes(id);
    }
  }
}

TEST_F(RoundTrip, HeapAndScanMergesAgreeOnLongWords) {
  const auto* bpe = dynamic_cast<const BpeTokenizer*>(qwen2_);
  ASSERT_NE(bpe, nullptr);
  Rng rng(17);
  const char* syllables[] = {"the", "ing", "er",       "a",  "st", "qu",
                             "ion", "ab",  "\xC3\xA9", "zz", " "};
  for (int trial = 0; trial < 200; ++trial) {
    std::string w;
    size_t n = 1 + rng.below(60);
    for (size_t i = 0; i < n; ++i) w += syllables[rng.below(std::size(syllables))];
    std::vector<int32_t> a, b;
    bpe->model().merge_scan(w, a);
    bpe->model().merge_heap(w, b);
    ASSERT_EQ(a, b) << w;
    std::string joined;
    for (int32_t id : a) joined += bpe->token_bytes(id);
    ASSERT_EQ(joined, w);
  }
}

TEST_F(RoundTrip, CacheDoesNotChangeResults) {
  TokenizerLoadOptions no_cache;
  no_cache.cache_capacity = 0;
  auto uncached = load_tokenizer(testing::shared_tokenizer_dir("qwen2"), no_cache);
  Rng rng(21);
  for (int trial = 0; trial < 300; ++trial) {
    std::string s = random_unicode(rng, 30);
    EXPECT_EQ(uncached->encode(s), qwen2_->encode(s));
    EXPECT_EQ(uncached->encode(s), qwen2_->encode(s));  // second call is served by the cache
  }
  std::string long_run(5000, ' ');
  long_run += "end";
  EXPECT_EQ(uncached->decode(uncached->encode(long_run)), long_run);
}

TEST_F(RoundTrip, ConcurrentEncodesAgree) {
  Rng rng(8);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(random_unicode(rng, 40));
  std::vector<std::vector<int32_t>> expected;
  for (const auto& s : texts) expected.push_back(gpt2_->encode(s));
  std::vector<int> mismatches(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep)
        for (size_t i = 0; i < texts.size(); ++i)
          mismatches[t] += gpt2_->encode(texts[i]) != expected[i];
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches[0] + mismatches[1], 0);
}

}  // namespace
}  // namespace ds::tok

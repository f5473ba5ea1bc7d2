// Tests of the UTF-8 helpers and GPT-2's byte <-> Unicode table: lossy repair gives one U+FFFD per
// maximal ill-formed subpart (expected values are Python's bytes.decode(errors="replace")).
#include <gtest/gtest.h>

#include <set>

#include "tokenizer/byte_unicode.h"
#include "tokenizer/utf8.h"

namespace ds::tok {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, RepairMatchesPythonReplace) {
  EXPECT_EQ(repair_utf8("\xF0\x9F\x98"), kFffd);                  // truncated 4-byte sequence
  EXPECT_EQ(repair_utf8("\xC0\x80"), kFffd + kFffd);              // overlong lead
  EXPECT_EQ(repair_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(repair_utf8("\xE2\x82"
                        "a"),
            kFffd + "a");
  EXPECT_EQ(repair_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(repair_utf8("\xFF"), kFffd);
  EXPECT_EQ(repair_utf8("\xE0\x80\x80"), kFffd + kFffd + kFffd);
  EXPECT_EQ(repair_utf8("\xF0\x9F\x98\x80\x80"), "\xF0\x9F\x98\x80" + kFffd);
  EXPECT_EQ(repair_utf8("a\xE2\x82\xAC"
                        "b\x80"),
            "a\xE2\x82\xAC"
            "b" +
                kFffd);
  EXPECT_EQ(repair_utf8("\xF1\x80\x80"), kFffd);
  EXPECT_EQ(repair_utf8("plain \xC3\xA9"), "plain \xC3\xA9");
}

TEST(Utf8, DecodeAndAppendRoundTrip) {
  for (char32_t cp : {0x0u, 0x41u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFDu,
                      0x10000u, 0x10FFFFu}) {
    std::string s;
    append_utf8(s, cp);
    int32_t back;
    EXPECT_EQ(decode_utf8(s, 0, &back), s.size());
    EXPECT_EQ(back, static_cast<int32_t>(cp));
    EXPECT_TRUE(is_valid_utf8(s));
  }
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
}

TEST(ByteUnicode, TableIsABijectionWithGpt2Anchors) {
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    char32_t cp = byte_to_unicode(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(cp).second);
    EXPECT_EQ(unicode_to_byte(cp), b);
  }
  EXPECT_EQ(byte_to_unicode(' '), 0x120u);   // 'Ġ'
  EXPECT_EQ(byte_to_unicode('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(byte_to_unicode('A'), static_cast<char32_t>('A'));
  EXPECT_EQ(unicode_to_byte(0x4E2D), -1);
  EXPECT_EQ(bytes_to_token_string(" world"), "\xC4\xA0world");
  EXPECT_EQ(token_string_to_bytes("\xC4\xA0world"), " world");
  EXPECT_EQ(token_string_to_bytes("\xE4\xB8\xAD"), std::nullopt);  // 中 is no stand-in
}

}  // namespace
}  // namespace ds::tok

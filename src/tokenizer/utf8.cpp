// UTF-8 decoding, encoding and lossy repair (see utf8.h). The well-formed byte sequences are those
// of the Unicode Standard, Table 3-7; a "maximal subpart" is the longest prefix of a well-formed
// sequence that the input holds before it goes wrong.
#include "tokenizer/utf8.h"

namespace ds::tok {

namespace {

// Valid range of the second byte given the lead byte (Table 3-7); the later bytes are 80..BF.
inline bool second_byte_ok(unsigned char lead, unsigned char b) {
  switch (lead) {
    case 0xE0:
      return b >= 0xA0 && b <= 0xBF;
    case 0xED:
      return b >= 0x80 && b <= 0x9F;
    case 0xF0:
      return b >= 0x90 && b <= 0xBF;
    case 0xF4:
      return b >= 0x80 && b <= 0x8F;
    default:
      return b >= 0x80 && b <= 0xBF;
  }
}

}  // namespace

size_t decode_utf8(std::string_view s, size_t pos, int32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
  size_t avail = s.size() - pos;
  unsigned char b0 = p[0];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t need;
  int32_t value;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    value = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    value = b0 & 0x07;
  } else {  // 80..C1, F5..FF never start a sequence
    *cp = -1;
    return 1;
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= avail) {
      *cp = -1;
      return i;
    }
    unsigned char b = p[i];
    bool ok = i == 1 ? second_byte_ok(b0, b) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      *cp = -1;
      return i;
    }
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  return need;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    int32_t cp;
    pos += decode_utf8(s, pos, &cp);
    if (cp < 0) return false;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t pos = 0;
  while (pos < s.size()) {
    int32_t cp;
    size_t len = decode_utf8(s, pos, &cp);
    if (cp < 0)
      append_utf8(out, kReplacementChar);
    else
      out.append(s.substr(pos, len));
    pos += len;
  }
  return out;
}

}  // namespace ds::tok

// Owns GPT-2's reversible byte <-> Unicode mapping used by every byte-level BPE vocabulary: each of
// the 256 byte values is shown as one printable code point (printable Latin-1 bytes as themselves,
// the others as U+0100 + k), so "Ġworld" in vocab.json is the bytes " world".
// Thread-safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ds::tok {

// The code point that stands for byte b.
char32_t byte_to_unicode(uint8_t b);

// The byte that code point cp stands for, or -1 when cp is not one of the 256 stand-ins.
int unicode_to_byte(char32_t cp);

// Raw bytes -> their vocabulary spelling (UTF-8 of the stand-in code points).
std::string bytes_to_token_string(std::string_view bytes);

// Vocabulary spelling -> raw bytes; nullopt when the spelling holds a code point that is not a
// stand-in (or is not valid UTF-8).
std::optional<std::string> token_string_to_bytes(std::string_view token);

}  // namespace ds::tok

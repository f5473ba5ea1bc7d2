// Owns the byte-level BPE model: the vocabulary (id <-> spelling <-> raw bytes), the merge ranks,
// and the merge algorithm that turns one pre-token (raw bytes) into ids. Merges are applied lowest
// rank first, leftmost first among equal ranks (Hugging Face's order). Two equivalent algorithms:
// a compact array scan for short words and a heap over a linked list for long ones (O(n log n)).
// Results are memoised per pre-token in a bounded, sharded cache. Does not split text (see
// pretokenize.h) and knows nothing of added tokens.
// Thread-safety: immutable after construction except the cache, which is internally locked, so
// encode_word() is const and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ds::tok {

// Where each merge came from, for error messages: merges.txt lines or tokenizer.json indexes.
struct MergeOrigin {
  std::string file;
  bool json = false;            // true: "file: model.merges[i]", false: "file:line"
  std::vector<uint32_t> lines;  // per merge (merges.txt line numbers); empty for json
  std::string describe(size_t merge_index) const;
};

struct BpeModelSpec {
  std::vector<std::pair<std::string, int32_t>> vocab;       // HF spelling ("Ġworld") -> id
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  MergeOrigin merge_origin;
  std::string vocab_source;         // file named in vocabulary errors
  bool ignore_merges = false;       // HF's BPE.ignore_merges: a whole pre-token in the vocab wins
  size_t cache_capacity = 1 << 16;  // memoised pre-tokens (0 disables the cache)
};

class BpeModel {
 public:
  // Throws DataError naming the file (and line) for a merge whose parts or result are not tokens.
  explicit BpeModel(BpeModelSpec spec);

  // Appends the ids of one pre-token (raw bytes). Bytes without a byte token are dropped.
  void encode_word(std::string_view bytes, std::vector<int32_t>& out) const;

  // Merging without the cache, with a chosen algorithm (exposed for tests and benchmarks).
  void merge_scan(std::string_view bytes, std::vector<int32_t>& out) const;
  void merge_heap(std::string_view bytes, std::vector<int32_t>& out) const;

  int32_t max_id() const { return static_cast<int32_t>(id_to_bytes_.size()) - 1; }
  bool has_id(int32_t id) const;
  const std::string& bytes_of(int32_t id) const;     // "" for an id without a token
  const std::string& spelling_of(int32_t id) const;  // "" for an id without a token
  std::optional<int32_t> id_of_spelling(std::string_view spelling) const;
  std::optional<int32_t> id_of_bytes(std::string_view bytes) const;
  size_t num_merges() const { return merges_.size(); }
  // Merge `rank` as (left id, right id).
  std::pair<int32_t, int32_t> merge(size_t rank) const { return merges_[rank]; }
  bool ignore_merges() const { return ignore_merges_; }
  // Byte values with no single-byte token (their bytes cannot be encoded).
  std::vector<int> missing_bytes() const;

 private:
  // Open-addressing map (left id, right id) -> (rank, merged id).
  struct PairTable {
    std::vector<uint64_t> keys;    // (left << 32 | right) + 1; 0 = empty
    std::vector<uint64_t> values;  // rank << 32 | merged id
    uint64_t mask = 0;
    void init(size_t n);
    void insert(int32_t a, int32_t b, uint32_t rank, int32_t merged);
    // Rank and merged id, or false.
    bool find(int32_t a, int32_t b, uint32_t* rank, int32_t* merged) const;
  };

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // Open-addressing index string -> id whose keys live in a per-id string table (no copies, one
  // probe sequence of 8-byte slots; built once, then read-only).
  class StringIndex {
   public:
    void init(size_t n);
    // Keeps the existing id when the key is already present.
    void insert(const std::vector<std::string>& keys, int32_t id);
    std::optional<int32_t> find(const std::vector<std::string>& keys, std::string_view key) const;

   private:
    std::vector<uint64_t> slots_;  // hash high 32 bits << 32 | (id + 1); 0 = empty
    uint64_t mask_ = 0;
  };

  // Direct-mapped memo of short pre-tokens (<= kMaxKey bytes, <= kMaxIds ids): one slot per hash,
  // a newer entry replaces an older one; slots are guarded by striped mutexes.
  class Cache {
   public:
    static constexpr size_t kMaxKey = 30;
    static constexpr size_t kMaxIds = 8;
    explicit Cache(size_t capacity);
    bool enabled() const { return mask_ != 0 || !slots_.empty(); }
    // Appends the cached ids of key (hash from hash_key) to out; false on a miss.
    bool get(std::string_view key, uint64_t hash, std::vector<int32_t>& out) const;
    void put(std::string_view key, uint64_t hash, const int32_t* ids, size_t n);
    static uint64_t hash_key(std::string_view key);

   private:
    struct Slot {
      uint64_t hash = 0;  // 0: empty
      uint8_t key_len = 0, n_ids = 0;
      char key[kMaxKey];
      int32_t ids[kMaxIds];
    };
    static constexpr size_t kStripes = 64;
    std::vector<Slot> slots_;
    uint64_t mask_ = 0;
    std::unique_ptr<std::mutex[]> stripes_;
  };

  std::vector<std::string> id_to_bytes_;
  std::vector<std::string> id_to_spelling_;
  std::vector<uint8_t> has_token_;
  StringIndex spelling_to_id_;        // keys: id_to_spelling_
  StringIndex bytes_to_id_;           // keys: id_to_bytes_
  std::array<int32_t, 256> byte_id_;  // -1: no single-byte token
  std::vector<std::pair<int32_t, int32_t>> merges_;
  PairTable pairs_;
  bool ignore_merges_ = false;
  mutable Cache cache_;
};

}  // namespace ds::tok

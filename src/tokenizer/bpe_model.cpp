// Byte-level BPE merging (see bpe_model.h).
#include "tokenizer/bpe_model.h"

#include <algorithm>
#include <cstring>
#include <queue>

#include "core/errors.h"
#include "tokenizer/byte_unicode.h"

namespace ds::tok {

namespace {

constexpr int32_t kMaxTokenId = (1 << 24) - 1;  // ids index dense tables
constexpr uint32_t kNoRank = UINT32_MAX;
constexpr size_t kScanMaxSymbols = 64;  // above this the heap algorithm is used

inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

const std::string kEmpty;

}  // namespace

std::string MergeOrigin::describe(size_t merge_index) const {
  if (json) return file + ": model.merges[" + std::to_string(merge_index) + "]";
  size_t line = merge_index < lines.size() ? lines[merge_index] : 0;
  return location(file, line);
}

// ---- PairTable -------------------------------------------------------------------------------

void BpeModel::PairTable::init(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 2) cap <<= 1;
  keys.assign(cap, 0);
  values.assign(cap, 0);
  mask = cap - 1;
}

void BpeModel::PairTable::insert(int32_t a, int32_t b, uint32_t rank, int32_t merged) {
  uint64_t key = ((static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b)) + 1;
  uint64_t value = (static_cast<uint64_t>(rank) << 32) | static_cast<uint32_t>(merged);
  for (uint64_t i = mix(key) & mask;; i = (i + 1) & mask) {
    if (keys[i] == 0 || keys[i] == key) {  // a later duplicate merge overrides (as HF does)
      keys[i] = key;
      values[i] = value;
      return;
    }
  }
}

bool BpeModel::PairTable::find(int32_t a, int32_t b, uint32_t* rank, int32_t* merged) const {
  uint64_t key = ((static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b)) + 1;
  for (uint64_t i = mix(key) & mask;; i = (i + 1) & mask) {
    uint64_t k = keys[i];
    if (k == key) {
      *rank = static_cast<uint32_t>(values[i] >> 32);
      *merged = static_cast<int32_t>(values[i] & 0xFFFFFFFFu);
      return true;
    }
    if (k == 0) return false;
  }
}

// ---- StringIndex ---------------------------------------------------------------------------

void BpeModel::StringIndex::init(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 2) cap <<= 1;
  slots_.assign(cap, 0);
  mask_ = cap - 1;
}

void BpeModel::StringIndex::insert(const std::vector<std::string>& keys, int32_t id) {
  uint64_t h = StringHash{}(keys[id]);
  uint64_t tag = h >> 32;
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    uint64_t s = slots_[i];
    if (s == 0) {
      slots_[i] = (tag << 32) | static_cast<uint32_t>(id + 1);
      return;
    }
    if ((s >> 32) == tag && keys[static_cast<uint32_t>(s) - 1] == keys[id]) return;
  }
}

std::optional<int32_t> BpeModel::StringIndex::find(const std::vector<std::string>& keys,
                                                   std::string_view key) const {
  if (slots_.empty()) return std::nullopt;
  uint64_t h = StringHash{}(key);
  uint64_t tag = h >> 32;
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    uint64_t s = slots_[i];
    if (s == 0) return std::nullopt;
    if ((s >> 32) == tag) {
      int32_t id = static_cast<int32_t>(static_cast<uint32_t>(s) - 1);
      if (keys[id] == key) return id;
    }
  }
}

// ---- Cache -----------------------------------------------------------------------------------

BpeModel::Cache::Cache(size_t capacity) : stripes_(new std::mutex[kStripes]) {
  if (capacity == 0) return;
  size_t n = 2;
  while (n < capacity) n <<= 1;
  slots_.resize(n);
  mask_ = n - 1;
}

uint64_t BpeModel::Cache::hash_key(std::string_view key) {
  // Short keys: 8 bytes at a time through a multiply-xorshift mix.
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (key.size() * 0xff51afd7ed558ccdULL);
  const char* p = key.data();
  size_t n = key.size();
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 29;
  return h | 1;  // never 0 (the empty mark)
}

// Two-way set associative: a key lives in slot 2k or 2k+1 of its set k.
bool BpeModel::Cache::get(std::string_view key, uint64_t hash, std::vector<int32_t>& out) const {
  size_t set = hash & mask_ & ~size_t{1};
  std::lock_guard<std::mutex> lock(stripes_[(set >> 1) % kStripes]);
  for (size_t i = set; i < set + 2; ++i) {
    const Slot& s = slots_[i];
    if (s.hash == hash && s.key_len == key.size() &&
        std::memcmp(s.key, key.data(), key.size()) == 0) {
      out.insert(out.end(), s.ids, s.ids + s.n_ids);
      return true;
    }
  }
  return false;
}

void BpeModel::Cache::put(std::string_view key, uint64_t hash, const int32_t* ids, size_t n) {
  if (key.size() > kMaxKey || n > kMaxIds) return;
  size_t set = hash & mask_ & ~size_t{1};
  std::lock_guard<std::mutex> lock(stripes_[(set >> 1) % kStripes]);
  // An empty slot if any, else the victim chosen by a hash bit (cheap pseudo-random replacement).
  size_t i = slots_[set].hash == 0       ? set
             : slots_[set + 1].hash == 0 ? set + 1
                                         : set + ((hash >> 40) & 1);
  Slot& s = slots_[i];
  s.hash = hash;
  s.key_len = static_cast<uint8_t>(key.size());
  s.n_ids = static_cast<uint8_t>(n);
  std::memcpy(s.key, key.data(), key.size());
  std::memcpy(s.ids, ids, n * sizeof(int32_t));
}

// ---- BpeModel --------------------------------------------------------------------------------

BpeModel::BpeModel(BpeModelSpec spec)
    : ignore_merges_(spec.ignore_merges), cache_(spec.cache_capacity) {
  byte_id_.fill(-1);
  int32_t max_id = -1;
  for (const auto& [spelling, id] : spec.vocab) {
    if (id < 0 || id > kMaxTokenId)
      throw DataError(spec.vocab_source,
                      "token '" + spelling + "' has id " + std::to_string(id) + ", outside 0.." +
                          std::to_string(kMaxTokenId),
                      "ids must be small non-negative integers; is this a vocabulary file?");
    max_id = std::max(max_id, id);
  }
  id_to_bytes_.resize(static_cast<size_t>(max_id + 1));
  id_to_spelling_.resize(static_cast<size_t>(max_id + 1));
  has_token_.assign(static_cast<size_t>(max_id + 1), 0);
  for (auto& [spelling, id] : spec.vocab) {
    if (has_token_[id])
      throw DataError(spec.vocab_source,
                      "id " + std::to_string(id) + " is used by both '" + id_to_spelling_[id] +
                          "' and '" + spelling + "'",
                      "every token needs its own id; the vocabulary file is corrupt");
    has_token_[id] = 1;
    // A spelling with characters outside the byte alphabet (e.g. an added token stored in the
    // vocabulary) stands for its own UTF-8 bytes.
    std::optional<std::string> bytes = token_string_to_bytes(spelling);
    id_to_bytes_[id] = bytes ? std::move(*bytes) : spelling;
    id_to_spelling_[id] = std::move(spelling);
    if (id_to_bytes_[id].size() == 1) {
      auto b = static_cast<unsigned char>(id_to_bytes_[id][0]);
      if (byte_id_[b] < 0 || bytes) byte_id_[b] = id;
    }
  }

  spelling_to_id_.init(spec.vocab.size());
  bytes_to_id_.init(spec.vocab.size());
  for (int32_t id = 0; id <= max_id; ++id) {
    if (!has_token_[id]) continue;
    spelling_to_id_.insert(id_to_spelling_, id);
    bytes_to_id_.insert(id_to_bytes_, id);  // the lowest id wins when two spellings share bytes
  }

  merges_.reserve(spec.merges.size());
  pairs_.init(spec.merges.size());
  std::string joined;
  for (size_t r = 0; r < spec.merges.size(); ++r) {
    const auto& [left, right] = spec.merges[r];
    auto a = spelling_to_id_.find(id_to_spelling_, left);
    auto b = spelling_to_id_.find(id_to_spelling_, right);
    if (!a || !b) {
      const std::string& missing = !a ? left : right;
      throw DataError(spec.merge_origin.describe(r),
                      "merge '" + left + " " + right + "' uses '" + missing +
                          "', which is not a token of " + spec.vocab_source,
                      "the merges and the vocabulary must come from the same tokenizer");
    }
    joined.assign(left).append(right);
    auto m = spelling_to_id_.find(id_to_spelling_, joined);
    if (!m)
      throw DataError(spec.merge_origin.describe(r),
                      "merge '" + left + " " + right + "' makes '" + joined +
                          "', which is not a token of " + spec.vocab_source,
                      "the merges and the vocabulary must come from the same tokenizer");
    merges_.emplace_back(*a, *b);
    pairs_.insert(*a, *b, static_cast<uint32_t>(r), *m);
  }
}

bool BpeModel::has_id(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < has_token_.size() && has_token_[id];
}

const std::string& BpeModel::bytes_of(int32_t id) const {
  return has_id(id) ? id_to_bytes_[id] : kEmpty;
}

const std::string& BpeModel::spelling_of(int32_t id) const {
  return has_id(id) ? id_to_spelling_[id] : kEmpty;
}

std::optional<int32_t> BpeModel::id_of_spelling(std::string_view spelling) const {
  return spelling_to_id_.find(id_to_spelling_, spelling);
}

std::optional<int32_t> BpeModel::id_of_bytes(std::string_view bytes) const {
  return bytes_to_id_.find(id_to_bytes_, bytes);
}

std::vector<int> BpeModel::missing_bytes() const {
  std::vector<int> out;
  for (int b = 0; b < 256; ++b)
    if (byte_id_[b] < 0) out.push_back(b);
  return out;
}

void BpeModel::merge_scan(std::string_view bytes, std::vector<int32_t>& out) const {
  // sym[i]: current symbols; rank[i] / merged[i]: the merge of (sym[i], sym[i+1]).
  int32_t sym_buf[kScanMaxSymbols], merged_buf[kScanMaxSymbols];
  uint32_t rank_buf[kScanMaxSymbols];
  std::vector<int32_t> sym_vec, merged_vec;
  std::vector<uint32_t> rank_vec;
  int32_t* sym = sym_buf;
  int32_t* merged = merged_buf;
  uint32_t* rank = rank_buf;
  if (bytes.size() > kScanMaxSymbols) {
    sym_vec.resize(bytes.size());
    merged_vec.resize(bytes.size());
    rank_vec.resize(bytes.size());
    sym = sym_vec.data();
    merged = merged_vec.data();
    rank = rank_vec.data();
  }
  size_t n = 0;
  for (char c : bytes) {
    int32_t id = byte_id_[static_cast<unsigned char>(c)];
    if (id >= 0) sym[n++] = id;
  }
  auto update = [&](size_t i) {
    if (!pairs_.find(sym[i], sym[i + 1], &rank[i], &merged[i])) rank[i] = kNoRank;
  };
  for (size_t i = 0; i + 1 < n; ++i) update(i);
  while (n > 1) {
    size_t best = 0;
    uint32_t best_rank = kNoRank;
    for (size_t i = 0; i + 1 < n; ++i)
      if (rank[i] < best_rank) {
        best_rank = rank[i];
        best = i;
      }
    if (best_rank == kNoRank) break;
    sym[best] = merged[best];
    size_t tail = n - best - 2;  // symbols after best + 1
    std::memmove(sym + best + 1, sym + best + 2, tail * sizeof(int32_t));
    std::memmove(rank + best, rank + best + 1, tail * sizeof(uint32_t));
    std::memmove(merged + best, merged + best + 1, tail * sizeof(int32_t));
    --n;
    if (best > 0) update(best - 1);
    if (best + 1 < n) update(best);
  }
  out.insert(out.end(), sym, sym + n);
}

void BpeModel::merge_heap(std::string_view bytes, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id, prev, next;
  };
  struct Candidate {
    uint32_t rank;
    int32_t pos, left, right, merged;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<Symbol> sym;
  sym.reserve(bytes.size());
  for (char c : bytes) {
    int32_t id = byte_id_[static_cast<unsigned char>(c)];
    if (id < 0) continue;
    int32_t i = static_cast<int32_t>(sym.size());
    sym.push_back({id, i - 1, -1});
    if (i > 0) sym[i - 1].next = i;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int32_t pos) {
    int32_t nx = sym[pos].next;
    if (nx < 0) return;
    uint32_t rank;
    int32_t merged;
    if (pairs_.find(sym[pos].id, sym[nx].id, &rank, &merged))
      heap.push({rank, pos, sym[pos].id, sym[nx].id, merged});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(sym.size()); ++i) push(i);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    Symbol& s = sym[c.pos];
    if (s.id != c.left || s.next < 0 || sym[s.next].id != c.right) continue;  // stale
    int32_t gone = s.next;
    s.id = c.merged;
    s.next = sym[gone].next;
    if (s.next >= 0) sym[s.next].prev = c.pos;
    sym[gone].id = -1;
    if (s.prev >= 0) push(s.prev);
    push(c.pos);
  }
  for (int32_t i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) out.push_back(sym[i].id);
}

void BpeModel::encode_word(std::string_view bytes, std::vector<int32_t>& out) const {
  if (bytes.empty()) return;
  if (bytes.size() == 1) {
    int32_t id = byte_id_[static_cast<unsigned char>(bytes[0])];
    if (id >= 0) out.push_back(id);
    return;
  }
  if (ignore_merges_) {
    if (auto id = bytes_to_id_.find(id_to_bytes_, bytes)) {
      out.push_back(*id);
      return;
    }
  }
  bool cacheable = cache_.enabled() && bytes.size() <= Cache::kMaxKey;
  uint64_t hash = 0;
  if (cacheable) {
    hash = Cache::hash_key(bytes);
    if (cache_.get(bytes, hash, out)) return;
  }
  size_t start = out.size();
  if (bytes.size() <= kScanMaxSymbols)
    merge_scan(bytes, out);
  else
    merge_heap(bytes, out);
  if (cacheable) cache_.put(bytes, hash, out.data() + start, out.size() - start);
}

}  // namespace ds::tok

// Owns the tree-structured K/V store of the engine: sequence states (handles), their token chunks
// and the K/V of those chunks, reference counting, pinning, a byte budget and least-recently-used
// eviction. It does no model computation: the engine recomputes evicted chunks (and counts that
// as prefill) and hands the K/V back with set_kv().
//
// A state = parent + its own chunk of tokens. Its full sequence is the concatenation of the chunks
// on the root..state path. The last token of a sequence has no K/V yet (it is "pending": it is the
// input of the next decode step), so a state's own K/V covers the positions
//   [kv_begin, kv_end) = [parent_length - 1, length - 1)   (root: [0, length - 1)),
// i.e. the parent's pending token plus all of its own tokens but the last. A chunk of n tokens
// under a parent therefore holds n K/V columns; a root prompt of n tokens holds n - 1.
//
// Lifetime: each state holds one reference for its handle and one per child. release(handle)
// drops the handle's reference; a state with no references is deleted and drops its reference on
// its parent (so releasing the last leaf of a released branch frees the branch).
// Eviction: when stored bytes exceed the budget, enforce_budget() drops the K/V (never the tokens)
// of least recently used chunks, skipping chunks that are pinned or ancestors of pinned states.
// Thread-safety: none; one store per engine, used from one thread.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/types.h"

namespace ds::engine {

class KvStore {
 public:
  explicit KvStore(int64_t budget_bytes) : budget_bytes_(budget_bytes) {}

  // A new root (prompt) state without K/V (tokens must be non-empty).
  StateId create_root(std::vector<int32_t> tokens);
  // A new child of `parent`. `kv` is (layers, 2, kv_heads, tokens.size(), head_dim), or undefined
  // when not computed (or when tokens is empty).
  StateId create_child(StateId parent, std::vector<int32_t> tokens, torch::Tensor kv);
  // Drops the handle's reference (and its pins). Releasing an unknown handle is a bug.
  void release(StateId id);

  bool contains(StateId id) const { return nodes_.count(id) != 0; }
  size_t size() const { return nodes_.size(); }

  // Pinned states and all their ancestors are never evicted. Pins nest.
  void pin(StateId id);
  void unpin(StateId id);

  StateId parent(StateId id) const { return node(id).parent; }
  const std::vector<int32_t>& tokens(StateId id) const { return node(id).tokens; }
  int64_t length(StateId id) const { return node(id).length; }  // tokens root..id
  // The last token of the sequence (the input of the next decode step).
  int32_t last_token(StateId id) const { return node(id).last_token; }
  // Position range of the state's own K/V columns (see the header comment).
  int64_t kv_begin(StateId id) const;
  int64_t kv_end(StateId id) const { return node(id).length - 1; }
  int64_t kv_len(StateId id) const { return kv_end(id) - kv_begin(id); }

  // Root..id.
  std::vector<StateId> path(StateId id) const;
  // The full token sequence of the state.
  std::vector<int32_t> path_tokens(StateId id) const;

  // True when the state's own K/V is available (always true for an empty K/V range).
  bool has_kv(StateId id) const;
  // True when the state's K/V was computed once and then evicted (recomputing it is "recompute").
  bool was_evicted(StateId id) const { return node(id).evicted; }
  // True when every chunk on the path has its K/V.
  bool path_has_kv(StateId id) const;
  const torch::Tensor& kv(StateId id) const;  // (layers, 2, kv_heads, kv_len, head_dim)
  // Stores the state's own K/V (computed or recomputed); shape checked against kv_len.
  void set_kv(StateId id, torch::Tensor kv);

  // Drops every stored K/V (e.g. after the weights changed); not counted as eviction.
  void drop_all_kv();
  // Marks every chunk on the path as just used.
  void touch_path(StateId id);
  // Evicts least recently used, unprotected K/V until bytes() <= budget (or nothing is evictable).
  void enforce_budget();

  int64_t bytes() const { return bytes_; }
  int64_t peak_bytes() const { return peak_bytes_; }
  int64_t budget_bytes() const { return budget_bytes_; }
  void set_budget_bytes(int64_t b) { budget_bytes_ = b; }
  int64_t evicted_chunks() const { return evicted_chunks_; }
  int64_t evicted_bytes() const { return evicted_bytes_; }
  void reset_eviction_counters() { evicted_chunks_ = evicted_bytes_ = 0; }

 private:
  struct Node {
    StateId parent = kNoState;
    std::vector<int32_t> tokens;
    int64_t length = 0;
    int32_t last_token = -1;
    torch::Tensor kv;  // undefined = not computed / evicted (or empty range)
    int64_t bytes = 0;
    uint32_t children = 0;
    bool handle = true;
    bool evicted = false;
    int32_t pins = 0;
    int32_t protect = 0;  // pins on this node and its descendants
    uint64_t last_use = 0;
  };

  Node& node(StateId id);
  const Node& node(StateId id) const;
  StateId insert(Node n);
  void drop_kv(StateId id, Node& n);
  void maybe_delete(StateId id);

  std::unordered_map<StateId, Node> nodes_;
  std::set<std::pair<uint64_t, StateId>> lru_;  // (last_use, id) of nodes holding K/V bytes
  StateId next_id_ = 0;
  uint64_t tick_ = 0;
  int64_t budget_bytes_;
  int64_t bytes_ = 0, peak_bytes_ = 0;
  int64_t evicted_chunks_ = 0, evicted_bytes_ = 0;
};

}  // namespace ds::engine

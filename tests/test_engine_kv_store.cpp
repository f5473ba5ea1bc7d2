// Tests the tree K/V store's bookkeeping without a model: K/V ranges (the pending-token rule),
// paths, reference counting on release, byte accounting, pins and LRU eviction order.
#include <gtest/gtest.h>

#include "engine/kv_store.h"

namespace ds::engine {
namespace {

constexpr int64_t kLayers = 2, kHeads = 1, kDim = 4;
// Bytes of one K/V column: layers x (k, v) x heads x head_dim floats.
constexpr int64_t kColumnBytes = kLayers * 2 * kHeads * kDim * 4;

torch::Tensor fake_kv(int64_t len, float value = 1.0f) {
  return torch::full({kLayers, 2, kHeads, len, kDim}, value);  // (L, 2, H, len, D)
}

TEST(KvStore, RangesFollowThePendingTokenRule) {
  KvStore s(1 << 20);
  StateId root = s.create_root({1, 2, 3, 4});
  EXPECT_EQ(s.length(root), 4);
  EXPECT_EQ(s.kv_begin(root), 0);
  EXPECT_EQ(s.kv_end(root), 3);  // the last prompt token is pending
  EXPECT_EQ(s.last_token(root), 4);
  EXPECT_FALSE(s.has_kv(root));

  StateId child = s.create_child(root, {5, 6}, torch::Tensor());
  EXPECT_EQ(s.length(child), 6);
  EXPECT_EQ(s.kv_begin(child), 3);  // starts with the parent's pending token
  EXPECT_EQ(s.kv_len(child), 2);
  EXPECT_EQ(s.last_token(child), 6);

  StateId empty = s.create_child(child, {}, torch::Tensor());
  EXPECT_EQ(s.kv_len(empty), 0);
  EXPECT_TRUE(s.has_kv(empty));
  EXPECT_EQ(s.last_token(empty), 6);  // still the parent's pending token

  EXPECT_EQ(s.path(empty), (std::vector<StateId>{root, child, empty}));
  EXPECT_EQ(s.path_tokens(empty), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

TEST(KvStore, SingleTokenRootHasEmptyRange) {
  KvStore s(0);
  StateId root = s.create_root({9});
  EXPECT_EQ(s.kv_len(root), 0);
  EXPECT_TRUE(s.path_has_kv(root));
}

TEST(KvStore, BytesAndShapeChecks) {
  KvStore s(1 << 20);
  StateId root = s.create_root({1, 2, 3});
  s.set_kv(root, fake_kv(2));
  EXPECT_EQ(s.bytes(), 2 * kColumnBytes);
  StateId c = s.create_child(root, {4, 5, 6}, fake_kv(3));
  EXPECT_EQ(s.bytes(), 5 * kColumnBytes);
  EXPECT_TRUE(s.path_has_kv(c));
  EXPECT_EQ(s.peak_bytes(), 5 * kColumnBytes);
  EXPECT_DEATH(s.set_kv(c, fake_kv(2)), "must be");
}

TEST(KvStore, ReleaseFreesUnreferencedAncestors) {
  KvStore s(1 << 20);
  StateId root = s.create_root({1, 2});
  s.set_kv(root, fake_kv(1));
  StateId a = s.create_child(root, {3}, fake_kv(1));
  StateId b = s.create_child(root, {4}, fake_kv(1));
  StateId a1 = s.create_child(a, {5}, fake_kv(1));
  EXPECT_EQ(s.size(), 4u);

  s.release(root);  // children keep it alive
  s.release(a);
  EXPECT_TRUE(s.contains(root));
  EXPECT_TRUE(s.contains(a));
  s.release(a1);  // frees a1, then a (released, no children)
  EXPECT_FALSE(s.contains(a1));
  EXPECT_FALSE(s.contains(a));
  EXPECT_TRUE(s.contains(root));
  s.release(b);  // last reference: the whole tree goes
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.bytes(), 0);
  EXPECT_DEATH(s.release(b), "unknown engine state");
}

TEST(KvStore, EvictsLeastRecentlyUsedLeavesBeforeSharedPrefix) {
  KvStore s(1 << 20);
  StateId root = s.create_root({1, 2, 3, 4, 5});
  s.set_kv(root, fake_kv(4));
  StateId a = s.create_child(root, {6, 7}, fake_kv(2));
  StateId b = s.create_child(root, {8, 9}, fake_kv(2));
  s.touch_path(a);  // a is now more recent than b; root more recent than both
  s.set_budget_bytes(6 * kColumnBytes);
  s.enforce_budget();
  EXPECT_FALSE(s.has_kv(b));
  EXPECT_TRUE(s.was_evicted(b));
  EXPECT_TRUE(s.has_kv(a));
  EXPECT_FALSE(s.was_evicted(a));
  EXPECT_TRUE(s.has_kv(root));
  EXPECT_EQ(s.evicted_chunks(), 1);
  EXPECT_EQ(s.evicted_bytes(), 2 * kColumnBytes);
  // Tokens survive eviction, so the state can be recomputed.
  EXPECT_EQ(s.path_tokens(b), (std::vector<int32_t>{1, 2, 3, 4, 5, 8, 9}));
  EXPECT_FALSE(s.path_has_kv(b));
  s.set_kv(b, fake_kv(2));
  EXPECT_FALSE(s.was_evicted(b));
}

TEST(KvStore, PinnedStatesAndAncestorsAreNeverEvicted) {
  KvStore s(1 << 20);
  StateId root = s.create_root({1, 2, 3});
  s.set_kv(root, fake_kv(2));
  StateId a = s.create_child(root, {4}, fake_kv(1));
  StateId b = s.create_child(root, {5}, fake_kv(1));
  s.pin(a);
  s.set_budget_bytes(0);
  s.enforce_budget();
  EXPECT_TRUE(s.has_kv(root));
  EXPECT_TRUE(s.has_kv(a));
  EXPECT_FALSE(s.has_kv(b));
  EXPECT_EQ(s.bytes(), 3 * kColumnBytes);  // over budget: everything left is protected
  s.unpin(a);
  s.enforce_budget();
  EXPECT_EQ(s.bytes(), 0);
  EXPECT_DEATH(s.unpin(a), "not pinned");
}

TEST(KvStore, ReleaseDropsPins) {
  KvStore s(0);
  StateId root = s.create_root({1, 2, 3});
  s.set_kv(root, fake_kv(2));
  StateId a = s.create_child(root, {4}, fake_kv(1));
  s.pin(a);
  s.pin(a);
  s.release(a);
  s.enforce_budget();
  EXPECT_FALSE(s.has_kv(root));  // no longer protected by the released child
}

TEST(KvStore, OverwritingKvKeepsAccountingExact) {
  KvStore s(1 << 20);
  StateId root = s.create_root({1, 2, 3});
  s.set_kv(root, fake_kv(2, 1.0f));
  s.set_kv(root, fake_kv(2, 2.0f));
  EXPECT_EQ(s.bytes(), 2 * kColumnBytes);
  EXPECT_EQ(s.kv(root)[0][0][0][0][0].item<float>(), 2.0f);
}

}  // namespace
}  // namespace ds::engine

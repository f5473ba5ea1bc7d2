// Tests of JSONL I/O, atomic writes, the RNG and the BLAS detector.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/blas_check.h"
#include "core/errors.h"
#include "core/fs_util.h"
#include "core/jsonl.h"
#include "core/rng.h"

namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  auto p = fs::temp_directory_path() / ("ds_io_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

TEST(Jsonl, ReadsLinesAndSkipsBlank) {
  auto p = temp_dir() / "a.jsonl";
  std::ofstream(p) << "{\"a\": 1}\n\n{\"a\": 2}\r\n";
  auto v = ds::read_jsonl(p.string());
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1]["a"], 2);
}

TEST(Jsonl, BadLineNamesFileAndLine) {
  auto p = temp_dir() / "b.jsonl";
  std::ofstream(p) << "{\"a\": 1}\n{\"a\": \n";
  try {
    ds::read_jsonl(p.string());
    FAIL();
  } catch (const ds::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("b.jsonl:2"), std::string::npos) << e.what();
  }
}

TEST(Jsonl, MissingFileAndField) {
  EXPECT_THROW(ds::read_jsonl("/nonexistent/x.jsonl"), ds::DataError);
  ds::json j = {{"problem", "x"}};
  EXPECT_THROW(ds::require_string(j, "answer", "f.jsonl", 3), ds::DataError);
  EXPECT_EQ(ds::require_string(ds::json{{"answer", 42}}, "answer", "f", 1), "42");
}

TEST(Jsonl, WriterAppends) {
  auto p = (temp_dir() / "w.jsonl").string();
  fs::remove(p);
  {
    ds::JsonlWriter w(p, true);
    w.write({{"x", 1}});
  }
  {
    ds::JsonlWriter w(p, true);
    w.write({{"x", 2}});
  }
  EXPECT_EQ(ds::read_jsonl(p).size(), 2u);
}

TEST(FsUtil, AtomicWriteReplaces) {
  auto p = (temp_dir() / "f.txt").string();
  ds::atomic_write_file(p, "one");
  ds::atomic_write_file(p, "two");
  EXPECT_EQ(ds::read_file(p), "two");
  for (auto& e : fs::directory_iterator(temp_dir()))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

TEST(Rng, DeterministicAndRestorable) {
  ds::Rng a(7), b(7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  std::string s = a.state();
  uint64_t x = a.next_u64();
  b.set_state(s);
  EXPECT_EQ(b.next_u64(), x);
  EXPECT_THROW(b.set_state("zz"), ds::DataError);
  for (int i = 0; i < 1000; ++i) {
    double u = a.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_LT(a.below(5), 5u);
  }
}

TEST(BlasCheck, ClassifiesPaths) {
  EXPECT_TRUE(ds::is_reference_blas("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"));
  EXPECT_FALSE(ds::is_reference_blas("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"));
  EXPECT_FALSE(ds::is_reference_blas(""));
}

}  // namespace

// Tests of the safetensors reader/writer: round trips, the exact HF layout, and corrupt or hostile
// inputs (truncation at every length, huge header lengths, bad JSON, overlapping / out-of-range
// offsets, shape vs byte-length mismatches, unknown dtypes, random byte flips): each must be a
// DataError naming the file (and the tensor), never a crash or an out-of-bounds read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "core/rng.h"
#include "model/safetensors.h"

namespace dm = ds::model;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  auto p = fs::temp_directory_path() / ("ds_st_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

// A file from a raw header text and data bytes (the header length prefix is computed).
std::string make_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string valid_file() {
  std::vector<float> a = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  std::vector<uint16_t> b = {0x3f80, 0x4000, 0xbf80};  // bf16 1, 2, -1
  std::vector<int64_t> c = {42};
  std::vector<dm::StTensorView> views = {
      {"layer.a", dm::StDtype::kF32, {2, 3}, a.data(), a.size() * 4},
      {"b", dm::StDtype::kBF16, {3}, b.data(), b.size() * 2},
      {"c", dm::StDtype::kI64, {}, c.data(), 8},
      {"empty", dm::StDtype::kF16, {0, 4}, nullptr, 0},
  };
  return dm::safetensors_bytes(views, {{"note", "hi"}});
}

// Expects a DataError whose message contains every fragment.
void expect_corrupt(const std::string& bytes, std::vector<std::string> fragments) {
  try {
    dm::SafetensorsFile::from_bytes(bytes, "bad.safetensors");
    ADD_FAILURE() << "accepted a corrupt file; expected: " << fragments[0];
  } catch (const ds::DataError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }
}

TEST(Safetensors, RoundTripInMemory) {
  auto f = dm::SafetensorsFile::from_bytes(valid_file(), "mem");
  ASSERT_EQ(f.tensors().size(), 4u);
  const dm::StTensorInfo* a = f.find("layer.a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, dm::StDtype::kF32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  auto bytes = f.bytes(*a);
  ASSERT_EQ(bytes.size(), 24u);
  float v[6];
  std::memcpy(v, bytes.data(), 24);
  EXPECT_EQ(v[2], 3.25f);
  const dm::StTensorInfo* c = f.find("c");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->shape.empty());
  EXPECT_EQ(c->numel(), 1u);
  int64_t cv;
  std::memcpy(&cv, f.bytes(*c).data(), 8);
  EXPECT_EQ(cv, 42);
  const dm::StTensorInfo* e = f.find("empty");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(f.bytes(*e).size(), 0u);
  EXPECT_EQ(f.find("nope"), nullptr);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("note"), "hi");
}

TEST(Safetensors, HuggingFaceLayout) {
  std::string bytes = valid_file();
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u) << "header must be padded to 8 bytes";
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.front(), '{');
  EXPECT_NE(header.find("\"__metadata__\":{\"format\":\"pt\""), std::string::npos) << header;
  // Data laid out in name order, contiguous from offset 0.
  auto f = dm::SafetensorsFile::from_bytes(bytes, "mem");
  EXPECT_EQ(f.find("b")->begin, 0u);
  EXPECT_EQ(f.find("c")->begin, 6u);
  EXPECT_EQ(f.find("empty")->begin, 14u);
  EXPECT_EQ(f.find("layer.a")->begin, 14u);
  EXPECT_EQ(bytes.size(), 8 + n + 38);
}

TEST(Safetensors, WriteIsAtomicAndReadableByOpen) {
  auto path = (temp_dir() / "w.safetensors").string();
  std::vector<double> x = {1, 2, 3};
  dm::write_safetensors(path, {{"x", dm::StDtype::kF64, {3}, x.data(), 24}});
  for (const auto& entry : fs::directory_iterator(temp_dir()))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  auto f = dm::SafetensorsFile::open(path);
  ASSERT_EQ(f.tensors().size(), 1u);
  double y[3];
  std::memcpy(y, f.bytes(*f.find("x")).data(), 24);
  EXPECT_EQ(y[2], 3.0);
  // Moving keeps the mapping alive.
  dm::SafetensorsFile g = std::move(f);
  EXPECT_EQ(g.bytes(*g.find("x")).size(), 24u);
}

TEST(Safetensors, MissingFileAndDirectory) {
  EXPECT_THROW(dm::SafetensorsFile::open("/nonexistent/m.safetensors"), ds::DataError);
  EXPECT_THROW(dm::SafetensorsFile::open(temp_dir().string()), ds::DataError);
  auto empty = (temp_dir() / "empty.safetensors").string();
  std::ofstream(empty).close();
  EXPECT_THROW(dm::SafetensorsFile::open(empty), ds::DataError);
}

TEST(Safetensors, EveryTruncationIsAnError) {
  std::string bytes = valid_file();
  for (size_t len = 0; len < bytes.size(); ++len) {
    try {
      dm::SafetensorsFile::from_bytes(bytes.substr(0, len), "cut.safetensors");
      ADD_FAILURE() << "accepted a file truncated to " << len << " bytes";
    } catch (const ds::DataError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos);
    }
  }
  // And on disk through mmap.
  auto path = (temp_dir() / "cut.safetensors").string();
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 3);
  EXPECT_THROW(dm::SafetensorsFile::open(path), ds::DataError);
}

TEST(Safetensors, HugeOrWrongHeaderLength) {
  std::string bytes = valid_file();
  for (uint64_t n : {uint64_t{1} << 63, ~uint64_t{0}, dm::SafetensorsFile::kMaxHeaderBytes + 1,
                     uint64_t{bytes.size()}, uint64_t{bytes.size() - 7}}) {
    std::string b = bytes;
    std::memcpy(b.data(), &n, 8);
    expect_corrupt(b, {"header length"});
  }
  // Header length too short: the JSON is cut.
  std::string b = bytes;
  uint64_t n = 10;
  std::memcpy(b.data(), &n, 8);
  expect_corrupt(b, {"JSON"});
}

TEST(Safetensors, BadJson) {
  expect_corrupt(make_file("{\"a\": {", ""), {"not valid JSON"});
  expect_corrupt(make_file("", ""), {"JSON"});
  expect_corrupt(make_file("[1, 2]", ""), {"must be a JSON object"});
  expect_corrupt(make_file("\"x\"", ""), {"must be a JSON object"});
  expect_corrupt(make_file(std::string(10000, '[') + std::string(10000, ']'), ""),
                 {"nested deeper"});
  expect_corrupt(make_file("{\"a\": 5}", ""), {"\"a\"", "must be an object"});
  expect_corrupt(make_file("{\"__metadata__\": {\"k\": 1}}", ""), {"__metadata__"});
  expect_corrupt(make_file("{\"__metadata__\": [1]}", ""), {"__metadata__"});
  expect_corrupt(make_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "abcd"),
                 {"\"a\"", "data_offsets"});
  expect_corrupt(make_file("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "abcd"),
                 {"\"a\"", "dtype"});
  expect_corrupt(make_file("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", "abcd"),
                 {"\"a\"", "shape"});
  // An empty header object with no data is a valid (empty) file.
  EXPECT_EQ(dm::SafetensorsFile::from_bytes(make_file("{}", ""), "e").tensors().size(), 0u);
  EXPECT_EQ(dm::SafetensorsFile::from_bytes(make_file("{}      ", ""), "e").tensors().size(), 0u);
}

TEST(Safetensors, UnknownDtype) {
  try {
    dm::SafetensorsFile::from_bytes(
        make_file("{\"w\": {\"dtype\": \"F8_E9\", \"shape\": [2], \"data_offsets\": [0, 2]}}",
                  "ab"),
        "bad.safetensors");
    FAIL();
  } catch (const ds::DataError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("\"w\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("F8_E9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("BF16"), std::string::npos) << "should list known dtypes: " << msg;
  }
}

TEST(Safetensors, OffsetsAndShapes) {
  const std::string d8(8, 'x');
  auto t = [](const std::string& name, const std::string& dtype, const std::string& shape,
              const std::string& offs) {
    return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape +
           ", \"data_offsets\": " + offs + "}";
  };
  // Overlap.
  expect_corrupt(
      make_file("{" + t("a", "F32", "[2]", "[0, 8]") + ", " + t("b", "F32", "[1]", "[4, 8]") + "}",
                d8),
      {"overlaps"});
  // Past the end.
  expect_corrupt(make_file("{" + t("a", "F32", "[4]", "[0, 16]") + "}", d8),
                 {"\"a\"", "past the data region"});
  expect_corrupt(
      make_file("{" + t("a", "F32", "[1]", "[18446744073709551612, 18446744073709551616]") + "}",
                d8),
      {"\"a\""});
  // Shape vs bytes.
  expect_corrupt(make_file("{" + t("a", "F32", "[3]", "[0, 8]") + "}", d8),
                 {"\"a\"", "needs 12 bytes"});
  expect_corrupt(make_file("{" + t("a", "F16", "[2, 2]", "[0, 4]") + "}", d8.substr(0, 4)),
                 {"\"a\"", "needs 8 bytes"});
  // Shape overflow and bad entries.
  expect_corrupt(make_file("{" + t("a", "F32", "[4294967296, 4294967296]", "[0, 8]") + "}", d8),
                 {"\"a\"", "overflows"});
  expect_corrupt(make_file("{" + t("a", "F32", "[4611686018427387904]", "[0, 8]") + "}", d8),
                 {"\"a\"", "overflows"});
  expect_corrupt(make_file("{" + t("a", "F32", "[-2]", "[0, 8]") + "}", d8),
                 {"\"a\"", "non-negative"});
  expect_corrupt(make_file("{" + t("a", "F32", "[2.0]", "[0, 8]") + "}", d8),
                 {"\"a\"", "non-negative"});
  expect_corrupt(make_file("{" + t("a", "F32", "[\"2\"]", "[0, 8]") + "}", d8), {"\"a\""});
  // Offsets malformed.
  expect_corrupt(make_file("{" + t("a", "F32", "[2]", "[8, 0]") + "}", d8), {"\"a\"", "< begin"});
  expect_corrupt(make_file("{" + t("a", "F32", "[2]", "[0]") + "}", d8), {"\"a\"", "data_offsets"});
  expect_corrupt(make_file("{" + t("a", "F32", "[2]", "[0, 8, 9]") + "}", d8),
                 {"\"a\"", "data_offsets"});
  expect_corrupt(make_file("{" + t("a", "F32", "[2]", "[0, -8]") + "}", d8),
                 {"\"a\"", "data_offsets"});
  // Gaps and undescribed trailing bytes.
  expect_corrupt(make_file("{" + t("a", "F32", "[1]", "[4, 8]") + "}", d8), {"gap", "\"a\""});
  expect_corrupt(make_file("{" + t("a", "F32", "[1]", "[0, 4]") + "}", d8),
                 {"after the last tensor"});
  // Two tensors sharing one range.
  expect_corrupt(
      make_file("{" + t("a", "F32", "[2]", "[0, 8]") + ", " + t("b", "F32", "[2]", "[0, 8]") + "}",
                d8),
      {"overlaps"});
  // A valid two-tensor file with offsets given out of name order is fine.
  auto ok = dm::SafetensorsFile::from_bytes(
      make_file("{" + t("a", "F32", "[1]", "[4, 8]") + ", " + t("b", "I32", "[1]", "[0, 4]") + "}",
                d8),
      "ok");
  EXPECT_EQ(ok.tensors()[0].name, "b");
}

// Deterministic random mutations of a valid file: each must parse or be a DataError, and a
// parsed file's tensors must lie inside the buffer (ASan builds catch any stray read).
TEST(Safetensors, RandomMutationsNeverCrash) {
  const std::string base = valid_file();
  ds::Rng rng(1234);
  int accepted = 0, refused = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string b = base;
    const int edits = 1 + static_cast<int>(rng.below(4));
    for (int e = 0; e < edits; ++e) {
      const uint64_t pos = rng.below(b.size());
      switch (rng.below(4)) {
        case 0:
          b[pos] = static_cast<char>(rng.below(256));
          break;
        case 1:
          b[pos] = "0123456789[]{},\":-. "[rng.below(20)];
          break;
        case 2:
          b.erase(pos, 1 + rng.below(4));
          break;
        default:
          b.insert(pos, 1, static_cast<char>(rng.below(256)));
          break;
      }
    }
    try {
      auto f = dm::SafetensorsFile::from_bytes(b, "mut");
      uint64_t sum = 0;
      for (const auto& t : f.tensors())
        for (uint8_t x : f.bytes(t)) sum += x;
      (void)sum;
      ++accepted;
    } catch (const ds::DataError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 100);
  EXPECT_EQ(accepted + refused, 4000);
}

TEST(Safetensors, DtypeNamesAndSizes) {
  dm::StDtype d;
  for (const char* n : {"F32", "BF16", "F16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"}) {
    ASSERT_TRUE(dm::st_parse_dtype(n, &d)) << n;
    EXPECT_STREQ(dm::st_dtype_name(d), n);
  }
  EXPECT_FALSE(dm::st_parse_dtype("f32", &d));
  ASSERT_TRUE(dm::st_parse_dtype("BF16", &d));
  EXPECT_EQ(dm::st_dtype_size(d), 2u);
  ASSERT_TRUE(dm::st_parse_dtype("I64", &d));
  EXPECT_EQ(dm::st_dtype_size(d), 8u);
}

}  // namespace

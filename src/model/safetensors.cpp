// The validating safetensors reader and the atomic writer (see safetensors.h).
#include "model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <filesystem>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/jsonl.h"

namespace ds::model {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data; a big-endian host would need byte swaps");

namespace {

struct DtypeEntry {
  StDtype dtype;
  const char* name;
  size_t size;
};

constexpr DtypeEntry kDtypes[] = {
    {StDtype::kBool, "BOOL", 1}, {StDtype::kU8, "U8", 1},   {StDtype::kI8, "I8", 1},
    {StDtype::kI16, "I16", 2},   {StDtype::kU16, "U16", 2}, {StDtype::kF16, "F16", 2},
    {StDtype::kBF16, "BF16", 2}, {StDtype::kI32, "I32", 4}, {StDtype::kU32, "U32", 4},
    {StDtype::kF32, "F32", 4},   {StDtype::kF64, "F64", 8}, {StDtype::kI64, "I64", 8},
    {StDtype::kU64, "U64", 8},
};

const DtypeEntry& entry(StDtype d) {
  for (const auto& e : kDtypes)
    if (e.dtype == d) return e;
  DS_CHECK(false, "unknown StDtype");
  return kDtypes[0];
}

std::string known_dtype_list() {
  std::string s;
  for (const auto& e : kDtypes) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

[[noreturn]] void corrupt(const std::string& source, const std::string& problem) {
  throw DataError(source, problem,
                  "the safetensors file is corrupt or truncated; re-download or re-save it");
}

std::string quote(const std::string& name) {
  // Names come from untrusted input: show them JSON-escaped and bounded.
  std::string q = json(name).dump(-1, ' ', false, json::error_handler_t::replace);
  if (q.size() > 120) q = q.substr(0, 117) + "...";
  return q;
}

// Nesting deeper than a valid header needs is refused while parsing (bounded memory and work).
constexpr int kMaxJsonDepth = 4;
struct TooDeep {};

}  // namespace

size_t st_dtype_size(StDtype d) {
  return entry(d).size;
}
const char* st_dtype_name(StDtype d) {
  return entry(d).name;
}

bool st_parse_dtype(const std::string& name, StDtype* out) {
  for (const auto& e : kDtypes)
    if (name == e.name) {
      *out = e.dtype;
      return true;
    }
  return false;
}

uint64_t StTensorInfo::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Reader.

struct SafetensorsFile::Storage {
  std::string buffer;   // from_bytes
  void* map = nullptr;  // open: the mapping
  size_t map_size = 0;
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  ~Storage() {
    if (map) ::munmap(map, map_size);
  }
};

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  f.storage_ = std::make_shared<Storage>();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (!std::filesystem::exists(path))
      throw DataError(path, "file not found", "check the model directory");
    throw DataError(path, "cannot open file", "check the file's permissions");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw DataError(path, "not a regular file", "point at a .safetensors file");
  }
  f.storage_->size = static_cast<uint64_t>(st.st_size);
  if (st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw DataError(path, "cannot memory-map the file", "check free address space / the file");
    }
    f.storage_->map = p;
    f.storage_->map_size = static_cast<size_t>(st.st_size);
    f.storage_->data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  f.parse();
  return f;
}

SafetensorsFile SafetensorsFile::from_bytes(std::string bytes, const std::string& source) {
  SafetensorsFile f;
  f.path_ = source;
  f.storage_ = std::make_shared<Storage>();
  f.storage_->buffer = std::move(bytes);
  f.storage_->data = reinterpret_cast<const uint8_t*>(f.storage_->buffer.data());
  f.storage_->size = f.storage_->buffer.size();
  f.parse();
  return f;
}

void SafetensorsFile::parse() {
  const uint8_t* base = storage_->data;
  const uint64_t size = storage_->size;
  if (size < 8)
    corrupt(path_, "file has " + std::to_string(size) +
                       " bytes, fewer than the 8-byte header length prefix");
  uint64_t n = 0;
  std::memcpy(&n, base, 8);
  if (n > kMaxHeaderBytes)
    corrupt(path_, "header length " + std::to_string(n) + " exceeds the limit of " +
                       std::to_string(kMaxHeaderBytes) + " bytes");
  if (n > size - 8)
    corrupt(path_, "header length " + std::to_string(n) + " runs past the end of the file (" +
                       std::to_string(size) + " bytes): the file is truncated");
  const char* hdr = reinterpret_cast<const char*>(base + 8);
  json header;
  try {
    json::parser_callback_t cb = [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) throw TooDeep{};
      return true;
    };
    header = json::parse(hdr, hdr + n, cb);
  } catch (const json::exception& e) {
    corrupt(path_, std::string("header is not valid JSON: ") + e.what());
  } catch (const TooDeep&) {
    corrupt(path_, "header JSON is nested deeper than a safetensors header can be");
  }
  if (!header.is_object())
    corrupt(path_, std::string("header must be a JSON object, got ") + header.type_name());
  data_ = base + 8 + n;
  data_size_ = size - 8 - n;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) corrupt(path_, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          corrupt(path_, "__metadata__ value of " + quote(m.key()) + " must be a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string what = "tensor " + quote(name);
    if (!v.is_object()) corrupt(path_, what + ": entry must be an object");
    StTensorInfo t;
    t.name = name;
    if (!v.contains("dtype") || !v["dtype"].is_string())
      corrupt(path_, what + ": missing string field 'dtype'");
    const std::string dt = v["dtype"].get<std::string>();
    if (!st_parse_dtype(dt, &t.dtype))
      throw DataError(path_, what + ": unknown dtype " + quote(dt),
                      "known dtypes: " + known_dtype_list());
    if (!v.contains("shape") || !v["shape"].is_array())
      corrupt(path_, what + ": missing array field 'shape'");
    uint64_t numel = 1;
    for (const json& d : v["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        corrupt(path_, what + ": shape entries must be non-negative integers, got " + d.dump());
      const uint64_t dim = d.get<uint64_t>();
      if (__builtin_mul_overflow(numel, dim, &numel))
        corrupt(path_, what + ": shape " + v["shape"].dump() + " overflows");
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    uint64_t nbytes = 0;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(st_dtype_size(t.dtype)), &nbytes))
      corrupt(path_, what + ": shape " + v["shape"].dump() + " overflows");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2 || !v["data_offsets"][0].is_number_unsigned() ||
        !v["data_offsets"][1].is_number_unsigned())
      corrupt(path_, what + ": 'data_offsets' must be [begin, end] with non-negative integers");
    t.begin = v["data_offsets"][0].get<uint64_t>();
    t.end = v["data_offsets"][1].get<uint64_t>();
    if (t.end < t.begin)
      corrupt(path_, what + ": data_offsets end " + std::to_string(t.end) + " < begin " +
                         std::to_string(t.begin));
    if (t.end > data_size_)
      corrupt(path_, what + ": data_offsets [" + std::to_string(t.begin) + ", " +
                         std::to_string(t.end) + "] run past the data region (" +
                         std::to_string(data_size_) + " bytes)");
    if (t.end - t.begin != nbytes)
      corrupt(path_, what + ": shape " + v["shape"].dump() + " of " + dt + " needs " +
                         std::to_string(nbytes) + " bytes but data_offsets span " +
                         std::to_string(t.end - t.begin));
    tensors_.push_back(std::move(t));
  }
  std::sort(tensors_.begin(), tensors_.end(), [](const StTensorInfo& a, const StTensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const StTensorInfo& t = tensors_[i];
    if (t.begin < expected)
      corrupt(path_, "tensor " + quote(t.name) + " overlaps tensor " + quote(tensors_[i - 1].name) +
                         " (offsets " + std::to_string(t.begin) + " < " + std::to_string(expected) +
                         ")");
    if (t.begin > expected)
      corrupt(path_, "gap of " + std::to_string(t.begin - expected) + " bytes before tensor " +
                         quote(t.name));
    expected = t.end;
    index_[t.name] = i;
  }
  if (expected != data_size_)
    corrupt(path_, std::to_string(data_size_ - expected) +
                       " bytes after the last tensor are not described by the header");
}

const StTensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const uint8_t> SafetensorsFile::bytes(const StTensorInfo& t) const {
  DS_CHECK(t.end >= t.begin && t.end <= data_size_, "tensor info not from this file");
  return {data_ + t.begin, static_cast<size_t>(t.end - t.begin)};
}

// ---------------------------------------------------------------------------------------------
// Writer.

namespace {

std::vector<const StTensorView*> sorted_views(const std::vector<StTensorView>& tensors) {
  std::vector<const StTensorView*> out;
  for (const auto& t : tensors) out.push_back(&t);
  std::sort(out.begin(), out.end(),
            [](const StTensorView* a, const StTensorView* b) { return a->name < b->name; });
  for (size_t i = 1; i < out.size(); ++i)
    DS_CHECK(out[i]->name != out[i - 1]->name, "duplicate tensor name " + out[i]->name);
  return out;
}

}  // namespace

std::string safetensors_header(const std::vector<StTensorView>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  json h = json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const StTensorView* t : sorted_views(tensors)) {
    DS_CHECK(t->name != "__metadata__" && !t->name.empty(), "invalid tensor name");
    uint64_t numel = 1;
    for (int64_t d : t->shape) {
      DS_CHECK(d >= 0, "negative dimension in " + t->name);
      numel *= static_cast<uint64_t>(d);
    }
    DS_CHECK(numel * st_dtype_size(t->dtype) == t->nbytes, "byte size mismatch for " + t->name);
    DS_CHECK(t->nbytes == 0 || t->data != nullptr, "no data for " + t->name);
    h[t->name] = {{"dtype", st_dtype_name(t->dtype)},
                  {"shape", t->shape},
                  {"data_offsets", {offset, offset + t->nbytes}}};
    offset += t->nbytes;
  }
  std::string text = h.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  uint64_t n = text.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + text;
}

namespace {
std::map<std::string, std::string> with_format(std::map<std::string, std::string> metadata) {
  if (!metadata.count("format")) metadata["format"] = "pt";
  return metadata;
}
}  // namespace

std::string safetensors_bytes(const std::vector<StTensorView>& tensors,
                              std::map<std::string, std::string> metadata) {
  std::string out = safetensors_header(tensors, with_format(std::move(metadata)));
  for (const StTensorView* t : sorted_views(tensors))
    out.append(static_cast<const char*>(t->data), t->nbytes);
  return out;
}

void write_safetensors(const std::string& path, const std::vector<StTensorView>& tensors,
                       std::map<std::string, std::string> metadata) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  const std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw DataError(path, "cannot create file", "check that the directory is writable");
  auto write_all = [&](const void* data, size_t len) {
    const char* c = static_cast<const char*>(data);
    while (len > 0) {
      ssize_t w = ::write(fd, c, std::min<size_t>(len, 1u << 30));
      if (w <= 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw DataError(path, "write failed (disk full?)", "free disk space and retry");
      }
      c += w;
      len -= static_cast<size_t>(w);
    }
  };
  const std::string header = safetensors_header(tensors, with_format(std::move(metadata)));
  write_all(header.data(), header.size());
  for (const StTensorView* t : sorted_views(tensors)) write_all(t->data, t->nbytes);
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw DataError(path, "cannot rename the temporary file into place",
                    "check the directory's permissions");
  }
  fsync_dir(p.parent_path().string());
}

}  // namespace ds::model

// Owns the safetensors file format (https://github.com/huggingface/safetensors): a little-endian
// u64 header length N, N bytes of JSON header {"name": {"dtype", "shape", "data_offsets"}, ...,
// "__metadata__": {str: str}}, then the data region. The reader is a parser of UNTRUSTED input:
// every size, offset and shape is checked (header inside the file and at most kMaxHeaderBytes,
// known dtypes, shape x dtype size == byte length without overflow, offsets inside the data
// region, tensors sorted and covering it with no gap or overlap) before any tensor byte is
// exposed, and failures are DataErrors naming the file and the tensor. The writer produces the
// Hugging Face layout (header padded with spaces to 8 bytes, __metadata__ {"format": "pt"},
// tensors in name order) atomically through a temporary file and rename.
// Does not depend on torch (checkpoint.h converts to tensors). Thread-safety: a SafetensorsFile
// is immutable after open() and may be read from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ds::model {

enum class StDtype { kBool, kU8, kI8, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64 };

// Bytes per element.
size_t st_dtype_size(StDtype d);
// "F32", "BF16", ... as safetensors spells them.
const char* st_dtype_name(StDtype d);
// Parses a dtype name; false if unknown.
bool st_parse_dtype(const std::string& name, StDtype* out);

struct StTensorInfo {
  std::string name;
  StDtype dtype = StDtype::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets inside the data region
  uint64_t numel() const;
};

class SafetensorsFile {
 public:
  // Largest header accepted (the reference implementation's limit).
  static constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

  // Memory-maps and validates `path`. Throws DataError naming the path (and tensor).
  static SafetensorsFile open(const std::string& path);
  // Validates an in-memory file; `source` names it in errors (fuzzing, tests).
  static SafetensorsFile from_bytes(std::string bytes, const std::string& source);

  const std::string& path() const { return path_; }
  // Tensors in file order (sorted by offset).
  const std::vector<StTensorInfo>& tensors() const { return tensors_; }
  // nullptr when absent.
  const StTensorInfo* find(const std::string& name) const;
  // The validated bytes of one tensor (no alignment guarantee: copy before typed access).
  std::span<const uint8_t> bytes(const StTensorInfo& t) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct Storage;  // the mapping or buffer; shared so the object is cheap to move
  void parse();
  std::string path_;
  std::shared_ptr<Storage> storage_;
  const uint8_t* data_ = nullptr;  // start of the data region
  uint64_t data_size_ = 0;
  std::vector<StTensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// One tensor to write: bytes are copied from `data` (nbytes must equal numel x dtype size).
struct StTensorView {
  std::string name;
  StDtype dtype = StDtype::kF32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;
};

// The header JSON + padding + 8-byte length prefix for these tensors (in name order).
std::string safetensors_header(const std::vector<StTensorView>& tensors,
                               const std::map<std::string, std::string>& metadata);
// Writes a safetensors file atomically (temp file, fsync, rename). `metadata` gets "format": "pt"
// unless it sets "format". Throws DataError when the file cannot be written; duplicate names or
// inconsistent sizes are bugs (DS_CHECK).
void write_safetensors(const std::string& path, const std::vector<StTensorView>& tensors,
                       std::map<std::string, std::string> metadata = {});
// The same file as bytes (tests, fuzz seeds).
std::string safetensors_bytes(const std::vector<StTensorView>& tensors,
                              std::map<std::string, std::string> metadata = {});

}  // namespace ds::model

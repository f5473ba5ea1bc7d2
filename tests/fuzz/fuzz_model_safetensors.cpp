// libFuzzer target for the safetensors reader (an untrusted-input parser): any byte string must
// either parse, with every tensor's bytes inside the buffer, or be refused with ds::DataError.
// Anything else (another exception, a crash, an ASan/UBSan report) is a bug.
// The root CMakeLists.txt builds it as `fuzz_safetensors`, compiling the reader in under the
// sanitizers, without torch:
//   cmake -S . -B build-fuzz -DDS_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++
//   cmake --build build-fuzz --target fuzz_safetensors
//   build-fuzz/fuzz_safetensors -max_total_time=120 -max_len=4096 tests/fuzz/corpus_safetensors
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto f = ds::model::SafetensorsFile::from_bytes(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    uint64_t sum = 0;
    for (const auto& t : f.tensors()) {
      if (f.find(t.name) == nullptr) __builtin_trap();
      for (uint8_t b : f.bytes(t)) sum += b;
    }
    volatile uint64_t sink = sum;
    (void)sink;
  } catch (const ds::DataError&) {
  }
  return 0;
}

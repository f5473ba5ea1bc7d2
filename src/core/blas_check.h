// Owns the startup check that Debian's libtorch is not running on the reference BLAS (about 19x
// slower than OpenBLAS for the matrix products a model spends its time in), and the cap on
// OpenBLAS's thread pool.
#pragma once

#include <string>

namespace ds {

// Path of the libblas.so.3 the process has loaded (resolved through symlinks), or "" if none.
std::string loaded_blas_path();
// True when that path is Debian's reference BLAS (/usr/lib/<arch>/blas/libblas.so.3*).
bool is_reference_blas(const std::string& path);
// Logs a warning with the fix when the reference BLAS is loaded. Returns true if it warned.
bool warn_if_reference_blas();
// Caps OpenBLAS's own worker pool (separate from torch's intra-op threads; its idle workers spin
// and take CPU from the real work). Returns false when no OpenBLAS is loaded.
bool set_blas_threads(int threads);

}  // namespace ds

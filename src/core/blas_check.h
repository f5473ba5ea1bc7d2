// Owns the startup check that Debian's libtorch is not running on the reference BLAS (about 19x
// slower than OpenBLAS for the matrix products a model spends its time in).
#pragma once

#include <string>

namespace ds {

// Path of the libblas.so.3 the process has loaded (resolved through symlinks), or "" if none.
std::string loaded_blas_path();
// True when that path is Debian's reference BLAS (/usr/lib/<arch>/blas/libblas.so.3*).
bool is_reference_blas(const std::string& path);
// Logs a warning with the fix when the reference BLAS is loaded. Returns true if it warned.
bool warn_if_reference_blas();

}  // namespace ds

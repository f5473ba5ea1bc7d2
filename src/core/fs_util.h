// Owns crash-safe file output: write to a temporary sibling, fsync, then rename over the target,
// so a crash at any point leaves either the old file or the new one, never a mix.
// Thread-safety: safe for distinct paths.
#pragma once

#include <string>

namespace ds {

// Atomically replaces `path` with `content` (creates parent directories).
void atomic_write_file(const std::string& path, const std::string& content);

// Reads a whole file; throws DataError naming the path when missing/unreadable.
std::string read_file(const std::string& path);

// Atomically replaces directory `target` by the fully written directory `staging` (same filesystem).
// The old target (if any) is moved aside first and removed only after the rename succeeded.
void atomic_replace_dir(const std::string& staging, const std::string& target);

// fsyncs a directory entry (after renames inside it).
void fsync_dir(const std::string& dir);

}  // namespace ds

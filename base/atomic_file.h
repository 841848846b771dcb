// Publishing a file all at once: write a temp file beside the target, fsync it, rename it
// over the target, fsync the directory. A reader sees the old file or the new one, never a
// half-written one; a crash leaves at most a stray "*.tmp.XXXXXX" beside the target.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "base/result.h"

namespace tcplan::base {

// `mode` is applied to the temp file before any byte is written (0600 for key files).
Status<Error> write_file_atomically(const std::filesystem::path& path, std::string_view contents,
                                    mode_t mode = 0644);

}  // namespace tcplan::base

// Writing kcost's output files so that nothing is ever half-written: a file is written under a
// temporary name in its own directory and renamed over the target, so a reader (or a resumed
// run) sees the old file, no file, or the complete new one. And the pair of files of one
// kernel, <costs>/<kernel_name>.json and <kernel_name>.md, with the test that an earlier run
// finished them.
#pragma once

#include <string>

#include "emit/emit_error.h"
#include "trace/kernel_trace.h"

namespace kcost {

// Writes `content` to `path` atomically (temp file in the same directory, then rename). The
// rename is atomic against the process being interrupted; there is no fsync, so it promises
// nothing about power loss. Throws EmitError "<path>: cannot write: <OS error>" and leaves no
// temporary file behind.
void write_file_atomically(const std::string& path, const std::string& content);

// A file written in full under `temp` (a stream the caller filled) takes the place of `path`:
// renamed over it, or, when `written` is false or the rename fails, removed. Throws EmitError
// "<path>: cannot write[: <OS error>]" in those cases. For output streamed too long to hold.
void replace_with_temp(const std::string& temp, const std::string& path, bool written);

// Writes cost_json(trace) (2-space indent, trailing newline) to <costs_dir>/<kernel_name>.json
// and reasoning_md(trace) to <costs_dir>/<kernel_name>.md, creating costs_dir if needed. The
// .md is written first, so a run interrupted in between leaves no .json and is redone. Throws
// EmitError for a kernel name that is not usable as a file name (empty, ".", "..", a '/' or a
// control character), a directory that cannot be created, and any failed write.
void write_kernel(const std::string& costs_dir, const KernelTrace& trace);

// True when both files of the kernel exist and the .json parses as a JSON object: a kernel an
// earlier run finished. False for anything else (missing, unreadable, truncated, bad name);
// never throws for file problems.
bool kernel_written(const std::string& costs_dir, const std::string& kernel_name);

}  // namespace kcost

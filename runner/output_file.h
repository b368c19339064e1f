// File: runner/output_file.h
//
// OutputFile writes a result (a trace, sweep results, a minimized or rewritten scenario,
// a report) so that no result is lost and none is left half-written: it writes into a
// temporary file beside the target, and Commit flushes it, syncs it and renames it over
// the target. An existing file is replaced only by a complete new one; a run that fails
// or is cut short leaves it as it was, and the temporary file is removed. "-" is
// standard output, and a path that exists and is not a regular file (/dev/null, a pipe)
// is written in place: there is nothing to rename over. Every write error is kept, and
// Commit reports it, with the file's name and the system's reason.

#ifndef ZABSIM_RUNNER_OUTPUT_FILE_H_
#define ZABSIM_RUNNER_OUTPUT_FILE_H_

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zabsim::runner {

class OutputFile {
 public:
  // Open creates the temporary file; nothing at `path` changes until Commit.
  static absl::StatusOr<std::unique_ptr<OutputFile>> Open(std::string path);
  ~OutputFile();  // Without a successful Commit, the temporary file is removed.
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::FILE* file() const { return file_; }
  const std::string& path() const { return path_; }
  bool to_stdout() const { return file_ == stdout; }

  // Commit makes the file whole and puts it in place, or says why it could not: a write
  // that failed, a flush, a sync, a close or the rename. Called once.
  absl::Status Commit();

 private:
  OutputFile(std::string path, std::string temp, std::FILE* file)
      : path_(std::move(path)), temp_(std::move(temp)), file_(file) {}

  std::string path_;
  std::string temp_;  // Empty when writing in place (standard output, a device).
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// WriteFile writes `content` to `path` through an OutputFile.
absl::Status WriteFile(const std::string& path, std::string_view content);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_OUTPUT_FILE_H_

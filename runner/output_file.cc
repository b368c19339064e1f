#include "runner/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace zabsim::runner {
namespace {

absl::Status WriteError(const std::string& path, std::string_view what, int error) {
  return absl::UnavailableError(fmt::format("cannot write {}: {} failed: {}", path, what, std::strerror(error)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Open(std::string path) {
  if (path == "-") return std::unique_ptr<OutputFile>(new OutputFile(std::move(path), "", stdout));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(fmt::format("cannot write {}: it is a directory", path));
    }
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) return WriteError(path, "open", errno);
    return std::unique_ptr<OutputFile>(new OutputFile(std::move(path), "", file));
  }
  // Beside the target, so that the rename stays within one file system; named after it
  // and the process, so that no two writers ever share a temporary file. (Two processes
  // writing one path both succeed, and the last rename wins, whole.)
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temp = fmt::format("{}.{}.{}.partial", dir, name, ::getpid());
  std::FILE* file = std::fopen(temp.c_str(), "w");
  if (file == nullptr) return WriteError(path, fmt::format("creating {}", temp), errno);
  return std::unique_ptr<OutputFile>(new OutputFile(std::move(path), std::move(temp), file));
}

OutputFile::~OutputFile() {
  if (committed_) return;
  if (file_ == stdout) {
    std::fflush(stdout);
    return;
  }
  if (file_ != nullptr) std::fclose(file_);
  if (!temp_.empty()) std::remove(temp_.c_str());
}

absl::Status OutputFile::Commit() {
  committed_ = true;
  const bool had_error = std::ferror(file_) != 0;
  const int flushed = std::fflush(file_);
  const int flush_errno = errno;
  if (file_ == stdout) {
    if (had_error || flushed != 0) return WriteError("standard output", "write", flush_errno);
    return absl::OkStatus();
  }
  absl::Status status;
  if (had_error || flushed != 0) {
    status = WriteError(path_, "write", flushed != 0 ? flush_errno : EIO);
  } else if (!temp_.empty() && ::fsync(::fileno(file_)) != 0) {
    status = WriteError(path_, "fsync", errno);
  }
  if (std::fclose(file_) != 0 && status.ok()) status = WriteError(path_, "close", errno);
  file_ = nullptr;
  if (temp_.empty()) return status;
  if (status.ok() && std::rename(temp_.c_str(), path_.c_str()) != 0) {
    status = WriteError(path_, fmt::format("renaming {} to it", temp_), errno);
  }
  if (!status.ok()) std::remove(temp_.c_str());
  return status;
}

absl::Status WriteFile(const std::string& path, std::string_view content) {
  auto out = OutputFile::Open(path);
  if (!out.ok()) return out.status();
  std::fwrite(content.data(), 1, content.size(), (*out)->file());
  return (*out)->Commit();
}

}  // namespace zabsim::runner

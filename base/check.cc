#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace zabsim::base {

void CheckFailed(const char* file, int line, const char* condition,
                 const std::string& message) {
  std::fprintf(stderr, "%s:%d: check failed: %s", file, line, condition);
  if (!message.empty()) std::fprintf(stderr, ": %s", message.c_str());
  std::fputc('\n', stderr);
  // Flush every output stream (a trace file, say): what led here is the evidence.
  std::fflush(nullptr);
  std::abort();
}

}  // namespace zabsim::base

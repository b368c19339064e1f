#include "cli/memory_limit.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

#include <fmt/format.h>

#include "base/status.h"
#include "cli/flags.h"

namespace zabsim::cli {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizer = true;
#else
constexpr bool kSanitizer = false;
#endif
#else
constexpr bool kSanitizer = false;
#endif

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr size_t kReserveBytes = 16 * kMiB;

// Written before the run, so that reporting needs no allocation.
char message[256] = "zabsim: out of memory (docs/scaling.md says what takes memory)\n";
char* reserve = nullptr;
std::terminate_handler previous_terminate = nullptr;

void OnAllocationFailure() {
  if (reserve != nullptr) {
    std::free(reserve);
    reserve = nullptr;
  }
  throw std::bad_alloc();
}

void OnTerminate() {
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      ReportOutOfMemory();
      std::fflush(stdout);
      _exit(2);
    } catch (...) {
    }
  }
  if (previous_terminate != nullptr) previous_terminate();
  std::abort();
}

uint64_t MachineMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

void SetMessage(uint64_t limit, std::string_view source) {
  const auto r = fmt::format_to_n(message, sizeof(message) - 1,
                                  "zabsim: out of memory: this run needs more than {} MiB ({}); "
                                  "docs/scaling.md says what takes memory\n",
                                  limit / kMiB, source);
  *r.out = '\0';
}

}  // namespace

void AddMaxMemoryFlag(FlagSet& flags) {
  flags.Add(std::string(kMaxMemoryFlag), "SIZE", "",
            "stop with exit status 2, and a message, once the process needs more than SIZE of "
            "address space (e.g. 512M, 4G; binary units); default: the machine's memory; 0: no "
            "cap of zabsim's own (a lower 'ulimit -v' still holds); not enforced in sanitizer "
            "builds");
}

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        fmt::format("invalid size '{}' (expected a number of bytes or e.g. 512M, 4G)", text));
  };
  if (text.empty()) return bad();
  uint64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (value > (UINT64_MAX - 9) / 10) return bad();
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0) return bad();
  int shift = 0;
  if (i < text.size()) {
    if (i + 1 != text.size()) return bad();
    switch (text[i]) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      case 'T': case 't': shift = 40; break;
      default: return bad();
    }
  }
  if (value > (uint64_t{1} << 50) >> shift) {
    return absl::InvalidArgumentError(fmt::format("size '{}' is over 1024T", text));
  }
  return value << shift;
}

absl::Status ApplyMaxMemory(const FlagSet& flags) {
  uint64_t limit = MachineMemory();
  std::string source = "the machine's memory; --max-memory sets another cap";
  if (flags.IsSet(kMaxMemoryFlag)) {
    auto size = ParseSize(flags.Get(kMaxMemoryFlag));
    if (!size.ok()) {
      return absl::InvalidArgumentError(fmt::format("zabsim {}: --{}: {}", flags.command(),
                                                    kMaxMemoryFlag, base::Text(size.status())));
    }
    if (*size != 0 && *size < 64 * kMiB) {
      return absl::InvalidArgumentError(
          fmt::format("zabsim {}: --{}: expected at least 64M (or 0 for no cap), found '{}'",
                      flags.command(), kMaxMemoryFlag, flags.Get(kMaxMemoryFlag)));
    }
    limit = *size;
    source = fmt::format("--max-memory={}", flags.Get(kMaxMemoryFlag));
    if (kSanitizer) {
      fmt::print(stderr, "zabsim {}: --max-memory is not enforced in a sanitizer build\n",
                 flags.command());
    }
  }
  rlimit current{};
  if (getrlimit(RLIMIT_AS, &current) != 0) return absl::OkStatus();
  if (current.rlim_cur != RLIM_INFINITY && (limit == 0 || current.rlim_cur <= limit)) {
    // A lower limit is in force already (ulimit -v): it is the one that will be met.
    SetMessage(current.rlim_cur, "the address-space limit, 'ulimit -v', in force");
    return absl::OkStatus();
  }
  if (limit == 0 || kSanitizer) return absl::OkStatus();
  rlimit wanted = current;
  wanted.rlim_cur = limit;
  if (setrlimit(RLIMIT_AS, &wanted) == 0) SetMessage(limit, source);
  return absl::OkStatus();
}

void InstallOutOfMemoryHandlers() {
  reserve = static_cast<char*>(std::malloc(kReserveBytes));
  std::set_new_handler(OnAllocationFailure);
  previous_terminate = std::set_terminate(OnTerminate);
}

void ReportOutOfMemory() {
  const char* p = message;
  size_t left = 0;
  while (message[left] != '\0') ++left;
  while (left > 0) {
    const ssize_t n = write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace zabsim::cli

#include "sim/fault.h"

#include <algorithm>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/check.h"
#include "sim/clock.h"
#include "base/status.h"

namespace zabsim::sim {
namespace {

struct KindName {
  Fault::Kind kind;
  std::string_view name;
  std::string_view usage;
};

constexpr KindName kKinds[] = {
    {Fault::Kind::kCrash, "crash", "crash P"},
    {Fault::Kind::kRestart, "restart", "restart P"},
    {Fault::Kind::kSignal, "signal", "signal P CODE"},
    {Fault::Kind::kPartition, "partition", "partition 1,2|3"},
    {Fault::Kind::kOneWay, "oneway", "oneway 1,2>3"},
    {Fault::Kind::kIsolate, "isolate", "isolate P"},
    {Fault::Kind::kHeal, "heal", "heal"},
    {Fault::Kind::kBreak, "break", "break A B"},
    {Fault::Kind::kDelay, "delay", "delay A>B EXTRA FOR"},
    {Fault::Kind::kHold, "hold", "hold A>B"},
    {Fault::Kind::kRelease, "release", "release A>B"},
    {Fault::Kind::kClockRate, "clock-rate", "clock-rate P FACTOR"},
    {Fault::Kind::kClockStep, "clock-step", "clock-step P [-]DURATION"},
    {Fault::Kind::kDiskSlow, "disk-slow", "disk-slow P FACTOR FOR"},
    {Fault::Kind::kLoss, "loss", "loss PROBABILITY"},
    {Fault::Kind::kTorn, "torn", "torn PROBABILITY"},
    {Fault::Kind::kChannel, "channel", "channel tcp|unsafe"},
    {Fault::Kind::kStall, "stall", "stall P THREAD[:N] [AFTER-STEP]"},
    {Fault::Kind::kResume, "resume", "resume P THREAD[:N]"},
    {Fault::Kind::kDiskError, "disk-error", "disk-error P FOR [PREFIX,...]"},
};

const KindName& Info(Fault::Kind kind) {
  for (const KindName& k : kKinds) {
    if (k.kind == kind) return k;
  }
  ZABSIM_CHECK(false, "fault kind {}", static_cast<int>(kind));
  return kKinds[0];
}

absl::Status Error(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("fault '{}': {}", text, why));
}

absl::StatusOr<uint64_t> ParseWhole(std::string_view text, std::string_view what) {
  if (text.empty() || text.size() > 18) {
    return absl::InvalidArgumentError(fmt::format("expected {}, found '{}'", what, text));
  }
  uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(fmt::format("expected {}, found '{}'", what, text));
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

absl::StatusOr<ProcessId> ParseProcess(std::string_view text, bool allow_any) {
  if (allow_any && text == "*") return ProcessId{0};
  auto v = ParseWhole(text, allow_any ? "a process number or *" : "a process number");
  if (!v.ok()) return v.status();
  if (*v == 0 || *v > kMaxProcesses) {
    return absl::InvalidArgumentError(fmt::format("no process {}", text));
  }
  return ProcessId{static_cast<uint32_t>(*v)};
}

absl::StatusOr<std::vector<ProcessId>> ParseList(std::string_view text) {
  std::vector<ProcessId> out;
  for (const absl::string_view item : absl::StrSplit(base::Absl(text), ',')) {
    auto p = ParseProcess(base::Std(item), /*allow_any=*/false);
    if (!p.ok()) return p.status();
    if (std::find(out.begin(), out.end(), *p) != out.end()) {
      return absl::InvalidArgumentError(fmt::format("process {} listed twice", p->value));
    }
    out.push_back(*p);
  }
  return out;
}

// ParseLink reads "A>B" where either side may be '*'.
absl::Status ParseLink(std::string_view text, Fault& f) {
  const size_t gt = text.find('>');
  if (gt == std::string_view::npos) {
    return absl::InvalidArgumentError(fmt::format("expected A>B, found '{}'", text));
  }
  auto a = ParseProcess(text.substr(0, gt), /*allow_any=*/true);
  if (!a.ok()) return a.status();
  auto b = ParseProcess(text.substr(gt + 1), /*allow_any=*/true);
  if (!b.ok()) return b.status();
  f.a = *a;
  f.b = *b;
  return absl::OkStatus();
}

// ParseFactor reads a positive decimal such as "1.05" into parts per million.
absl::StatusOr<int64_t> ParsePpm(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (fraction.size() > 6) {
    return absl::InvalidArgumentError(fmt::format("'{}' has more than 6 decimals", text));
  }
  auto w = whole.empty() ? absl::StatusOr<uint64_t>(0) : ParseWhole(whole, "a decimal factor");
  if (!w.ok()) return w.status();
  int64_t ppm = static_cast<int64_t>(*w) * 1000000;
  int64_t scale = 100000;
  for (const char c : fraction) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(fmt::format("expected a decimal factor, found '{}'", text));
    }
    ppm += (c - '0') * scale;
    scale /= 10;
  }
  return ppm;
}

// ParseThread reads "NAME" or "NAME:N": lower-case letters and '-', then an instance.
absl::Status ParseThread(std::string_view text, Fault& f) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  if (name.empty() || name.size() > 40 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; })) {
    return absl::InvalidArgumentError(
        fmt::format("expected a thread such as commit-processor or learner-handler:2, found '{}'", text));
  }
  f.thread = std::string(name);
  f.thread_instance = 0;
  if (colon != std::string_view::npos) {
    auto n = ParseWhole(text.substr(colon + 1), "a thread instance number after ':'");
    if (!n.ok()) return n.status();
    if (*n == 0 || *n > 0xffffffffu) {
      return absl::InvalidArgumentError(fmt::format("thread instance {} is out of range", *n));
    }
    f.thread_instance = static_cast<uint32_t>(*n);
  }
  return absl::OkStatus();
}

std::string JoinList(const std::vector<ProcessId>& list) {
  std::string out;
  for (const ProcessId p : list) {
    if (!out.empty()) out += ',';
    out += fmt::format("{}", p.value);
  }
  return out;
}

std::string Side(ProcessId p) { return p.value == 0 ? "*" : fmt::format("{}", p.value); }

std::string FormatPpm(int64_t ppm) {
  std::string out = fmt::format("{}.{:06}", ppm / 1000000, ppm % 1000000);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

std::string_view ToString(Fault::Kind kind) { return Info(kind).name; }

std::string FaultKindNames() {
  std::string out;
  for (const KindName& k : kKinds) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

namespace {

// ReadAs is ReadFault, with `text` naming the fault in errors: the caller's own words.
absl::StatusOr<Fault> ReadAs(Fault::Kind kind, std::span<const std::string_view> args,
                             std::string_view text) {
  const KindName& info = Info(kind);
  const auto want = [&](size_t n) -> absl::Status {
    if (args.size() == n) return absl::OkStatus();
    return Error(text, fmt::format("expected '{}' ({} argument{}), found {}", info.usage, n,
                                   n == 1 ? "" : "s", args.size()));
  };
  // The first error wins: later arguments are read but not reported.
  absl::Status status;
  const auto take = [&](auto parsed, auto& field) {
    if (!status.ok()) return;
    if (!parsed.ok()) {
      status = Error(text, base::Text(parsed.status()));
    } else {
      field = *parsed;
    }
  };
  Fault f;
  ProcessId p;
  switch (kind) {
    case Fault::Kind::kCrash:
    case Fault::Kind::kRestart:
    case Fault::Kind::kIsolate:
      if (auto s = want(1); !s.ok()) return s;
      take(ParseProcess(args[0], false), p);
      f = kind == Fault::Kind::kCrash     ? Fault::Crash(p)
          : kind == Fault::Kind::kRestart ? Fault::Restart(p)
                                          : Fault::Isolate(p);
      break;
    case Fault::Kind::kSignal: {
      if (auto s = want(2); !s.ok()) return s;
      uint64_t code = 0;
      take(ParseProcess(args[0], false), p);
      take(ParseWhole(args[1], "a signal code"), code);
      f = Fault::Signal(p, static_cast<int64_t>(code));
      break;
    }
    case Fault::Kind::kPartition: {
      if (auto s = want(1); !s.ok()) return s;
      std::vector<std::vector<ProcessId>> groups;
      for (absl::string_view group : absl::StrSplit(base::Absl(args[0]), '|')) {
        std::vector<ProcessId> list;
        take(ParseList(std::string_view(group.data(), group.size())), list);
        groups.push_back(std::move(list));
      }
      if (status.ok() && groups.size() < 2) {
        status = Error(text, "a partition needs at least two groups separated by '|'");
      }
      f = Fault::Partition(std::move(groups));
      break;
    }
    case Fault::Kind::kOneWay: {
      if (auto s = want(1); !s.ok()) return s;
      const size_t gt = args[0].find('>');
      if (gt == std::string_view::npos) return Error(text, "expected FROM>TO, e.g. 1,2>3");
      std::vector<ProcessId> from;
      std::vector<ProcessId> to;
      take(ParseList(args[0].substr(0, gt)), from);
      take(ParseList(args[0].substr(gt + 1)), to);
      f = Fault::OneWay(std::move(from), std::move(to));
      break;
    }
    case Fault::Kind::kHeal:
      if (auto s = want(0); !s.ok()) return s;
      f = Fault::Heal();
      break;
    case Fault::Kind::kBreak: {
      if (auto s = want(2); !s.ok()) return s;
      ProcessId a;
      ProcessId b;
      take(ParseProcess(args[0], false), a);
      take(ParseProcess(args[1], false), b);
      if (status.ok() && a == b) status = Error(text, "a process has no link to itself");
      f = Fault::Break(a, b);
      break;
    }
    case Fault::Kind::kDelay: {
      if (auto s = want(3); !s.ok()) return s;
      Fault link;
      if (auto s = ParseLink(args[0], link); !s.ok()) return Error(text, base::Text(s));
      Duration extra;
      Duration length;
      take(ParseDuration(args[1]), extra);
      take(ParseDuration(args[2]), length);
      if (status.ok() && link.a.value != 0 && link.a == link.b) {
        status = Error(text, "a process has no link to itself");
      }
      f = Fault::Delay(link.a, link.b, extra, length);
      break;
    }
    case Fault::Kind::kHold:
    case Fault::Kind::kRelease: {
      if (auto s = want(1); !s.ok()) return s;
      Fault link;
      if (auto s = ParseLink(args[0], link); !s.ok()) return Error(text, base::Text(s));
      if (link.a.value != 0 && link.a == link.b) {
        status = Error(text, "a process has no link to itself");
      }
      f = kind == Fault::Kind::kHold ? Fault::Hold(link.a, link.b) : Fault::Release(link.a, link.b);
      break;
    }
    case Fault::Kind::kClockRate: {
      if (auto s = want(2); !s.ok()) return s;
      int64_t ppm = 0;
      take(ParseProcess(args[0], false), p);
      take(ParsePpm(args[1]), ppm);
      if (status.ok() && (ppm < LocalClock::kMinRatePpm || ppm > LocalClock::kMaxRatePpm)) {
        status = Error(text, "a clock rate must lie in [0.1, 10]");
      }
      f = Fault::ClockRate(p, ppm);
      break;
    }
    case Fault::Kind::kClockStep: {
      if (auto s = want(2); !s.ok()) return s;
      take(ParseProcess(args[0], false), p);
      std::string_view written = args[1];
      const bool negative = !written.empty() && written[0] == '-';
      if (!written.empty() && (written[0] == '-' || written[0] == '+')) written.remove_prefix(1);
      Duration step;
      take(ParseDuration(written), step);
      f = Fault::ClockStep(p, negative ? Duration{-step.us} : step);
      break;
    }
    case Fault::Kind::kDiskSlow: {
      if (auto s = want(3); !s.ok()) return s;
      uint64_t factor = 0;
      Duration length;
      take(ParseProcess(args[0], false), p);
      take(ParseWhole(args[1], "a whole slow-down factor"), factor);
      take(ParseDuration(args[2]), length);
      if (status.ok() && (factor < 1 || factor > 1000)) {
        status = Error(text, "the slow-down factor must lie in [1, 1000]");
      }
      f = Fault::DiskSlow(p, static_cast<int64_t>(factor), length);
      break;
    }
    case Fault::Kind::kLoss:
    case Fault::Kind::kTorn: {
      if (auto s = want(1); !s.ok()) return s;
      Ratio ratio;
      take(ParseRatio(args[0]), ratio);
      f = kind == Fault::Kind::kLoss ? Fault::Loss(ratio) : Fault::Torn(ratio);
      break;
    }
    case Fault::Kind::kDiskError: {
      if (args.size() != 2 && args.size() != 3) {
        return Error(text, fmt::format("expected '{}' (2 or 3 arguments), found {}", info.usage,
                                       args.size()));
      }
      Duration length;
      take(ParseProcess(args[0], false), p);
      take(ParseDuration(args[1]), length);
      std::string files;
      if (args.size() == 3) {
        files = std::string(args[2]);
        for (const absl::string_view prefix : absl::StrSplit(base::Absl(args[2]), ',')) {
          if (prefix.empty() && status.ok()) status = Error(text, "an empty file-name prefix");
        }
      }
      f = Fault::DiskError(p, length, std::move(files));
      break;
    }
    case Fault::Kind::kStall:
    case Fault::Kind::kResume: {
      if (kind == Fault::Kind::kStall && args.size() != 2 && args.size() != 3) {
        return Error(text, fmt::format("expected '{}' (2 or 3 arguments), found {}", info.usage,
                                       args.size()));
      }
      std::string after_step;
      if (kind == Fault::Kind::kStall && args.size() == 3) {
        // The step after which the stall begins: a name like the thread's.
        const std::string_view step = args[2];
        if (step.empty() || step.size() > 40 ||
            !std::all_of(step.begin(), step.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; })) {
          return Error(text, fmt::format("expected a step name such as sync-follower, found '{}'", step));
        }
        after_step = std::string(step);
      } else if (auto s = want(2); !s.ok()) {
        return s;
      }
      take(ParseProcess(args[0], false), p);
      Fault thread;
      if (status.ok()) {
        if (auto s = ParseThread(args[1], thread); !s.ok()) return Error(text, base::Text(s));
      }
      f = kind == Fault::Kind::kStall
              ? Fault::Stall(p, thread.thread, thread.thread_instance, std::move(after_step))
              : Fault::Resume(p, thread.thread, thread.thread_instance);
      break;
    }
    case Fault::Kind::kChannel:
      if (auto s = want(1); !s.ok()) return s;
      if (args[0] == "tcp") {
        f = Fault::Channel(ChannelMode::kTcp);
      } else if (args[0] == "unsafe") {
        f = Fault::Channel(ChannelMode::kUnsafe);
      } else {
        return Error(text, fmt::format("expected tcp or unsafe, found '{}'", args[0]));
      }
      break;
  }
  if (!status.ok()) return status;
  return f;
}

}  // namespace

Fault Fault::Crash(ProcessId p) { return Fault{.kind = Kind::kCrash, .p = p}; }
Fault Fault::Restart(ProcessId p) { return Fault{.kind = Kind::kRestart, .p = p}; }
Fault Fault::Signal(ProcessId p, int64_t code) {
  return Fault{.kind = Kind::kSignal, .p = p, .value = code};
}
Fault Fault::Partition(std::vector<std::vector<ProcessId>> groups) {
  return Fault{.kind = Kind::kPartition, .groups = std::move(groups)};
}
Fault Fault::OneWay(std::vector<ProcessId> from, std::vector<ProcessId> to) {
  Fault f{.kind = Kind::kOneWay};
  f.groups.push_back(std::move(from));
  f.groups.push_back(std::move(to));
  return f;
}
Fault Fault::Isolate(ProcessId p) { return Fault{.kind = Kind::kIsolate, .p = p}; }
Fault Fault::Heal() { return Fault{.kind = Kind::kHeal}; }
Fault Fault::Break(ProcessId a, ProcessId b) { return Fault{.kind = Kind::kBreak, .a = a, .b = b}; }
Fault Fault::Delay(ProcessId from, ProcessId to, Duration extra, Duration length) {
  return Fault{.kind = Kind::kDelay, .a = from, .b = to, .extra = extra, .length = length};
}
Fault Fault::Hold(ProcessId from, ProcessId to) {
  return Fault{.kind = Kind::kHold, .a = from, .b = to};
}
Fault Fault::Release(ProcessId from, ProcessId to) {
  return Fault{.kind = Kind::kRelease, .a = from, .b = to};
}
Fault Fault::ClockRate(ProcessId p, int64_t rate_ppm) {
  return Fault{.kind = Kind::kClockRate, .p = p, .value = rate_ppm};
}
Fault Fault::ClockStep(ProcessId p, Duration step) {
  return Fault{.kind = Kind::kClockStep, .p = p, .extra = step};
}
Fault Fault::DiskSlow(ProcessId p, int64_t factor, Duration length) {
  return Fault{.kind = Kind::kDiskSlow, .p = p, .length = length, .value = factor};
}
Fault Fault::DiskError(ProcessId p, Duration length, std::string files) {
  return Fault{.kind = Kind::kDiskError, .p = p, .length = length, .files = std::move(files)};
}
Fault Fault::Loss(Ratio ratio) { return Fault{.kind = Kind::kLoss, .ratio = ratio}; }
Fault Fault::Torn(Ratio ratio) { return Fault{.kind = Kind::kTorn, .ratio = ratio}; }
Fault Fault::Channel(ChannelMode mode) { return Fault{.kind = Kind::kChannel, .channel = mode}; }
Fault Fault::Stall(ProcessId p, std::string thread, uint32_t instance, std::string after_step) {
  return Fault{.kind = Kind::kStall,
               .p = p,
               .thread = std::move(thread),
               .thread_instance = instance,
               .after_step = std::move(after_step)};
}
Fault Fault::Resume(ProcessId p, std::string thread, uint32_t instance) {
  return Fault{
      .kind = Kind::kResume, .p = p, .thread = std::move(thread), .thread_instance = instance};
}

std::optional<Fault::Kind> FindFaultKind(std::string_view name) {
  for (const KindName& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

absl::StatusOr<Fault> ReadFault(Fault::Kind kind, std::span<const std::string_view> args) {
  std::string text(Info(kind).name);
  for (const std::string_view arg : args) {
    text += ' ';
    text += arg;
  }
  return ReadAs(kind, args, text);
}

absl::StatusOr<Fault> ParseFault(std::string_view text) {
  std::vector<std::string_view> words;
  for (absl::string_view w :
       absl::StrSplit(base::Absl(text), ' ', absl::SkipEmpty())) {
    words.emplace_back(w.data(), w.size());
  }
  if (words.empty()) return Error(text, "empty fault");
  const std::optional<Fault::Kind> kind = FindFaultKind(words[0]);
  if (!kind.has_value()) {
    return Error(text, fmt::format("unknown fault '{}' (expected one of: {})", words[0],
                                   FaultKindNames()));
  }
  return ReadAs(*kind, std::span<const std::string_view>(words).subspan(1), text);
}

std::string Fault::ToString() const {
  const std::string_view name = sim::ToString(kind);
  switch (kind) {
    case Kind::kCrash:
    case Kind::kRestart:
    case Kind::kIsolate:
      return fmt::format("{} {}", name, p.value);
    case Kind::kSignal:
      return fmt::format("{} {} {}", name, p.value, value);
    case Kind::kPartition: {
      std::string out = std::string(name) + " ";
      for (size_t g = 0; g < groups.size(); ++g) {
        if (g > 0) out += '|';
        out += JoinList(groups[g]);
      }
      return out;
    }
    case Kind::kOneWay:
      return fmt::format("{} {}>{}", name, JoinList(groups[0]), JoinList(groups[1]));
    case Kind::kHeal:
      return std::string(name);
    case Kind::kBreak:
      return fmt::format("{} {} {}", name, a.value, b.value);
    case Kind::kDelay:
      return fmt::format("{} {}>{} {} {}", name, Side(a), Side(b), FormatDuration(extra),
                         FormatDuration(length));
    case Kind::kHold:
    case Kind::kRelease:
      return fmt::format("{} {}>{}", name, Side(a), Side(b));
    case Kind::kClockRate:
      return fmt::format("{} {} {}", name, p.value, FormatPpm(value));
    case Kind::kClockStep:
      return fmt::format("{} {} {}", name, p.value, FormatDuration(extra));
    case Kind::kDiskSlow:
      return fmt::format("{} {} {} {}", name, p.value, value, FormatDuration(length));
    case Kind::kLoss:
    case Kind::kTorn:
      return fmt::format("{} {}", name, FormatRatio(ratio));
    case Kind::kChannel:
      return fmt::format("{} {}", name, channel == ChannelMode::kTcp ? "tcp" : "unsafe");
    case Kind::kDiskError:
      return files.empty() ? fmt::format("{} {} {}", name, p.value, FormatDuration(length))
                           : fmt::format("{} {} {} {}", name, p.value, FormatDuration(length), files);
    case Kind::kStall:
    case Kind::kResume: {
      std::string out = thread_instance == 0 ? fmt::format("{} {} {}", name, p.value, thread)
                                             : fmt::format("{} {} {}:{}", name, p.value, thread, thread_instance);
      if (!after_step.empty()) out += " " + after_step;
      return out;
    }
  }
  return std::string(name);
}

absl::Status Fault::Validate(uint32_t processes) const {
  const auto check = [&](ProcessId q, bool allow_any) -> absl::Status {
    if (allow_any && q.value == 0) return absl::OkStatus();
    if (q.value >= 1 && q.value <= processes) return absl::OkStatus();
    return absl::InvalidArgumentError(fmt::format(
        "fault '{}': there is no process {} (processes are 1..{})", ToString(), q.value,
        processes));
  };
  switch (kind) {
    case Kind::kCrash:
    case Kind::kRestart:
    case Kind::kSignal:
    case Kind::kIsolate:
    case Kind::kClockRate:
    case Kind::kClockStep:
    case Kind::kDiskSlow:
    case Kind::kStall:
    case Kind::kResume:
    case Kind::kDiskError:
      return check(p, false);
    case Kind::kPartition:
    case Kind::kOneWay: {
      std::vector<ProcessId> seen;
      for (const auto& group : groups) {
        for (const ProcessId q : group) {
          if (auto s = check(q, false); !s.ok()) return s;
          if (kind == Kind::kPartition && std::find(seen.begin(), seen.end(), q) != seen.end()) {
            return absl::InvalidArgumentError(
                fmt::format("fault '{}': process {} is in two groups", ToString(), q.value));
          }
          seen.push_back(q);
        }
      }
      return absl::OkStatus();
    }
    case Kind::kBreak:
      if (auto s = check(a, false); !s.ok()) return s;
      return check(b, false);
    case Kind::kDelay:
    case Kind::kHold:
    case Kind::kRelease:
      if (auto s = check(a, true); !s.ok()) return s;
      return check(b, true);
    case Kind::kHeal:
    case Kind::kLoss:
    case Kind::kTorn:
    case Kind::kChannel:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::StatusOr<FaultPlan> FaultPlan::Parse(std::string_view text) {
  FaultPlan plan;
  size_t index = 0;
  for (absl::string_view raw : absl::StrSplit(base::Absl(text), absl::ByAnyChar(";\n"))) {
    ++index;
    std::string_view entry(raw.data(), raw.size());
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t' || entry.back() == '\r')) {
      entry.remove_suffix(1);
    }
    if (entry.empty() || entry.front() == '#') continue;
    const size_t space = entry.find(' ');
    if (space == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "fault entry {} '{}': expected TIME FAULT, e.g. '1.5s crash 2'", index, entry));
    }
    auto at = ParseDuration(entry.substr(0, space));
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("fault entry {} '{}': expected TIME FAULT, e.g. '1.5s crash 2': {}", index,
                      entry, base::Text(at.status())));
    }
    auto fault = ParseFault(entry.substr(space + 1));
    if (!fault.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("fault entry {}: {}", index, base::Text(fault.status())));
    }
    plan.faults.push_back(TimedFault{Time{at->us}, *std::move(fault)});
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const TimedFault& x, const TimedFault& y) { return x.at < y.at; });
  return plan;
}

std::string FaultPlan::ToString() const {
  std::string out;
  for (const TimedFault& f : faults) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} {}", FormatDuration(Duration{f.at.us}), f.fault.ToString());
  }
  return out;
}

absl::Status FaultPlan::Validate(uint32_t processes) const {
  for (const TimedFault& f : faults) {
    if (auto s = f.fault.Validate(processes); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string SwarmSettings::ToString() const {
  std::string kinds;
  for (const Fault::Kind k : enabled) {
    if (!kinds.empty()) kinds += ',';
    kinds += sim::ToString(k);
  }
  if (kinds.empty()) kinds = "none";
  return fmt::format("kinds={} mean_gap={} max_outage={}", kinds, FormatDuration(mean_gap),
                     FormatDuration(max_outage));
}

FaultPlan Swarm(uint64_t seed, uint32_t processes, Duration window, uint32_t signals,
                SwarmSettings* settings) {
  ZABSIM_CHECK(processes >= 1 && window.us > 0);
  Rng rng = Rng::Derive(seed, "faults");
  // Which kinds this seed uses: each with probability 1/2 (swarm testing).
  std::vector<Fault::Kind> candidates = {
      Fault::Kind::kCrash,     Fault::Kind::kPartition, Fault::Kind::kOneWay,
      Fault::Kind::kIsolate,   Fault::Kind::kBreak,     Fault::Kind::kDelay,
      Fault::Kind::kClockRate, Fault::Kind::kDiskSlow,  Fault::Kind::kLoss,
  };
  if (signals > 0) candidates.push_back(Fault::Kind::kSignal);
  SwarmSettings local;
  SwarmSettings& s = settings != nullptr ? *settings : local;
  s = SwarmSettings{};
  for (const Fault::Kind k : candidates) {
    if (rng.Chance(Ratio{1, 2})) s.enabled.push_back(k);
  }
  s.mean_gap = Duration::Millis(rng.Between(100, 3000));
  s.max_outage = Duration::Millis(rng.Between(200, 6000));

  FaultPlan plan;
  const Time end = Time{window.us / 1000 * 1000};
  std::vector<Time> up_at(processes + 1, Time::Zero());  // When a crashed process is back.
  bool cut = false;
  bool lossy = false;
  std::vector<bool> drifting(processes + 1, false);
  const auto pick = [&]() { return ProcessId{static_cast<uint32_t>(rng.Between(1, processes))}; };
  Time t = Time::Zero();
  while (!s.enabled.empty()) {
    // Whole milliseconds keep printed plans readable.
    t = t + Duration::Millis(rng.Between(1, 2 * s.mean_gap.us / 1000));
    if (t >= end) break;
    Fault f;
    f.kind = s.enabled[rng.Below(s.enabled.size())];
    const Duration outage =
        Duration::Millis(rng.Between(s.max_outage.us / 10000, s.max_outage.us / 1000));
    const Time until = std::min(t + outage, end);
    switch (f.kind) {
      case Fault::Kind::kCrash: {
        f.p = pick();
        if (t < up_at[f.p.value]) continue;  // Still down from an earlier crash.
        up_at[f.p.value] = until;
        plan.faults.push_back({t, f});
        plan.faults.push_back({until, Fault{.kind = Fault::Kind::kRestart, .p = f.p}});
        continue;
      }
      case Fault::Kind::kSignal:
        f.p = pick();
        f.value = rng.Between(1, signals);
        break;
      case Fault::Kind::kPartition: {
        std::vector<ProcessId> order;
        for (uint32_t p = 1; p <= processes; ++p) order.push_back(ProcessId{p});
        rng.Shuffle(std::span<ProcessId>(order));
        const size_t split = 1 + rng.Below(std::max<uint32_t>(processes - 1, 1));
        f.groups.emplace_back(order.begin(), order.begin() + std::min(split, order.size()));
        f.groups.emplace_back(order.begin() + std::min(split, order.size()), order.end());
        if (f.groups[1].empty()) continue;
        cut = true;
        break;
      }
      case Fault::Kind::kOneWay: {
        const ProcessId x = pick();
        const ProcessId y = pick();
        if (x == y) continue;
        f.groups = {{x}, {y}};
        cut = true;
        break;
      }
      case Fault::Kind::kIsolate:
        f.p = pick();
        cut = true;
        break;
      case Fault::Kind::kBreak:
        f.a = pick();
        f.b = pick();
        if (f.a == f.b) continue;
        break;
      case Fault::Kind::kDelay:
        f.a = pick();
        f.b = pick();
        if (f.a == f.b) continue;
        f.extra = Duration::Millis(rng.Between(5, 500));
        f.length = until - t;
        break;
      case Fault::Kind::kClockRate:
        f.p = pick();
        f.value = rng.Between(950'000, 1'050'000);
        drifting[f.p.value] = true;
        break;
      case Fault::Kind::kDiskSlow:
        f.p = pick();
        f.value = rng.Between(2, 50);
        f.length = until - t;
        break;
      case Fault::Kind::kLoss:
        f.ratio = Ratio{static_cast<uint64_t>(rng.Between(1, 50)), 1000};
        lossy = true;
        break;
      default:
        continue;
    }
    plan.faults.push_back({t, f});
    if (f.kind == Fault::Kind::kPartition || f.kind == Fault::Kind::kOneWay ||
        f.kind == Fault::Kind::kIsolate) {
      Fault heal;
      heal.kind = Fault::Kind::kHeal;
      plan.faults.push_back({until, heal});
    }
  }
  // The quiet tail: everything back to normal at `end`.
  const auto at_end = [&](Fault f) { plan.faults.push_back({end, std::move(f)}); };
  if (cut) at_end(Fault{.kind = Fault::Kind::kHeal});
  if (lossy) at_end(Fault{.kind = Fault::Kind::kLoss, .ratio = Ratio::Never()});
  for (uint32_t p = 1; p <= processes; ++p) {
    if (drifting[p]) {
      at_end(Fault{.kind = Fault::Kind::kClockRate, .p = ProcessId{p},
                   .value = LocalClock::kPerfectRatePpm});
    }
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const TimedFault& x, const TimedFault& y) { return x.at < y.at; });
  return plan;
}

}  // namespace zabsim::sim

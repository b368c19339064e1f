#include "cli/flags.h"

#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/memory_limit.h"

#include "base/check.h"
#include "base/status.h"

namespace zabsim::cli {

FlagSet::FlagSet(std::string command, std::string synopsis, std::string summary)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), summary_(std::move(summary)) {}

void FlagSet::Add(std::string name, std::string value_name, std::string default_value,
                  std::string help) {
  ZABSIM_CHECK(Find(name) == nullptr, "flag --{} declared twice", name);
  ZABSIM_CHECK(!value_name.empty());
  flags_.push_back(Flag{std::move(name), std::move(value_name), std::move(default_value),
                        std::move(help), false, {}});
}

void FlagSet::AddRepeated(std::string name, std::string value_name, std::string help) {
  ZABSIM_CHECK(Find(name) == nullptr, "flag --{} declared twice", name);
  flags_.push_back(Flag{std::move(name), std::move(value_name), "", std::move(help), true, {}});
}

void FlagSet::AddBool(std::string name, std::string help) {
  ZABSIM_CHECK(Find(name) == nullptr, "flag --{} declared twice", name);
  flags_.push_back(Flag{std::move(name), "", "", std::move(help), false, {}});
}

void FlagSet::AddDeprecated(std::string name, std::string value_name, std::string instead) {
  ZABSIM_CHECK(Find(name) == nullptr, "flag --{} declared twice", name);
  flags_.push_back(Flag{std::move(name), std::move(value_name), "", "", false, {}, std::move(instead)});
}

void FlagSet::AddExample(std::string example) { examples_.push_back(std::move(example)); }
void FlagSet::AddNote(std::string note) { notes_.push_back(std::move(note)); }
void FlagSet::AllowPositional(std::string what) { positional_what_ = std::move(what); }

const FlagSet::Flag* FlagSet::Find(std::string_view name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

FlagSet::Flag* FlagSet::Find(std::string_view name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  const auto error = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        fmt::format("zabsim {}: {} (see 'zabsim {} --help')", command_, why, command_));
  };
  bool operands_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (operands_only || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      if (positional_what_.empty()) return error(fmt::format("unexpected argument '{}'", arg));
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      operands_only = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return error(fmt::format("unknown flag '{}'", arg));
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    Flag* flag = Find(name);
    if (flag == nullptr) return error(fmt::format("unknown flag '--{}'", name));
    if (flag->value_name.empty()) {
      if (has_value && value != "true" && value != "false") {
        return error(fmt::format("--{} takes no value other than true or false, found '{}'",
                                 name, value));
      }
      flag->values = {has_value ? value : "true"};
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return error(fmt::format("--{} needs a value ({})", name, flag->value_name));
      }
      value = args[++i];
    }
    if (flag->repeated) {
      flag->values.push_back(value);
    } else if (!flag->values.empty()) {
      return error(fmt::format("--{} given twice", name));
    } else {
      flag->values = {value};
    }
  }
  return absl::OkStatus();
}

bool FlagSet::IsSet(std::string_view name) const {
  const Flag* f = Find(name);
  ZABSIM_CHECK(f != nullptr, "undeclared flag --{}", name);
  return !f->values.empty();
}

std::string FlagSet::Get(std::string_view name) const {
  const Flag* f = Find(name);
  ZABSIM_CHECK(f != nullptr, "undeclared flag --{}", name);
  return f->values.empty() ? f->default_value : f->values.back();
}

std::vector<std::string> FlagSet::GetAll(std::string_view name) const {
  const Flag* f = Find(name);
  ZABSIM_CHECK(f != nullptr, "undeclared flag --{}", name);
  return f->values;
}

bool FlagSet::GetBool(std::string_view name) const {
  const Flag* f = Find(name);
  ZABSIM_CHECK(f != nullptr && f->value_name.empty(), "undeclared boolean flag --{}", name);
  return !f->values.empty() && f->values.back() == "true";
}

absl::StatusOr<uint64_t> FlagSet::GetUint(std::string_view name, uint64_t min,
                                          uint64_t max) const {
  const std::string text = Get(name);
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        fmt::format("zabsim {}: --{}={}: {}", command_, name, text, why));
  };
  if (text.empty() || text.size() > 20) return bad("expected a whole number");
  unsigned __int128 v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return bad("expected a whole number");
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v < min || v > max) return bad(fmt::format("must lie in [{}, {}]", min, max));
  return static_cast<uint64_t>(v);
}

absl::StatusOr<sim::Duration> FlagSet::GetDuration(std::string_view name) const {
  const std::string text = Get(name);
  auto d = sim::ParseDuration(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("zabsim {}: --{}: {}", command_, name, base::Text(d.status())));
  }
  return *d;
}

std::string FlagSet::Help() const {
  std::string out = fmt::format("usage: {}\n\n{}\n", synopsis_, summary_);
  if (!flags_.empty()) out += "\nflags:\n";
  for (const Flag& f : flags_) {
    if (!f.instead.empty()) continue;  // Listed apart, below.
    std::string head = "  --" + f.name;
    if (!f.value_name.empty()) head += "=" + f.value_name;
    std::string help = f.help;
    if (!f.default_value.empty()) help += fmt::format(" (default: {})", f.default_value);
    if (f.repeated) help += " (may be repeated)";
    if (head.size() < 26) {
      out += fmt::format("{:<26}{}\n", head, help);
    } else {
      out += fmt::format("{}\n{:<26}{}\n", head, "", help);
    }
  }
  out += fmt::format("{:<26}{}\n", "  --help", "print this help and exit");
  if (!examples_.empty()) out += "\nexamples:\n";
  for (const std::string& e : examples_) out += "  " + e + "\n";
  for (const std::string& n : notes_) out += "\n" + n + "\n";
  bool first = true;
  for (const Flag& f : flags_) {
    if (f.instead.empty()) continue;
    if (first) out += fmt::format("\ndeprecated, accepted until zabsim {}:\n", kDeprecatedUntil);
    first = false;
    out += fmt::format("  --{}={}: say {}\n", f.name, f.value_name, f.instead);
  }
  return out;
}

std::vector<std::string> FlagSet::Deprecations() const {
  std::vector<std::string> out;
  for (const Flag& f : flags_) {
    if (f.instead.empty() || f.values.empty()) continue;
    out.push_back(fmt::format("zabsim {}: --{} is deprecated and goes in zabsim {}: say {}", command_, f.name,
                              kDeprecatedUntil, f.instead));
  }
  return out;
}

std::optional<uint64_t> WholeNumber(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> FlagSet::GetRange(std::string_view name) const {
  const std::string text = Get(name);
  const size_t dots = text.find("..");
  const std::string_view t = text;
  const auto lo = WholeNumber(dots == std::string_view::npos ? t : t.substr(0, dots));
  const auto hi = WholeNumber(dots == std::string_view::npos ? t : t.substr(dots + 2));
  if (!lo || !hi) return Fail(fmt::format("zabsim {}: --{} '{}': expected A..B, e.g. 1..1000", command_, name, text));
  if (*lo > *hi) return Fail(fmt::format("zabsim {}: --{} '{}': {} is after {}", command_, name, text, *lo, *hi));
  return std::pair{*lo, *hi};
}

int Usage(const absl::Status& status) {
  fmt::print(stderr, "{}\n", base::Text(status));
  return kExitUsage;
}

absl::Status Fail(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

std::optional<int> ParseCommand(FlagSet& flags, const std::vector<std::string>& args) {
  if (absl::Status s = flags.Parse(args); !s.ok()) return Usage(s);
  if (flags.help()) {
    fmt::print("{}", flags.Help());
    return kExitOk;
  }
  for (const std::string& line : flags.Deprecations()) fmt::print(stderr, "{}\n", line);
  if (flags.Declares(kMaxMemoryFlag)) {
    if (absl::Status s = ApplyMaxMemory(flags); !s.ok()) return Usage(s);
  }
  return std::nullopt;
}

}  // namespace zabsim::cli

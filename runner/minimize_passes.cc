#include "runner/minimize_passes.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace zabsim::runner {
namespace {

using sim::Fault;
using sim::TimedFault;

bool Cuts(Fault::Kind k) {
  return k == Fault::Kind::kPartition || k == Fault::Kind::kOneWay || k == Fault::Kind::kIsolate;
}

// Ends says whether `later` is what ends or resumes `f` (see Partner).
bool Ends(const Fault& f, const Fault& later) {
  switch (f.kind) {
    case Fault::Kind::kCrash:
      return later.kind == Fault::Kind::kRestart && later.p == f.p;
    case Fault::Kind::kRestart:
      return later.kind == Fault::Kind::kCrash && later.p == f.p;
    case Fault::Kind::kPartition:
    case Fault::Kind::kOneWay:
    case Fault::Kind::kIsolate:
      return later.kind == Fault::Kind::kHeal;
    case Fault::Kind::kHeal:
      return Cuts(later.kind);
    case Fault::Kind::kHold:
      return later.kind == Fault::Kind::kRelease && later.a == f.a && later.b == f.b;
    case Fault::Kind::kRelease:
      return later.kind == Fault::Kind::kHold && later.a == f.a && later.b == f.b;
    case Fault::Kind::kClockRate:
      return later.kind == Fault::Kind::kClockRate && later.p == f.p;
    case Fault::Kind::kLoss:
    case Fault::Kind::kTorn:
    case Fault::Kind::kChannel:
      // A setting lasts until it is set again.
      return later.kind == f.kind;
    default:
      // Signals, breaks, clock steps, and delays and slow disks with their own length.
      return false;
  }
}

}  // namespace

bool Shrinker::Try(SimSpec candidate) {
  if (exhausted()) return false;
  ++runs;
  if (!fails(candidate)) return false;
  spec = std::move(candidate);
  if (kept) kept(*this);
  return true;
}

size_t Partner(const std::vector<TimedFault>& faults, size_t i) {
  for (size_t j = i + 1; j < faults.size(); ++j) {
    if (Ends(faults[i].fault, faults[j].fault)) return j;
  }
  return faults.size();
}

bool DropFaultChunks(Shrinker& s) {
  // Zeller's ddmin: remove complements of ever smaller chunks while the failure stays,
  // down to single faults, so no single fault of the result can go.
  bool changed = false;
  size_t chunks = 2;
  while (!s.spec.plan.faults.empty() && !s.exhausted()) {
    const size_t n = s.spec.plan.faults.size();
    chunks = std::min(chunks, n);
    bool removed = false;
    for (size_t c = 0; c < chunks && !removed; ++c) {
      SimSpec candidate = s.spec;
      auto& faults = candidate.plan.faults;
      faults.erase(faults.begin() + static_cast<ptrdiff_t>(c * n / chunks),
                   faults.begin() + static_cast<ptrdiff_t>((c + 1) * n / chunks));
      removed = s.Try(std::move(candidate));
    }
    if (removed) {
      changed = true;
      chunks = std::max<size_t>(chunks - 1, 2);
      continue;
    }
    if (chunks >= n) break;
    chunks = std::min(n, chunks * 2);
  }
  return changed;
}

bool ShrinkWorkload(Shrinker& s) {
  // Clients first, the last one while the failure stays: one client fewer takes a third
  // or more of the operations away in one run. Then the operations per client, then the
  // clients once more (fewer operations per client can make a client unnecessary).
  const auto drop_clients = [&s] {
    bool dropped = false;
    while (s.spec.options.clients > 0) {
      SimSpec candidate = s.spec;
      --candidate.options.clients;
      if (candidate.options.client_homes.size() > candidate.options.clients) {
        candidate.options.client_homes.resize(candidate.options.clients);
      }
      if (!s.Try(std::move(candidate))) break;
      dropped = true;
    }
    return dropped;
  };
  bool changed = drop_clients();
  // Operations: take away half of them while the failure stays, then a quarter, an
  // eighth, ... (a binary search for the fewest, bounded by log2(ops)^2 runs).
  bool fewer_ops = false;
  uint64_t cut = s.spec.options.clients > 0 ? s.spec.options.workload.ops / 2 : 0;
  while (cut > 0 && !s.exhausted()) {
    SimSpec candidate = s.spec;
    candidate.options.workload.ops -= std::min(cut, candidate.options.workload.ops);
    if (s.Try(std::move(candidate))) {
      fewer_ops = true;
      cut = std::min(cut, s.spec.options.workload.ops);
    } else {
      cut /= 2;
    }
  }
  if (fewer_ops) drop_clients();
  return changed || fewer_ops;
}

bool DropEpisodes(Shrinker& s) {
  // A crash the run needs only because a later fault needs it is removed with it; so
  // is a heal followed by a cut (the earlier cut then lasts until the next heal), or a
  // restart followed by a crash of the same server (its two outages become one).
  // A fault that ddmin could not remove alone may go with the time before it: the
  // `run for` and the fault, two lines of the file, the later faults that much earlier.
  bool changed = false;
  size_t i = 0;
  while (i < s.spec.plan.faults.size() && !s.exhausted()) {
    const auto& faults = s.spec.plan.faults;
    std::vector<SimSpec> candidates;
    if (const size_t j = Partner(faults, i); j < faults.size()) {
      SimSpec& c = candidates.emplace_back(s.spec);
      c.plan.faults.erase(c.plan.faults.begin() + static_cast<ptrdiff_t>(j));
      c.plan.faults.erase(c.plan.faults.begin() + static_cast<ptrdiff_t>(i));
    }
    const sim::Time previous = i == 0 ? sim::Time::Zero() : faults[i - 1].at;
    const bool alone = faults[i].at > previous &&
                       (i + 1 == faults.size() || faults[i + 1].at > faults[i].at);
    if (alone) {
      SimSpec& c = candidates.emplace_back(s.spec);
      const sim::Duration gap = faults[i].at - previous;
      for (size_t k = i + 1; k < faults.size(); ++k) c.plan.faults[k].at = faults[k].at - gap;
      c.plan.faults.erase(c.plan.faults.begin() + static_cast<ptrdiff_t>(i));
    }
    bool kept = false;
    for (SimSpec& c : candidates) {
      if (s.Try(std::move(c))) {
        kept = true;
        break;
      }
    }
    changed = changed || kept;
    if (!kept) ++i;  // Otherwise fault i is now the one that followed it.
  }
  return changed;
}

bool MergeFaultTimes(Shrinker& s) {
  // Each distinct fault time costs a `run for`. Three ways to save it, tried in turn: drop
  // the `run for` itself, so that fault i and every later one happen that much earlier
  // (the story after it keeps its pace); move fault i alone back to its predecessor's
  // time (the first fault to time zero); move the predecessor forward to fault i's time.
  // Each keeps the order of the faults, and only a candidate with fewer commands is
  // judged (moving a fault that shares its time with another saves nothing).
  bool changed = false;
  for (size_t i = 0; i < s.spec.plan.faults.size() && !s.exhausted(); ++i) {
    const auto& faults = s.spec.plan.faults;
    const sim::Time previous = i == 0 ? sim::Time::Zero() : faults[i - 1].at;
    if (faults[i].at == previous) continue;
    const sim::Duration gap = faults[i].at - previous;
    const size_t commands = ScenarioCommands(s.spec).size();
    std::vector<SimSpec> candidates(i == 0 ? 2 : 3, s.spec);
    for (size_t j = i; j < faults.size(); ++j) candidates[0].plan.faults[j].at = faults[j].at - gap;
    candidates[1].plan.faults[i].at = previous;
    if (i > 0) candidates[2].plan.faults[i - 1].at = faults[i].at;
    for (SimSpec& candidate : candidates) {
      if (ScenarioCommands(candidate).size() < commands && s.Try(std::move(candidate))) {
        changed = true;
        break;
      }
    }
  }
  return changed;
}

bool TrimTail(Shrinker& s, bool liveness_kept) {
  bool changed = false;
  // Without the liveness check, the run from the faults' end to the horizon is one
  // `run for` (runner/minimize.h), and `check liveness` goes: two commands.
  if (!liveness_kept && s.spec.liveness_ticks > 0) {
    SimSpec candidate = s.spec;
    candidate.liveness_ticks = 0;
    changed = s.Try(std::move(candidate));
  }
  // With it, the window may end at the last fault, saving the `run for` before the check.
  const auto& faults = s.spec.plan.faults;
  if (s.spec.liveness_ticks > 0 && !faults.empty() &&
      faults.back().at < sim::Time::Zero() + s.spec.window) {
    SimSpec candidate = s.spec;
    candidate.window = faults.back().at - sim::Time::Zero();
    changed = s.Try(std::move(candidate)) || changed;
  }
  return changed;
}

void ShrinkInOrder(Shrinker& s, bool workload_first, bool liveness_kept) {
  s.runs_max = std::numeric_limits<uint32_t>::max();
  if (!workload_first) DropFaultChunks(s);
  ShrinkWorkload(s);
  DropFaultChunks(s);
  // Then the scenario's commands, within a budget: a failure that hangs on timing (most
  // of them) survives few of these candidates, and each kept one can make others
  // possible, so the passes repeat until none keeps anything.
  s.runs_max = s.runs + kPolishRunsMax;
  bool changed = true;
  while (changed && !s.exhausted()) {
    changed = TrimTail(s, liveness_kept);
    changed = DropEpisodes(s) || changed;
    changed = MergeFaultTimes(s) || changed;
    changed = DropFaultChunks(s) || changed;
  }
}

void ShrinkBothWays(Shrinker& s, bool liveness_kept) {
  const SimSpec failing = s.spec;
  ShrinkInOrder(s, /*workload_first=*/false, liveness_kept);
  // A file still too long to read gets a second chance, from the failing spec in the
  // other order; the shorter file wins. Most failures hang on timing, so the faults
  // ddmin can remove from a run with fewer operations are not those it can remove from
  // the full run, and which order ends shorter is luck (over the hunts of
  // docs/bug-zoo.md neither is the better one). Only a long file pays for the second
  // order: for a failure whose every candidate is an event storm it doubles the time.
  if (ScenarioCommands(s.spec).size() <= kReadableCommandsMax) return;
  Shrinker other = s;
  other.spec = failing;
  other.kept = nullptr;  // Told only of what is kept in the end.
  ShrinkInOrder(other, /*workload_first=*/true, liveness_kept);
  s.runs = other.runs;
  s.runs_max = other.runs_max;
  if (ScenarioCommands(other.spec).size() < ScenarioCommands(s.spec).size()) {
    s.spec = std::move(other.spec);
    if (s.kept) s.kept(s);
  }
}

}  // namespace zabsim::runner

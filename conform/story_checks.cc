#include "conform/story_checks.h"

#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "conform/zk_text.h"

namespace zabsim::conform {
namespace {

struct Write {
  std::string what;  // "c1 create /a"
  std::string op;
  uint64_t zxid = 0;
};

// AckedWrite reads "cN OP PATH" = "OK 0x..." for a write.
// A write answered later (sent without waiting) is "cN OP PATH (answered later)" = "OK",
// with no zxid: only its path counts (a create that must exist).
constexpr std::string_view kLate = " (answered later)";

std::optional<std::pair<std::string, Write>> AckedWrite(const Observation& o) {
  const bool late = o.what.ends_with(kLate);
  if (o.what.empty() || o.what[0] != 'c' || !(o.value.starts_with("OK 0x") || (late && o.value == "OK"))) {
    return std::nullopt;
  }
  const std::string what = late ? o.what.substr(0, o.what.size() - kLate.size()) : o.what;
  const size_t sp1 = what.find(' ');
  const size_t sp2 = what.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return std::nullopt;
  const std::string op = what.substr(sp1 + 1, sp2 - sp1 - 1);
  if (op != "create" && op != "set" && op != "delete") return std::nullopt;
  if (late && op != "create") return std::nullopt;  // Without its zxid a set or delete cannot be judged.
  return std::make_pair(what.substr(sp2 + 1), Write{what, op, late ? 0 : ZxidValue(o.value.substr(3))});
}

// Final values: "server N /path" at the end, for serving servers.
struct Final {
  std::map<uint32_t, std::string> last_zxid;                   // Serving servers.
  std::map<uint32_t, std::map<std::string, std::string>> values;  // sid -> path -> value.
};

Final FinalState(const Observations& obs) {
  Final f;
  std::map<uint32_t, std::string> mode;
  for (const Observation& o : obs) {
    if (o.line != 0 || !o.what.starts_with("server ")) continue;
    const size_t sp = o.what.find(' ', 7);
    if (sp == std::string::npos) continue;
    const auto sid = static_cast<uint32_t>(std::atoi(o.what.substr(7, sp - 7).c_str()));
    const std::string rest = o.what.substr(sp + 1);
    if (rest == "mode") mode[sid] = o.value;
    if (rest == "last zxid") f.last_zxid[sid] = o.value;
    if (rest.starts_with("/") && o.value != "not serving") f.values[sid][rest] = o.value;
  }
  for (auto it = f.last_zxid.begin(); it != f.last_zxid.end();) {
    const std::string& m = mode[it->first];
    it = m == "leading" || m == "following" ? std::next(it) : f.last_zxid.erase(it);
  }
  return f;
}

// Mzxid reads "DATA (mzxid 0x...)"; 0 for NONODE or anything else.
uint64_t Mzxid(const std::string& value) {
  const size_t at = value.rfind("(mzxid ");
  if (at == std::string::npos) return 0;
  return ZxidValue(value.substr(at + 7, value.size() - at - 8));
}

std::string Hex(uint64_t z) { return fmt::format("0x{:x}", z); }

}  // namespace

std::vector<StoryViolation> CheckStory(const Observations& obs) {
  std::vector<StoryViolation> out;
  std::map<std::string, Write> last;  // The last acknowledged write of each path, by zxid.
  std::vector<Write> acked;
  for (const Observation& o : obs) {
    if (auto w = AckedWrite(o)) {
      acked.push_back(w->second);
      auto [it, fresh] = last.emplace(w->first, w->second);
      if (!fresh && it->second.zxid < w->second.zxid) it->second = w->second;
    }
  }
  const Final f = FinalState(obs);
  for (const auto& [sid, values] : f.values) {
    if (!f.last_zxid.contains(sid)) continue;
    for (const auto& [path, w] : last) {
      const auto v = values.find(path);
      if (v == values.end()) continue;  // Not read there.
      const bool exists = v->second != "NONODE";
      const bool lost = w.op == "delete" ? exists && Mzxid(v->second) < w.zxid : !exists || Mzxid(v->second) < w.zxid;
      if (lost) {
        out.push_back({"acknowledged-write-lost",
                       fmt::format("{} was told OK{}, but server {} holds {} at the end", w.what,
                                   w.zxid == 0 ? "" : " " + Hex(w.zxid), sid, path + " = " + v->second)});
      }
    }
  }
  // Servers at the same last zxid must hold the same tree (for the paths read).
  std::set<std::pair<uint32_t, uint32_t>> reported;
  for (const auto& [a, za] : f.last_zxid) {
    for (const auto& [b, zb] : f.last_zxid) {
      if (a >= b || za != zb || !f.values.contains(a) || !f.values.contains(b)) continue;
      for (const auto& [path, va] : f.values.at(a)) {
        const auto vb = f.values.at(b).find(path);
        if (vb == f.values.at(b).end() || vb->second == va || reported.contains({a, b})) continue;
        reported.insert({a, b});
        out.push_back({"trees-differ", fmt::format("servers {} and {} are both at {} but hold {} = {} and {}", a, b,
                                                   za, path, va, vb->second)});
      }
    }
  }
  // A TRUNC must not cut a txn a client was told succeeded.
  for (const Observation& o : obs) {
    for (const SyncRecord& s : o.syncs) {
      if (s.mode != "TRUNC") continue;
      for (const Write& w : acked) {
        if (w.zxid != 0 && w.zxid > s.zxid && w.zxid <= s.peer_zxid) {
          out.push_back({"acknowledged-txn-truncated",
                         fmt::format("server {} was truncated to {} from {}, removing {} ({} was told OK)", s.learner,
                                     Hex(s.zxid), Hex(s.peer_zxid), Hex(w.zxid), w.what)});
        }
      }
    }
  }
  return out;
}

std::string StoryVerdict(const std::vector<StoryViolation>& real, const std::vector<StoryViolation>& sim,
                         const std::string& release, int differing_rows, bool& differs) {
  std::set<std::string> real_checks, sim_checks;
  for (const StoryViolation& v : real) real_checks.insert(v.check);
  for (const StoryViolation& v : sim) sim_checks.insert(v.check);
  differs = real_checks != sim_checks;
  if (real.empty() && sim.empty()) {
    return "checks (acknowledged-write-lost, trees-differ, acknowledged-txn-truncated): none broken on either side\n";
  }
  std::string t = "checks on what each side observed:\n";
  for (const StoryViolation& v : real) t += fmt::format("  ZooKeeper {}: [{}] {}\n", release, v.check, v.detail);
  for (const StoryViolation& v : sim) t += fmt::format("  zabsim: [{}] {}\n", v.check, v.detail);
  if (!sim.empty() && !differs) {
    t += fmt::format("verdict: reproduced on ZooKeeper {} (the same checks broke on both sides)\n", release);
  } else if (!sim.empty() && real.empty()) {
    t += fmt::format("verdict: not reproduced on ZooKeeper {}: it broke no check; {}\n", release,
                     differing_rows == 0 ? "every observation agreed with zabsim's"
                                         : fmt::format("{} observations went otherwise (marked above)", differing_rows));
  } else if (!sim.empty()) {
    t += fmt::format("verdict: partly reproduced on ZooKeeper {}: other checks broke on each side\n", release);
  } else {
    t += fmt::format("verdict: ZooKeeper {} broke a check that zabsim did not\n", release);
  }
  return t;
}

}  // namespace zabsim::conform

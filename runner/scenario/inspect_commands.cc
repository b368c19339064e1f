// The commands that show the servers' state without letting time pass
// (docs/scenarios.md, `state`, `log` and `tree`).

#include <string>
#include <vector>

#include <fmt/format.h>

#include "runner/scenario/args.h"
#include "runner/scenario/runner.h"

namespace zabsim::runner::scenario {
namespace {

std::string Hex8(uint64_t digest) { return fmt::format("{:08x}", digest >> 32); }

}  // namespace

absl::Status ScenarioRunner::State(const Directive& /*d*/, Args& args, Lines& out) {
  std::vector<uint32_t> sids;
  while (const Arg* a = args.Word()) {
    auto s = Server(*a);
    if (!s.ok()) return s.status();
    sids.push_back(*s);
  }
  if (sids.empty()) {
    for (uint32_t s = 1; s <= cluster_->servers(); ++s) sids.push_back(s);
  }
  for (const uint32_t sid : sids) {
    const zab::Peer* p = cluster_->peer(sid);
    if (p == nullptr) {
      out.push_back(fmt::format("{} down", sid));
      continue;
    }
    const zab::Database& db = p->db();
    std::string leader = p->leader().value == 0 ? "" : fmt::format(" leader={}", p->leader().value);
    std::string log = db.log().empty() ? "log=empty"
                                       : fmt::format("log={}..{} ({} txns)", zab::ToString(db.log().front()->zxid),
                                                     zab::ToString(db.log().back()->zxid), db.log().size());
    out.push_back(fmt::format("{} {} {}{} accepted={} current={} last={} {} digest={}", sid,
                              zab::ToString(p->state()), zab::ToString(p->phase()), leader,
                              p->accepted_epoch().value, p->current_epoch().value,
                              zab::ToString(db.last_processed()), log, Hex8(db.tree().digest())));
  }
  return absl::OkStatus();
}

absl::StatusOr<const zab::Peer*> ScenarioRunner::NamedPeer(Args& args, Lines& out) {
  const Arg* a = args.Word();
  if (a == nullptr) return args.Missing("the server");
  auto sid = Server(*a);
  if (!sid.ok()) return sid.status();
  const zab::Peer* p = cluster_->peer(*sid);
  if (p == nullptr) out.push_back(fmt::format("{} down", *sid));
  return p;
}

absl::Status ScenarioRunner::Log(const Directive& /*d*/, Args& args, Lines& out) {
  auto named = NamedPeer(args, out);
  if (!named.ok()) return named.status();
  const zab::Peer* p = *named;
  if (p == nullptr) return absl::OkStatus();
  const zab::Zxid applied = p->db().tree().last_applied_txn();
  // Each log file's name and length on disk, ahead of its first txn.
  const std::vector<zab::Database::LogFile> files = p->db().LogFiles();
  size_t next_file = 0;
  for (const zab::TxnPtr& t : p->db().log()) {
    while (next_file < files.size() && files[next_file].first <= t->zxid) {
      // ZooKeeper's name for it, "log." and the first zxid in hex, unpadded.
      out.push_back(fmt::format("file log.{:x} ({} bytes on disk)", files[next_file].first.value,
                                files[next_file].length));
      ++next_file;
    }
    out.push_back(fmt::format("{} {} session={} {}", zab::ToString(t->zxid), zab::DescribeOp(t->op),
                              t->session, t->zxid <= applied ? "applied" : "not applied"));
  }
  if (p->db().log().empty()) out.push_back(fmt::format("{} has an empty log", p->self().value));
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Tree(const Directive& /*d*/, Args& args, Lines& out) {
  auto named = NamedPeer(args, out);
  if (!named.ok()) return named.status();
  const zab::Peer* p = *named;
  if (p == nullptr) return absl::OkStatus();
  for (const auto& [path, node] : p->db().tree().nodes()) {
    if (path == "/") continue;
    out.push_back(fmt::format("{}={} version={}{}", path, node.data, node.version,
                              node.ephemeral_owner != 0 ? fmt::format(" ephemeral={}", node.ephemeral_owner) : ""));
  }
  out.push_back(fmt::format("{} nodes, {} sessions, digest {}", p->db().tree().node_count() - 1,
                            p->db().tree().sessions().size(), Hex8(p->db().tree().digest())));
  return absl::OkStatus();
}

}  // namespace zabsim::runner::scenario

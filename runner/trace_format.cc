#include "runner/trace_format.h"

#include <type_traits>

namespace zabsim::sim {

void MessageTraits<zab::Message>::Describe(const zab::Message& m, Recorder& r) {
  struct Visitor {
    Recorder& r;
    void operator()(const zab::Notification& n) const {
      r.Str("type", "NOTIFICATION")
          .Str("state", zab::ToString(n.state))
          .Uint("leader", n.leader.value)
          .Hex("zxid", n.zxid.value)
          .Uint("round", n.election_epoch)
          .Uint("peer_epoch", n.peer_epoch.value);
    }
    void operator()(const zab::QuorumPacket& p) const {
      r.Str("type", zab::ToString(p.type)).Hex("zxid", p.zxid.value);
      switch (p.type) {
        case zab::PacketType::kAckEpoch:
          r.Int("current_epoch", p.number);
          break;
        case zab::PacketType::kProposal:
        case zab::PacketType::kInform:
          if (p.txn) {
            r.Uint("session", p.txn->session)
                .Str("op", zab::ToString(p.txn->op.type))
                .Str("path", p.txn->op.path);
          }
          break;
        case zab::PacketType::kSnap:
          if (p.snapshot) r.Uint("bytes", p.snapshot->size());
          break;
        case zab::PacketType::kRequest:
        case zab::PacketType::kSync:
          if (p.request) {
            r.Uint("session", p.request->session)
                .Uint("cxid", p.request->cxid)
                .Str("op", zab::ToString(p.request->op.type))
                .Str("path", p.request->op.path);
          }
          break;
        default:
          break;
      }
    }
    void operator()(const zab::ClientRequest& c) const {
      r.Str("type", "CLIENT-REQUEST")
          .Uint("session", c.session)
          .Uint("cxid", c.cxid)
          .Str("op", zab::ToString(c.op.type))
          .Str("path", c.op.path);
    }
    void operator()(const zab::ClientReply& c) const {
      r.Str("type", "CLIENT-REPLY")
          .Uint("session", c.session)
          .Uint("cxid", c.cxid)
          .Str("code", zab::ToString(c.code))
          .Hex("zxid", c.zxid.value);
    }
  };
  std::visit(Visitor{r}, m);
}

}  // namespace zabsim::sim

namespace zabsim::runner {

std::string_view EventKind(const zab::Event& event) {
  struct Visitor {
    std::string_view operator()(const zab::StateChanged&) const { return "state"; }
    std::string_view operator()(const zab::VoteChanged&) const { return "vote"; }
    std::string_view operator()(const zab::ElectionDecided&) const { return "elected"; }
    std::string_view operator()(const zab::EpochWritten&) const { return "epoch"; }
    std::string_view operator()(const zab::EpochProposed&) const { return "epoch-proposed"; }
    std::string_view operator()(const zab::NewLeaderProcessed&) const { return "newleader-processed"; }
    std::string_view operator()(const zab::LeaderEstablished&) const { return "established"; }
    std::string_view operator()(const zab::SyncChosen&) const { return "sync-choice"; }
    std::string_view operator()(const zab::SyncApplied&) const { return "sync-applied"; }
    std::string_view operator()(const zab::Proposed&) const { return "propose"; }
    std::string_view operator()(const zab::Committed&) const { return "commit"; }
    std::string_view operator()(const zab::Logged&) const { return "logged"; }
    std::string_view operator()(const zab::Applied&) const { return "apply"; }
    std::string_view operator()(const zab::Truncated&) const { return "truncate-log"; }
    std::string_view operator()(const zab::TreeLoaded&) const { return "tree-loaded"; }
    std::string_view operator()(const zab::TreeRelabeled&) const { return "relabel"; }
    std::string_view operator()(const zab::SnapshotTaken&) const { return "snapshot"; }
    std::string_view operator()(const zab::StepRan&) const { return "step"; }
    std::string_view operator()(const zab::DiskFailed&) const { return "disk-failed"; }
    std::string_view operator()(const zab::Ignored&) const { return "ignore"; }
    std::string_view operator()(const zab::Unexpected&) const { return "unexpected"; }
    std::string_view operator()(const zab::RoleEnded&) const { return "role-ended"; }
    std::string_view operator()(const zab::LearnerDropped&) const { return "learner-dropped"; }
    std::string_view operator()(const zab::Halted&) const { return "halt"; }
    std::string_view operator()(const zab::ClientServed&) const { return "served"; }
    std::string_view operator()(const zab::ClientInvoked&) const { return "invoke"; }
    std::string_view operator()(const zab::ClientCompleted&) const { return "complete"; }
  };
  return std::visit(Visitor{}, event);
}

void DescribeEvent(const zab::Event& event, sim::Recorder& r) {
  struct Visitor {
    sim::Recorder& r;
    void operator()(const zab::StateChanged& e) const {
      r.Str("state", zab::ToString(e.state))
          .Str("phase", zab::ToString(e.phase))
          .Uint("accepted_epoch", e.accepted_epoch.value)
          .Uint("current_epoch", e.current_epoch.value)
          .Uint("leader", e.leader.value);
    }
    void operator()(const zab::VoteChanged& e) const {
      r.Uint("round", e.round)
          .Uint("leader", e.leader.value)
          .Hex("zxid", e.zxid.value)
          .Uint("peer_epoch", e.peer_epoch.value)
          .Str("why", e.why)
          .Uint("from", e.because_of.value);
    }
    void operator()(const zab::ElectionDecided& e) const {
      r.Uint("round", e.round)
          .Uint("leader", e.leader.value)
          .Hex("zxid", e.zxid.value)
          .Uint("peer_epoch", e.peer_epoch.value)
          .Str("as", zab::ToString(e.state))
          .Str("how", e.how);
    }
    void operator()(const zab::EpochWritten& e) const {
      r.Str("file", e.file).Uint("epoch", e.epoch.value).Bool("durable", e.durable);
    }
    // A history is written as its size, its ends and its zxids as runs of consecutive
    // ones ("0x100000001..0x100000005,0x200000001"): a log holds one run per epoch or so,
    // and with every zxid a reader can replay the checks that use it (newleader-prefix,
    // the commits of an establishment; docs/trace-format.md).
    void History(const std::vector<zab::Zxid>& log) const {
      std::string runs;
      for (size_t i = 0; i < log.size();) {
        size_t j = i;
        while (j + 1 < log.size() && log[j + 1].value == log[j].value + 1) ++j;
        if (!runs.empty()) runs += ',';
        runs += zab::ToString(log[i]);
        if (j > i) runs += ".." + zab::ToString(log[j]);
        i = j + 1;
      }
      r.Uint("log_txns", log.size())
          .Hex("log_first", log.empty() ? 0 : log.front().value)
          .Hex("log_last", log.empty() ? 0 : log.back().value)
          .Str("log_runs", runs);
    }
    void operator()(const zab::EpochProposed& e) const {
      r.Uint("epoch", e.epoch.value).Hex("last", e.last.value);
      History(e.log);
    }
    void operator()(const zab::NewLeaderProcessed& e) const {
      r.Uint("epoch", e.epoch.value).Uint("leader", e.leader.value);
      History(e.log);
    }
    void operator()(const zab::LeaderEstablished& e) const { r.Uint("epoch", e.epoch.value); }
    void operator()(const zab::SyncChosen& e) const {
      r.Uint("learner", e.learner.value)
          .Str("mode", zab::ToString(e.mode))
          .Hex("peer_last", e.peer_last_zxid.value)
          .Hex("zxid", e.zxid.value)
          .Uint("txns", e.txns)
          .Str("why", e.why);
    }
    void operator()(const zab::SyncApplied& e) const {
      r.Str("mode", zab::ToString(e.mode)).Hex("zxid", e.zxid.value);
    }
    void operator()(const zab::Proposed& e) const {
      r.Hex("zxid", e.zxid.value)
          .Uint("session", e.session)
          .Uint("cxid", e.cxid)
          .Str("op", zab::ToString(e.op));
    }
    void operator()(const zab::Committed& e) const { r.Hex("zxid", e.zxid.value); }
    void operator()(const zab::Logged& e) const {
      r.Hex("first", e.first.value).Hex("last", e.last.value).Uint("count", e.count);
    }
    void operator()(const zab::Applied& e) const {
      r.Hex("zxid", e.zxid.value)
          .Uint("session", e.session)
          .Uint("cxid", e.cxid)
          .Str("op", zab::ToString(e.op))
          .Str("code", zab::ToString(e.code))
          .Hex("digest", e.digest);
    }
    void operator()(const zab::Truncated& e) const {
      r.Hex("to", e.to.value).Uint("removed", e.removed);
    }
    void operator()(const zab::TreeLoaded& e) const {
      r.Hex("zxid", e.zxid.value).Str("from", e.from).Hex("digest", e.digest).Hex("applied", e.applied.value);
    }
    void operator()(const zab::TreeRelabeled& e) const {
      r.Hex("zxid", e.zxid.value);
      r.Hex("applied", e.applied.value);
      r.Hex("digest", e.digest);
    }
    void operator()(const zab::SnapshotTaken& e) const { r.Hex("zxid", e.zxid.value); }
    void operator()(const zab::StepRan& e) const {
      r.Str("thread", zab::ToString(e.thread)).Str("step", e.step);
      if (e.instance != 0) r.Uint("of", e.instance);
      if (e.zxid.value != 0) r.Hex("zxid", e.zxid.value);
    }
    void operator()(const zab::DiskFailed& e) const { r.Str("file", e.file).Str("what", e.what); }
    void operator()(const zab::Ignored& e) const {
      r.Str("what", e.what).Str("why", e.why).Uint("from", e.from.value).Hex("zxid", e.zxid.value);
    }
    void operator()(const zab::Unexpected& e) const {
      r.Str("check", e.check).Str("what", e.what).Uint("from", e.from.value).Hex("zxid", e.zxid.value)
          .Hex("expected", e.expected.value).Str("why", e.why);
    }
    void operator()(const zab::RoleEnded& e) const {
      r.Str("was", zab::ToString(e.state)).Str("reason", e.reason);
    }
    void operator()(const zab::LearnerDropped& e) const {
      r.Uint("learner", e.learner.value).Str("reason", e.reason);
    }
    void operator()(const zab::Halted& e) const { r.Str("reason", e.reason); }
    void operator()(const zab::ClientServed& e) const {
      r.Uint("session", e.session)
          .Uint("cxid", e.cxid)
          .Str("op", zab::ToString(e.op))
          .Str("code", zab::ToString(e.code))
          .Hex("zxid", e.zxid.value);
    }
    void operator()(const zab::ClientInvoked& e) const {
      r.Uint("session", e.session)
          .Uint("cxid", e.cxid)
          .Str("op", zab::ToString(e.op.type))
          .Str("path", e.op.path)
          .Str("data", e.op.data)
          .Int("version", e.op.version)
          .Uint("server", e.server.value);
    }
    void operator()(const zab::ClientCompleted& e) const {
      r.Uint("session", e.session)
          .Uint("cxid", e.cxid)
          .Str("op", zab::ToString(e.op.type))
          .Str("path", e.op.path)
          .Str("code", zab::ToString(e.code))
          .Hex("zxid", e.zxid.value)
          .Bool("indeterminate", e.indeterminate)
          .Uint("server", e.server.value);
      if (e.op.type == zab::OpType::kGetData && e.code == zab::Code::kOk) r.Str("data", e.data);
      if (e.op.type == zab::OpType::kExists && e.code == zab::Code::kOk) r.Bool("exists", e.exists);
    }
  };
  std::visit(Visitor{r}, event);
}

}  // namespace zabsim::runner

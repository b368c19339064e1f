#include "runner/narrate.h"

#include <fmt/format.h>

#include "runner/record_fields.h"

namespace zabsim::runner {
namespace {

std::string Str(const sim::TraceRecord& r, std::string_view key) { return FieldText(r, key); }
uint64_t Num(const sim::TraceRecord& r, std::string_view key) { return FieldNum(r, key); }

std::string Hex(uint64_t zxid) { return fmt::format("{:#x}", zxid); }

// A zxid (e, 0) is an epoch's start: NEWLEADER and UPTODATE are acked with it.
bool EpochStart(uint64_t zxid) { return (zxid & 0xffffffffu) == 0; }

std::string Plural(uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string TimePrefix(sim::Time t) {
  return fmt::format("{:>4}.{:03}", t.us / 1000000, (t.us / 1000) % 1000);
}

// VoteOrder says which field of FLE's vote order (totalOrderPredicate: peerEpoch, then
// zxid, then sid) makes `better` beat `worse`, or why it does not.
std::string VoteOrder(uint64_t b_sid, uint64_t b_zxid, uint64_t b_epoch, uint64_t w_sid,
                      uint64_t w_zxid, uint64_t w_epoch) {
  if (b_epoch != w_epoch) {
    return fmt::format("peerEpoch {} is {} than {}", b_epoch, b_epoch > w_epoch ? "higher" : "lower", w_epoch);
  }
  if (b_zxid != w_zxid) {
    return fmt::format("zxid {} is {} than {} (at equal peerEpoch {})", Hex(b_zxid),
                       b_zxid > w_zxid ? "higher" : "lower", Hex(w_zxid), b_epoch);
  }
  if (b_sid != w_sid) {
    return fmt::format("sid {} is {} than {} (at equal peerEpoch {} and zxid {})", b_sid,
                       b_sid > w_sid ? "higher" : "lower", w_sid, b_epoch, Hex(b_zxid));
  }
  return "the votes are the same";
}

bool Beats(uint64_t b_sid, uint64_t b_zxid, uint64_t b_epoch, uint64_t w_sid, uint64_t w_zxid,
           uint64_t w_epoch) {
  if (b_epoch != w_epoch) return b_epoch > w_epoch;
  if (b_zxid != w_zxid) return b_zxid > w_zxid;
  return b_sid > w_sid;
}

// Preferred says why the run preferred `b` to `w`; when the correct order would not, it
// says so too (a bug switch such as election-ignores-zxid or ZK-1419 changed the order).
std::string Preferred(uint64_t b_sid, uint64_t b_zxid, uint64_t b_epoch, uint64_t w_sid, uint64_t w_zxid,
                      uint64_t w_epoch) {
  const std::string why = VoteOrder(b_sid, b_zxid, b_epoch, w_sid, w_zxid, w_epoch);
  if (Beats(b_sid, b_zxid, b_epoch, w_sid, w_zxid, w_epoch)) return why;
  return why + ", so the correct vote order would not prefer it (a bug switch changes the order)";
}

// What each phase is for, said once at its heading.
std::string PhasePurpose(std::string_view state, std::string_view phase) {
  const bool leads = state == "LEADING";
  if (state == "LOOKING") return "It looks for a leader by Fast Leader Election, starting with a vote for itself.";
  if (phase == "DISCOVERY") {
    if (leads) return "It collects a quorum's acceptedEpochs (FOLLOWERINFO) to choose a new epoch no older leader used.";
    return fmt::format("It tells its leader its acceptedEpoch ({}) and waits for the new epoch (LEADERINFO).",
                       state == "OBSERVING" ? "OBSERVERINFO" : "FOLLOWERINFO");
  }
  if (phase == "SYNCHRONIZATION") {
    return leads ? "It brings each learner's history in line with its own (DIFF, TRUNC or SNAP), then sends NEWLEADER."
                 : "It reports its last zxid (ACKEPOCH) and takes the leader's history before it acks NEWLEADER.";
  }
  if (phase == "BROADCAST") {
    if (leads) return "It proposes clients' writes and commits each once a quorum has logged it.";
    if (state == "OBSERVING") return "It applies the txns the leader INFORMs it of; it never votes or ACKs.";
    return "It logs and ACKs the leader's proposals and applies each once the leader commits it.";
  }
  return "";
}

std::string DropReason(std::string_view reason) {
  if (reason == "loss") return "the network lost it, which breaks its connection";
  if (reason == "partition") return "a partition cuts the link";
  if (reason == "rule") return "a scenario rule dropped it";
  if (reason == "broken") return "its connection had already broken";
  if (reason == "in-flight") return "its connection broke while it travelled";
  if (reason == "closed") return "the receiver had closed its end";
  if (reason == "unsafe-drop") return "the unsafe channel lost it without breaking the connection";
  return std::string(reason);
}

std::string FaultMeaning(std::string_view fault) {
  const std::string_view kind = fault.substr(0, fault.find(' '));
  if (kind == "crash") return "the process dies; only what it fsynced survives";
  if (kind == "restart") return "the process comes back from its disk";
  if (kind == "partition") return "the groups cannot reach each other";
  if (kind == "isolate") return "the server can reach nobody and nobody can reach it";
  if (kind == "heal") return "every link works again";
  if (kind == "oneway") return "frames flow one way only";
  if (kind == "break") return "the connection breaks, as after a lost frame";
  if (kind == "hold") return "frames on that link wait until released";
  if (kind == "release") return "frames held on that link move on";
  if (kind == "delay") return "frames on that link take longer";
  if (kind == "loss") return "frames may be lost, each loss breaking its connection";
  if (kind == "clock-rate" || kind == "clock-step") return "the server's clock drifts; timeouts fire early or late";
  if (kind == "disk-slow") return "fsyncs on that server take longer";
  if (kind == "torn") return "the next unsynced append may land half written";
  if (kind == "channel") return "channels change mode (unsafe: frames may vanish, repeat or overtake)";
  if (kind == "signal") return "a signal reaches the process";
  if (kind == "disk-error") return "that server's fsyncs, and its writing of files anew, fail for a while";
  if (kind == "stall") return "that thread of the server gets no CPU until resumed; its other threads go on";
  if (kind == "resume") return "the held thread runs what it had waiting, in order";
  return "";
}

std::string IgnoreReason(std::string_view why) {
  if (why == "stale round") return "it comes from an older election round";
  if (why == "finalize wait") return "it is no better than the vote about to be decided";
  return std::string(why);
}

}  // namespace

Narrator::Narrator(uint32_t voters, uint32_t quorum, uint32_t servers)
    : voters_(voters), servers_(servers), majority_(quorum) {}

std::string Narrator::Who(uint64_t process) const {
  if (process == 0) return "the world";
  if (process <= servers_) return fmt::format("server {}", process);
  return fmt::format("client c{}", process - servers_);
}

std::string Narrator::Ids(const std::set<uint64_t>& ids) const {
  std::string out;
  for (const uint64_t id : ids) out += (out.empty() ? "" : ", ") + fmt::format("{}", id);
  return out;
}

void Narrator::Narrate(const sim::TraceRecord& r, std::vector<std::string>& out) {
  std::string line;
  if (r.kind == "state") {
    Process& p = processes_[r.process];
    line = StateChange(r, p, out);
  } else {
    line = Sentence(r);
  }
  if (!line.empty()) out.push_back(TimePrefix(r.time) + " " + line);
  if (r.process != 0) processes_[r.process].last_kind = std::string(r.kind);
}

std::string Narrator::StateChange(const sim::TraceRecord& r, Process& p,
                                  std::vector<std::string>& out) {
  const std::string state = Str(r, "state");
  const std::string phase = Str(r, "phase");
  const bool changed = state != p.state || phase != p.phase;
  if (state == "LEADING" && p.state != "LEADING") {
    p.follower_epochs.clear();
    p.newleader_acks.clear();
    p.acks.clear();
  }
  if (state != "LEADING" && state != "LOOKING" && p.state != state) {
    p.sync_needed = 0;
    p.newleader_seen = false;
  }
  p.state = state;
  p.phase = phase;
  p.accepted_epoch = Num(r, "accepted_epoch");
  // Leaving LOOKING, a server is FOLLOWING or LEADING in phase ELECTION for no time at
  // all: its next record moves it on to DISCOVERY, which gets the heading.
  if (!changed || (state != "LOOKING" && phase == "ELECTION")) return "";
  const uint64_t leader = Num(r, "leader");
  const std::string follows =
      leader != 0 && state != "LEADING" ? fmt::format(" (leader {})", leader) : "";
  out.push_back(fmt::format("{} === {}: {}{}, {} ===", TimePrefix(r.time), Who(r.process), state,
                            follows, phase));
  return PhasePurpose(state, phase);
}

std::string Narrator::Sentence(const sim::TraceRecord& r) {
  const std::string_view k = r.kind;
  const std::string who = Who(r.process);
  Process& p = processes_[r.process];
  if (k == "append" || k == "sync" || k == "synced") {
    TrackLogFile(r, p);
    return "";
  }
  if (k == "recv") return Message(r, p);
  if (k == "vote") return VoteChange(r, p);
  if (k == "sync-choice") return SyncChoice(r);
  if (k == "epoch") return EpochWrite(r, p);
  if (k == "logged") return Logged(r, p);
  if (k == "commit") return Commit(r, p);
  if (k == "drop") return Drop(r);
  if (k == "crash") {
    processes_.erase(r.process);
    return fmt::format("{} is down: its memory, timers and connections are gone; its disk keeps what was synced.", who);
  }
  if (k == "restart") {
    return fmt::format("{} restarts (incarnation {}) from what its disk kept.", who, Num(r, "incarnation"));
  }
  if (k == "elected") {
    const std::string as = Str(r, "as");
    if (Str(r, "how") == "joined") {
      return fmt::format("{} joins an established ensemble: a quorum of servers report that server {} leads, so it is {} without a new election.",
                         who, Num(r, "leader"), as);
    }
    // The finalize wait ends on a timer; a notification from a server that already
    // follows or leads decides at once.
    if (p.last_kind == "timer") {
      return fmt::format("{} decides in round {}: server {} leads, because a quorum of the votes it received agree with its own and the finalize wait brought no better vote. It is {}.",
                         who, Num(r, "round"), Num(r, "leader"), as);
    }
    return fmt::format("{} decides in round {}: server {} leads, because a quorum of the servers of that round already follow it and it says it leads. It is {}.",
                       who, Num(r, "round"), Num(r, "leader"), as);
  }
  if (k == "epoch-proposed") {
    const uint64_t epoch = Num(r, "epoch");
    std::string heard = fmt::format("{}: {}", r.process, p.accepted_epoch);
    uint64_t highest = p.accepted_epoch;
    for (const auto& [sid, e] : p.follower_epochs) {
      heard += fmt::format(", {}: {}", sid, e);
      highest = std::max(highest, e);
    }
    const std::string why = highest + 1 == epoch ? "one more than the highest acceptedEpoch of a quorum"
                                                 : "above every acceptedEpoch of a quorum";
    return fmt::format("{} chooses epoch {}, {} ({}): no leader of an older epoch can commit in it.",
                       who, epoch, why, heard);
  }
  if (k == "established") {
    p.newleader_acks.insert(r.process);
    return fmt::format("{} is the established leader of epoch {}: a quorum ({}) acked NEWLEADER, so their histories match its own and it may commit new txns.",
                       who, Num(r, "epoch"), Ids(p.newleader_acks));
  }
  if (k == "propose") {
    p.acks[Num(r, "zxid")];  // The leader now waits for this txn's ACKs.
    return fmt::format("{} proposes {} ({} of client c{}, cxid {}) to its followers; it commits once {} of the {} voters have logged it.",
                       who, Str(r, "zxid"), Str(r, "op"), Num(r, "session") - servers_, Num(r, "cxid"),
                       majority_, voters_);
  }
  if (k == "apply") {
    p.applied = std::max(p.applied, Num(r, "zxid"));
    return fmt::format("{} applies {} ({} -> {}) to its tree: it is committed.", who, Str(r, "zxid"),
                       Str(r, "op"), Str(r, "code"));
  }
  if (k == "truncate-log") {
    return fmt::format("{} cuts its txn log after {}, removing {} that no quorum committed.", who,
                       Str(r, "to"), Plural(Num(r, "removed"), "txn"));
  }
  if (k == "tree-loaded") {
    const std::string from = Str(r, "from");
    const std::string zxid = Str(r, "zxid");
    if (from == "disk") {
      p.durable = Num(r, "zxid");
      return fmt::format("{} loads its tree from disk (snapshot plus txn log): it is at {}.", who, zxid);
    }
    if (from == "snap") return fmt::format("{} replaces its tree with the leader's snapshot, at {}.", who, zxid);
    if (from == "truncated-log") return fmt::format("{} reloads its tree from the cut log: it is back at {}.", who, zxid);
    if (from == "trunc") return fmt::format("{}'s tree takes the TRUNC's zxid {} as its own.", who, zxid);
    return fmt::format("{} applies the rest of its log on the role change: its tree is at {}.", who, zxid);
  }
  if (k == "snapshot") {
    p.durable = std::max(p.durable, Num(r, "zxid"));
    return fmt::format("{} writes a snapshot of its tree at {}.", who, Str(r, "zxid"));
  }
  if (k == "role-ended") {
    return fmt::format("{} leaves {} ({}) and goes back to LOOKING.", who, Str(r, "was"), Str(r, "reason"));
  }
  if (k == "learner-dropped") {
    return fmt::format("{} drops learner {} ({}) and carries on with the others.", who, Num(r, "learner"),
                       Str(r, "reason"));
  }
  if (k == "halt") return fmt::format("{} exits: {}.", who, Str(r, "reason"));
  if (k == "disk-failed") {
    return fmt::format("{}'s {} of {} fails: a disk error, to which ZooKeeper reacts by the thread that met it.",
                       who, Str(r, "what"), Str(r, "file"));
  }
  if (k == "step") {
    // The steps that open a window between threads; the frequent ones (a commit applied,
    // a batch logged) are told by their effects (apply, logged).
    const std::string step = Str(r, "step");
    if (step == "sync-follower") {
      return fmt::format("{}'s handler of learner {} chooses its sync and starts forwarding to it: what the leader proposes or commits from now on is queued for it too.",
                         who, Num(r, "of"));
    }
    if (step == "queue-newleader") {
      return fmt::format("{}'s handler of learner {} queues NEWLEADER behind everything queued so far and starts sending.",
                         who, Num(r, "of"));
    }
    if (step == "snapshot-begin") {
      return fmt::format("{}'s snapshot thread names its snapshot after the last txn applied; it writes the tree later, as commits go on (a fuzzy snapshot).",
                         who);
    }
    return "";
  }
  if (k == "invoke") {
    std::string what = Str(r, "path");
    if (const std::string data = Str(r, "data"); !data.empty()) what += "=" + data;
    return fmt::format("{} asks server {} to {} {} (cxid {}).", who, Num(r, "server"), Str(r, "op"), what,
                       Num(r, "cxid"));
  }
  if (k == "complete") {
    if (Str(r, "indeterminate") == "true") {
      return fmt::format("{}'s {} {} gets no answer (connection lost): it may or may not have happened.", who,
                         Str(r, "op"), Str(r, "path"));
    }
    return fmt::format("{}'s {} {} completes: {} at zxid {}.", who, Str(r, "op"), Str(r, "path"), Str(r, "code"),
                       Str(r, "zxid"));
  }
  if (k == "fault") {
    const std::string fault = Str(r, "fault");
    const std::string meaning = FaultMeaning(fault);
    return meaning.empty() ? fmt::format("Fault: {}.", fault) : fmt::format("Fault: {}: {}.", fault, meaning);
  }
  if (k == "fault-ignored") return fmt::format("The fault {} has no effect: {}.", Str(r, "fault"), Str(r, "why"));
  if (k == "ignore") {
    const uint64_t from = Num(r, "from");
    return fmt::format("{} ignores a {}{}: {}.", who, Str(r, "what"), from != 0 ? " from " + Who(from) : "",
                       IgnoreReason(Str(r, "why")));
  }
  if (k == "unexpected") {
    return fmt::format("{} gets an unexpected {} {} from {} ({}; expected {}): this breaks the check {}.", who,
                       Str(r, "what"), Str(r, "zxid"), Who(Num(r, "from")), Str(r, "why"), Str(r, "expected"),
                       Str(r, "check"));
  }
  if (k == "stopped") return fmt::format("The world stops the run: {} ({} events pending).", Str(r, "reason"), Num(r, "pending"));
  return "";
}

std::string Narrator::VoteChange(const sim::TraceRecord& r, Process& p) {
  const std::string who = Who(r.process);
  Vote v{Num(r, "leader"), Num(r, "zxid"), Num(r, "peer_epoch"), Num(r, "round"), true};
  const std::string why = Str(r, "why");
  const uint64_t from = Num(r, "from");
  const Vote old = p.vote;
  p.vote = v;
  if (why == "new-round") {
    p.initial = v;
    if (v.leader == 0) {
      // An observer's own vote names nobody: it never counts, and it follows whoever
      // the voters elect.
      return fmt::format("{} starts election round {}; as an observer it votes for nobody (sid 0) and will follow the leader the voters elect.",
                         who, v.round);
    }
    return fmt::format("{} starts election round {} and votes for itself: sid {}, its last zxid {}, its currentEpoch {}.",
                       who, v.round, v.leader, Hex(v.zxid), v.epoch);
  }
  const std::string sender = from == p.heard_from && p.heard.known ? fmt::format(" (sent by {})", Who(from)) : "";
  if (why == "better-vote" && old.known) {
    return fmt::format("{} adopts the vote for server {}{}: {}.", who, v.leader, sender,
                       Preferred(v.leader, v.zxid, v.epoch, old.leader, old.zxid, old.epoch));
  }
  if (why == "higher-round" && p.initial.known) {
    const Vote& mine = p.initial;
    const std::string head = fmt::format("{} hears of round {}{}, newer than its round {}: it joins that round", who,
                                         v.round, sender, old.known ? old.round : 0);
    if (v.leader != mine.leader || v.zxid != mine.zxid || v.epoch != mine.epoch) {
      return fmt::format("{} and votes for server {}, whose vote beats its own: {}.", head, v.leader,
                         Preferred(v.leader, v.zxid, v.epoch, mine.leader, mine.zxid, mine.epoch));
    }
    if (p.heard.known && from == p.heard_from) {
      return fmt::format("{} but keeps voting for itself, as its own vote beats the one it heard, for server {}: {}.",
                         head, p.heard.leader,
                         Preferred(mine.leader, mine.zxid, mine.epoch, p.heard.leader, p.heard.zxid, p.heard.epoch));
    }
    return head + " and votes for itself again.";
  }
  return fmt::format("{} now proposes server {} (zxid {}, peerEpoch {}) in round {} ({}).", who, v.leader,
                     Hex(v.zxid), v.epoch, v.round, why);
}

std::string Narrator::Message(const sim::TraceRecord& r, Process& p) {
  const std::string type = Str(r, "type");
  if (type == "NOTIFICATION") {
    // Said as part of the vote it causes; remembered for that.
    p.heard = Vote{Num(r, "leader"), Num(r, "zxid"), Num(r, "peer_epoch"), Num(r, "round"), true};
    p.heard_from = Num(r, "from");
    return "";
  }
  if (p.state == "LEADING") return LeaderMessage(r, p);
  return LearnerMessage(r, p);
}

std::string Narrator::LeaderMessage(const sim::TraceRecord& r, Process& p) {
  const std::string type = Str(r, "type");
  const std::string who = Who(r.process);
  const uint64_t from = Num(r, "from");
  const uint64_t zxid = Num(r, "zxid");
  if (type == "FOLLOWERINFO" || type == "OBSERVERINFO") {
    if (type == "FOLLOWERINFO") p.follower_epochs[from] = zxid >> 32;
    return fmt::format("{} hears from {} ({}): its acceptedEpoch is {}.", who, Who(from), type, zxid >> 32);
  }
  if (type == "ACKEPOCH") {
    const std::string epoch = Str(r, "current_epoch");
    if (epoch == "-1") {
      return fmt::format("{} gets {}'s ACKEPOCH: it had accepted this epoch already, and its last zxid is {}.", who,
                         Who(from), Hex(zxid));
    }
    return fmt::format("{} gets {}'s ACKEPOCH: its last zxid is {} and its currentEpoch {}.", who, Who(from),
                       Hex(zxid), epoch);
  }
  if (type != "ACK") return "";
  if (EpochStart(zxid)) {
    if (p.phase != "SYNCHRONIZATION") return "";  // The ACK of UPTODATE.
    if (from <= voters_) p.newleader_acks.insert(from);
    const uint64_t n = p.newleader_acks.size() + (p.newleader_acks.contains(r.process) ? 0 : 1);
    return fmt::format("{} gets {}'s ACK of NEWLEADER: {} of the {} voters (itself included) now share its history; it needs {}.",
                       who, Who(from), n, voters_, majority_);
  }
  if (from > voters_) return "";  // Observers do not ACK proposals.
  const auto it = p.acks.find(zxid);
  if (it == p.acks.end()) {
    return fmt::format("{} gets {}'s ACK of {}, which it is no longer waiting for (already committed).", who,
                       Who(from), Hex(zxid));
  }
  it->second.insert(from);
  const uint64_t n = it->second.size();
  const std::string then = n >= majority_ ? "a majority, so it can commit (in zxid order)"
                                          : fmt::format("it waits for {} more", majority_ - n);
  return fmt::format("{} has ACKs of {} from {} of the {} voters ({}): {}.", who, Hex(zxid), n, voters_,
                     Ids(it->second), then);
}

std::string Narrator::LearnerMessage(const sim::TraceRecord& r, Process& p) {
  const std::string type = Str(r, "type");
  const std::string who = Who(r.process);
  const uint64_t zxid = Num(r, "zxid");
  if (type == "LEADERINFO") {
    const uint64_t epoch = zxid >> 32;
    if (epoch > p.accepted_epoch) {
      return fmt::format("{} learns the new epoch {} (LEADERINFO) and must write acceptedEpoch={} to disk before it answers, so that it never goes back to an older leader.",
                         who, epoch, epoch);
    }
    return fmt::format("{} learns the new epoch {} (LEADERINFO), which it has accepted already.", who, epoch);
  }
  if (type == "DIFF") return fmt::format("{} gets a DIFF: the txns it lacks (if any) follow as PROPOSAL and COMMIT pairs.", who);
  if (type == "TRUNC") return fmt::format("{} gets a TRUNC to {}: it must cut off every txn after it.", who, Hex(zxid));
  if (type == "SNAP") return fmt::format("{} gets a SNAP: the leader's whole tree at {} ({} bytes).", who, Hex(zxid), Num(r, "bytes"));
  if (type == "COMMIT" && p.phase == "SYNCHRONIZATION" && !p.newleader_seen) {
    p.sync_needed = std::max(p.sync_needed, zxid);
    return "";
  }
  if (type == "NEWLEADER") {
    p.newleader_seen = true;
    return fmt::format("{} gets NEWLEADER for epoch {}: before it ACKs, the synced txns must be on disk and then currentEpoch={} written.",
                       who, zxid >> 32, zxid >> 32);
  }
  if (type == "UPTODATE") return fmt::format("{} is up to date (UPTODATE): it starts serving its clients.", who);
  if (type == "PROPOSAL" && p.phase == "BROADCAST") {
    const std::string path = Str(r, "path");
    return fmt::format("{} gets PROPOSAL {} ({}{}): it logs it and ACKs once it is on disk.", who, Hex(zxid),
                       Str(r, "op"), path.empty() ? "" : " " + path);
  }
  return "";
}

std::string Narrator::SyncChoice(const sim::TraceRecord& r) {
  const std::string who = Who(r.process);
  const std::string mode = Str(r, "mode");
  const std::string why = Str(r, "why");
  const uint64_t learner = Num(r, "learner");
  const std::string peer_last = Str(r, "peer_last");
  const std::string zxid = Str(r, "zxid");
  const std::string txns = Plural(Num(r, "txns"), "txn");
  const std::string head = fmt::format("{} chooses {} for {}:", who, mode, Who(learner));
  if (why == "in sync") return fmt::format("{} its last zxid {} is the leader's own, so nothing is missing.", head, peer_last);
  if (mode == "TRUNC") {
    const std::string then = Num(r, "txns") == 0 ? "" : fmt::format(" (then {} follow)", txns);
    return fmt::format("{} {}'s last zxid {} is beyond {}, the last txn the leader has committed, so {} holds a txn that was never committed; it must cut its log back to {}{}.",
                       head, learner, peer_last, zxid, learner, zxid, then);
  }
  if (mode == "DIFF" && why == "from the txn log") {
    return fmt::format("{} its last zxid {} is older than the leader's committed log in memory, but the txn log on disk still has what follows: {} follow.",
                       head, peer_last, txns);
  }
  if (mode == "DIFF") {
    return fmt::format("{} its last zxid {} is in the leader's committed log, so it gets the {} after it.", head,
                       peer_last, txns);
  }
  if (why == "a TRUNC would cross an epoch") {
    return fmt::format("{} {} holds txns the leader never committed, but a TRUNC may not cut across an epoch, so it gets the whole tree at {}.",
                       head, learner, zxid);
  }
  return fmt::format("{} its last zxid {} is too far behind for a DIFF ({}), so it gets the whole tree at {}.", head,
                     peer_last, why, zxid);
}

std::string Narrator::EpochWrite(const sim::TraceRecord& r, Process& p) {
  const std::string who = Who(r.process);
  const std::string file = Str(r, "file");
  const uint64_t epoch = Num(r, "epoch");
  const bool durable = Str(r, "durable") == "true";
  if (file == "acceptedEpoch") {
    return durable ? fmt::format("{}'s acceptedEpoch={} is on disk: it will not follow a leader of an older epoch.", who, epoch)
                   : "";
  }
  if (durable) return fmt::format("{}'s currentEpoch={} is on disk.", who, epoch);
  if (p.state == "LEADING" || p.state == "LOOKING") return fmt::format("{} writes currentEpoch={}.", who, epoch);
  // A learner's currentEpoch is what its next vote claims (peerEpoch): it must not claim
  // txns that are not on its disk yet.
  if (p.sync_needed == 0) {
    return fmt::format("{} writes currentEpoch={}: this sync brought no committed txn that must reach the disk first.", who, epoch);
  }
  if (p.durable >= p.sync_needed) {
    return fmt::format("{} writes currentEpoch={} only now that the txns of its sync are on disk (through {}): its vote may then claim them.",
                       who, epoch, Hex(p.durable));
  }
  return fmt::format("{} writes currentEpoch={} before the txns of its sync are on disk (they go to {}, the disk has {}): a crash now would leave an epoch that claims txns the server lacks.",
                     who, epoch, Hex(p.sync_needed), Hex(p.durable));
}

std::string Narrator::Logged(const sim::TraceRecord& r, Process& p) {
  const std::string who = Who(r.process);
  const uint64_t first = Num(r, "first");
  const uint64_t last = Num(r, "last");
  p.durable = std::max(p.durable, last);
  const std::string range = first == last ? Hex(first) : fmt::format("{}..{}", Hex(first), Hex(last));
  if (p.state == "LEADING") {
    for (auto it = p.acks.lower_bound(first); it != p.acks.end() && it->first <= last; ++it) {
      it->second.insert(r.process);
    }
    return fmt::format("{} has logged {} on its own disk: that counts as its own ACK.", who, range);
  }
  if (p.state == "FOLLOWING" && p.phase == "BROADCAST") {
    return fmt::format("{} has logged {} on disk, so it ACKs to its leader.", who, range);
  }
  return fmt::format("{} has logged {} on disk.", who, range);
}

std::string Narrator::Commit(const sim::TraceRecord& r, Process& p) {
  const std::string who = Who(r.process);
  const uint64_t zxid = Num(r, "zxid");
  const std::set<uint64_t> acks = p.acks[zxid];
  p.acks.erase(zxid);
  const uint64_t n = acks.size();
  if (n < majority_) {
    return fmt::format("{} commits {} with ACKs from only {} of the {} voters ({}), fewer than the {} of a majority: a bug switch lets it commit without a quorum.",
                       who, Hex(zxid), n, voters_, Ids(acks), majority_);
  }
  return fmt::format("{} commits {}: {} of the {} voters have ACKed it ({}), a majority, and every txn before it is committed; it sends COMMIT.",
                     who, Hex(zxid), n, voters_, Ids(acks));
}

std::string Narrator::Drop(const sim::TraceRecord& r) const {
  const std::string type = Str(r, "type");
  const std::string reason = Str(r, "reason");
  // Election connections opened by the smaller sid are closed in favour of the other
  // one; the vote is sent again on it. Nothing to teach per message.
  if (type == "NOTIFICATION" && reason == "closed") return "";
  // A client retries until its server listens; its own operations say what became of them.
  if (type == "PING" || type.empty() || type == "CLIENT-REQUEST" || type == "CLIENT-REPLY") return "";
  const std::string zxid = r.Find("zxid") != nullptr ? " " + Str(r, "zxid") : "";
  return fmt::format("The {}{} from {} to {} is lost: {}.", type, zxid, Who(Num(r, "from")), Who(Num(r, "to")),
                     DropReason(reason));
}

void Narrator::TrackLogFile(const sim::TraceRecord& r, Process& p) {
  const std::string file = Str(r, "file");
  if (file.rfind("log.", 0) != 0) return;
  if (r.kind == "append") {
    ++p.log_appends[file];
  } else if (r.kind == "sync") {
    p.log_syncs[Num(r, "token")] = {file, p.log_appends[file]};
  } else if (const auto it = p.log_syncs.find(Num(r, "token")); it != p.log_syncs.end()) {
    uint64_t& synced = p.log_synced[it->second.first];
    synced = std::max(synced, it->second.second);
    p.log_syncs.erase(it);
    // Every append to the txn log is durable: so is every txn applied so far, since a
    // learner appends a synced txn before it applies it.
    bool all = true;
    for (const auto& [f, n] : p.log_appends) all = all && p.log_synced[f] >= n;
    if (all) p.durable = std::max(p.durable, p.applied);
  }
}

void NarrationSink::Write(const sim::TraceRecord& record) {
  lines_.clear();
  narrator_.Narrate(record, lines_);
  for (const std::string& line : lines_) fmt::print(out_, "{}\n", line);
}

}  // namespace zabsim::runner

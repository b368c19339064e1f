// File: runner/narrate.h
//
// Narrator explains a run to a student, one plain sentence per step, each saying why
// the step is taken:
//
//      0.001 server 2 adopts server 3's vote (sent by server 3): its sid 3 is higher than 2, at equal peerEpoch 0 and zxid 0x0.
//      0.606 server 2 chooses TRUNC for server 3: 3's last zxid 0x100000003 is beyond 0x100000002, ...
//      0.651 server 2 commits 0x200000001: 2 of 3 voters have ACKed it (1, 2), a majority.
//
// Phase and role changes get a heading line ("=== server 3: LEADING, DISCOVERY ===").
//
// It is one more renderer over the trace records (docs/trace-format.md), like the text
// and JSON Lines forms and the scenario lines: it reads the records and nothing else, so
// it can never disagree with them. Where a record does not say why (a vote record says
// that a vote was adopted, not which field decided), the narrator derives it from earlier
// records: the server's previous vote, the notification it just received, the ACKs the
// leader has received. docs/teaching.md lists what it derives and how.

#ifndef ZABSIM_RUNNER_NARRATE_H_
#define ZABSIM_RUNNER_NARRATE_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/trace.h"

namespace zabsim::runner {

class Narrator {
 public:
  // `voters`: servers 1..voters vote; then observers up to `servers`; later processes
  // are clients (c1, c2, ...).
  // `quorum` is Config::QuorumSize(): how many voters make a majority here.
  Narrator(uint32_t voters, uint32_t quorum, uint32_t servers);

  // Narrate appends the lines that explain `r`, each prefixed with the time in seconds.
  // Many records add nothing (timers, fsync requests, connections, PINGs).
  void Narrate(const sim::TraceRecord& r, std::vector<std::string>& out);

 private:
  struct Vote {
    uint64_t leader = 0;
    uint64_t zxid = 0;
    uint64_t epoch = 0;
    uint64_t round = 0;
    bool known = false;
  };
  // What one process looks like to the narrator, from the records so far. Reset when it
  // crashes: a restarted server starts from its disk.
  struct Process {
    std::string state;
    std::string phase;
    uint64_t accepted_epoch = 0;
    Vote vote;          // Its current proposal.
    Vote initial;       // Its own vote of the round (sid, last zxid, currentEpoch).
    Vote heard;         // The last notification it received.
    uint64_t heard_from = 0;
    std::map<uint64_t, uint64_t> follower_epochs;  // Leader: FOLLOWERINFO acceptedEpochs.
    std::set<uint64_t> newleader_acks;             // Leader: voters that acked NEWLEADER.
    std::map<uint64_t, std::set<uint64_t>> acks;   // Leader: ACKing voters, by zxid.
    uint64_t sync_needed = 0;   // Learner: the last txn its sync must make durable.
    uint64_t durable = 0;       // The last zxid logged or snapshotted since its start.
    uint64_t applied = 0;       // The last zxid applied to its tree.
    // Txn log writes not through the log pipeline (a learner at NEWLEADER appends and
    // fsyncs itself, with no `logged` record): appends and synced appends, by file, and
    // what each fsync token covers.
    std::map<std::string, uint64_t> log_appends;
    std::map<std::string, uint64_t> log_synced;
    std::map<uint64_t, std::pair<std::string, uint64_t>> log_syncs;
    bool newleader_seen = false;
    std::string last_kind;  // The kind of its previous record.
  };

  std::string Who(uint64_t process) const;
  std::string Sentence(const sim::TraceRecord& r);
  std::string Message(const sim::TraceRecord& r, Process& p);
  std::string LeaderMessage(const sim::TraceRecord& r, Process& p);
  std::string LearnerMessage(const sim::TraceRecord& r, Process& p);
  std::string StateChange(const sim::TraceRecord& r, Process& p, std::vector<std::string>& out);
  std::string VoteChange(const sim::TraceRecord& r, Process& p);
  std::string SyncChoice(const sim::TraceRecord& r);
  std::string EpochWrite(const sim::TraceRecord& r, Process& p);
  std::string Logged(const sim::TraceRecord& r, Process& p);
  std::string Commit(const sim::TraceRecord& r, Process& p);
  std::string Drop(const sim::TraceRecord& r) const;
  static void TrackLogFile(const sim::TraceRecord& r, Process& p);
  std::string Ids(const std::set<uint64_t>& ids) const;

  uint32_t voters_;
  uint32_t servers_;
  uint32_t majority_;
  std::map<uint64_t, Process> processes_;
};

// NarrationSink prints the narration of every record it receives (zabsim sim --narrate).
class NarrationSink final : public sim::TraceSink {
 public:
  // REQUIRES: `out` stays open while the sink is attached. Not owned.
  NarrationSink(std::FILE* out, uint32_t voters, uint32_t quorum, uint32_t servers)
      : out_(out), narrator_(voters, quorum, servers) {}
  void Write(const sim::TraceRecord& record) override;

 private:
  std::FILE* out_;
  Narrator narrator_;
  std::vector<std::string> lines_;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_NARRATE_H_

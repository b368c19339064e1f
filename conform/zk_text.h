// File: conform/zk_text.h
//
// What ZooKeeper 3.8 prints, read: the `srvr` four-letter word, the LearnerHandler lines
// of a server's log4j log (which sync mode the leader chose for whom), and the output of
// ZooKeeper's Java CLI (ZooKeeperMain). Pure text functions, tested on ZooKeeper's own
// words in tests/conform/conform_test.cc.

#ifndef ZABSIM_CONFORM_ZK_TEXT_H_
#define ZABSIM_CONFORM_ZK_TEXT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "conform/observation.h"

namespace zabsim::conform {

struct Srvr {
  std::string mode;  // leading, following, looking (not serving), down.
  std::string zxid;  // Empty unless serving.
};

// ParseSrvr reads a `srvr` answer ("Zxid: 0x100000003", "Mode: follower"). A server that
// is not serving answers "This ZooKeeper instance is not currently serving requests".
Srvr ParseSrvr(std::string_view answer);
// ZxidEpoch is the epoch of a zxid as srvr prints it ("0x200000003" -> 2), its high 32
// bits; 0 for anything else.
uint64_t ZxidEpoch(std::string_view zxid);
// ZxidValue reads a zxid as ZooKeeper prints it ("0x200000003"); 0 for anything else.
uint64_t ZxidValue(std::string_view zxid);

// SyncLogReader follows one server's log, line by line, across its restarts.
class SyncLogReader {
 public:
  // Line reads one log line (pattern "%d{ISO8601} %-5p [%t:%C{1}@%L] - %m"); a sync
  // decision it completes is appended to `out`.
  void Line(std::string_view line, std::vector<SyncRecord>& out);

 private:
  struct Learner {
    uint32_t sid = 0;
    uint64_t peer_zxid = 0;       // peerLastZxid
    uint64_t leader_zxid = 0;     // lastProcessedZxid, the leader's
  };
  std::map<std::string, Learner, std::less<>> learner_of_thread_;  // LearnerHandler thread -> learner.
  bool established_ = false;  // Leading an established epoch, as far as the log says.
};

// CliNoise: a line of ZooKeeperMain's output that answers no command (banners, watcher
// events).
bool CliNoise(std::string_view line);
// CliErrorCode maps the CLI's error messages to ZooKeeper's codes as zabsim names them
// (NONODE, NODEEXISTS, BADVERSION, NOTEMPTY, CONNECTIONLOSS, ...); empty for no error.
std::string CliErrorCode(const std::vector<std::string>& lines);
// CliField finds "NAME = VALUE" in `stat` output ("?" if absent).
std::string CliField(const std::vector<std::string>& lines, std::string_view name);
// CliGetValue reads the output of `get -s PATH` as "DATA (mzxid 0x...)", or an error code.
std::string CliGetValue(const std::vector<std::string>& lines);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_ZK_TEXT_H_

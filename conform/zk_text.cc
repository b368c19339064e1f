#include "conform/zk_text.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

namespace zabsim::conform {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// FieldZxid reads "NAME0x..." in a log message (0 if absent).
uint64_t FieldZxid(std::string_view message, std::string_view name) {
  const size_t at = message.find(name);
  if (at == std::string_view::npos) return 0;
  std::string_view v = message.substr(at + name.size());
  v = v.substr(0, v.find(' '));
  return ZxidValue(v);
}

}  // namespace

uint64_t ZxidValue(std::string_view zxid) {
  if (!StartsWith(zxid, "0x") || zxid.size() < 3 || zxid.size() > 18) return 0;
  uint64_t v = 0;
  for (const char c : zxid.substr(2)) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    v = v * 16 + static_cast<uint64_t>(digit);
  }
  return v;
}

Srvr ParseSrvr(std::string_view answer) {
  Srvr r{"looking", ""};
  while (!answer.empty()) {
    const size_t nl = answer.find('\n');
    std::string_view line = answer.substr(0, nl);
    answer = nl == std::string_view::npos ? std::string_view() : answer.substr(nl + 1);
    if (StartsWith(line, "Mode: ")) {
      line.remove_prefix(6);
      r.mode = line == "leader" ? "leading" : line == "follower" ? "following" : std::string(line);
    } else if (StartsWith(line, "Zxid: ")) {
      r.zxid = std::string(line.substr(6));
    }
  }
  if (r.mode == "looking") r.zxid.clear();
  return r;
}

uint64_t ZxidEpoch(std::string_view zxid) { return ZxidValue(zxid) >> 32; }

// The lines that matter, from ZooKeeper 3.8:
//   [QuorumPeer[myid=3](plain=...)(secure=disabled):QuorumPeer@1549] - LEADING
//   [QuorumPeer[myid=3]...:Leader@1519] - Have quorum of supporters, sids: [[1, 3]]; starting up ...
//   [LearnerHandler-/127.0.0.1:53832:LearnerHandler@805] - Synchronizing with Learner sid: 1 ...
//   [LearnerHandler-/127.0.0.1:53832:LearnerHandler@850] - Sending DIFF zxid=0x0 for peer sid: 1
//   ... - Sending TRUNC zxid=0x... for peer sid: 1   (or "Sending TRUNC to follower ...")
//   ... - Sending snapshot last zxid of peer is 0x..., zxid of leader is 0x..., ...
// The sid of a SNAP comes from the Synchronizing line of the same handler thread.
void SyncLogReader::Line(std::string_view line, std::vector<SyncRecord>& out) {
  const size_t bracket = line.find(" [");
  const size_t dash = line.find("] - ", bracket == std::string_view::npos ? 0 : bracket);
  if (bracket == std::string_view::npos || dash == std::string_view::npos) return;
  const std::string_view message = line.substr(dash + 4);
  if (message == "LEADING") established_ = false;  // A new leadership starts.
  if (StartsWith(message, "Have quorum of supporters")) established_ = true;
  std::string_view thread = line.substr(bracket + 2, dash - bracket - 2);
  if (!StartsWith(thread, "LearnerHandler-")) return;
  thread = thread.substr(0, thread.rfind(':'));  // Drop ":LearnerHandler@LINE".
  if (StartsWith(message, "Synchronizing with Learner sid: ")) {
    Learner& l = learner_of_thread_[std::string(thread)];
    l.sid = static_cast<uint32_t>(std::atoi(std::string(message.substr(32)).c_str()));
    l.peer_zxid = FieldZxid(message, "peerLastZxid=");
    l.leader_zxid = FieldZxid(message, "lastProcessedZxid=");
    return;
  }
  const auto it = learner_of_thread_.find(thread);
  if (it == learner_of_thread_.end()) return;
  std::string mode;
  if (StartsWith(message, "Sending DIFF")) mode = "DIFF";
  if (StartsWith(message, "Sending TRUNC")) mode = "TRUNC";
  if (StartsWith(message, "Sending snapshot")) mode = "SNAP";
  if (mode.empty()) return;
  // LearnerHandler.syncFollower's first case: the learner has the leader's last
  // processed zxid, and gets a DIFF of nothing.
  const Learner& l = it->second;
  // "Sending TRUNC zxid=0x..." or "Sending TRUNC to follower zxidToSend=0x..."; a SNAP's
  // zxid is the leader's.
  uint64_t zxid = mode == "SNAP" ? l.leader_zxid : FieldZxid(message, "zxid=");
  if (zxid == 0) zxid = FieldZxid(message, "zxidToSend=");
  out.push_back(SyncRecord{l.sid, mode, established_, l.peer_zxid, mode == "DIFF" && l.peer_zxid == l.leader_zxid, zxid,
                           std::string(line.substr(0, std::min<size_t>(bracket, 23)))});
  learner_of_thread_.erase(it);  // One decision per sync.
}

bool CliNoise(std::string_view l) {
  return l.empty() || l == "WATCHER::" || StartsWith(l, "WatchedEvent ") || StartsWith(l, "Connecting to ") ||
         l == "Welcome to ZooKeeper!" || l == "JLine support is disabled";
}

std::string CliErrorCode(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) {
    if (Contains(l, "ConnectionLoss")) return "CONNECTIONLOSS";
    if (Contains(l, "Node does not exist") || Contains(l, "NoNode")) return "NONODE";
    if (Contains(l, "Node already exists") || Contains(l, "NodeExists")) return "NODEEXISTS";
    if (Contains(l, "BadVersion") || Contains(l, "version No is not valid")) return "BADVERSION";
    if (Contains(l, "Node not empty") || Contains(l, "NotEmpty")) return "NOTEMPTY";
    if (Contains(l, "SessionExpired")) return "SESSIONEXPIRED";
    if (Contains(l, "Exception")) return l;
  }
  return "";
}

std::string CliField(const std::vector<std::string>& lines, std::string_view name) {
  const std::string prefix = fmt::format("{} = ", name);
  for (const std::string& l : lines) {
    if (StartsWith(l, prefix)) return l.substr(prefix.size());
  }
  return "?";
}

std::string CliGetValue(const std::vector<std::string>& lines) {
  if (std::string e = CliErrorCode(lines); !e.empty()) return e;
  if (lines.empty()) return "no answer";
  // The data comes first ("null" for none), then the stat.
  const std::string data = lines[0] == "null" ? "" : lines[0];
  return fmt::format("{} (mzxid {})", data, CliField(lines, "mZxid"));
}

}  // namespace zabsim::conform

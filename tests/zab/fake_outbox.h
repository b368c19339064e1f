// File: tests/zab/fake_outbox.h
//
// A recording zab::Outbox for unit tests, and a small harness that drives one Peer
// against it. The fake does nothing on its own: it never completes an fsync, never
// establishes a connection and never fires a timer. The test plays the environment and
// the other servers: it accepts or completes connections (OnAccepted / OnConnected),
// delivers messages, fires timers and completes fsyncs, one input at a time, and then
// checks what the peer asked for.
//
//   PeerHarness h(TestConfig(3), /*sid=*/1, MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
//   h.peer.Start();
//   const ConnId conn = h.out.Accept(PeerId{3}, Channel::kElection);
//   h.peer.OnAccepted(conn, PeerId{3}, Channel::kElection);
//   h.Deliver(conn, Notification{...});
//   EXPECT_THAT(h.out.Events<ElectionDecided>(), SizeIs(1));
//
// Contract kept from the real world (docs/world.md): a file change is in Files() at once
// but durable only when the test completes a Sync; a timer set with delay
// d fires only when the test says so (helpers fire by predicate, e.g. by delay); Exit
// halts the peer, which must not be used afterwards.

#ifndef ZABSIM_TESTS_ZAB_FAKE_OUTBOX_H_
#define ZABSIM_TESTS_ZAB_FAKE_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "base/check.h"
#include "zab/config.h"
#include "zab/data_tree.h"
#include "zab/events.h"
#include "zab/messages.h"
#include "zab/outbox.h"
#include "zab/peer.h"
#include "zab/releases.h"
#include "zab/storage.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab::testing {

class FakeOutbox final : public Outbox {
 public:
  // Connection is one connection of the peer under test, opened by it (Connect) or by
  // the other side (Accept).
  struct Connection {
    ConnId id;
    PeerId peer;
    Channel channel = Channel::kElection;
    bool outgoing = false;
    bool open = true;
    std::vector<Message> sent;  // What the peer sent on it, in order.
  };
  struct Timer {
    TimerId id;
    uint64_t tag = 0;
    int64_t delay_ms = 0;
    uint64_t seq = 0;  // When it was set, on the fake's call counter (see seq()).
    bool cancelled = false;
    bool fired = false;
    bool pending() const { return !cancelled && !fired; }
  };
  struct PendingSync {
    SyncToken token;
    std::string file;
    bool done = false;
  };
  struct ScheduledStep {
    Thread thread;
    uint32_t instance = 0;
    uint64_t tag = 0;
  };

  // `disk` is what the peer finds at start-up: its Files.
  explicit FakeOutbox(DiskContents disk = {}) : disk_(std::move(disk)) {}

  // --- zab::Outbox ---------------------------------------------------------------------

  ConnId Connect(PeerId to, Channel channel) override {
    ++seq_;
    const ConnId id{next_conn_++};
    conns_.emplace(id.value, Connection{id, to, channel, /*outgoing=*/true});
    return id;
  }
  void Send(ConnId conn, Message message) override {
    ++seq_;
    Connection& c = Mutable(conn);
    // A send on a connection the peer closed itself is a peer bug; kept, and counted.
    if (!c.open) ++sends_after_close_;
    c.sent.push_back(std::move(message));
  }
  void Close(ConnId conn) override {
    ++seq_;
    Mutable(conn).open = false;
  }
  void Listen(Channel channel, bool listening) override {
    ++seq_;
    listening_[channel] = listening;
  }
  TimerId SetTimer(int64_t delay_ms, uint64_t tag) override {
    ++seq_;
    ZABSIM_CHECK(delay_ms >= 0);
    const TimerId id{next_timer_++};
    timers_.push_back(Timer{id, tag, delay_ms, seq_});
    return id;
  }
  void CancelTimer(TimerId timer) override {
    ++seq_;
    for (Timer& t : timers_) {
      if (t.id == timer) t.cancelled = true;
    }
  }
  void Schedule(Thread thread, uint32_t instance, uint64_t tag, std::string_view /*step*/) override {
    ++seq_;
    steps_.push_back(ScheduledStep{thread, instance, tag});
  }
  const DiskContents& Files() const override { return disk_; }
  void Append(std::string_view file, std::string record, uint64_t) override {
    ++seq_;
    disk_[std::string(file)].push_back(std::move(record));
  }
  void TruncateTo(std::string_view file, uint64_t records) override {
    ++seq_;
    std::vector<std::string>& f = disk_[std::string(file)];
    if (f.size() > records) f.resize(records);
  }
  bool Replace(std::string_view file, std::vector<std::string> records) override {
    ++seq_;
    disk_[std::string(file)] = std::move(records);
    return true;
  }
  void Remove(std::string_view file) override {
    ++seq_;
    if (auto it = disk_.find(file); it != disk_.end()) disk_.erase(it);
  }
  SyncToken Sync(std::string_view file) override {
    ++seq_;
    const SyncToken token{next_sync_++};
    syncs_.push_back(PendingSync{token, std::string(file)});
    return token;
  }
  void Emit(const Event& event) override {
    ++seq_;
    events_.push_back(event);
  }
  // Cover counts the mark; it is not a call the peer's behaviour may depend on, so it
  // leaves seq() alone.
  void Cover(Mark mark) override { coverage_.Hit(mark); }
  void Exit(std::string_view reason) override {
    ++seq_;
    exit_reason_ = std::string(reason);
  }

  // --- Connections ---------------------------------------------------------------------

  // Accept makes up a connection opened by `from`; pass it to Peer::OnAccepted.
  ConnId Accept(PeerId from, Channel channel) {
    const ConnId id{next_conn_++};
    conns_.emplace(id.value, Connection{id, from, channel, /*outgoing=*/false});
    return id;
  }
  const Connection& conn(ConnId id) const {
    const auto it = conns_.find(id.value);
    ZABSIM_CHECK(it != conns_.end(), "unknown connection {}", id.value);
    return it->second;
  }
  // Connects lists the connections the peer opened to `to` on `channel`, oldest first.
  std::vector<ConnId> Connects(PeerId to, Channel channel) const {
    std::vector<ConnId> out;
    for (const auto& [id, c] : conns_) {
      if (c.outgoing && c.peer == to && c.channel == channel) out.push_back(c.id);
    }
    return out;
  }
  // LastConnect is the newest connection the peer opened to `to` on `channel`.
  std::optional<ConnId> LastConnect(PeerId to, Channel channel) const {
    const std::vector<ConnId> all = Connects(to, channel);
    if (all.empty()) return std::nullopt;
    return all.back();
  }

  // --- Messages ------------------------------------------------------------------------

  // Packets returns the quorum packets sent on `conn`, of `type` only if given.
  std::vector<QuorumPacket> Packets(ConnId id,
                                    std::optional<PacketType> type = std::nullopt) const {
    std::vector<QuorumPacket> out;
    for (const Message& m : conn(id).sent) {
      const auto* p = std::get_if<QuorumPacket>(&m);
      if (p != nullptr && (!type || p->type == *type)) out.push_back(*p);
    }
    return out;
  }
  // PacketTypes lists the types of the quorum packets sent on `conn`, in order.
  std::vector<PacketType> PacketTypes(ConnId id) const {
    std::vector<PacketType> out;
    for (const QuorumPacket& p : Packets(id)) out.push_back(p.type);
    return out;
  }
  std::vector<Notification> Notifications(ConnId id) const {
    std::vector<Notification> out;
    for (const Message& m : conn(id).sent) {
      if (const auto* n = std::get_if<Notification>(&m)) out.push_back(*n);
    }
    return out;
  }
  // NotificationsTo gathers the notifications sent to `sid` over every election
  // connection with it, in connection order.
  std::vector<Notification> NotificationsTo(PeerId sid) const {
    std::vector<Notification> out;
    for (const auto& [id, c] : conns_) {
      if (c.peer != sid || c.channel != Channel::kElection) continue;
      for (const Notification& n : Notifications(c.id)) out.push_back(n);
    }
    return out;
  }
  std::optional<Notification> LastNotificationTo(PeerId sid) const {
    const std::vector<Notification> all = NotificationsTo(sid);
    if (all.empty()) return std::nullopt;
    return all.back();
  }

  // --- Timers --------------------------------------------------------------------------

  const std::vector<Timer>& timers() const { return timers_; }
  std::vector<Timer> PendingTimers() const {
    std::vector<Timer> out;
    for (const Timer& t : timers_) {
      if (t.pending()) out.push_back(t);
    }
    return out;
  }
  std::optional<Timer> FindPendingTimer(const std::function<bool(const Timer&)>& pred) const {
    for (const Timer& t : timers_) {
      if (t.pending() && pred(t)) return t;
    }
    return std::nullopt;
  }
  // TakeTimer marks the oldest pending timer matching `pred` as fired and returns its
  // tag; the test then calls Peer::OnTimer(tag).
  std::optional<uint64_t> TakeTimer(const std::function<bool(const Timer&)>& pred) {
    for (Timer& t : timers_) {
      if (t.pending() && pred(t)) {
        t.fired = true;
        return t.tag;
      }
    }
    return std::nullopt;
  }

  // --- Steps ---------------------------------------------------------------------------

  // TakeStep removes the oldest scheduled step (of `thread`, if given) and returns its
  // tag; the test then calls Peer::OnStep(tag).
  std::optional<uint64_t> TakeStep(std::optional<Thread> thread = std::nullopt) {
    for (auto it = steps_.begin(); it != steps_.end(); ++it) {
      if (thread && it->thread != *thread) continue;
      const uint64_t tag = it->tag;
      steps_.erase(it);
      return tag;
    }
    return std::nullopt;
  }
  const std::vector<ScheduledStep>& steps() const { return steps_; }

  // --- Disk ----------------------------------------------------------------------------

  // The files as the peer changed them since the fake was built (synced or not).
  const DiskContents& disk() const { return disk_; }
  std::vector<PendingSync> PendingSyncs() const {
    std::vector<PendingSync> out;
    for (const PendingSync& s : syncs_) {
      if (!s.done) out.push_back(s);
    }
    return out;
  }
  // TakeSyncsThrough marks as done, in order, every pending sync up to and including the
  // oldest one of a file matching `pred`, and returns their tokens (empty if none
  // matches): fsyncs complete in the order they were asked for (docs/world.md). The
  // test then calls Peer::OnSynced for each.
  std::vector<SyncToken> TakeSyncsThrough(const std::function<bool(std::string_view)>& pred) {
    std::vector<SyncToken> tokens;
    for (const PendingSync& s : syncs_) {
      if (s.done) continue;
      tokens.push_back(s.token);
      if (pred(s.file)) {
        for (PendingSync& done : syncs_) {
          if (done.token <= s.token) done.done = true;
        }
        return tokens;
      }
    }
    return {};
  }

  // --- Events, ports, exit -------------------------------------------------------------

  const std::vector<Event>& events() const { return events_; }
  const Coverage& coverage() const { return coverage_; }
  template <typename T>
  std::vector<T> Events() const {
    std::vector<T> out;
    for (const Event& e : events_) {
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }
  std::optional<bool> listening(Channel channel) const {
    const auto it = listening_.find(channel);
    if (it == listening_.end()) return std::nullopt;
    return it->second;
  }
  bool exited() const { return exit_reason_.has_value(); }
  std::string exit_reason() const { return exit_reason_.value_or(""); }

  // seq counts every Outbox call so far: a test notes it before an input and compares
  // it with Timer::seq to tell whether a timer was set before or after that input.
  uint64_t seq() const { return seq_; }
  // Sends on a connection after the peer closed it (PeerHarness expects none).
  int sends_after_close() const { return sends_after_close_; }

 private:
  Connection& Mutable(ConnId id) {
    const auto it = conns_.find(id.value);
    ZABSIM_CHECK(it != conns_.end(), "unknown connection {}", id.value);
    return it->second;
  }

  uint64_t seq_ = 0;
  int sends_after_close_ = 0;
  uint64_t next_conn_ = 1;
  uint64_t next_timer_ = 1;
  uint64_t next_sync_ = 1;
  std::map<uint64_t, Connection> conns_;
  std::vector<Timer> timers_;
  std::vector<PendingSync> syncs_;
  std::vector<ScheduledStep> steps_;
  DiskContents disk_;
  std::vector<Event> events_;
  Coverage coverage_;
  std::map<Channel, bool> listening_;
  std::optional<std::string> exit_reason_;
};

// --- Building blocks ---------------------------------------------------------------------

inline Zxid Z(uint32_t epoch, uint32_t counter) { return Zxid::Make(Epoch{epoch}, counter); }

// TestConfig is ZooKeeper's timing with one change: finalize_wait_ms differs from every
// other delay the peer uses, so that a test can tell the finalize timer by its delay.
// The release is master with its open bugs fixed.
inline Config TestConfig(uint32_t voters, uint32_t observers = 0) {
  Config config;
  // ZAB as it should be: a test turns a bug's switch on itself.
  ZABSIM_CHECK(UseRelease(config, "master+fixes").ok());
  config.voters = voters;
  config.observers = observers;
  config.finalize_wait_ms = 170;
  return config;
}

// TxnAt is a create of a node named after the zxid (so every txn succeeds).
inline Txn TxnAt(Zxid zxid) {
  return Txn{.zxid = zxid,
             .session = 0,
             .cxid = zxid.counter(),
             .op = Op{.type = OpType::kCreate, .path = "/n" + ToString(zxid), .data = "d"}};
}
// Txns returns the txns (epoch, first) .. (epoch, last).
inline std::vector<Txn> Txns(uint32_t epoch, uint32_t first, uint32_t last) {
  std::vector<Txn> out;
  for (uint32_t c = first; c <= last; ++c) out.push_back(TxnAt(Z(epoch, c)));
  return out;
}

// MakeDisk is what a server finds at start-up: both epoch files and a log segment.
inline DiskContents MakeDisk(Epoch accepted, Epoch current, const std::vector<Txn>& log) {
  DiskContents disk;
  disk[std::string(kAcceptedEpochFile)] = {EncodeEpoch(accepted)};
  disk[std::string(kCurrentEpochFile)] = {EncodeEpoch(current)};
  if (!log.empty()) {
    std::vector<std::string>& segment = disk[LogSegmentName(log.front().zxid)];
    for (const Txn& t : log) segment.push_back(EncodeTxn(t));
  }
  return disk;
}

// LoggedZxids reads back every txn of every log segment in `disk`, in file order.
inline std::vector<Zxid> LoggedZxids(const DiskContents& disk) {
  std::vector<Zxid> out;
  for (const auto& [name, records] : disk) {
    if (!ParseSegmentName(name)) continue;
    for (const std::string& r : records) {
      const absl::StatusOr<Txn> t = DecodeTxn(r);
      ZABSIM_CHECK(t.ok(), "bad log record in {}", name);
      out.push_back(t->zxid);
    }
  }
  return out;
}

inline QuorumPacket Packet(PacketType type, Zxid zxid = Zxid{}, int64_t number = 0) {
  QuorumPacket p;
  p.type = type;
  p.zxid = zxid;
  p.number = number;
  return p;
}
inline QuorumPacket ProposalOf(const Txn& txn) {
  QuorumPacket p = Packet(PacketType::kProposal, txn.zxid);
  p.txn = std::make_shared<const Txn>(txn);
  return p;
}
// TreeOf is the data tree after `txns`, as a leader or a snapshot file would hold it.
inline DataTree TreeOf(const std::vector<Txn>& txns) {
  DataTree tree;
  for (const Txn& t : txns) tree.Apply(t);
  return tree;
}
// SnapOf is the SNAP packet of `tree` at `zxid`.
inline QuorumPacket SnapOf(const DataTree& tree, Zxid zxid) {
  QuorumPacket p = Packet(PacketType::kSnap, zxid);
  p.snapshot = std::make_shared<const std::string>(tree.Serialize());
  return p;
}
inline QuorumPacket RequestOf(uint64_t session, uint64_t cxid, std::string path) {
  QuorumPacket p = Packet(PacketType::kRequest, Zxid{});
  p.request = std::make_shared<const Request>(
      Request{session, cxid, Op{.type = OpType::kCreate, .path = std::move(path), .data = "x"}});
  return p;
}

// --- PeerHarness -------------------------------------------------------------------------

// PeerHarness is one Peer over a FakeOutbox (the fake outlives the peer), with helpers
// that turn the fake's records into the peer's inputs.
struct PeerHarness {
  PeerHarness(const Config& c, uint32_t sid, DiskContents disk = {}, uint64_t seed = 7)
      : config(c), out(std::move(disk)), peer(c, PeerId{sid}, seed, &out) {}
  ~PeerHarness() {
    EXPECT_EQ(out.sends_after_close(), 0) << "the peer sent on a closed connection";
  }
  PeerHarness(const PeerHarness&) = delete;
  PeerHarness& operator=(const PeerHarness&) = delete;

  // Deliver hands the peer a message, then lets every thread step it asked for run (the
  // threads get a CPU at once); a test that wants to see the state between the two calls
  // peer.OnMessage and RunSteps itself. FireTimer and CompleteSync do the same.
  void Deliver(ConnId conn, Message message) {
    peer.OnMessage(conn, std::move(message));
    RunSteps();
  }
  // hold_steps: while true, Deliver, FireTimer and CompleteSync leave the threads' steps
  // for the test to run (RunSteps), as when their threads wait for a CPU.
  bool hold_steps = false;

  // RunSteps runs scheduled steps, oldest first (of `thread` only, if given), until none
  // is left: the threads get a CPU at once, one after the other.
  int RunSteps(std::optional<Thread> thread = std::nullopt) {
    if (hold_steps && !running_held_) return 0;
    int ran = 0;
    while (ran < 100000) {
      const std::optional<uint64_t> tag = out.TakeStep(thread);
      if (!tag) break;
      peer.OnStep(*tag);
      ++ran;
    }
    ZABSIM_CHECK(ran < 100000, "steps keep coming");
    return ran;
  }
  // RunHeldSteps runs the held steps (of `thread` only, if given).
  int RunHeldSteps(std::optional<Thread> thread = std::nullopt) {
    running_held_ = true;
    const int ran = RunSteps(thread);
    running_held_ = false;
    return ran;
  }
  bool running_held_ = false;

  // FireTimer fires the oldest pending timer matching `pred`; false if there is none.
  bool FireTimer(const std::function<bool(const FakeOutbox::Timer&)>& pred) {
    const std::optional<uint64_t> tag = out.TakeTimer(pred);
    if (!tag) return false;
    peer.OnTimer(*tag);
    RunSteps();
    return true;
  }
  bool FireTimerWithDelay(int64_t delay_ms) {
    return FireTimer([delay_ms](const FakeOutbox::Timer& t) { return t.delay_ms == delay_ms; });
  }
  // RunZeroDelayTimers fires zero-delay timers (FLE's loopback) until none is left.
  int RunZeroDelayTimers() {
    int fired = 0;
    while (fired < 1000 && FireTimerWithDelay(0)) ++fired;
    ZABSIM_CHECK(fired < 1000, "zero-delay timers keep coming");
    return fired;
  }

  // CompleteSync completes the oldest pending fsync of a file matching `pred`, and every
  // fsync asked for before it (they complete in order).
  bool CompleteSync(const std::function<bool(std::string_view)>& pred) {
    const std::vector<SyncToken> tokens = out.TakeSyncsThrough(pred);
    for (const SyncToken token : tokens) peer.OnSynced(token);
    RunSteps();
    return !tokens.empty();
  }
  bool CompleteSyncOf(std::string_view file) {
    return CompleteSync([file](std::string_view f) { return f == file; });
  }
  bool CompleteLogSync() {
    return CompleteSync([](std::string_view f) { return ParseSegmentName(f).has_value(); });
  }
  // CompleteAllSyncs completes pending fsyncs, oldest first, until none is left.
  int CompleteAllSyncs() {
    int done = 0;
    while (done < 1000 && CompleteSync([](std::string_view) { return true; })) ++done;
    ZABSIM_CHECK(done < 1000, "fsyncs keep coming");
    return done;
  }

  // ElectionLink returns a live election connection with `sid`, as QuorumCnxManager
  // keeps it: the one the larger sid opened. REQUIRES: the peer has started looking.
  ConnId ElectionLink(uint32_t sid) {
    if (const auto it = election_links.find(sid); it != election_links.end()) return it->second;
    ConnId conn;
    if (sid < peer.self().value) {
      const std::optional<ConnId> mine = out.LastConnect(PeerId{sid}, Channel::kElection);
      ZABSIM_CHECK(mine.has_value(), "peer {} never connected to {}", peer.self().value, sid);
      conn = *mine;
      peer.OnConnected(conn);
    } else {
      conn = out.Accept(PeerId{sid}, Channel::kElection);
      peer.OnAccepted(conn, PeerId{sid}, Channel::kElection);
    }
    election_links[sid] = conn;
    return conn;
  }
  void Notify(uint32_t from, const Notification& n) { Deliver(ElectionLink(from), n); }

  Config config;
  FakeOutbox out;
  Peer peer;
  std::map<uint32_t, ConnId> election_links;
};

}  // namespace zabsim::zab::testing

#endif  // ZABSIM_TESTS_ZAB_FAKE_OUTBOX_H_

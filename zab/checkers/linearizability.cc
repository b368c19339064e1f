// File: zab/checkers/linearizability.cc
//
// The client-history checks of linearizability.h. The FIFO check runs as events come;
// Finish builds one history per key and runs the Wing & Gong search on each, as
// Porcupine's checkSingle does: the call and return events of the key's ops form a linked
// list in time order; the search repeatedly linearizes a call that comes before every
// pending return (lifting it and its return out of the list) and backtracks when a return
// is reached whose call could not be placed. Lowe's cache of (linearized set, state)
// keeps it from exploring the same configuration twice.
//
// Refinements for ops with an unknown outcome, which never return and so may always go
// last: they are kept out of the list, in groups of interchangeable ops placed in call
// order (Normalize); once only they are left, the history is linearizable; one is never
// placed where it would change nothing; a configuration that differs from one already
// found to fail only by having placed more of them (in the same state) is skipped; and
// they are tried only after every op of known outcome, so that the smaller
// configurations, which prune the larger, come first.

#include "zab/checkers/linearizability.h"

#include <algorithm>
#include <set>
#include <span>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "base/hash.h"

namespace zabsim::zab::checkers {
namespace {

// Strings is the checker's table of interned strings (ClientCall's indices).
using Strings = std::deque<std::string>;

// kUnread is the data id of the stand-in for data no read of the key returned (Normalize):
// no interned string has it.
constexpr uint32_t kUnread = UINT32_MAX;

// HistoryOp is one op of a key's history. A sync-then-read is one op spanning both. It
// points at the checker's calls rather than copying them: the longest keys of a long run
// have tens of thousands of ops, and the search holds them all (bench BM_LongRun).
struct HistoryOp {
  enum class Kind : uint8_t { kWrite, kRead, kCloseSession };
  Kind kind = Kind::kWrite;
  bool known = false;       // Its outcome is known; otherwise it never returns.
  // Filled in by Normalize, for the search only.
  uint32_t model_data = 0;  // The op's data, or kUnread (see Normalize).
  uint32_t group = 0;       // Unknown outcome: its group of ops with the same effect.
  uint64_t session = 0;
  const ClientCall* call = nullptr;  // The op, and its outcome when known.
  const ClientCall* sync = nullptr;  // kRead: the sync before it.

  const At& invoked() const { return sync != nullptr ? sync->invoked : call->invoked; }
  const At& completed() const { return call->completed_at; }  // When known.
};


// NodeState is the sequential model of one key: the node, or its absence.
struct NodeState {
  bool exists = false;
  uint32_t data = 0;  // Interned (Strings), or kUnread.
  int32_t version = 0;
  uint64_t owner = 0;  // The session owning an ephemeral node; 0 otherwise.

  friend bool operator==(const NodeState&, const NodeState&) = default;
};

NodeState Initial(std::string_view path) { return NodeState{.exists = path == "/"}; }

bool VersionMatches(const ClientCall& op, const NodeState& s) {
  return op.version == -1 || op.version == s.version;
}

int32_t NextVersion(int32_t version) {  // Wraps like ZooKeeper's int, as data_tree.cc does.
  return static_cast<int32_t>(static_cast<uint32_t>(version) + 1);
}

// Effect is what an op does to the key when this key alone decides (data_tree.cc): a
// write whose condition fails changes nothing.
NodeState Effect(const NodeState& s, const HistoryOp& h) {
  const ClientCall& op = *h.call;
  if (h.kind == HistoryOp::Kind::kCloseSession) {
    return s.exists && s.owner == h.session ? NodeState{} : s;
  }
  if (h.kind == HistoryOp::Kind::kRead) return s;
  switch (op.type) {
    case OpType::kCreate:
      if (s.exists) return s;
      return NodeState{true, h.model_data, 0, op.ephemeral ? h.session : 0};
    case OpType::kSetData:
      if (!s.exists || !VersionMatches(op, s)) return s;
      return NodeState{true, h.model_data, NextVersion(s.version), s.owner};
    case OpType::kDelete:
      return s.exists && VersionMatches(op, s) ? NodeState{} : s;
    default:
      return s;
  }
}

// DependsOnOtherKeys: an outcome decided by another path (the parent, the children) or
// by the session, which is taken as consistent with any state of this key.
bool DependsOnOtherKeys(const HistoryOp& h) {
  const Code code = h.call->code;
  if (code == Code::kSessionExpired) return true;
  if (h.call->type == OpType::kCreate) {
    return code == Code::kNoNode || code == Code::kNoChildrenForEphemerals;
  }
  return h.call->type == OpType::kDelete && code == Code::kNotEmpty;
}

std::optional<NodeState> Require(bool condition, NodeState next) {
  if (!condition) return std::nullopt;
  return next;
}

// Step is the sequential specification: the state after `h` if its outcome is possible
// in state `s`, or nothing. An op of unknown outcome is possible in every state.
std::optional<NodeState> Step(const NodeState& s, const HistoryOp& h) {
  if (!h.known || h.kind == HistoryOp::Kind::kCloseSession) return Effect(s, h);
  const ClientCall& op = *h.call;  // Op and outcome.
  const ClientCall& out = op;
  if (h.kind == HistoryOp::Kind::kRead) {
    if (op.type == OpType::kExists) {
      return Require(out.exists == s.exists && (!s.exists || out.answer_version == s.version), s);
    }
    if (out.code == Code::kNoNode) return Require(!s.exists, s);
    return Require(s.exists && out.answer == s.data && out.answer_version == s.version, s);
  }
  if (DependsOnOtherKeys(h)) return s;
  const bool version_ok = s.exists && VersionMatches(op, s);
  switch (out.code) {
    case Code::kOk:
      if (op.type == OpType::kCreate) return Require(!s.exists, Effect(s, h));
      if (op.type == OpType::kSetData) {
        return Require(version_ok && out.answer_version == NextVersion(s.version), Effect(s, h));
      }
      return Require(version_ok, Effect(s, h));
    case Code::kNodeExists:
      return Require(s.exists, s);
    case Code::kNoNode:
      return Require(!s.exists, s);
    case Code::kBadVersion:
      return Require(s.exists && !version_ok, s);
    default:
      return s;  // No other code says anything about this key.
  }
}

std::string DescribeState(const NodeState& s, const Strings& strings) {
  if (!s.exists) return "absent";
  return fmt::format("holding {} at version {}{}", strings[s.data], s.version,
                     s.owner != 0 ? fmt::format(" (ephemeral of session {:#x})", s.owner) : "");
}

std::string DescribeOutcome(const HistoryOp& h, const Strings& strings) {
  if (!h.known) return "? (no answer: it may have taken effect, or not)";
  const ClientCall& out = *h.call;
  if (h.kind == HistoryOp::Kind::kCloseSession) return "OK";
  if (h.kind == HistoryOp::Kind::kRead && out.code == Code::kOk) {
    if (out.type == OpType::kExists) {
      return out.exists ? fmt::format("exists, version={}", out.answer_version) : "absent";
    }
    return fmt::format("OK {} version={}", strings[out.answer], out.answer_version);
  }
  if (out.type == OpType::kSetData && out.code == Code::kOk) {
    return fmt::format("OK version={}", out.answer_version);
  }
  return std::string(ToString(out.code));
}

Op OpOf(const ClientCall& c, const Strings& strings) {
  return Op{c.type, strings[c.path], strings[c.data], c.version, c.ephemeral};
}

// DescribeOp names the op; `path` is its key (a closeSession's call names none).
std::string DescribeOp(const HistoryOp& h, std::string_view path, const Strings& strings) {
  const std::string records =
      h.known ? fmt::format("records {}..{}", h.invoked().position, h.completed().position)
              : fmt::format("records {}..", h.invoked().position);
  std::string what = zab::DescribeOp(OpOf(*h.call, strings));
  std::string cxid = fmt::format("cxid {}", h.call->cxid);
  if (h.kind == HistoryOp::Kind::kRead) {
    what = "sync, then " + what;
    cxid = fmt::format("cxid {}+{}", h.sync->cxid, h.call->cxid);
  } else if (h.kind == HistoryOp::Kind::kCloseSession) {
    what = fmt::format("closeSession (removes its ephemeral {})", path);
  }
  return fmt::format("session {:#x} {}: {} -> {} [{}]", h.session, cxid, what,
                     DescribeOutcome(h, strings), records);
}

// ---------------------------------------------------------------------------------------
// Building the histories.

bool IsAnswered(const ClientCall& c) { return c.completed && !c.indeterminate; }

HistoryOp FromCall(HistoryOp::Kind kind, uint64_t session, const ClientCall& c) {
  HistoryOp h;
  h.kind = kind;
  h.session = session;
  h.call = &c;
  h.known = IsAnswered(c);
  return h;
}

// SyncThenRead: `read` came right after a sync of the same session that was answered OK,
// and was itself answered (a getData with its data or NONODE, an exists).
bool SyncThenRead(const ClientCall& sync, const ClientCall& read) {
  if (sync.type != OpType::kSync || !IsAnswered(sync) || sync.code != Code::kOk) return false;
  if (!IsAnswered(read)) return false;
  return read.code == Code::kOk || (read.type == OpType::kGetData && read.code == Code::kNoNode);
}

// InHistory: whether calls[i] belongs in its key's history (a write, or a sync-then-read).
bool InHistory(const std::deque<ClientCall>& calls, size_t i) {
  switch (calls[i].type) {
    case OpType::kCreate:
    case OpType::kSetData:
    case OpType::kDelete:
      return true;
    case OpType::kGetData:
    case OpType::kExists:
      return i > 0 && SyncThenRead(calls[i - 1], calls[i]);
    default:
      return false;  // Syncs alone, and closeSession (below), are not ops on one key.
  }
}

// AddSession adds the session's ops on one key to its history: the calls at `indices`,
// each InHistory, in call order. Histories are built one key at a time, so that a long
// run never holds them all at once.
void AddSession(uint64_t session, const std::deque<ClientCall>& calls,
                std::span<const uint32_t> indices, std::vector<HistoryOp>& out,
                bool& created_ephemeral) {
  for (const uint32_t i : indices) {
    const ClientCall& c = calls[i];
    if (IsWrite(c.type)) {
      out.push_back(FromCall(HistoryOp::Kind::kWrite, session, c));
      created_ephemeral = created_ephemeral || (c.type == OpType::kCreate && c.ephemeral);
      continue;
    }
    HistoryOp h = FromCall(HistoryOp::Kind::kRead, session, c);
    h.sync = &calls[i - 1];
    out.push_back(h);
  }
}

// AddCloseSessions puts each closeSession of a session into the history of every key it
// created as ephemeral, unless it was answered with a failure (then it removed nothing).
void AddCloseSessions(uint64_t session, const std::deque<ClientCall>& calls,
                      std::vector<HistoryOp>& out) {
  for (const ClientCall& c : calls) {
    if (c.type != OpType::kCloseSession) continue;
    if (IsAnswered(c) && c.code != Code::kOk) continue;
    out.push_back(FromCall(HistoryOp::Kind::kCloseSession, session, c));
  }
}

// Normalize sorts a key's ops by invocation and prepares them for the search, with two
// reductions that change no verdict. Data that no read of the key returned is only ever
// compared to data that reads did return, so all such values become one stand-in
// (kUnread), and states that differ only there become one. Ops of unknown
// outcome with the same effect (type, expected version, ephemeral owner, model data) are
// interchangeable, except that the one invoked first may go anywhere the later one may:
// they form a group, which the search places in call order.
void Normalize(std::vector<HistoryOp>& ops) {
  std::sort(ops.begin(), ops.end(), [](const HistoryOp& a, const HistoryOp& b) {
    return std::tie(a.invoked().position, a.session, a.call->cxid) <
           std::tie(b.invoked().position, b.session, b.call->cxid);
  });
  std::set<uint32_t> read;  // Interned: equal data, equal id.
  for (const HistoryOp& h : ops) {
    if (h.kind == HistoryOp::Kind::kRead && h.known && h.call->code == Code::kOk) {
      read.insert(h.call->answer);
    }
  }
  using Effect = std::tuple<HistoryOp::Kind, OpType, int32_t, uint64_t, uint32_t>;
  std::map<Effect, uint32_t> groups;
  for (HistoryOp& h : ops) {
    const ClientCall& op = *h.call;
    h.model_data = read.contains(op.data) ? op.data : kUnread;
    if (h.known) continue;
    const bool owned = op.ephemeral || h.kind == HistoryOp::Kind::kCloseSession;
    const Effect effect{h.kind, op.type, op.version, owned ? h.session : 0, h.model_data};
    h.group = groups.try_emplace(effect, static_cast<uint32_t>(groups.size())).first->second;
  }
}

// ---------------------------------------------------------------------------------------
// The search.

// Cache holds every configuration the search has entered: the set of linearized ops (a
// bitset) and the key's state. A configuration is skipped if it was entered before, or
// if a failed one has the same state and the same known ops, and a subset of its unknown
// ones. Chained hashing on a portable hash (base/hash.h) keeps it deterministic.
//
// Each entry holds a bitset over all of the key's ops, so a long, mostly sequential
// history (tens of thousands of ops on one key, each entered once) would make the cache
// quadratic in size. Past kMaxBytes it stops remembering new configurations: the search
// stays correct, only less pruned, and the step budget still bounds its time. That keeps
// a run's memory bounded (bench BM_LongRun).
class Cache {
 public:
  // Bitsets and slots: at most 4 MiB, capacity included (Reserve).
  static constexpr size_t kMaxBytes = size_t{4} << 20;
  static constexpr int32_t kNotKept = -1;  // A slot for a configuration not remembered.

  Cache(size_t words, std::vector<uint64_t> known_mask)
      : words_(words),
        max_slots_(kMaxBytes / (words * sizeof(uint64_t) + sizeof(Slot))),
        known_mask_(std::move(known_mask)),
        buckets_(1024, -1) {}

  // Enter records the configuration as on the search path and returns its slot, or
  // nothing if it is to be skipped.
  std::optional<int32_t> Enter(const std::vector<uint64_t>& linearized, const NodeState& state) {
    const uint64_t hash = Hash(linearized, state);
    for (int32_t i = buckets_[hash & (buckets_.size() - 1)]; i >= 0; i = slots_[i].next) {
      const Slot& s = slots_[i];
      if (s.hash != hash || !(s.state == state) || !SameKnown(s, linearized)) continue;
      if (Subset(s, linearized) && (!s.on_path || Equal(s, linearized))) return std::nullopt;
    }
    if (slots_.size() >= max_slots_) return kNotKept;
    Reserve();
    if (slots_.size() >= buckets_.size()) Grow();
    const auto slot = static_cast<int32_t>(slots_.size());
    int32_t& head = buckets_[hash & (buckets_.size() - 1)];
    slots_.push_back(Slot{hash, state, bits_.size(), head, true});
    bits_.insert(bits_.end(), linearized.begin(), linearized.end());
    head = slot;
    return slot;
  }
  // Leave marks the configuration failed: the search backtracked out of it.
  void Leave(int32_t slot) {
    if (slot != kNotKept) slots_[static_cast<size_t>(slot)].on_path = false;
  }

 private:
  struct Slot {
    uint64_t hash;
    NodeState state;
    size_t bits;  // Offset of its bitset in bits_.
    int32_t next;
    bool on_path;
  };

  uint64_t Hash(const std::vector<uint64_t>& linearized, const NodeState& s) const {
    base::Hasher h;
    for (size_t w = 0; w < words_; ++w) h.Add(linearized[w] & known_mask_[w]);
    h.Add(s.exists ? 1 : 0);
    h.Add(uint64_t{s.data});
    h.Add(static_cast<uint64_t>(static_cast<uint32_t>(s.version)));
    h.Add(s.owner);
    return h.value();
  }
  bool SameKnown(const Slot& s, const std::vector<uint64_t>& l) const {
    for (size_t w = 0; w < words_; ++w) {
      if (((bits_[s.bits + w] ^ l[w]) & known_mask_[w]) != 0) return false;
    }
    return true;
  }
  bool Subset(const Slot& s, const std::vector<uint64_t>& l) const {
    for (size_t w = 0; w < words_; ++w) {
      if ((bits_[s.bits + w] & ~l[w]) != 0) return false;
    }
    return true;
  }
  bool Equal(const Slot& s, const std::vector<uint64_t>& l) const {
    return std::equal(l.begin(), l.begin() + static_cast<ptrdiff_t>(words_),
                      bits_.begin() + static_cast<ptrdiff_t>(s.bits));
  }
  // Reserve grows the slots and bitsets as a vector would, by doubling, but never past
  // max_slots_: doubling alone could leave the last half of 8 MiB unused.
  void Reserve() {
    if (slots_.size() < slots_.capacity()) return;
    const size_t slots = std::min(std::max<size_t>(64, 2 * slots_.capacity()), max_slots_);
    slots_.reserve(slots);
    bits_.reserve(slots * words_);
  }
  void Grow() {
    buckets_.assign(buckets_.size() * 2, -1);
    for (size_t i = 0; i < slots_.size(); ++i) {
      int32_t& head = buckets_[slots_[i].hash & (buckets_.size() - 1)];
      slots_[i].next = head;
      head = static_cast<int32_t>(i);
    }
  }

  size_t words_;
  size_t max_slots_;
  std::vector<uint64_t> known_mask_;
  std::vector<int32_t> buckets_;  // Power-of-two size; heads of chains.
  std::vector<Slot> slots_;
  std::vector<uint64_t> bits_;  // Every slot's bitset, words_ words each.
};

struct SearchResult {
  KeyVerdict::Kind kind = KeyVerdict::Kind::kLinearizable;
  uint64_t steps = 0;
  // kViolation: the longest linearizable prefix found, and the op that could not follow
  // it (the first to return among those left).
  std::vector<size_t> prefix;
  size_t stuck = 0;
};

class Search {
 public:
  Search(std::string_view path, const std::vector<HistoryOp>& ops);
  SearchResult Run(uint64_t budget);

 private:
  static constexpr int32_t kEnd = -1;
  // Entry is a call or a return of an op with a known outcome, in the doubly linked list
  // of them in time order; entry 0 is its head.
  struct Entry {
    size_t op = 0;
    bool call = false;
    int32_t match = kEnd;  // A call's return.
    int32_t prev = kEnd;
    int32_t next = kEnd;
  };
  // Group holds interchangeable ops of unknown outcome (Normalize), in call order; the
  // first `placed` are linearized, as the earlier one always goes first.
  struct Group {
    std::vector<size_t> ops;
    size_t placed = 0;
  };
  // Frame is one choice on the search path: which op went where, and how to go on.
  struct Frame {
    size_t op;
    bool unknown;  // Taken from groups_[at], else the call at entries_[at].
    int32_t at;
    int32_t limit;  // The first pending return when it was taken.
    NodeState prior;
    int32_t slot;
  };

  // Place linearizes `op` if its outcome fits the state, unless the cache has seen the
  // configuration it leads to; it pushes the choice and returns true if it did.
  bool Place(size_t op, bool unknown, int32_t at, int32_t limit);
  // Undo pops the last choice and returns it.
  Frame Undo();
  void Lift(int32_t call);
  void Unlift(int32_t call);
  void Mark(size_t op, bool on) {
    const uint64_t bit = uint64_t{1} << (op % 64);
    linearized_[op / 64] = on ? linearized_[op / 64] | bit : linearized_[op / 64] & ~bit;
  }
  void NoteDeadEnd(size_t stuck, SearchResult& r);

  std::string_view path_;
  const std::vector<HistoryOp>& ops_;
  std::vector<Entry> entries_;
  std::vector<Group> groups_;
  std::vector<uint64_t> linearized_;
  size_t remaining_ = 0;  // Ops of known outcome not linearized yet.
  NodeState state_;
  std::vector<Frame> stack_;
  Cache cache_;
  std::optional<size_t> best_depth_;
};

std::vector<uint64_t> KnownMask(const std::vector<HistoryOp>& ops) {
  std::vector<uint64_t> mask(ops.size() / 64 + 1, 0);
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].known) mask[i / 64] |= uint64_t{1} << (i % 64);
  }
  return mask;
}

Search::Search(std::string_view path, const std::vector<HistoryOp>& ops)
    : path_(path),
      ops_(ops),
      linearized_(ops.size() / 64 + 1, 0),
      state_(Initial(path)),
      cache_(ops.size() / 64 + 1, KnownMask(ops)) {
  stack_.reserve(ops.size());  // At most every op is on it; growing would copy it.
  // (position, return?, op): at the same position a call counts as before a return,
  // so the two ops count as concurrent, as in Porcupine.
  std::vector<std::tuple<uint64_t, bool, size_t>> events;
  events.reserve(2 * static_cast<size_t>(std::count_if(
                         ops.begin(), ops.end(), [](const HistoryOp& h) { return h.known; })));
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!ops[i].known) {
      if (ops[i].group >= groups_.size()) groups_.resize(ops[i].group + 1);
      groups_[ops[i].group].ops.push_back(i);  // Ops are in call order (Normalize).
      continue;
    }
    events.emplace_back(ops[i].invoked().position, false, i);
    events.emplace_back(ops[i].completed().position, true, i);
    ++remaining_;
  }
  std::sort(events.begin(), events.end());
  entries_.resize(events.size() + 1);
  std::vector<int32_t> call_of(ops.size(), kEnd);
  for (size_t k = 0; k < events.size(); ++k) {
    const auto idx = static_cast<int32_t>(k + 1);
    Entry& e = entries_[k + 1];
    e.op = std::get<2>(events[k]);
    e.call = !std::get<1>(events[k]);
    e.prev = idx - 1;
    e.next = k + 1 < events.size() ? idx + 1 : kEnd;
    if (e.call) {
      call_of[e.op] = idx;
    } else {
      entries_[static_cast<size_t>(call_of[e.op])].match = idx;
    }
  }
  entries_[0].next = events.empty() ? kEnd : 1;
}

void Search::Lift(int32_t call) {
  for (const int32_t i : {call, entries_[static_cast<size_t>(call)].match}) {
    const Entry& e = entries_[static_cast<size_t>(i)];
    entries_[static_cast<size_t>(e.prev)].next = e.next;
    if (e.next != kEnd) entries_[static_cast<size_t>(e.next)].prev = e.prev;
  }
}

void Search::Unlift(int32_t call) {
  // The reverse of Lift: the return first, then the call.
  for (const int32_t i : {entries_[static_cast<size_t>(call)].match, call}) {
    const Entry& e = entries_[static_cast<size_t>(i)];
    entries_[static_cast<size_t>(e.prev)].next = i;
    if (e.next != kEnd) entries_[static_cast<size_t>(e.next)].prev = i;
  }
}

bool Search::Place(size_t op, bool unknown, int32_t at, int32_t limit) {
  std::optional<NodeState> next = Step(state_, ops_[op]);
  // An op of unknown outcome that changes nothing here might as well go last.
  if (!next || (unknown && *next == state_)) return false;
  Mark(op, true);
  const std::optional<int32_t> slot = cache_.Enter(linearized_, *next);
  if (!slot) {
    Mark(op, false);
    return false;
  }
  stack_.push_back(Frame{op, unknown, at, limit, std::move(state_), *slot});
  state_ = *std::move(next);
  if (unknown) {
    ++groups_[static_cast<size_t>(at)].placed;
  } else {
    --remaining_;
    Lift(at);
  }
  return true;
}

Search::Frame Search::Undo() {
  Frame f = std::move(stack_.back());
  stack_.pop_back();
  cache_.Leave(f.slot);
  Mark(f.op, false);
  state_ = f.prior;
  if (f.unknown) {
    --groups_[static_cast<size_t>(f.at)].placed;
  } else {
    ++remaining_;
    Unlift(f.at);
  }
  return f;
}

void Search::NoteDeadEnd(size_t stuck, SearchResult& r) {
  if (best_depth_ && stack_.size() <= *best_depth_) return;
  best_depth_ = stack_.size();
  r.prefix.clear();
  for (const Frame& f : stack_) r.prefix.push_back(f.op);
  r.stuck = stuck;
}

// Run is checkSingle. At each point the candidates are the calls before the first
// pending return: first those of known outcome, walking the list (`at` is an entry),
// then one op of each group of unknown outcome (`at` is a group); when none fits, the
// last choice is undone and the search goes on with the candidate after it.
SearchResult Search::Run(uint64_t budget) {
  SearchResult r;
  int32_t at = entries_[0].next;
  bool unknown = false;
  int32_t limit = kEnd;
  while (remaining_ > 0) {
    if (r.steps == budget) {
      r.kind = KeyVerdict::Kind::kUnknown;
      return r;
    }
    ++r.steps;
    if (!unknown) {
      ZABSIM_CHECK(at != kEnd, "{}: {} ops with an answer left, but no return", path_, remaining_);
      const Entry& e = entries_[static_cast<size_t>(at)];
      if (!e.call) {
        unknown = true;
        limit = at;
        at = 0;
      } else if (Place(e.op, false, at, kEnd)) {
        at = entries_[0].next;
      } else {
        at = e.next;
      }
      continue;
    }
    if (static_cast<size_t>(at) == groups_.size()) {
      NoteDeadEnd(entries_[static_cast<size_t>(limit)].op, r);
      if (stack_.empty()) {
        r.kind = KeyVerdict::Kind::kViolation;
        return r;
      }
      const Frame f = Undo();
      unknown = f.unknown;
      limit = f.limit;
      at = f.unknown ? f.at + 1 : entries_[static_cast<size_t>(f.at)].next;
      continue;
    }
    const Group& g = groups_[static_cast<size_t>(at)];
    const uint64_t before = ops_[entries_[static_cast<size_t>(limit)].op].completed().position;
    if (g.placed < g.ops.size() && ops_[g.ops[g.placed]].invoked().position <= before &&
        Place(g.ops[g.placed], true, at, limit)) {
      at = entries_[0].next;
      unknown = false;
    } else {
      ++at;
    }
  }
  return r;
}

constexpr size_t kMaxListed = 6;  // Ops listed per part of a report.

// Replay is the key's state after `prefix`, with the data the ops really wrote (the search
// kept a stand-in for data no read returned).
NodeState Replay(std::string_view path, const std::vector<HistoryOp>& ops,
                 const std::vector<size_t>& prefix) {
  NodeState s = Initial(path);
  for (const size_t i : prefix) {
    HistoryOp h = ops[i];
    h.model_data = h.call->data;
    std::optional<NodeState> next = Step(s, h);
    ZABSIM_CHECK(next.has_value(), "{}: the prefix found does not replay", path);
    s = *std::move(next);
  }
  return s;
}

std::string Report(std::string_view path, const std::vector<HistoryOp>& ops,
                   const SearchResult& r, const Strings& strings) {
  const HistoryOp& stuck = ops[r.stuck];
  std::vector<std::string> concurrent;
  for (size_t i = 0; i < ops.size(); ++i) {
    const HistoryOp& o = ops[i];
    const bool overlaps = o.invoked().position < stuck.completed().position &&
                          (!o.known || o.completed().position > stuck.invoked().position);
    if (i != r.stuck && overlaps) concurrent.push_back(DescribeOp(o, path, strings));
  }
  std::string listed = concurrent.empty() ? "none" : "";
  for (size_t i = 0; i < concurrent.size() && i < kMaxListed; ++i) {
    listed += (i == 0 ? "" : "; ") + concurrent[i];
  }
  if (concurrent.size() > kMaxListed) {
    listed += fmt::format("; and {} more", concurrent.size() - kMaxListed);
  }
  std::string tail;
  const size_t from = r.prefix.size() > kMaxListed ? r.prefix.size() - kMaxListed : 0;
  for (size_t i = from; i < r.prefix.size(); ++i) {
    tail += (i == from ? "" : "; ") + DescribeOp(ops[r.prefix[i]], path, strings);
  }
  return fmt::format(
      "{}: {} cannot be linearized after the longest linearizable prefix found ({} of {} ops, "
      "leaving {} {}); concurrent with it: {}; that prefix {}: {}",
      path, DescribeOp(stuck, path, strings), r.prefix.size(), ops.size(), path,
      DescribeState(Replay(path, ops, r.prefix), strings), listed, from == 0 ? "is" : "ends",
      tail.empty() ? "empty" : tail);
}

}  // namespace

std::vector<std::string_view> ClientHistoryChecker::Names() { return {kLinearizable, kClientFifo}; }

void ClientHistoryChecker::Fail(std::string_view check, At at, std::string detail) {
  fifo_.push_back(Violation{check, at, std::move(detail)});
  // violations_ is fifo_ then the last Finish's: the new one goes before the latter.
  const auto fifo_end = static_cast<ptrdiff_t>(fifo_.size() - 1);
  violations_.insert(violations_.begin() + fifo_end, fifo_.back());
}

void ClientHistoryChecker::Observe(At at, PeerId client, const Event& event) {
  if (const auto* e = std::get_if<ClientInvoked>(&event)) {
    ++observed_;
    OnInvoked(at, client, *e);
  } else if (const auto* c = std::get_if<ClientCompleted>(&event)) {
    ++observed_;
    OnCompleted(at, client, *c);
  }
}

// client-fifo: ZooKeeper answers a session's requests in the order they were sent.
void ClientHistoryChecker::OnInvoked(At at, PeerId client, const ClientInvoked& e) {
  Session& s = sessions_[e.session];
  if (!s.calls.empty() && e.cxid <= s.calls.back().cxid) {
    Fail(kClientFifo, at,
         fmt::format("client process {} (session {:#x}) invoked cxid {} ({}) after cxid {}",
                     client.value, e.session, e.cxid, zab::DescribeOp(e.op), s.calls.back().cxid));
  }
  s.outstanding.push_back(s.calls.size());
  ClientCall& c = s.calls.emplace_back();
  c.cxid = e.cxid;
  c.invoked = at;
  c.type = e.op.type;
  c.path = Intern(e.op.path);
  c.data = Intern(e.op.data);
  c.version = e.op.version;
  c.ephemeral = e.op.ephemeral;
}

uint32_t ClientHistoryChecker::Intern(std::string_view text) {
  if (text.empty()) return 0;
  // This Abseil's string_view is its own type, not std::string_view.
  const absl::string_view key(text.data(), text.size());
  if (const auto it = string_ids_.find(key); it != string_ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(text);
  string_ids_.emplace(std::string(text), id);
  return id;
}

void ClientHistoryChecker::OnCompleted(At at, PeerId client, const ClientCompleted& e) {
  Session& s = sessions_[e.session];
  const auto it = std::find_if(s.outstanding.begin(), s.outstanding.end(),
                               [&](size_t i) { return s.calls[i].cxid == e.cxid; });
  const std::string who = fmt::format("client process {} (session {:#x})", client.value, e.session);
  if (it == s.outstanding.end()) {
    Fail(kClientFifo, at,
         fmt::format("{} completed cxid {} ({} -> {}), which is not in flight: never invoked, "
                     "or completed already",
                     who, e.cxid, zab::DescribeOp(e.op), ToString(e.code)));
    return;
  }
  const size_t index = *it;
  ClientCall& call = s.calls[index];
  if (it != s.outstanding.begin()) {
    Fail(kClientFifo, at,
         fmt::format("{} completed cxid {} before cxid {}, which was invoked earlier", who, e.cxid,
                     s.calls[s.outstanding.front()].cxid));
  }
  if (const Op invoked = OpOf(call, strings_); !(invoked == e.op)) {
    Fail(kClientFifo, at,
         fmt::format("{} completed cxid {} as {}, but invoked it as {}", who, e.cxid,
                     zab::DescribeOp(e.op), zab::DescribeOp(invoked)));
  }
  s.outstanding.erase(it);
  call.completed = true;
  call.completed_at = at;
  call.code = e.code;
  call.indeterminate = e.indeterminate;
  call.exists = e.exists;
  call.answer_version = e.version;
  call.zxid = e.zxid;
  call.server = e.server;
  call.answer = Intern(e.data);
  CheckWriteOrder(at, client, e.session, s, index);
}

// client-fifo, for writes: a session's writes are proposed in the order it sent them, so
// their zxids rise with their cxids. The calls are in cxid order: the nearest successful
// write on either side of this one is all it must be compared with.
void ClientHistoryChecker::CheckWriteOrder(At at, PeerId client, uint64_t session,
                                           const Session& s, size_t index) {
  const auto written = [](const ClientCall& c) {
    return c.completed && !c.indeterminate && c.code == Code::kOk && IsWrite(c.type);
  };
  const ClientCall& call = s.calls[index];
  if (!written(call)) return;
  const auto bad = [&](const ClientCall& other) {
    Fail(kClientFifo, at,
         fmt::format("client process {} (session {:#x}) wrote cxid {} at {}, but cxid {} at {}",
                     client.value, session, call.cxid, ToString(call.zxid), other.cxid,
                     ToString(other.zxid)));
  };
  for (size_t i = index; i-- > 0;) {
    if (!written(s.calls[i])) continue;
    if (s.calls[i].zxid >= call.zxid) bad(s.calls[i]);
    break;
  }
  for (size_t i = index + 1; i < s.calls.size(); ++i) {
    if (!written(s.calls[i])) continue;
    if (s.calls[i].zxid <= call.zxid) bad(s.calls[i]);
    break;
  }
}

void ClientHistoryChecker::Finish(uint64_t step_budget) {
  if (finished_ == std::make_pair(observed_, step_budget)) return;
  finished_ = std::make_pair(observed_, step_budget);
  // Each key's calls, found in one pass over the sessions rather than in one pass per key,
  // which made the check quadratic in a run's keys (a story creating 200 nodes spent a
  // tenth of its time there). index[start[id]..start[id + 1]) are the InHistory calls on
  // the key interned as `id`, in session order, then call order. Eight bytes a call and
  // four a string, held while this runs.
  struct Call {
    uint32_t session;  // Its ordinal in sessions_.
    uint32_t index;    // In the session's calls.
  };
  std::vector<const std::pair<const uint64_t, Session>*> by_ordinal;
  std::vector<uint32_t> start(strings_.size() + 1, 0);
  for (const auto& entry : sessions_) {
    by_ordinal.push_back(&entry);
    const std::deque<ClientCall>& calls = entry.second.calls;
    for (size_t i = 0; i < calls.size(); ++i) {
      if (InHistory(calls, i)) ++start[calls[i].path + 1];
    }
  }
  for (size_t id = 0; id < strings_.size(); ++id) start[id + 1] += start[id];
  std::vector<Call> index(start.back());
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (uint32_t ordinal = 0; ordinal < by_ordinal.size(); ++ordinal) {
      const std::deque<ClientCall>& calls = by_ordinal[ordinal]->second.calls;
      for (size_t i = 0; i < calls.size(); ++i) {
        if (!InHistory(calls, i)) continue;
        index[next[calls[i].path]++] = Call{ordinal, static_cast<uint32_t>(i)};
      }
    }
  }
  std::set<std::string> paths;
  for (size_t id = 0; id < strings_.size(); ++id) {
    if (start[id + 1] > start[id]) paths.insert(strings_[id]);
  }
  violations_ = fifo_;
  keys_.clear();
  steps_ = 0;
  uint64_t left = step_budget;
  size_t keys_left = paths.size();
  for (const std::string& path : paths) {
    std::vector<HistoryOp> ops;
    const uint32_t id = string_ids_.find(path)->second;
    std::vector<uint32_t> indices;  // Of one session's calls on the key.
    for (uint32_t k = start[id]; k < start[id + 1];) {
      const uint32_t ordinal = index[k].session;
      indices.clear();
      for (; k < start[id + 1] && index[k].session == ordinal; ++k) {
        indices.push_back(index[k].index);
      }
      const auto& [session, s] = *by_ordinal[ordinal];
      bool created_ephemeral = false;
      AddSession(session, s.calls, indices, ops, created_ephemeral);
      if (created_ephemeral) AddCloseSessions(session, s.calls, ops);
    }
    ops.shrink_to_fit();  // The search holds it, and much else sized by it, at once.
    Normalize(ops);
    const uint64_t share = (left + keys_left - 1) / keys_left;  // Rounded up.
    --keys_left;
    const SearchResult r = Search(path, ops).Run(share);
    left -= r.steps;
    steps_ += r.steps;
    keys_.push_back(KeyVerdict{path, r.kind, ops.size(), r.steps});
    if (r.kind == KeyVerdict::Kind::kViolation) {
      violations_.push_back(
          Violation{kLinearizable, ops[r.stuck].completed(), Report(path, ops, r, strings_)});
    }
  }
}

std::vector<std::string> ClientHistoryChecker::unknown() const {
  std::vector<std::string> out;
  for (const KeyVerdict& k : keys_) {
    if (k.kind == KeyVerdict::Kind::kUnknown) out.push_back(k.path);
  }
  return out;
}

}  // namespace zabsim::zab::checkers

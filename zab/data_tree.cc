#include "zab/data_tree.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "base/hash.h"

namespace zabsim::zab {
namespace {

// Distinct seeds keep node hashes and session hashes apart, so that the digest terms of
// a node and of a session never coincide by construction.
constexpr uint64_t kNodeHashSeed = 0x6e6f64652d686173ULL;     // "node-has"
constexpr uint64_t kSessionHashSalt = 0x73657373696f6e21ULL;  // "session!"

// NodeHash covers what every replica agrees on after the same txns: path and content.
// czxid and mzxid are left out on purpose, so that a replica brought up to date by a
// SNAP and one that applied the txns itself compare equal on content.
uint64_t NodeHash(std::string_view path, const Node& node) {
  base::Hasher hasher(kNodeHashSeed);
  hasher.Add(path);
  hasher.Add(std::string_view(node.data));
  hasher.Add(static_cast<uint64_t>(static_cast<uint32_t>(node.version)));
  hasher.Add(node.ephemeral_owner);
  return hasher.value();
}

uint64_t SessionHash(uint64_t session) { return base::Mix64(session ^ kSessionHashSalt); }

// The serialized form, version 2. Integers are fixed-width little-endian, written byte
// by byte so the bytes are the same on every platform; a string is a u32 length, then
// its bytes.
//
//   magic        4 bytes "ZDT" followed by the format version byte 0x02
//   last_zxid    u64 (last processed zxid: the marker)
//   applied_zxid u64 (the last txn applied: how far the content goes)
//   sessions     u32 count, then count x u64 (ascending)
//   nodes        u32 count, then count x node (ascending by path):
//     path str, data str, version i32 (two's complement u32), owner u64,
//     czxid u64, mzxid u64
constexpr std::string_view kMagic = "ZDT\x02";
// The smallest encoding of one node: two empty strings and the four integers.
constexpr size_t kMinNodeBytes = 4 + 4 + 4 + 8 + 8 + 8;

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutString(std::string& out, std::string_view s) {
  ZABSIM_CHECK(s.size() <= 0xffffffffu, "a string of {} bytes overflows its length", s.size());
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reader consumes bytes from the front. Every read checks the remaining length first,
// so no input can make it read out of bounds; a failed read consumes nothing.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool U32(uint32_t& out) {
    uint64_t v = 0;
    if (!Fixed(4, v)) return false;
    out = static_cast<uint32_t>(v);
    return true;
  }
  bool U64(uint64_t& out) { return Fixed(8, out); }
  bool String(std::string& out) {
    Reader probe = *this;
    uint32_t size = 0;
    if (!probe.U32(size) || probe.rest_.size() < size) return false;
    out.assign(probe.rest_.substr(0, size));
    rest_ = probe.rest_.substr(size);
    return true;
  }
  bool Skip(std::string_view expected) {
    if (rest_.substr(0, expected.size()) != expected) return false;
    rest_.remove_prefix(expected.size());
    return true;
  }
  size_t remaining() const { return rest_.size(); }

 private:
  bool Fixed(size_t width, uint64_t& out) {
    if (rest_.size() < width) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(rest_[i])) << (8 * i);
    }
    rest_.remove_prefix(width);
    out = v;
    return true;
  }

  std::string_view rest_;
};

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("data tree: {}", what));
}

// Mutator changes a tree's nodes and sessions and keeps its digest in step: every change
// subtracts the hash of what goes and adds the hash of what comes (wrapping arithmetic,
// so the order of changes does not matter).
struct Mutator {
  std::map<std::string, Node, std::less<>>& nodes;
  std::set<uint64_t>& sessions;
  uint64_t& digest;

  void OpenSession(uint64_t session) {
    // Session 0 is "no session", and reopening an open session changes nothing.
    if (session != 0 && sessions.insert(session).second) digest += SessionHash(session);
  }

  void CloseSession(uint64_t session) {
    // Closing a session that is not open changes nothing: a replayed closeSession.
    if (session == 0 || sessions.erase(session) == 0) return;
    digest -= SessionHash(session);
    // Ephemeral nodes have no children, so deleting them in path order never orphans one.
    for (auto it = nodes.begin(); it != nodes.end();) {
      if (it->second.ephemeral_owner == session) {
        digest -= NodeHash(it->first, it->second);
        --nodes.find(ParentPath(it->first))->second.num_children;
        it = nodes.erase(it);
      } else {
        ++it;
      }
    }
  }

  // The writes below take a prepared txn and make the state what it says
  // (DataTree.createNode, setData, deleteNode). What the leader checked is not checked
  // again; what can still fail is a txn applied to a tree that already holds it, or a
  // later state of the node: ZooKeeper ignores those errors on replay.
  ApplyResult Create(const Txn& txn) {
    const Op& op = txn.op;
    if (nodes.contains(op.path)) return ApplyResult{.code = Code::kNodeExists};
    const auto parent = nodes.find(ParentPath(op.path));
    if (parent == nodes.end()) return ApplyResult{.code = Code::kNoNode};
    ++parent->second.num_children;
    Node node{.data = op.data,
              .version = 0,
              .ephemeral_owner = op.ephemeral ? txn.session : 0,
              .czxid = txn.zxid,
              .mzxid = txn.zxid};
    digest += NodeHash(op.path, node);
    nodes.emplace(op.path, std::move(node));
    return ApplyResult{.code = Code::kOk, .version = 0};
  }

  ApplyResult SetData(const Txn& txn) {
    const auto it = nodes.find(txn.op.path);
    if (it == nodes.end()) return ApplyResult{.code = Code::kNoNode};
    Node& node = it->second;
    digest -= NodeHash(it->first, node);
    node.data = txn.op.data;
    node.version = txn.new_version;
    node.mzxid = txn.zxid;
    digest += NodeHash(it->first, node);
    return ApplyResult{.code = Code::kOk, .version = node.version};
  }

  ApplyResult Delete(const Op& op) {
    const auto it = nodes.find(op.path);
    if (it == nodes.end()) return ApplyResult{.code = Code::kNoNode};
    // ZooKeeper's deleteNode would leave the children behind without a parent; a tree
    // here never holds an orphan, so such a replay changes nothing instead.
    if (it->first == "/" || it->second.num_children > 0) {
      return ApplyResult{.code = Code::kNotEmpty};
    }
    digest -= NodeHash(it->first, it->second);
    --nodes.find(ParentPath(it->first))->second.num_children;
    nodes.erase(it);
    return ApplyResult{};
  }
};

absl::Status ReadSessions(Reader& reader, std::set<uint64_t>& sessions) {
  uint32_t count = 0;
  if (!reader.U32(count)) return Malformed("truncated session count");
  // Checked up front so that a corrupt count fails at once instead of after a long loop.
  if (count > reader.remaining() / 8) {
    return Malformed(fmt::format("{} sessions do not fit in {} bytes", count,
                                 reader.remaining()));
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t session = 0;
    if (!reader.U64(session)) return Malformed(fmt::format("truncated session {}", i));
    if (session == 0) return Malformed("session 0 is open");
    if (!sessions.insert(session).second) {
      return Malformed(fmt::format("duplicate session {:#x}", session));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadNodes(Reader& reader, std::map<std::string, Node, std::less<>>& nodes) {
  uint32_t count = 0;
  if (!reader.U32(count)) return Malformed("truncated node count");
  if (count > reader.remaining() / kMinNodeBytes) {
    return Malformed(fmt::format("{} nodes do not fit in {} bytes", count,
                                 reader.remaining()));
  }
  for (uint32_t i = 0; i < count; ++i) {
    std::string path;
    Node node;
    uint32_t version = 0;
    if (!reader.String(path) || !reader.String(node.data) || !reader.U32(version) ||
        !reader.U64(node.ephemeral_owner) || !reader.U64(node.czxid.value) ||
        !reader.U64(node.mzxid.value)) {
      return Malformed(fmt::format("truncated node {}", i));
    }
    node.version = static_cast<int32_t>(version);
    if (!IsValidPath(path)) return Malformed(fmt::format("node {}: invalid path", i));
    if (nodes.contains(path)) return Malformed(fmt::format("duplicate node {}", path));
    nodes.emplace(std::move(path), std::move(node));
  }
  return absl::OkStatus();
}

// CheckShape rejects trees that no sequence of txns can build: no root, an orphan, an
// ephemeral root or parent, or an ephemeral node whose session is not open.
absl::Status CheckShape(const std::map<std::string, Node, std::less<>>& nodes,
                        const std::set<uint64_t>& sessions) {
  const auto root = nodes.find("/");
  if (root == nodes.end()) return Malformed("no root node");
  if (root->second.ephemeral_owner != 0) return Malformed("the root is ephemeral");
  for (const auto& [path, node] : nodes) {
    if (path == "/") continue;
    const auto parent = nodes.find(ParentPath(path));
    if (parent == nodes.end()) return Malformed(fmt::format("node {} has no parent", path));
    if (parent->second.ephemeral_owner != 0) {
      return Malformed(fmt::format("node {} has an ephemeral parent", path));
    }
    if (node.ephemeral_owner != 0 && !sessions.contains(node.ephemeral_owner)) {
      return Malformed(fmt::format("node {} is owned by session {:#x}, which is not open",
                                   path, node.ephemeral_owner));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view ParentPath(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsValidPath(std::string_view path) {
  if (path == "/") return true;
  if (path.empty() || path.front() != '/' || path.back() == '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  return path.find("//") == std::string_view::npos;
}

DataTree::DataTree() {
  const Node root;
  digest_ = NodeHash("/", root);
  nodes_.emplace("/", root);
}

const Node* DataTree::Find(std::string_view path) const {
  const auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

Txn DataTree::Prepare(Txn txn) const {
  ZABSIM_CHECK(IsWrite(txn.op.type), "txn {} carries a read op ({})", ToString(txn.zxid),
               ToString(txn.op.type));
  txn.prepared = true;
  txn.error = Code::kOk;
  txn.new_version = 0;
  const Op& op = txn.op;
  const auto fail = [&](Code code) {
    txn.error = code;
    return txn;
  };
  if (op.type != OpType::kCreateSession) {
    // Session 0 is "no session" and may write, but it cannot own anything: closing it or
    // creating an ephemeral node for it fails as an unknown session would.
    if (txn.session != 0 && !sessions_.contains(txn.session)) return fail(Code::kSessionExpired);
    const bool needs_owner =
        op.type == OpType::kCloseSession || (op.type == OpType::kCreate && op.ephemeral);
    if (txn.session == 0 && needs_owner) return fail(Code::kSessionExpired);
  }
  switch (op.type) {
    case OpType::kCreateSession:
    case OpType::kCloseSession:
      return txn;
    case OpType::kCreate: {
      if (!IsValidPath(op.path)) return fail(Code::kNoNode);
      if (nodes_.contains(op.path)) return fail(Code::kNodeExists);
      const auto parent = nodes_.find(ParentPath(op.path));
      if (parent == nodes_.end()) return fail(Code::kNoNode);
      if (parent->second.ephemeral_owner != 0) return fail(Code::kNoChildrenForEphemerals);
      return txn;
    }
    case OpType::kSetData: {
      const auto it = nodes_.find(op.path);
      if (it == nodes_.end()) return fail(Code::kNoNode);
      if (op.version != -1 && op.version != it->second.version) return fail(Code::kBadVersion);
      // Wrapping like ZooKeeper's int version, without signed overflow.
      txn.new_version = static_cast<int32_t>(static_cast<uint32_t>(it->second.version) + 1);
      return txn;
    }
    case OpType::kDelete: {
      const auto it = nodes_.find(op.path);
      if (it == nodes_.end()) return fail(Code::kNoNode);
      // The version first, as PrepRequestProcessor checks it before the children.
      if (op.version != -1 && op.version != it->second.version) return fail(Code::kBadVersion);
      // The root always has a child in ZooKeeper (/zookeeper): deleting it is NOTEMPTY.
      if (it->first == "/" || it->second.num_children > 0) return fail(Code::kNotEmpty);
      return txn;
    }
    case OpType::kGetData:
    case OpType::kExists:
    case OpType::kSync:
      break;
  }
  ZABSIM_CHECK(false, "txn {}: op type {} is not a write", ToString(txn.zxid), ToString(op.type));
  return txn;
}

ApplyResult DataTree::Apply(const Txn& in) {
  const Txn txn = in.prepared ? in : Prepare(in);
  // Never in a correct run, but a duplicated COMMIT over an unsafe channel does it: the
  // txn is applied again, and, as ZooKeeper's DataTree.processTxn does, the zxid only
  // moves forward. The safety checker reports the txn (applied-in-order).
  last_processed_zxid_ = std::max(last_processed_zxid_, txn.zxid);
  last_applied_txn_ = std::max(last_applied_txn_, txn.zxid);
  if (txn.error != Code::kOk) return ApplyResult{.code = txn.error};  // An ErrorTxn.
  Mutator mutator{nodes_, sessions_, digest_};
  switch (txn.op.type) {
    case OpType::kCreateSession:
      mutator.OpenSession(txn.session);
      return ApplyResult{};
    case OpType::kCloseSession:
      mutator.CloseSession(txn.session);
      return ApplyResult{};
    case OpType::kCreate:
      return mutator.Create(txn);
    case OpType::kSetData:
      return mutator.SetData(txn);
    case OpType::kDelete:
      return mutator.Delete(txn.op);
    case OpType::kGetData:
    case OpType::kExists:
    case OpType::kSync:
      break;
  }
  ZABSIM_CHECK(false, "txn {}: op type {} is not a write", ToString(txn.zxid),
               ToString(txn.op.type));
  return ApplyResult{};
}

bool operator==(const DataTree& a, const DataTree& b) {
  // The digest is a function of nodes and sessions, so it need not be compared.
  return a.last_processed_zxid_ == b.last_processed_zxid_ &&
         a.last_applied_txn_ == b.last_applied_txn_ && a.sessions_ == b.sessions_ &&
         a.nodes_ == b.nodes_;
}

std::string DataTree::Serialize(Zxid marker) const {
  std::string out(kMagic);
  PutU64(out, marker.value);
  PutU64(out, last_applied_txn_.value);
  PutU32(out, static_cast<uint32_t>(sessions_.size()));
  for (const uint64_t session : sessions_) PutU64(out, session);
  PutU32(out, static_cast<uint32_t>(nodes_.size()));
  for (const auto& [path, node] : nodes_) {
    PutString(out, path);
    PutString(out, node.data);
    PutU32(out, static_cast<uint32_t>(node.version));
    PutU64(out, node.ephemeral_owner);
    PutU64(out, node.czxid.value);
    PutU64(out, node.mzxid.value);
  }
  return out;
}

absl::StatusOr<DataTree> DataTree::Deserialize(std::string_view bytes) {
  Reader reader(bytes);
  if (!reader.Skip(kMagic)) return Malformed("unknown magic or format version");
  DataTree tree;
  if (!reader.U64(tree.last_processed_zxid_.value)) return Malformed("truncated last zxid");
  if (!reader.U64(tree.last_applied_txn_.value)) return Malformed("truncated applied zxid");
  if (absl::Status s = ReadSessions(reader, tree.sessions_); !s.ok()) return s;
  std::map<std::string, Node, std::less<>> nodes;
  if (absl::Status s = ReadNodes(reader, nodes); !s.ok()) return s;
  if (reader.remaining() != 0) {
    return Malformed(fmt::format("{} trailing bytes", reader.remaining()));
  }
  if (absl::Status s = CheckShape(nodes, tree.sessions_); !s.ok()) return s;
  for (const auto& [path, node] : nodes) {
    if (path != "/") ++nodes.find(ParentPath(path))->second.num_children;
  }
  tree.nodes_ = std::move(nodes);
  tree.digest_ = 0;
  for (const uint64_t session : tree.sessions_) tree.digest_ += SessionHash(session);
  for (const auto& [path, node] : tree.nodes_) tree.digest_ += NodeHash(path, node);
  return tree;
}

}  // namespace zabsim::zab

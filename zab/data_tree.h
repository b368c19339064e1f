// File: zab/data_tree.h
//
// The replicated state: ZooKeeper's DataTree, reduced to what the simulator needs.
// Nodes are addressed by absolute paths ("/", "/a", "/a/b"); "/" always exists. Every
// replica applies the same txns in zxid order and so holds the same tree; the digest, a
// hash of the whole content maintained incrementally, lets a checker compare two
// replicas in O(1).
//
//   DataTree tree;
//   ApplyResult r = tree.Apply(txn);   // REQUIRES: txn.zxid > tree.last_processed_zxid()
//   const Node* n = tree.Find("/a");

#ifndef ZABSIM_ZAB_DATA_TREE_H_
#define ZABSIM_ZAB_DATA_TREE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

struct Node {
  std::string data;
  int32_t version = 0;           // Incremented by every setData.
  uint64_t ephemeral_owner = 0;  // Session that owns an ephemeral node; 0 otherwise.
  Zxid czxid;                    // Txn that created it.
  Zxid mzxid;                    // Txn that last modified it.
  // How many children it has (ZooKeeper's Stat.numChildren), kept by every create and
  // delete so that neither a delete's NOTEMPTY check nor the leader's ChangeRecord has
  // to scan the tree. Derived from the paths: not serialized, not in the digest.
  int32_t num_children = 0;

  friend bool operator==(const Node&, const Node&) = default;
};

// ApplyResult is the outcome of one txn, the same on every replica.
struct ApplyResult {
  Code code = Code::kOk;
  int32_t version = 0;  // The node's version after a successful setData or create.
};

class DataTree {
 public:
  DataTree();

  // Prepare checks a write against this tree, as the leader's PrepRequestProcessor does
  // against its prospective state: the result is an error txn (missing parent, wrong
  // version, unknown session ...) or one that says what the state becomes.
  // REQUIRES: IsWrite(txn.op.type).
  Txn Prepare(Txn txn) const;
  // Apply applies a write txn (prepared against this tree first if it was not prepared)
  // and sets last_processed_zxid to its zxid, if that is higher. An error txn changes
  // nothing but the zxid and reports its code; so does a txn that finds the tree already
  // past it (a replay), reporting why. A txn at or below last_processed_zxid is applied
  // and leaves the zxid where it is, as in ZooKeeper.
  ApplyResult Apply(const Txn& txn);

  // Find returns the node at `path`, or nullptr.
  const Node* Find(std::string_view path) const;
  bool HasSession(uint64_t session) const { return sessions_.contains(session); }

  Zxid last_processed_zxid() const { return last_processed_zxid_; }
  // last_applied_txn is the zxid of the last txn this tree's content reflects. It can
  // differ from last_processed_zxid, which is also moved as a marker (to (e, 0) by a new
  // leader, to the TRUNC point by a learner); a snapshot's name is the marker, its
  // content is up to this.
  Zxid last_applied_txn() const { return last_applied_txn_; }
  // set_last_processed_zxid moves the marker without applying anything, as ZooKeeper
  // does after a SNAP or TRUNC and when a leader starts its epoch (Leader.startZkServer).
  void set_last_processed_zxid(Zxid zxid) { last_processed_zxid_ = zxid; }

  // digest is a hash of every node (path, data, version, owner) and session, updated
  // incrementally; equal trees have equal digests on every platform.
  uint64_t digest() const { return digest_; }
  size_t node_count() const { return nodes_.size(); }
  const std::map<std::string, Node, std::less<>>& nodes() const { return nodes_; }
  const std::set<uint64_t>& sessions() const { return sessions_; }

  // Serialize writes the whole tree (nodes, sessions, last_processed_zxid) as bytes;
  // Deserialize reads it back, rejecting malformed input with a Status.
  std::string Serialize() const { return Serialize(last_processed_zxid_); }
  // Serialize(marker) writes `marker` as the last processed zxid: a fuzzy snapshot is
  // named after the zxid its thread read when it began, and loads as that.
  std::string Serialize(Zxid marker) const;
  static absl::StatusOr<DataTree> Deserialize(std::string_view bytes);

  friend bool operator==(const DataTree& a, const DataTree& b);

 private:
  std::map<std::string, Node, std::less<>> nodes_;  // Includes "/".
  std::set<uint64_t> sessions_;
  Zxid last_processed_zxid_;
  Zxid last_applied_txn_;
  uint64_t digest_ = 0;
};

// ParentPath returns the parent of an absolute path ("/a/b" -> "/a", "/a" -> "/").
std::string_view ParentPath(std::string_view path);
// IsValidPath: absolute, no trailing '/', no empty component ("/" itself is valid).
bool IsValidPath(std::string_view path);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_DATA_TREE_H_

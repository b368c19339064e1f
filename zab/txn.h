// File: zab/txn.h
//
// Client operations, the requests that carry them to the leader, and the transactions
// (txns) the leader makes of them. A txn is what ZAB broadcasts: it has a zxid and is
// applied by every replica, in zxid order, to its data tree.
//
// As in ZooKeeper, the leader checks a write against its prospective state
// (PrepRequestProcessor) and may turn it into an error txn: a failed write (e.g.
// NodeExists) is still a txn with a zxid, with the same outcome on every replica.

#ifndef ZABSIM_ZAB_TXN_H_
#define ZABSIM_ZAB_TXN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "zab/types.h"

namespace zabsim::zab {

enum class OpType : uint8_t {
  // Writes: they become txns.
  kCreateSession,
  kCloseSession,  // Also deletes the session's ephemeral nodes.
  kCreate,
  kSetData,
  kDelete,
  // Not txns: served by the server the client is connected to.
  kGetData,
  kExists,
  kSync,  // Forwarded to the leader; answered once the server has seen every write the
          // leader had proposed when the sync arrived.
};

std::string_view ToString(OpType type);
bool IsWrite(OpType type);

// ZooKeeper's KeeperException codes, the ones our operations can return.
enum class Code : uint8_t {
  kOk,
  kNoNode,
  kNodeExists,
  kBadVersion,
  kNotEmpty,
  kNoChildrenForEphemerals,
  kSessionExpired,    // The session does not exist (never created, or closed).
  kConnectionLoss,    // The client's server failed before answering (indeterminate).
};

std::string_view ToString(Code code);

// Op is one client operation.
struct Op {
  OpType type = OpType::kGetData;
  std::string path;
  std::string data;
  int32_t version = -1;  // kSetData / kDelete: expected version, -1 for any.
  bool ephemeral = false;  // kCreate.

  friend bool operator==(const Op&, const Op&) = default;
};

// Request is an operation of a client session, as a server forwards it to the leader
// (REQUEST). (session, cxid) identify it end to end.
struct Request {
  uint64_t session = 0;
  uint64_t cxid = 0;  // The client's sequence number within the session.
  Op op;

  friend bool operator==(const Request&, const Request&) = default;
};

// Txn is a write with the zxid the leader gave it, and what the leader's
// PrepRequestProcessor made of it against its prospective state: an error (ZooKeeper's
// ErrorTxn, which every replica applies as "nothing changes, answer with this code") or,
// for a setData, the node's version after it. Like ZooKeeper's txns, a prepared txn says
// what the state becomes, not what to check, so applying it again (a fuzzy snapshot's
// replay, a SNAP that overlaps the txns forwarded after it) leaves the tree as it was.
// A txn that was never prepared (one a test builds) is prepared against the tree it is
// applied to (DataTree::Prepare).
struct Txn {
  Zxid zxid;
  uint64_t session = 0;
  uint64_t cxid = 0;
  Op op;
  bool prepared = false;
  Code error = Code::kOk;    // Prepared: the ErrorTxn's code, kOk for a real change.
  int32_t new_version = 0;   // Prepared setData: the version it sets (SetDataTxn.version).

  friend bool operator==(const Txn&, const Txn&) = default;
};

// DescribeOp writes an op briefly, e.g. "create /a=x", "set /a=y v=3", "delete /a".
std::string DescribeOp(const Op& op);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_TXN_H_

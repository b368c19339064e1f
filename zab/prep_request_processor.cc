#include "zab/prep_request_processor.h"

#include <vector>

#include "base/check.h"

namespace zabsim::zab {
PrepRequestProcessor::NodeRecord PrepRequestProcessor::Record(const std::string& path) const {
  if (const auto it = nodes_.find(path); it != nodes_.end()) return it->second;
  NodeRecord r;
  const Node* node = tree_.Find(path);
  if (node == nullptr) return r;
  r.exists = true;
  r.version = node->version;
  r.ephemeral_owner = node->ephemeral_owner;
  r.children = static_cast<uint32_t>(node->num_children);
  return r;
}

bool PrepRequestProcessor::SessionOpen(uint64_t session) const {
  if (const auto it = sessions_.find(session); it != sessions_.end()) return it->second.open;
  return tree_.HasSession(session);
}

Code PrepRequestProcessor::Check(const Txn& txn) const {
  const Op& op = txn.op;
  if (op.type != OpType::kCreateSession) {
    // Session 0 is "no session" and may write, but it cannot own anything.
    if (txn.session != 0 && !SessionOpen(txn.session)) return Code::kSessionExpired;
    const bool needs_owner =
        op.type == OpType::kCloseSession || (op.type == OpType::kCreate && op.ephemeral);
    if (txn.session == 0 && needs_owner) return Code::kSessionExpired;
  }
  switch (op.type) {
    case OpType::kCreateSession:
    case OpType::kCloseSession:
      return Code::kOk;
    case OpType::kCreate: {
      if (!IsValidPath(op.path)) return Code::kNoNode;
      if (Record(op.path).exists) return Code::kNodeExists;
      const NodeRecord parent = Record(std::string(ParentPath(op.path)));
      if (!parent.exists) return Code::kNoNode;
      if (parent.ephemeral_owner != 0) return Code::kNoChildrenForEphemerals;
      return Code::kOk;
    }
    case OpType::kSetData: {
      const NodeRecord r = Record(op.path);
      if (!r.exists) return Code::kNoNode;
      if (op.version != -1 && op.version != r.version) return Code::kBadVersion;
      return Code::kOk;
    }
    case OpType::kDelete: {
      const NodeRecord r = Record(op.path);
      if (!r.exists) return Code::kNoNode;
      if (op.version != -1 && op.version != r.version) return Code::kBadVersion;
      if (op.path == "/" || r.children > 0) return Code::kNotEmpty;
      return Code::kOk;
    }
    case OpType::kGetData:
    case OpType::kExists:
    case OpType::kSync:
      break;
  }
  ZABSIM_CHECK(false, "preparing a read ({})", ToString(op.type));
  return Code::kOk;
}

void PrepRequestProcessor::Change(const Txn& txn) {
  const Op& op = txn.op;
  const auto parent_children = [&](std::string_view path, int delta) {
    const std::string parent(ParentPath(path));
    NodeRecord r = Record(parent);
    r.children = static_cast<uint32_t>(static_cast<int64_t>(r.children) + delta);
    r.zxid = txn.zxid;
    nodes_[parent] = r;
  };
  switch (op.type) {
    case OpType::kCreateSession:
      sessions_[txn.session] = SessionRecord{txn.zxid, true};
      return;
    case OpType::kCloseSession: {
      sessions_[txn.session] = SessionRecord{txn.zxid, false};
      // Its ephemeral nodes go with it: those in the tree not already changed, and those
      // that proposed txns created.
      std::vector<std::string> ephemerals;
      for (const auto& [path, node] : tree_.nodes()) {
        if (node.ephemeral_owner == txn.session && !nodes_.contains(path)) ephemerals.push_back(path);
      }
      for (const auto& [path, r] : nodes_) {
        if (r.exists && r.ephemeral_owner == txn.session) ephemerals.push_back(path);
      }
      for (const std::string& path : ephemerals) {
        nodes_[path] = NodeRecord{.zxid = txn.zxid};
        parent_children(path, -1);
      }
      return;
    }
    case OpType::kCreate:
      nodes_[op.path] = NodeRecord{.zxid = txn.zxid,
                                   .exists = true,
                                   .ephemeral_owner = op.ephemeral ? txn.session : 0};
      parent_children(op.path, +1);
      return;
    case OpType::kSetData: {
      NodeRecord r = Record(op.path);
      r.version = txn.new_version;
      r.zxid = txn.zxid;
      nodes_[op.path] = r;
      return;
    }
    case OpType::kDelete:
      nodes_[op.path] = NodeRecord{.zxid = txn.zxid};
      parent_children(op.path, -1);
      return;
    case OpType::kGetData:
    case OpType::kExists:
    case OpType::kSync:
      return;
  }
}

Txn PrepRequestProcessor::Prepare(const Request& request, Zxid zxid) {
  Txn txn{zxid, request.session, request.cxid, request.op};
  txn.prepared = true;
  txn.error = Check(txn);
  if (txn.error != Code::kOk) return txn;
  if (txn.op.type == OpType::kSetData) {
    // Wrapping like ZooKeeper's int version, without signed overflow.
    txn.new_version =
        static_cast<int32_t>(static_cast<uint32_t>(Record(txn.op.path).version) + 1);
  }
  Change(txn);
  return txn;
}

void PrepRequestProcessor::Applied(Zxid zxid) {
  std::erase_if(nodes_, [&](const auto& entry) { return entry.second.zxid <= zxid; });
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.zxid <= zxid; });
}

}  // namespace zabsim::zab

// File: zab/prep_request_processor.h
//
// ZooKeeper's PrepRequestProcessor: the leader turns a client write into a txn by
// checking it against its prospective state, the data tree as it will be once every
// txn already proposed is applied. That state is the tree plus the outstanding changes
// (ZooKeeper's outstandingChanges): one record per path and per session that a proposed
// txn changed, dropped once the txn that made it is applied.
//
// The result is ZooKeeper's kind of txn: an error txn (the client's answer, with no
// change anywhere), or one that says what the state becomes (a setData carries the
// version it sets). So every replica applies the same change, whatever its tree, and
// applying a txn again changes nothing.
//
// ZooKeeper runs this on its own thread between the request queue and Leader.propose;
// here it runs in the step that proposes. Nothing reads the prospective state but the
// next prepare, and proposals keep their order either way, so the thread adds no order
// that could differ.

#ifndef ZABSIM_ZAB_PREP_REQUEST_PROCESSOR_H_
#define ZABSIM_ZAB_PREP_REQUEST_PROCESSOR_H_

#include <cstdint>
#include <map>
#include <string>

#include "zab/data_tree.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

class PrepRequestProcessor {
 public:
  explicit PrepRequestProcessor(const DataTree& tree) : tree_(tree) {}

  // Prepare makes the txn of `request` at `zxid` and records what it changes.
  Txn Prepare(const Request& request, Zxid zxid);
  // Applied forgets the changes of every txn up to `zxid`: the tree holds them now.
  void Applied(Zxid zxid);

  size_t outstanding_changes() const { return nodes_.size() + sessions_.size(); }

 private:
  // NodeRecord is ZooKeeper's ChangeRecord: a path's state once every proposed txn up to
  // `zxid` is applied.
  struct NodeRecord {
    Zxid zxid;
    bool exists = false;
    int32_t version = 0;
    uint64_t ephemeral_owner = 0;
    uint32_t children = 0;
  };
  struct SessionRecord {
    Zxid zxid;
    bool open = false;
  };

  NodeRecord Record(const std::string& path) const;
  bool SessionOpen(uint64_t session) const;
  Code Check(const Txn& txn) const;
  void Change(const Txn& txn);

  const DataTree& tree_;
  std::map<std::string, NodeRecord, std::less<>> nodes_;
  std::map<uint64_t, SessionRecord> sessions_;
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_PREP_REQUEST_PROCESSOR_H_

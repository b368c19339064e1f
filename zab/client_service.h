// File: zab/client_service.h
//
// A server's client side: the sessions connected to it, and the order in which their
// requests are answered (CommitProcessor). Reads are served from the local tree at
// once, unless the same session has a write or sync in flight, in which case they wait
// behind it (FIFO order per session). Writes go to the leader and are answered when
// this server applies the committed txn; syncs (on a learner) are forwarded and
// answered once the leader's SYNC comes back, after every commit before it.
//
// A server serves clients only while its role runs (after UPTODATE, or once the leader
// is established); when it stops, it closes every client connection and the requests
// in flight are left to the clients' timeouts, as ZooKeeper's are.

#ifndef ZABSIM_ZAB_CLIENT_SERVICE_H_
#define ZABSIM_ZAB_CLIENT_SERVICE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>

#include "zab/core.h"
#include "zab/database.h"
#include "zab/messages.h"
#include "zab/role.h"

namespace zabsim::zab {

class ClientService final : public ConnHandler, public Part {
 public:
  ClientService(Core& core, Database& db);
  ~ClientService() override;

  void OnAccepted(ConnId conn);
  // Serve starts serving through `role` (the leader proposes, a learner forwards).
  void Serve(Role* role, bool leader);
  void Stop();
  bool serving() const { return role_ != nullptr; }

  void OnApplied(const Txn& txn, const ApplyResult& result);
  void OnSyncDone();

  void OnConnected(ConnId) override {}
  void OnMessage(ConnId conn, const Message& message) override;
  void OnDisconnected(ConnId conn) override;

 private:
  struct Pending {
    ConnId conn;
    ClientRequest request;
  };

  void Reply(ConnId conn, const ClientRequest& r, Code code, Zxid zxid, int32_t version);
  void ReplyRead(ConnId conn, const ClientRequest& r);
  void Release(uint64_t session);  // Answers the reads now at the head of the session.
  bool IsLocal(const ClientRequest& r) const;

  Core& core_;
  Database& db_;
  Owner owner_;
  Role* role_ = nullptr;
  bool leader_ = false;
  std::set<uint64_t> conns_;
  std::map<uint64_t, std::deque<Pending>> sessions_;  // Requests waiting, per session.
  std::deque<uint64_t> forwarded_syncs_;              // Sessions, in the order sent.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_CLIENT_SERVICE_H_

#include "zab/client_service.h"

#include <fmt/format.h>

namespace zabsim::zab {

ClientService::ClientService(Core& core, Database& db)
    : core_(core), db_(db), owner_(core.NewOwner(this)) {}

ClientService::~ClientService() { core_.Drop(owner_); }

void ClientService::OnAccepted(ConnId conn) {
  if (!serving()) {
    // ZooKeeperServer not running: the connection is closed at once.
    core_.out().Close(conn);
    return;
  }
  core_.Adopt(owner_, conn, this);
  conns_.insert(conn.value);
}

void ClientService::Serve(Role* role, bool leader) {
  role_ = role;
  leader_ = leader;
}

void ClientService::Stop() {
  role_ = nullptr;
  for (const uint64_t conn : conns_) core_.Close(ConnId{conn});
  conns_.clear();
  sessions_.clear();
  forwarded_syncs_.clear();
}

void ClientService::OnDisconnected(ConnId conn) {
  core_.Forget(conn);
  conns_.erase(conn.value);
  // Requests of a gone connection are no longer answered here.
  for (auto& [session, queue] : sessions_) {
    std::erase_if(queue, [&](const Pending& p) { return p.conn == conn; });
  }
}

bool ClientService::IsLocal(const ClientRequest& r) const {
  // Reads, and syncs at the leader (matchSyncs is false there), need no commit.
  return !IsWrite(r.op.type) && (r.op.type != OpType::kSync || leader_);
}

void ClientService::OnMessage(ConnId conn, const Message& message) {
  const auto* r = std::get_if<ClientRequest>(&message);
  if (r == nullptr || !serving()) return;
  if (r->last_zxid_seen > db_.last_processed() && core_.config().bugs.serve_stale_clients) {
    core_.Cover(Mark::kBugServeStaleClients);
  }
  if (r->last_zxid_seen > db_.last_processed() && !core_.config().bugs.serve_stale_clients) {
    // The client has seen a newer state than ours: refuse it, it will try elsewhere.
    core_.Cover(Mark::kClientRefusedStale);
    core_.Emit(Ignored{"CLIENT-REQUEST", "client has seen a newer zxid", PeerId{}, r->last_zxid_seen});
    core_.Close(conn);
    conns_.erase(conn.value);
    return;
  }
  std::deque<Pending>& queue = sessions_[r->session];
  if (IsLocal(*r) && queue.empty()) {
    ReplyRead(conn, *r);
    return;
  }
  queue.push_back(Pending{conn, *r});
  if (IsLocal(*r)) return;  // Waits behind the session's write or sync.
  if (r->op.type == OpType::kSync) forwarded_syncs_.push_back(r->session);
  role_->Submit(Request{r->session, r->cxid, r->op});
}

void ClientService::Reply(ConnId conn, const ClientRequest& r, Code code, Zxid zxid,
                          int32_t version) {
  ClientReply reply;
  reply.session = r.session;
  reply.cxid = r.cxid;
  reply.code = code;
  reply.zxid = zxid;
  reply.version = version;
  core_.Emit(ClientServed{r.session, r.cxid, r.op.type, code, zxid});
  core_.Send(conn, std::move(reply));
}

void ClientService::ReplyRead(ConnId conn, const ClientRequest& r) {
  ClientReply reply;
  reply.session = r.session;
  reply.cxid = r.cxid;
  reply.zxid = db_.last_processed();
  if (r.op.type == OpType::kGetData || r.op.type == OpType::kExists) {
    const Node* node = db_.tree().Find(r.op.path);
    reply.exists = node != nullptr;
    reply.code = node != nullptr || r.op.type == OpType::kExists ? Code::kOk : Code::kNoNode;
    if (node != nullptr) {
      reply.data = node->data;
      reply.version = node->version;
    }
  }
  core_.Emit(ClientServed{r.session, r.cxid, r.op.type, reply.code, reply.zxid});
  core_.Send(conn, std::move(reply));
}

void ClientService::Release(uint64_t session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  while (!it->second.empty() && IsLocal(it->second.front().request)) {
    const Pending p = it->second.front();
    it->second.pop_front();
    ReplyRead(p.conn, p.request);
  }
  if (it->second.empty()) sessions_.erase(it);
}

void ClientService::OnApplied(const Txn& txn, const ApplyResult& result) {
  auto it = sessions_.find(txn.session);
  if (it == sessions_.end() || it->second.empty()) return;
  const Pending& head = it->second.front();
  if (head.request.cxid != txn.cxid || !IsWrite(head.request.op.type)) return;
  const Pending p = head;
  it->second.pop_front();
  Reply(p.conn, p.request, result.code, txn.zxid, result.version);
  Release(txn.session);
}

void ClientService::OnSyncDone() {
  if (forwarded_syncs_.empty()) {
    core_.Emit(Ignored{"SYNC", "no sync is pending", PeerId{}, Zxid{}});
    return;
  }
  const uint64_t session = forwarded_syncs_.front();
  forwarded_syncs_.pop_front();
  auto it = sessions_.find(session);
  if (it == sessions_.end() || it->second.empty() ||
      it->second.front().request.op.type != OpType::kSync) {
    return;  // Its connection went away meanwhile.
  }
  const Pending p = it->second.front();
  it->second.pop_front();
  Reply(p.conn, p.request, Code::kOk, db_.last_processed(), -1);
  Release(session);
}

}  // namespace zabsim::zab

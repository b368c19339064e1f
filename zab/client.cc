#include "zab/client.h"

#include "base/check.h"
#include "base/hash.h"

namespace zabsim::zab {

Client::Client(ClientOptions options, Outbox* out)
    : options_(std::move(options)),
      out_(out),
      random_state_(base::Mix64(options_.seed ^ (options_.session * 0x9e3779b97f4a7c15ULL))) {
  ZABSIM_CHECK(!options_.servers.empty(), "a client needs servers");
  ZABSIM_CHECK(options_.session != 0, "session 0 means no session");
}

uint64_t Client::Random(uint64_t bound) {
  random_state_ += 0x9e3779b97f4a7c15ULL;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(base::Mix64(random_state_)) *
                                bound) >> 64);
}

void Client::Start() { Connect(); }

void Client::Submit(Op op) {
  queue_.push_back(std::move(op));
  if (connected_ && !in_flight_.has_value()) SendNext();
}

void Client::Connect() {
  // Pick a server at random, as ZooKeeper's client shuffles its connect string.
  server_ = options_.servers[Random(options_.servers.size())];
  conn_ = out_->Connect(server_, Channel::kClient);
  connected_ = false;
}

void Client::Disconnect() {
  if (conn_.value != 0) out_->Close(conn_);
  conn_ = ConnId{};
  connected_ = false;
  if (in_flight_.has_value()) Complete(nullptr);
  reconnect_tag_ = next_tag_++;
  out_->SetTimer(options_.reconnect_delay_ms, reconnect_tag_);
}

void Client::OnConnected(ConnId conn) {
  if (conn != conn_) return;
  connected_ = true;
  SendNext();
}

void Client::OnDisconnected(ConnId conn) {
  if (conn != conn_) return;
  conn_ = ConnId{};
  connected_ = false;
  if (in_flight_.has_value()) Complete(nullptr);
  reconnect_tag_ = next_tag_++;
  out_->SetTimer(options_.reconnect_delay_ms, reconnect_tag_);
}

void Client::SendNext() {
  if (!connected_ || in_flight_.has_value()) return;
  Op op;
  if (!session_open_) {
    op.type = OpType::kCreateSession;  // A session is a write: createSession.
  } else if (!queue_.empty()) {
    op = std::move(queue_.front());
    queue_.pop_front();
  } else {
    return;
  }
  ClientRequest r;
  r.session = options_.session;
  r.cxid = next_cxid_++;
  r.op = op;
  r.last_zxid_seen = last_zxid_seen_;
  in_flight_ = r;
  // Opening the session is part of connecting, not an operation of the client's history.
  if (op.type != OpType::kCreateSession) out_->Emit(ClientInvoked{r.session, r.cxid, r.op, server_});
  out_->Send(conn_, r);
  op_timer_tag_ = next_tag_++;
  op_timer_ = out_->SetTimer(options_.op_timeout_ms, op_timer_tag_);
}

void Client::OnMessage(ConnId conn, const Message& message) {
  if (conn != conn_) return;
  const auto* reply = std::get_if<ClientReply>(&message);
  if (reply == nullptr || !in_flight_.has_value() || reply->cxid != in_flight_->cxid) return;
  if (reply->zxid > last_zxid_seen_) last_zxid_seen_ = reply->zxid;
  Complete(reply);
  SendNext();
}

void Client::Complete(const ClientReply* reply) {
  ZABSIM_CHECK(in_flight_.has_value());
  const ClientRequest r = *in_flight_;
  in_flight_.reset();
  out_->CancelTimer(op_timer_);
  op_timer_tag_ = 0;
  if (r.op.type != OpType::kCreateSession) ++completed_;
  ClientCompleted c;
  c.session = r.session;
  c.cxid = r.cxid;
  c.op = r.op;
  c.server = server_;
  if (reply == nullptr) {
    c.code = Code::kConnectionLoss;
    c.indeterminate = true;
  } else {
    c.code = reply->code;
    c.zxid = reply->zxid;
    c.data = reply->data;
    c.version = reply->version;
    c.exists = reply->exists;
    if (r.op.type == OpType::kCreateSession) session_open_ = true;
  }
  if (r.op.type != OpType::kCreateSession) out_->Emit(c);
}

void Client::OnTimer(uint64_t tag) {
  if (tag == reconnect_tag_) {
    reconnect_tag_ = 0;
    if (conn_.value == 0) Connect();
    return;
  }
  if (tag == op_timer_tag_ && in_flight_.has_value()) {
    // No answer in time: give up on this server.
    Disconnect();
  }
}

}  // namespace zabsim::zab

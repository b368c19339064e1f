// File: zab/client.h
//
// A simulated ZooKeeper client: one session, connected to one server at a time. It
// opens its session with a createSession write, then runs the operations it is given in
// order, one at a time (so FIFO order per client holds trivially). It remembers the
// highest zxid it has seen and sends it along, so that a server that is behind refuses
// it rather than show it an older state (ZooKeeper's check at connection time).
//
// When its server fails, its connection breaks, or an answer takes longer than the
// operation timeout, the operation in flight completes as indeterminate
// (CONNECTIONLOSS: it may or may not have taken effect) and the client reconnects to
// another server and goes on. Every invocation and completion is reported as an event
// with the client's session and cxid, for the history checks.

#ifndef ZABSIM_ZAB_CLIENT_H_
#define ZABSIM_ZAB_CLIENT_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "zab/messages.h"
#include "zab/outbox.h"
#include "zab/types.h"

namespace zabsim::zab {

struct ClientOptions {
  std::vector<PeerId> servers;    // Servers it may connect to.
  uint64_t session = 0;           // Chosen by the client; must be unique and non-zero.
  int64_t op_timeout_ms = 4000;   // After this, an operation is indeterminate.
  int64_t reconnect_delay_ms = 50;
  uint64_t seed = 0;              // For the choice of server.
};

class Client {
 public:
  Client(ClientOptions options, Outbox* out);

  void Start();
  // Submit queues an operation; it runs after the ones queued before.
  void Submit(Op op);

  void OnConnected(ConnId conn);
  void OnDisconnected(ConnId conn);
  void OnMessage(ConnId conn, const Message& message);
  void OnTimer(uint64_t tag);

  bool idle() const { return !in_flight_.has_value() && queue_.empty(); }
  size_t pending() const { return queue_.size() + (in_flight_.has_value() ? 1 : 0); }
  uint64_t completed() const { return completed_; }
  Zxid last_zxid_seen() const { return last_zxid_seen_; }
  PeerId server() const { return server_; }
  bool connected() const { return connected_; }

 private:
  void Connect();
  void Disconnect();
  void SendNext();
  void Complete(const ClientReply* reply);  // nullptr: indeterminate.
  uint64_t Random(uint64_t bound);

  ClientOptions options_;
  Outbox* out_;
  uint64_t random_state_;
  PeerId server_;
  ConnId conn_;
  bool connected_ = false;
  bool session_open_ = false;
  uint64_t next_cxid_ = 1;
  Zxid last_zxid_seen_;
  std::deque<Op> queue_;
  std::optional<ClientRequest> in_flight_;
  TimerId op_timer_;
  uint64_t op_timer_tag_ = 0;
  uint64_t next_tag_ = 1;
  uint64_t reconnect_tag_ = 0;
  uint64_t completed_ = 0;
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_CLIENT_H_

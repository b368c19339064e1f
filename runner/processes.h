// File: runner/processes.h
//
// ZAB servers and clients as processes of the simulated world. A ServerProcess owns a
// zab::Peer and a ClientProcess a zab::Client; both turn the world's callbacks into the
// state machine's inputs, and the state machine's Outbox calls into requests to the
// world (through the handler's sim::Context, valid only while the handler runs).
//
// Process ids are ZooKeeper sids for servers (1..servers); clients follow.

#ifndef ZABSIM_RUNNER_PROCESSES_H_
#define ZABSIM_RUNNER_PROCESSES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/trace_format.h"
#include "sim/distribution.h"
#include "sim/process.h"
#include "sim/random.h"
#include "zab/client.h"
#include "zab/config.h"
#include "zab/coverage.h"
#include "zab/outbox.h"
#include "zab/peer.h"

namespace zabsim::runner {

using Ctx = sim::Context<zab::Message>;

// The signal that makes a server restart its role without a crash.
inline constexpr uint32_t kRoleRestartSignal = 1;

// EventSink receives every event of every server and client, with its process id.
using EventSink = std::function<void(uint32_t process, const zab::Event& event)>;

// SimOutbox implements zab::Outbox over the context of the handler running now.
class SimOutbox final : public zab::Outbox {
 public:
  // `files` is the process's page cache (sim::ProcessEnv::page_cache). `coverage`, if not
  // null, counts the marks the state machine reaches; it is owned by the run (the
  // cluster), so that its counts outlive a crash of this process.
  SimOutbox(EventSink* sink, const zab::DiskContents* files, zab::Coverage* coverage = nullptr)
      : sink_(sink), files_(files), coverage_(coverage) {}
  void Bind(Ctx* ctx) { ctx_ = ctx; }

  zab::ConnId Connect(zab::PeerId to, zab::Channel channel) override;
  void Send(zab::ConnId conn, zab::Message message) override;
  void Close(zab::ConnId conn) override;
  void Listen(zab::Channel channel, bool listening) override;
  zab::TimerId SetTimer(int64_t delay_ms, uint64_t tag) override;
  void CancelTimer(zab::TimerId timer) override;
  void Schedule(zab::Thread thread, uint32_t instance, uint64_t tag, std::string_view step) override;
  const zab::DiskContents& Files() const override;
  void Append(std::string_view file, std::string record, uint64_t zxid) override;
  void TruncateTo(std::string_view file, uint64_t records) override;
  bool Replace(std::string_view file, std::vector<std::string> records) override;
  void Remove(std::string_view file) override;
  zab::SyncToken Sync(std::string_view file) override;
  void Emit(const zab::Event& event) override;
  void Cover(zab::Mark mark) override {
    if (coverage_ != nullptr) coverage_->Hit(mark);
  }
  void Exit(std::string_view reason) override;

 private:
  Ctx& ctx() const;
  Ctx* ctx_ = nullptr;
  EventSink* sink_;
  const zab::DiskContents* files_;
  zab::Coverage* coverage_;
};

class ServerProcess final : public sim::Process<zab::Message> {
 public:
  // `coverage` (may be null) counts the peer's coverage marks; it must outlive the process.
  ServerProcess(const sim::ProcessEnv& env, const zab::Config& config, EventSink* sink,
                zab::Coverage* coverage = nullptr);

  void Start(Ctx& ctx) override;
  void OnConnected(Ctx& ctx, sim::ConnId conn, sim::ProcessId peer) override;
  void OnAccepted(Ctx& ctx, sim::ConnId conn, sim::ProcessId peer, uint32_t port) override;
  void OnDisconnected(Ctx& ctx, sim::ConnId conn, sim::DisconnectReason reason) override;
  void OnMessage(Ctx& ctx, sim::ConnId conn, sim::ProcessId from, zab::Message m) override;
  void OnTimer(Ctx& ctx, sim::TimerId timer, uint64_t tag) override;
  void OnSynced(Ctx& ctx, sim::SyncToken token) override;
  void OnSyncFailed(Ctx& ctx, sim::SyncToken token) override;
  void OnSignal(Ctx& ctx, uint32_t signal) override;
  void OnStep(Ctx& ctx, uint64_t tag) override;

  const zab::Peer& peer() const { return peer_; }

 private:
  template <typename F>
  void With(Ctx& ctx, F&& f);

  SimOutbox outbox_;
  zab::Peer peer_;
};

// Workload is what each client does on its own: `ops` operations on a few keys, with a
// think time between one completion and the next invocation.
struct Workload {
  uint64_t ops = 0;
  uint32_t keys = 4;
  sim::Distribution think = sim::Distribution::Uniform(sim::Duration::Millis(5),
                                                       sim::Duration::Millis(200));
};

class ClientProcess final : public sim::Process<zab::Message> {
 public:
  ClientProcess(const sim::ProcessEnv& env, zab::ClientOptions options, Workload workload,
                EventSink* sink);

  void Start(Ctx& ctx) override;
  void OnConnected(Ctx& ctx, sim::ConnId conn, sim::ProcessId peer) override;
  void OnAccepted(Ctx& ctx, sim::ConnId conn, sim::ProcessId peer, uint32_t port) override;
  void OnDisconnected(Ctx& ctx, sim::ConnId conn, sim::DisconnectReason reason) override;
  void OnMessage(Ctx& ctx, sim::ConnId conn, sim::ProcessId from, zab::Message m) override;
  void OnTimer(Ctx& ctx, sim::TimerId timer, uint64_t tag) override;
  void OnSynced(Ctx& ctx, sim::SyncToken token) override;
  void OnSignal(Ctx& ctx, uint32_t signal) override;

  // Submit adds an operation to the client's queue (scenarios drive clients this way).
  void Submit(Ctx& ctx, zab::Op op);
  const zab::Client& client() const { return client_; }
  uint64_t issued() const { return issued_; }
  bool done() const { return issued_ >= workload_.ops && client_.idle(); }

 private:
  static constexpr uint64_t kThinkTag = 1ULL << 62;
  template <typename F>
  void With(Ctx& ctx, F&& f);
  void MaybeIssue(Ctx& ctx);
  zab::Op NextOp();

  SimOutbox outbox_;
  zab::Client client_;
  Workload workload_;
  sim::Rng rng_;
  uint64_t issued_ = 0;
  bool thinking_ = false;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_PROCESSES_H_

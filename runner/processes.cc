#include "runner/processes.h"

#include <fmt/format.h>

#include "sim/world.h"  // Defines Context<M>'s methods.

namespace zabsim::runner {

// ---------------------------------------------------------------------------------------
// SimOutbox.

Ctx& SimOutbox::ctx() const {
  ZABSIM_CHECK(ctx_ != nullptr, "a ZAB state machine acted outside a handler");
  return *ctx_;
}

zab::ConnId SimOutbox::Connect(zab::PeerId to, zab::Channel channel) {
  return zab::ConnId{ctx().Connect(sim::ProcessId{to.value}, static_cast<uint32_t>(channel)).value};
}

void SimOutbox::Send(zab::ConnId conn, zab::Message message) {
  ctx().Send(sim::ConnId{conn.value}, std::move(message));
}

void SimOutbox::Close(zab::ConnId conn) { ctx().Close(sim::ConnId{conn.value}); }

void SimOutbox::Listen(zab::Channel channel, bool listening) {
  ctx().SetListening(static_cast<uint32_t>(channel), listening);
}

zab::TimerId SimOutbox::SetTimer(int64_t delay_ms, uint64_t tag) {
  return zab::TimerId{ctx().SetTimer(sim::Duration::Millis(delay_ms), tag).value};
}

void SimOutbox::CancelTimer(zab::TimerId timer) { ctx().CancelTimer(sim::TimerId{timer.value}); }

void SimOutbox::Schedule(zab::Thread thread, uint32_t instance, uint64_t tag, std::string_view step) {
  ctx().Schedule(sim::ThreadId{zab::ToString(thread), instance}, tag, step);
}

const zab::DiskContents& SimOutbox::Files() const {
  ZABSIM_CHECK(files_ != nullptr, "this process has no disk");
  return *files_;
}

void SimOutbox::Append(std::string_view file, std::string record, uint64_t zxid) {
  ctx().Append(file, std::move(record), zxid);
}

void SimOutbox::TruncateTo(std::string_view file, uint64_t records) {
  ctx().TruncateTo(file, records);
}

bool SimOutbox::Replace(std::string_view file, std::vector<std::string> records) {
  return ctx().Replace(file, std::move(records));
}

void SimOutbox::Remove(std::string_view file) { ctx().Remove(file); }

zab::SyncToken SimOutbox::Sync(std::string_view file) {
  return zab::SyncToken{ctx().Sync(file).value};
}

void SimOutbox::Emit(const zab::Event& event) {
  Ctx& c = ctx();
  {
    sim::Recorder r = c.Trace(EventKind(event));
    DescribeEvent(event, r);
  }
  if (sink_ != nullptr && *sink_) (*sink_)(c.self().value, event);
}

void SimOutbox::Exit(std::string_view) { ctx().Exit(); }

// ---------------------------------------------------------------------------------------
// ServerProcess.

ServerProcess::ServerProcess(const sim::ProcessEnv& env, const zab::Config& config,
                             EventSink* sink, zab::Coverage* coverage)
    : outbox_(sink, env.page_cache, coverage),
      peer_(config, zab::PeerId{env.id.value},
            sim::Rng::StreamSeed(env.seed, fmt::format("peer/{}/{}", env.id.value, env.incarnation)),
            &outbox_) {}

template <typename F>
void ServerProcess::With(Ctx& ctx, F&& f) {
  outbox_.Bind(&ctx);
  f();
  outbox_.Bind(nullptr);
}

void ServerProcess::Start(Ctx& ctx) {
  With(ctx, [&] { peer_.Start(); });
}

void ServerProcess::OnConnected(Ctx& ctx, sim::ConnId conn, sim::ProcessId) {
  With(ctx, [&] { peer_.OnConnected(zab::ConnId{conn.value}); });
}

void ServerProcess::OnAccepted(Ctx& ctx, sim::ConnId conn, sim::ProcessId peer, uint32_t port) {
  With(ctx, [&] {
    peer_.OnAccepted(zab::ConnId{conn.value}, zab::PeerId{peer.value},
                     static_cast<zab::Channel>(port));
  });
}

void ServerProcess::OnDisconnected(Ctx& ctx, sim::ConnId conn, sim::DisconnectReason) {
  With(ctx, [&] { peer_.OnDisconnected(zab::ConnId{conn.value}); });
}

void ServerProcess::OnMessage(Ctx& ctx, sim::ConnId conn, sim::ProcessId, zab::Message m) {
  With(ctx, [&] { peer_.OnMessage(zab::ConnId{conn.value}, m); });
}

void ServerProcess::OnTimer(Ctx& ctx, sim::TimerId, uint64_t tag) {
  With(ctx, [&] { peer_.OnTimer(tag); });
}

void ServerProcess::OnSynced(Ctx& ctx, sim::SyncToken token) {
  With(ctx, [&] { peer_.OnSynced(zab::SyncToken{token.value}); });
}

void ServerProcess::OnSyncFailed(Ctx& ctx, sim::SyncToken token) {
  With(ctx, [&] { peer_.OnSyncFailed(zab::SyncToken{token.value}); });
}

void ServerProcess::OnStep(Ctx& ctx, uint64_t tag) {
  With(ctx, [&] { peer_.OnStep(tag); });
}

void ServerProcess::OnSignal(Ctx& ctx, uint32_t signal) {
  With(ctx, [&] {
    if (signal == kRoleRestartSignal) {
      peer_.OnRoleRestart();
    } else {
      ctx.Trace("unknown-signal").Uint("signal", signal);
    }
  });
}

// ---------------------------------------------------------------------------------------
// ClientProcess.

ClientProcess::ClientProcess(const sim::ProcessEnv& env, zab::ClientOptions options,
                             Workload workload, EventSink* sink)
    : outbox_(sink, env.page_cache),
      client_(std::move(options), &outbox_),
      workload_(std::move(workload)),
      rng_(sim::Rng::Derive(env.seed, fmt::format("workload/{}/{}", env.id.value, env.incarnation))) {}

template <typename F>
void ClientProcess::With(Ctx& ctx, F&& f) {
  outbox_.Bind(&ctx);
  f();
  MaybeIssue(ctx);
  outbox_.Bind(nullptr);
}

zab::Op ClientProcess::NextOp() {
  zab::Op op;
  op.path = fmt::format("/k{}", rng_.Below(workload_.keys));
  const uint64_t dice = rng_.Below(100);
  if (dice < 35) {
    op.type = zab::OpType::kGetData;
  } else if (dice < 55) {
    op.type = zab::OpType::kCreate;
    op.data = fmt::format("v{}", rng_.Below(1000));
  } else if (dice < 85) {
    op.type = zab::OpType::kSetData;
    op.data = fmt::format("v{}", rng_.Below(1000));
  } else if (dice < 93) {
    op.type = zab::OpType::kDelete;
  } else {
    op.type = zab::OpType::kSync;
  }
  return op;
}

void ClientProcess::MaybeIssue(Ctx& ctx) {
  // One operation at a time, with a think time before each.
  if (thinking_ || client_.pending() > 0 || issued_ >= workload_.ops) return;
  thinking_ = true;
  ctx.SetTimer(workload_.think.Sample(rng_), kThinkTag);
}

void ClientProcess::Start(Ctx& ctx) {
  With(ctx, [&] { client_.Start(); });
}

void ClientProcess::OnConnected(Ctx& ctx, sim::ConnId conn, sim::ProcessId) {
  With(ctx, [&] { client_.OnConnected(zab::ConnId{conn.value}); });
}

void ClientProcess::OnAccepted(Ctx& ctx, sim::ConnId conn, sim::ProcessId, uint32_t) {
  ctx.Close(conn);  // Clients accept nothing.
}

void ClientProcess::OnDisconnected(Ctx& ctx, sim::ConnId conn, sim::DisconnectReason) {
  With(ctx, [&] { client_.OnDisconnected(zab::ConnId{conn.value}); });
}

void ClientProcess::OnMessage(Ctx& ctx, sim::ConnId conn, sim::ProcessId, zab::Message m) {
  With(ctx, [&] { client_.OnMessage(zab::ConnId{conn.value}, m); });
}

void ClientProcess::OnTimer(Ctx& ctx, sim::TimerId, uint64_t tag) {
  if (tag == kThinkTag) {
    With(ctx, [&] {
      thinking_ = false;
      if (issued_ < workload_.ops) {
        ++issued_;
        client_.Submit(NextOp());
      }
    });
    return;
  }
  With(ctx, [&] { client_.OnTimer(tag); });
}

void ClientProcess::OnSynced(Ctx&, sim::SyncToken) {}

void ClientProcess::OnSignal(Ctx& ctx, uint32_t signal) {
  ctx.Trace("unknown-signal").Uint("signal", signal);
}

void ClientProcess::Submit(Ctx& ctx, zab::Op op) {
  With(ctx, [&] { client_.Submit(std::move(op)); });
}

}  // namespace zabsim::runner

#include "zab/core.h"

#include <utility>

#include "base/hash.h"

namespace zabsim::zab {

Core::Core(const Config& config, PeerId self, Outbox* out, uint64_t seed)
    : config_(config),
      self_(self),
      out_(out),
      disk_(out),
      random_state_(base::Mix64(seed ^ (0x5a4142ULL << 32) ^ self.value)) {
  ZABSIM_CHECK(out != nullptr);
  ZABSIM_CHECK(config.IsVoter(self) || config.IsObserver(self), "sid {} is not a server", self.value);
}

TimerId Core::SetTimer(Owner owner, int64_t delay_ms, std::function<void()> fire) {
  ZABSIM_CHECK(delay_ms >= 0, "negative timer {}ms", delay_ms);
  const uint64_t tag = next_timer_tag_++;
  const TimerId id = out_->SetTimer(delay_ms, tag);
  timers_.emplace(tag, Timer{owner, id, std::move(fire)});
  return TimerId{tag};
}

void Core::CancelTimer(TimerId& timer) {
  if (timer.value == 0) return;
  if (auto it = timers_.find(timer.value); it != timers_.end()) {
    out_->CancelTimer(it->second.id);
    timers_.erase(it);
  }
  timer = TimerId{};
}

void Core::Sync(Owner owner, std::string_view file, std::function<void()> done) {
  const SyncToken token = disk_.Sync(file);
  syncs_.emplace(token.value, PendingSync{owner, std::move(done)});
}

ConnId Core::Connect(Owner owner, PeerId to, Channel channel, ConnHandler* handler) {
  const ConnId conn = out_->Connect(to, channel);
  conns_.emplace(conn.value, Conn{owner, handler});
  return conn;
}

void Core::Adopt(Owner owner, ConnId conn, ConnHandler* handler) {
  conns_[conn.value] = Conn{owner, handler};
}

void Core::Close(ConnId conn) {
  if (conns_.erase(conn.value) > 0) out_->Close(conn);
}

void Core::Drop(Owner owner) {
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second.owner == owner) {
      if (!detached_) out_->CancelTimer(it->second.id);
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
  // A sync that was asked for still completes on disk; its owner just no longer cares.
  for (auto it = syncs_.begin(); it != syncs_.end();) {
    it = it->second.owner == owner ? syncs_.erase(it) : std::next(it);
  }
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (it->second.owner == owner) {
      if (!detached_) out_->Close(ConnId{it->first});
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    it = it->owner == owner ? deferred_.erase(it) : std::next(it);
  }
}

bool Core::FireTimer(uint64_t tag) {
  auto it = timers_.find(tag);
  if (it == timers_.end()) return false;
  std::function<void()> fire = std::move(it->second.fire);
  timers_.erase(it);
  fire();
  return true;
}

bool Core::CompleteSync(SyncToken token) {
  auto it = syncs_.find(token.value);
  if (it == syncs_.end()) return false;
  std::function<void()> done = std::move(it->second.done);
  syncs_.erase(it);
  done();
  return true;
}

ConnHandler* Core::HandlerOf(ConnId conn) {
  auto it = conns_.find(conn.value);
  return it == conns_.end() ? nullptr : it->second.handler;
}

bool Core::Forget(ConnId conn) { return conns_.erase(conn.value) > 0; }

void Core::RunDeferred() {
  // Deferred work may defer more, or drop owners; run until none is left, in order.
  while (!deferred_.empty()) {
    std::function<void()> run = std::move(deferred_.front().run);
    deferred_.pop_front();
    run();
  }
}

void Core::Exit(std::string reason) {
  if (halted_) return;
  halted_ = true;
  Emit(Halted{reason});
  out_->Exit(reason);
}

uint64_t Core::Random(uint64_t bound) {
  ZABSIM_CHECK(bound > 0);
  random_state_ += 0x9e3779b97f4a7c15ULL;
  const uint64_t x = base::Mix64(random_state_);
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * bound) >> 64);
}

}  // namespace zabsim::zab

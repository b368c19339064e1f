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

void Part::OnTimer(uint32_t what, uint64_t) {
  ZABSIM_CHECK(false, "a part set timer {} it cannot handle", what);
}
void Part::OnSynced(uint32_t what, uint64_t) {
  ZABSIM_CHECK(false, "a part asked for sync {} it cannot handle", what);
}
void Part::OnSyncFailed(uint32_t what, uint64_t) {
  ZABSIM_CHECK(false, "a part's sync {} failed and it cannot handle that", what);
}
void Part::OnDeferred(uint32_t what, uint64_t) {
  ZABSIM_CHECK(false, "a part deferred {} and cannot handle it", what);
}
void Part::OnStep(uint32_t what, uint64_t) {
  ZABSIM_CHECK(false, "a part posted step {} and cannot run it", what);
}

void Core::Post(Owner owner, Thread thread, uint32_t instance, std::string_view step,
                uint32_t what, uint64_t arg, Zxid zxid) {
  ZABSIM_CHECK(parts_.contains(owner.value), "step for dropped owner {}", owner.value);
  const uint64_t tag = next_step_tag_++;
  steps_.emplace(tag, Step{Registration{owner, what, arg}, thread, instance, step, zxid});
  out_->Schedule(thread, instance, tag, step);
}

bool Core::RunStep(uint64_t tag) {
  auto it = steps_.find(tag);
  if (it == steps_.end()) return false;
  const Step step = it->second;
  steps_.erase(it);
  Emit(StepRan{step.thread, step.instance, step.step, step.zxid});
  PartOf(step.reg.owner)->OnStep(step.reg.what, step.reg.arg);
  return true;
}

Owner Core::NewOwner(Part* part) {
  ZABSIM_CHECK(part != nullptr);
  const Owner owner{next_owner_++};
  parts_.emplace(owner.value, part);
  return owner;
}

Part* Core::PartOf(Owner owner) const {
  auto it = parts_.find(owner.value);
  ZABSIM_CHECK(it != parts_.end(), "owner {} was dropped but still has registrations", owner.value);
  return it->second;
}

TimerId Core::SetTimer(Owner owner, int64_t delay_ms, uint32_t what, uint64_t arg) {
  ZABSIM_CHECK(delay_ms >= 0, "negative timer {}ms", delay_ms);
  ZABSIM_CHECK(parts_.contains(owner.value), "timer for dropped owner {}", owner.value);
  const uint64_t tag = next_timer_tag_++;
  const TimerId id = out_->SetTimer(delay_ms, tag);
  timers_.emplace(tag, Timer{Registration{owner, what, arg}, id});
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

SyncToken Core::Sync(Owner owner, std::string_view file, uint32_t what, uint64_t arg) {
  ZABSIM_CHECK(parts_.contains(owner.value), "sync for dropped owner {}", owner.value);
  const SyncToken token = disk_.Sync(file);
  syncs_.emplace(token.value, Registration{owner, what, arg});
  return token;
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
    if (it->second.reg.owner == owner) {
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
  for (auto it = steps_.begin(); it != steps_.end();) {
    it = it->second.reg.owner == owner ? steps_.erase(it) : std::next(it);
  }
  parts_.erase(owner.value);
}

bool Core::FireTimer(uint64_t tag) {
  auto it = timers_.find(tag);
  if (it == timers_.end()) return false;
  const Registration reg = it->second.reg;
  timers_.erase(it);
  PartOf(reg.owner)->OnTimer(reg.what, reg.arg);
  return true;
}

bool Core::CompleteSync(SyncToken token) {
  auto it = syncs_.find(token.value);
  if (it == syncs_.end()) return false;
  const Registration reg = it->second;
  syncs_.erase(it);
  PartOf(reg.owner)->OnSynced(reg.what, reg.arg);
  return true;
}

bool Core::FailSync(SyncToken token) {
  auto it = syncs_.find(token.value);
  if (it == syncs_.end()) return false;
  const Registration reg = it->second;
  syncs_.erase(it);
  PartOf(reg.owner)->OnSyncFailed(reg.what, reg.arg);
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
    const Registration reg = deferred_.front();
    deferred_.pop_front();
    PartOf(reg.owner)->OnDeferred(reg.what, reg.arg);
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

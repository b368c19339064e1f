// File: sim/world_impl.h
//
// Out-of-line definitions of World<M> and Context<M>. Included by sim/world.h only.

#ifndef ZABSIM_SIM_WORLD_IMPL_H_
#define ZABSIM_SIM_WORLD_IMPL_H_

// IWYU pragma: private, include "sim/world.h"

namespace zabsim::sim {

// ---------------------------------------------------------------------------------------
// Context: what a handler asks of the world.

template <Message M>
Time Context<M>::LocalNow() const {
  return world_->LocalNow(self_);
}

template <Message M>
ConnId Context<M>::Connect(ProcessId to, uint32_t port) {
  World<M>& w = *world_;
  ZABSIM_CHECK(to != self_, "process {} connects to itself", self_.value);
  (void)w.Host(to);  // Checks that `to` exists.
  const ConnId id{w.next_conn_++};
  typename World<M>::Connection& c = w.conns_[id.value];
  c.id = id;
  c.end[0] = self_;
  c.end[1] = to;
  c.port = port;
  c.open[0] = true;
  c.incarnation[0] = w.Host(self_).incarnation;
  c.last_arrival[0] = c.last_arrival[1] = w.now_;
  c.ordinal = w.opened_[{self_.value, to.value, port}]++;
  w.Host(self_).conns.insert(id.value);
  ++w.stats_.connections_opened;
  w.trace_.Record(w.now_, self_.value, "connect")
      .Uint("conn", id.value)
      .Uint("to", to.value)
      .Uint("port", port);
  w.Transmit(id, 0, World<M>::FrameKind::kSyn, std::nullopt);
  return id;
}

template <Message M>
void Context<M>::Send(ConnId conn, M message) {
  World<M>& w = *world_;
  typename World<M>::Connection& c = w.Conn(conn);
  const int k = World<M>::End(c, self_);
  ZABSIM_CHECK(c.open[k], "process {} sends on connection {} that it may no longer use",
               self_.value, conn.value);
  ++w.stats_.messages_sent;
  {
    Recorder r = w.trace_.Record(w.now_, self_.value, "send");
    r.Uint("conn", conn.value).Uint("to", c.end[1 - k].value);
    MessageTraits<M>::Describe(message, r);
  }
  if (c.broken) {
    // The connection is gone but this end has not been told yet.
    w.TraceDrop(c, k, std::optional<M>(std::move(message)), "broken");
    return;
  }
  w.Transmit(conn, k, World<M>::FrameKind::kData, std::optional<M>(std::move(message)));
}

template <Message M>
void Context<M>::Close(ConnId conn) {
  World<M>& w = *world_;
  typename World<M>::Connection& c = w.Conn(conn);
  const int k = World<M>::End(c, self_);
  ZABSIM_CHECK(c.open[k], "process {} closes connection {} twice", self_.value, conn.value);
  c.open[k] = false;
  w.Host(self_).conns.erase(conn.value);
  w.trace_.Record(w.now_, self_.value, "close")
      .Uint("conn", conn.value)
      .Uint("peer", c.end[1 - k].value);
  if (!c.broken) w.Transmit(conn, k, World<M>::FrameKind::kFin, std::nullopt);
  w.MaybeForget(conn);
}

template <Message M>
TimerId Context<M>::SetTimer(Duration local_delay, uint64_t tag) {
  World<M>& w = *world_;
  ZABSIM_CHECK(local_delay.us >= 0, "negative timer delay {}us", local_delay.us);
  auto& host = w.Host(self_);
  const TimerId id{w.next_timer_++};
  w.live_timers_.insert(id.value);
  typename World<M>::Event e;
  e.kind = World<M>::EventKind::kTimer;
  e.target = self_;
  e.incarnation = host.incarnation;
  e.id = id.value;
  e.aux = tag;
  w.Push(w.now_ + host.clock.ToGlobal(local_delay), std::move(e));
  return id;
}

template <Message M>
void Context<M>::CancelTimer(TimerId timer) {
  if (world_->live_timers_.erase(timer.value) > 0) world_->NoteCancelledTimer();
}

template <Message M>
void Context<M>::Schedule(ThreadId thread, uint64_t tag, std::string_view step) {
  World<M>& w = *world_;
  auto& host = w.Host(self_);
  typename World<M>::Event e;
  e.kind = World<M>::EventKind::kStep;
  e.target = self_;
  e.incarnation = host.incarnation;
  e.aux = tag;
  e.thread = thread;
  e.step = step;
  Time at = w.now_ + w.config_.sched_jitter.Sample(host.sched_rng);
  auto due = std::find_if(host.thread_due.begin(), host.thread_due.end(), [&](const auto& d) {
    return d.first.name == thread.name && d.first.instance == thread.instance;
  });
  if (due == host.thread_due.end()) {
    host.thread_due.emplace_back(thread, at);
  } else {
    at = std::max(at, due->second);
    due->second = at;
  }
  w.Push(at, std::move(e));
}

template <Message M>
void Context<M>::Append(std::string_view file, std::string record, uint64_t zxid) {
  World<M>& w = *world_;
  auto r = w.trace_.Record(w.now_, self_.value, "append");
  r.Str("file", file).Uint("bytes", record.size());
  if (zxid != 0) r.Hex("zxid", zxid);
  w.Host(self_).disk.Append(file, std::move(record), w.now_);
}

template <Message M>
void Context<M>::TruncateTo(std::string_view file, uint64_t records) {
  World<M>& w = *world_;
  w.trace_.Record(w.now_, self_.value, "truncate").Str("file", file).Uint("records", records);
  w.Host(self_).disk.TruncateTo(file, records, w.now_);
}

template <Message M>
bool Context<M>::Replace(std::string_view file, std::vector<std::string> records) {
  World<M>& w = *world_;
  auto& host = w.Host(self_);
  if (w.DiskFails(self_, file) || host.disk_rng.Chance(w.config_.disk.error_rate)) {
    w.trace_.Record(w.now_, self_.value, "write-failed").Str("file", file);
    return false;
  }
  w.trace_.Record(w.now_, self_.value, "replace")
      .Str("file", file)
      .Uint("records", records.size());
  w.Host(self_).disk.Replace(file, std::move(records), w.now_);
  return true;
}

template <Message M>
void Context<M>::Remove(std::string_view file) {
  World<M>& w = *world_;
  w.trace_.Record(w.now_, self_.value, "remove").Str("file", file);
  w.Host(self_).disk.Remove(file, w.now_);
}

template <Message M>
SyncToken Context<M>::Sync(std::string_view file) {
  World<M>& w = *world_;
  auto& host = w.Host(self_);
  const uint64_t mark = host.disk.Sync(file);
  Duration latency = w.config_.disk.fsync_latency.Sample(host.disk_rng);
  if (w.now_ < host.disk_slow_until) latency = latency * host.disk_slow_factor;
  // fsyncs of one disk complete in the order they were asked for.
  const Time done = std::max(w.now_ + latency, host.last_sync_done);
  host.last_sync_done = done;
  const SyncToken token{w.next_sync_++};
  const bool fail = host.disk_rng.Chance(w.config_.disk.error_rate);
  w.syncs_[token.value] = typename World<M>::PendingSync{self_, std::string(file), mark,
                                                         host.disk.JournalMark(), fail};
  typename World<M>::Event e;
  e.kind = World<M>::EventKind::kSynced;
  e.target = self_;
  e.incarnation = host.incarnation;
  e.id = token.value;
  w.Push(done, std::move(e));
  ++w.stats_.syncs;
  w.trace_.Record(w.now_, self_.value, "sync").Str("file", file).Uint("token", token.value);
  return token;
}

template <Message M>
void Context<M>::SetListening(uint32_t port, bool listening) {
  auto& closed = world_->Host(self_).closed_ports;
  if (listening) {
    closed.erase(port);
  } else {
    closed.insert(port);
  }
}

template <Message M>
void Context<M>::Exit() {
  world_->Host(self_).exit_requested = true;
}

template <Message M>
Recorder Context<M>::Trace(std::string_view kind) {
  return world_->trace_.Record(world_->now_, self_.value, kind);
}

// ---------------------------------------------------------------------------------------
// The event loop.

template <Message M>
void World<M>::NoteCancelledTimer() {
  ++cancelled_in_heap_;
  // Protocols re-arm timeouts on every message; the cancelled timers would otherwise sit
  // in the heap until their time comes. Once they are most of it, drop them. The order
  // of the remaining events is fixed by their (time, sequence) keys, so this changes
  // nothing a run does.
  if (cancelled_in_heap_ < 4096 || cancelled_in_heap_ * 2 < heap_.size()) return;
  std::vector<Entry> kept;
  kept.reserve(heap_.size() - cancelled_in_heap_);
  for (const Entry& entry : heap_) {
    Event& e = slots_[entry.slot];
    if (e.kind == EventKind::kTimer && !live_timers_.contains(e.id)) {
      e.message.reset();
      free_.push_back(entry.slot);
      continue;
    }
    kept.push_back(entry);
  }
  heap_ = std::move(kept);
  std::make_heap(heap_.begin(), heap_.end(), Later);
  cancelled_in_heap_ = 0;
}

template <Message M>
void World<M>::RetimeTimers(ProcessId p, const LocalClock& before) {
  // Each pending timer of p keeps its local deadline, the reading of the old clock at its
  // global time; it now fires when the new clock reaches that reading. The entries keep
  // their sequence numbers, so ties break as before, and the heap is rebuilt in place.
  const LocalClock& after = Host(p).clock;
  bool moved = false;
  for (Entry& entry : heap_) {
    const Event& e = slots_[entry.slot];
    if (e.kind != EventKind::kTimer || e.target != p) continue;
    const Time at = std::max(now_, after.GlobalAt(before.Now(entry.at)));
    moved = moved || at != entry.at;
    entry.at = at;
  }
  if (moved) std::make_heap(heap_.begin(), heap_.end(), Later);
}

template <Message M>
PctThread World<M>::ThreadOf(const Event& e) const {
  if (e.kind == EventKind::kFault) return PctThread{};  // The world's own.
  if (e.kind == EventKind::kStep) return PctThread{e.target.value, e.thread.name, e.thread.instance};
  return PctThread{e.target.value, kPctMainThread, 0};
}

template <Message M>
void World<M>::RemoveAt(size_t i) {
  ZABSIM_CHECK(i < heap_.size(), "heap index {} of {}", i, heap_.size());
  heap_[i] = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (i >= n) return;
  size_t k = i;
  while (k > 0 && Later(heap_[(k - 1) / 2], heap_[k])) {  // Up, if earlier than its parent...
    std::swap(heap_[(k - 1) / 2], heap_[k]);
    k = (k - 1) / 2;
  }
  while (true) {  // ... else down, below the earlier of its children.
    size_t top = k;
    const size_t left = 2 * k + 1;
    if (left < n && Later(heap_[top], heap_[left])) top = left;
    if (left + 1 < n && Later(heap_[top], heap_[left + 1])) top = left + 1;
    if (top == k) break;
    std::swap(heap_[top], heap_[k]);
    k = top;
  }
}

template <Message M>
typename World<M>::Entry World<M>::TakePct(Time limit) {
  // The ready events: those due within the window after the earliest (and not after
  // `limit`). The heap keeps every child no earlier than its parent, so the walk stops
  // at the first entry past the bound on each path and visits about twice the ready ones.
  const Time earliest = heap_.front().at;
  const Time bound =
      limit - earliest > config_.sched.pct_window ? earliest + config_.sched.pct_window : limit;
  size_t best = 0;
  uint64_t best_priority = pct_->Priority(ThreadOf(slots_[heap_[0].slot]));
  pct_stack_.assign({1, 2});
  while (!pct_stack_.empty()) {
    const size_t i = pct_stack_.back();
    pct_stack_.pop_back();
    if (i >= heap_.size() || heap_[i].at > bound) continue;
    const uint64_t priority = pct_->Priority(ThreadOf(slots_[heap_[i].slot]));
    // The highest priority wins; within one thread (or a tie) the earliest, so each
    // thread's events keep their (time, sequence) order: per-connection FIFO, a
    // thread's steps in the order asked, fsyncs in the order they complete.
    if (priority > best_priority || (priority == best_priority && Later(heap_[best], heap_[i]))) {
      best = i;
      best_priority = priority;
    }
    pct_stack_.push_back(2 * i + 1);
    pct_stack_.push_back(2 * i + 2);
  }
  const Entry entry = heap_[best];
  RemoveAt(best);
  return entry;
}

template <Message M>
bool World<M>::StepWithin(Time limit) {
  if (stopped_ || heap_.empty()) return false;
  Entry entry{};
  if (pct_) {
    entry = TakePct(limit);
  } else {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    entry = heap_.back();
    heap_.pop_back();
  }
  Event e = std::move(slots_[entry.slot]);
  slots_[entry.slot].message.reset();
  free_.push_back(entry.slot);
  // An event a higher-priority thread (PCT) or a driver's chosen step (RunPending)
  // overtook runs late, never early: a longer latency, a slower CPU, a timer served late.
  ZABSIM_CHECK(entry.at >= now_ || pct_ || controlled_, "event in the past: {} < {}", entry.at.us, now_.us);
  now_ = std::max(now_, entry.at);
  ++stats_.events;
  if (pct_) {
    const PctThread thread = ThreadOf(e);
    if (const std::optional<uint64_t> lowered = pct_->AtStep(stats_.events, thread)) {
      trace_.Record(now_, thread.process, "pct-change")
          .Str("thread", thread.name)
          .Uint("instance", thread.instance)
          .Uint("priority", *lowered)
          .Uint("step", stats_.events);
    }
  }
  Deliver(e);
  if (const uint64_t pending = heap_.size() - cancelled_in_heap_;
      pending > config_.max_pending_events) {
    stopped_ = true;
    stop_reason_ = fmt::format(
        "{} events pending (more than max_pending_events={}): messages multiply faster than "
        "they drain, e.g. an election that never settles",
        pending, config_.max_pending_events);
    trace_.Record(now_, 0, "stopped").Uint("pending", pending).Str("reason", "event storm");
  }
  if (now_ - rate_window_start_ >= Duration::Seconds(1)) {
    rate_window_start_ = now_;
    rate_window_events_ = 0;
  }
  if (!stopped_ && ++rate_window_events_ > config_.max_events_per_second) {
    stopped_ = true;
    stop_reason_ = fmt::format(
        "{} events within one simulated second (more than max_events_per_second={}): messages "
        "bounce faster than time passes, e.g. an election that never settles",
        rate_window_events_, config_.max_events_per_second);
    trace_.Record(now_, 0, "stopped").Uint("pending", heap_.size() - cancelled_in_heap_)
        .Str("reason", "event rate");
  }
  if (observer_) observer_();
  return true;
}

template <Message M>
bool World<M>::Inert(const Event& e) const {
  const auto dead = [&] {
    const HostState& host = Host(e.target);
    return !host.up || host.incarnation != e.incarnation;
  };
  switch (e.kind) {
    case EventKind::kTimer:
      return !live_timers_.contains(e.id) || dead();
    case EventKind::kStart:
    case EventKind::kSynced:
    case EventKind::kStep:
      return dead();
    case EventKind::kNotice: {
      const Connection& c = conns_.at(e.id);
      return !c.open[e.sender] || dead();
    }
    case EventKind::kFrame: {
      const Connection& c = conns_.at(e.id);
      return c.broken || (e.frame != FrameKind::kSyn && !c.open[1 - e.sender]);
    }
    case EventKind::kFault:
      return false;
  }
  return false;
}

template <Message M>
std::vector<typename World<M>::PendingStep> World<M>::PendingSteps() const {
  std::vector<Entry> order = heap_;
  std::sort(order.begin(), order.end(), [](const Entry& a, const Entry& b) { return Later(b, a); });
  std::vector<PendingStep> out;
  // The queues whose first event is listed: frames per (connection, sender), steps per
  // (process, thread), fsyncs per process.
  std::set<std::tuple<uint64_t, uint32_t, std::string_view, uint32_t>> heads;
  // A process starts before it handles anything else, as it does in time order.
  std::set<uint32_t> starting;
  for (const Entry& entry : order) {
    const Event& e = slots_[entry.slot];
    if (e.kind == EventKind::kStart && !Inert(e)) starting.insert(e.target.value);
  }
  for (const Entry& entry : order) {
    const Event& e = slots_[entry.slot];
    PendingStep p;
    p.seq = entry.seq;
    p.at = entry.at;
    p.kind = static_cast<PendingKind>(e.kind);
    p.target = e.target;
    p.inert = Inert(e);
    std::optional<std::tuple<uint64_t, uint32_t, std::string_view, uint32_t>> queue;
    switch (e.kind) {
      case EventKind::kFrame:
      case EventKind::kNotice: {
        const Connection& c = conns_.at(e.id);
        p.opener = c.end[0];
        p.acceptor = c.end[1];
        p.port = c.port;
        p.ordinal = c.ordinal;
        if (e.kind == EventKind::kFrame) {
          p.from = c.end[e.sender];
          p.frame = static_cast<PendingFrame>(e.frame);
          if (e.message.has_value()) p.message = &*e.message;
          queue.emplace(e.id, e.sender, "frame", 0);
        }
        break;
      }
      case EventKind::kTimer:
        p.tag = e.aux;
        break;
      case EventKind::kStep:
        p.tag = e.aux;
        p.thread = e.thread;
        queue.emplace(e.target.value, 0, e.thread.name, e.thread.instance);
        break;
      case EventKind::kSynced: {
        const auto it = syncs_.find(e.id);
        if (it != syncs_.end()) p.file = it->second.file;
        queue.emplace(e.target.value, 0, "fsync", 0);
        break;
      }
      case EventKind::kStart:
      case EventKind::kFault:
        break;
    }
    if (queue.has_value() && !p.inert && !heads.insert(*queue).second) continue;
    if (!p.inert && e.kind != EventKind::kStart && e.kind != EventKind::kFault &&
        starting.contains(e.target.value)) {
      continue;
    }
    out.push_back(p);
  }
  return out;
}

template <Message M>
void World<M>::RunPending(uint64_t seq) {
  const auto it = std::find_if(heap_.begin(), heap_.end(), [&](const Entry& x) { return x.seq == seq; });
  ZABSIM_CHECK(it != heap_.end(), "no pending event {}", seq);
  const Entry entry = *it;
  RemoveAt(static_cast<size_t>(it - heap_.begin()));
  Event e = std::move(slots_[entry.slot]);
  slots_[entry.slot].message.reset();
  free_.push_back(entry.slot);
  controlled_ = true;
  // An inert event changes nothing a process sees, so it does not move time either.
  if (!Inert(e)) now_ = std::max(now_, entry.at);
  ++stats_.events;
  Deliver(e);
  if (observer_) observer_();
}

template <Message M>
void World<M>::Deliver(Event& e) {
  switch (e.kind) {
    case EventKind::kStart: {
      HostState& host = Host(e.target);
      if (!host.up || host.incarnation != e.incarnation) return;
      trace_.Record(now_, e.target.value, "start").Uint("incarnation", host.incarnation);
      Call(e.target, [](Process<M>& p, Context<M>& ctx) { p.Start(ctx); });
      return;
    }
    case EventKind::kTimer: {
      if (!live_timers_.erase(e.id)) {  // Cancelled.
        --cancelled_in_heap_;
        return;
      }
      HostState& host = Host(e.target);
      if (!host.up || host.incarnation != e.incarnation) return;
      trace_.Record(now_, e.target.value, "timer").Uint("timer", e.id).Uint("tag", e.aux);
      Call(e.target, [&](Process<M>& p, Context<M>& ctx) {
        p.OnTimer(ctx, TimerId{e.id}, e.aux);
      });
      return;
    }
    case EventKind::kSynced: {
      auto it = syncs_.find(e.id);
      ZABSIM_CHECK(it != syncs_.end(), "unknown sync {}", e.id);
      const PendingSync sync = std::move(it->second);
      syncs_.erase(it);
      HostState& host = Host(e.target);
      if (!host.up || host.incarnation != e.incarnation) return;  // Lost in a crash.
      if (sync.fail || DiskFails(e.target, sync.file)) {
        // The fsync returns an error: nothing it covered is durable (a later fsync may
        // still make it so).
        trace_.Record(now_, e.target.value, "sync-failed").Str("file", sync.file).Uint("token", e.id);
        Call(e.target, [&](Process<M>& p, Context<M>& ctx) { p.OnSyncFailed(ctx, SyncToken{e.id}); });
        return;
      }
      host.disk.CompleteSync(sync.file, sync.mark);
      host.disk.CommitJournal(sync.journal);
      trace_.Record(now_, e.target.value, "synced").Str("file", sync.file).Uint("token", e.id);
      Call(e.target, [&](Process<M>& p, Context<M>& ctx) { p.OnSynced(ctx, SyncToken{e.id}); });
      return;
    }
    case EventKind::kNotice: {
      const ConnId id{e.id};
      Connection& c = Conn(id);
      --c.in_flight;
      const int k = e.sender;
      HostState& host = Host(e.target);
      const bool deliver = c.open[k] && host.up && host.incarnation == e.incarnation;
      const ProcessId peer = c.end[1 - k];
      if (deliver) {
        c.open[k] = false;
        host.conns.erase(id.value);
      }
      MaybeForget(id);
      if (!deliver) return;
      trace_.Record(now_, e.target.value, "disconnected")
          .Uint("conn", id.value)
          .Uint("peer", peer.value)
          .Str("reason", ToString(e.reason));
      Call(e.target, [&](Process<M>& p, Context<M>& ctx) { p.OnDisconnected(ctx, id, e.reason); });
      return;
    }
    case EventKind::kFrame:
      DeliverFrame(e);
      return;
    case EventKind::kFault:
      Apply(faults_[e.id]);
      return;
    case EventKind::kStep: {
      // Untraced: the process names the step it runs in its own record.
      HostState& host = Host(e.target);
      if (!host.up || host.incarnation != e.incarnation) return;
      if (!host.stalled.empty() && Stalled(host, e.thread)) {
        host.held_steps.push_back(std::move(e));
        return;
      }
      Call(e.target, [&](Process<M>& p, Context<M>& ctx) { p.OnStep(ctx, e.aux); });
      if (!host.stall_after.empty()) {
        // A stall waiting for this step begins now that it has run.
        HostState& h = Host(e.target);
        for (auto it = h.stall_after.begin(); it != h.stall_after.end(); ++it) {
          const auto& [name, instance, step] = *it;
          if (name == e.thread.name && (instance == 0 || instance == e.thread.instance) && step == e.step) {
            h.stalled.emplace_back(name, instance);
            h.stall_after.erase(it);
            break;
          }
        }
      }
      return;
    }
  }
}

template <Message M>
void World<M>::DeliverFrame(Event& e) {
  const ConnId id{e.id};
  Connection& c = Conn(id);
  const int s = e.sender;
  const int r = 1 - s;
  const ProcessId from = c.end[s];
  const ProcessId to = c.end[r];
  const bool data = e.frame == FrameKind::kData;
  if (!c.broken) {
    auto parked = parked_.find({from.value, to.value});
    if (e.hold || network_.Held(from, to) || (parked != parked_.end() && !parked->second.empty())) {
      Park(std::move(e));
      return;
    }
  }
  --c.in_flight;
  if (c.broken) {
    if (data) TraceDrop(c, s, e.message, "in-flight");
    MaybeForget(id);
    return;
  }
  if (network_.Blocked(from, to)) {  // A partition began while the frame was in flight.
    const bool unsafe = data && network_.config().channel == ChannelMode::kUnsafe;
    if (data) TraceDrop(c, s, e.message, "partition");
    if (unsafe) return;
    if (e.frame == FrameKind::kSyn) {
      c.broken = true;
      ++stats_.connections_broken;
      Notify(id, 0, DisconnectReason::kConnectFailed, now_ + network_.config().connect_timeout);
    } else {
      Break(id, DisconnectReason::kBroken);
    }
    return;
  }
  switch (e.frame) {
    case FrameKind::kSyn: {
      HostState& host = Host(to);
      if (!host.up || host.closed_ports.contains(c.port)) {
        c.broken = true;
        ++stats_.connections_broken;
        trace_.Record(now_, 0, "refused").Uint("conn", id.value).Uint("from", from.value).Uint(
            "to", to.value);
        const Duration back = network_.Blocked(to, from) ? network_.config().connect_timeout
                                                          : network_.Latency(to, from, now_);
        Notify(id, 0, DisconnectReason::kRefused, now_ + back);
        return;
      }
      c.open[1] = true;
      c.incarnation[1] = host.incarnation;
      host.conns.insert(id.value);
      const uint32_t port = c.port;
      trace_.Record(now_, to.value, "accept")
          .Uint("conn", id.value)
          .Uint("from", from.value)
          .Uint("port", port);
      Transmit(id, 1, FrameKind::kSynAck, std::nullopt);
      Call(to, [&](Process<M>& p, Context<M>& ctx) { p.OnAccepted(ctx, id, from, port); });
      return;
    }
    case FrameKind::kSynAck:
      if (!c.open[0]) {
        MaybeForget(id);
        return;
      }
      trace_.Record(now_, to.value, "connected").Uint("conn", id.value).Uint("peer", from.value);
      Call(to, [&](Process<M>& p, Context<M>& ctx) { p.OnConnected(ctx, id, from); });
      return;
    case FrameKind::kData: {
      if (!c.open[r]) {
        TraceDrop(c, s, e.message, "closed");
        MaybeForget(id);
        return;
      }
      ++stats_.messages_delivered;
      {
        Recorder rec = trace_.Record(now_, to.value, "recv");
        rec.Uint("conn", id.value).Uint("from", from.value);
        MessageTraits<M>::Describe(*e.message, rec);
      }
      Call(to, [&](Process<M>& p, Context<M>& ctx) {
        p.OnMessage(ctx, id, from, std::move(*e.message));
      });
      return;
    }
    case FrameKind::kFin: {
      if (!c.open[r]) {
        MaybeForget(id);
        return;
      }
      c.open[r] = false;
      Host(to).conns.erase(id.value);
      MaybeForget(id);
      trace_.Record(now_, to.value, "disconnected")
          .Uint("conn", id.value)
          .Uint("peer", from.value)
          .Str("reason", ToString(DisconnectReason::kClosedByPeer));
      Call(to, [&](Process<M>& p, Context<M>& ctx) {
        p.OnDisconnected(ctx, id, DisconnectReason::kClosedByPeer);
      });
      return;
    }
  }
}

template <Message M>
void World<M>::Transmit(ConnId id, int sender, FrameKind kind, std::optional<M> message) {
  Connection& c = Conn(id);
  const ProcessId from = c.end[sender];
  const ProcessId to = c.end[1 - sender];
  const bool data = kind == FrameKind::kData;
  const bool unsafe = data && network_.config().channel == ChannelMode::kUnsafe;
  Duration extra;
  bool hold = false;
  std::string_view lost;
  if (network_.Blocked(from, to)) {
    lost = "partition";
  } else if (data) {
    std::optional<uint64_t> key;
    if constexpr (requires { MessageTraits<M>::Key(*message); }) {
      key = MessageTraits<M>::Key(*message);
    }
    if (auto rule = network_.TakeRule(from, to, MessageTraits<M>::Tag(*message), key)) {
      switch (rule->action) {
        case MessageRule::Action::kDrop:
          lost = "rule";
          break;
        case MessageRule::Action::kDelay:
          extra = rule->extra;
          break;
        case MessageRule::Action::kHold:
          hold = true;
          break;
      }
    }
    if (lost.empty() && network_.DrawLoss(from, to)) lost = "loss";
    if (lost.empty() && unsafe && network_.DrawUnsafeDrop(from, to)) lost = "unsafe-drop";
  }
  if (!lost.empty()) {
    if (data) TraceDrop(c, sender, message, lost);
    if (unsafe) return;  // Vanished silently; the connection lives on.
    if (kind == FrameKind::kSyn) {
      c.broken = true;
      ++stats_.connections_broken;
      Notify(id, 0, DisconnectReason::kConnectFailed, now_ + network_.config().connect_timeout);
    } else {
      Break(id, DisconnectReason::kBroken);
    }
    return;
  }
  Time at = now_ + network_.Latency(from, to, now_) + extra;
  if (!unsafe) {
    at = std::max(at, c.last_arrival[sender]);
    c.last_arrival[sender] = at;
  }
  Event e;
  e.kind = EventKind::kFrame;
  e.frame = kind;
  e.sender = static_cast<uint8_t>(sender);
  e.target = to;
  e.id = id.value;
  e.hold = hold;
  if (unsafe && network_.DrawUnsafeDuplicate(from, to)) {
    Event copy = e;
    copy.message = message;
    ++c.in_flight;
    Push(now_ + network_.Latency(from, to, now_), std::move(copy));
  }
  e.message = std::move(message);
  ++c.in_flight;
  Push(at, std::move(e));
}

template <Message M>
void World<M>::Break(ConnId id, DisconnectReason reason) {
  Connection& c = Conn(id);
  if (c.broken) return;
  c.broken = true;
  ++stats_.connections_broken;
  trace_.Record(now_, 0, "break")
      .Uint("conn", id.value)
      .Uint("a", c.end[0].value)
      .Uint("b", c.end[1].value);
  for (int k = 0; k < 2; ++k) {
    if (c.open[k]) Notify(id, k, reason, now_ + network_.BreakNotice(c.end[1 - k], c.end[k]));
  }
}

template <Message M>
void World<M>::Notify(ConnId id, int end, DisconnectReason reason, Time at) {
  Connection& c = Conn(id);
  Event e;
  e.kind = EventKind::kNotice;
  e.reason = reason;
  e.sender = static_cast<uint8_t>(end);
  e.target = c.end[end];
  e.incarnation = c.incarnation[end];
  e.id = id.value;
  ++c.in_flight;
  Push(at, std::move(e));
}

template <Message M>
void World<M>::Park(Event e) {
  const Connection& c = Conn(ConnId{e.id});
  const ProcessId from = c.end[e.sender];
  const ProcessId to = c.end[1 - e.sender];
  {
    Recorder r = trace_.Record(now_, 0, "park");
    r.Uint("conn", e.id).Uint("from", from.value).Uint("to", to.value);
    if (e.frame == FrameKind::kData) MessageTraits<M>::Describe(*e.message, r);
  }
  parked_[{from.value, to.value}].push_back(std::move(e));
}

template <Message M>
void World<M>::ReleaseLink(ProcessId from, ProcessId to) {
  network_.SetHeld(from, to, false);
  auto it = parked_.find({from.value, to.value});
  if (it == parked_.end()) return;
  std::deque<Event> frames = std::move(it->second);
  parked_.erase(it);
  for (Event& e : frames) {
    e.hold = false;
    Push(now_, std::move(e));  // Same time: the insertion order keeps them FIFO.
  }
}

template <Message M>
bool World<M>::Stalled(const HostState& host, ThreadId thread) {
  for (const auto& [name, instance] : host.stalled) {
    if (name == thread.name && (instance == 0 || instance == thread.instance)) return true;
  }
  return false;
}

template <Message M>
void World<M>::Resume(ProcessId p, const std::string& thread, uint32_t instance) {
  HostState& host = Host(p);
  std::erase_if(host.stalled, [&](const auto& s) {
    return s.first == thread && (instance == 0 || s.second == instance);
  });
  std::erase_if(host.stall_after, [&](const auto& s) {
    return std::get<0>(s) == thread && (instance == 0 || std::get<1>(s) == instance);
  });
  // The steps no stall holds any more run now, in the order they came due.
  std::deque<Event> still;
  for (Event& e : host.held_steps) {
    if (Stalled(host, e.thread)) {
      still.push_back(std::move(e));
    } else {
      Push(now_, std::move(e));
    }
  }
  host.held_steps = std::move(still);
}

template <Message M>
void World<M>::Crash(ProcessId p) {
  HostState& host = Host(p);
  ++stats_.crashes;
  trace_.Record(now_, p.value, "crash").Uint("incarnation", host.incarnation);
  for (const uint64_t raw : host.conns) {
    const ConnId id{raw};
    Connection& c = Conn(id);
    const int k = End(c, p);
    c.open[k] = false;
    if (!c.broken) {
      c.broken = true;
      ++stats_.connections_broken;
      const int j = 1 - k;
      if (c.open[j]) {
        // The peer's host answers with a reset, if it can still reach the peer.
        const ProcessId q = c.end[j];
        const Duration d =
            network_.Blocked(p, q) ? network_.BreakNotice(p, q) : network_.Latency(p, q, now_);
        Notify(id, j, DisconnectReason::kPeerCrashed, now_ + d);
      }
    }
    MaybeForget(id);
  }
  host.conns.clear();
  host.closed_ports.clear();  // A restarted process opens its own ports again.
  host.held_steps.clear();    // Its threads are gone; a stall stays for the next life.
  host.thread_due.clear();
  host.disk.Crash(host.disk_rng, config_.disk.torn_write, now_, config_.disk.writeback);
  host.process.reset();
  host.up = false;
  ++host.incarnation;
}

template <Message M>
void World<M>::Apply(const Fault& fault) {
  ++stats_.faults;
  trace_.Record(now_, 0, "fault").Str("fault", fault.ToString());
  const auto ignored = [&](std::string_view why) {
    trace_.Record(now_, 0, "fault-ignored").Str("fault", fault.ToString()).Str("why", why);
  };
  // Links matching A>B with '*' wildcards, in a fixed order.
  const auto for_links = [&](ProcessId a, ProcessId b, auto&& f) {
    for (uint32_t x = 1; x <= config_.processes; ++x) {
      for (uint32_t y = 1; y <= config_.processes; ++y) {
        if (x == y) continue;
        if ((a.value == 0 || a.value == x) && (b.value == 0 || b.value == y)) {
          f(ProcessId{x}, ProcessId{y});
        }
      }
    }
  };
  switch (fault.kind) {
    case Fault::Kind::kCrash:
      if (!IsUp(fault.p)) return ignored("already down");
      Crash(fault.p);
      return;
    case Fault::Kind::kRestart:
      if (IsUp(fault.p)) return ignored("already up");
      ++stats_.restarts;
      trace_.Record(now_, fault.p.value, "restart").Uint("incarnation", Host(fault.p).incarnation);
      Boot(fault.p);
      return;
    case Fault::Kind::kSignal:
      if (!IsUp(fault.p)) return ignored("process down");
      trace_.Record(now_, fault.p.value, "signal").Int("signal", fault.value);
      Call(fault.p, [&](Process<M>& p, Context<M>& ctx) {
        p.OnSignal(ctx, static_cast<uint32_t>(fault.value));
      });
      return;
    case Fault::Kind::kPartition:
      network_.SetPartition(fault.groups);
      return;
    case Fault::Kind::kOneWay:
      for (const ProcessId a : fault.groups[0]) {
        for (const ProcessId b : fault.groups[1]) {
          if (a != b) network_.Block(a, b);
        }
      }
      return;
    case Fault::Kind::kIsolate:
      for (uint32_t q = 1; q <= config_.processes; ++q) {
        if (q == fault.p.value) continue;
        network_.Block(fault.p, ProcessId{q});
        network_.Block(ProcessId{q}, fault.p);
      }
      return;
    case Fault::Kind::kHeal:
      network_.Heal();
      return;
    case Fault::Kind::kBreak: {
      std::vector<ConnId> victims;
      for (const uint64_t raw : Host(fault.a).conns) {
        const Connection& c = Conn(ConnId{raw});
        if (!c.broken && (c.end[0] == fault.b || c.end[1] == fault.b)) victims.push_back(c.id);
      }
      if (victims.empty()) return ignored("no open connection");
      for (const ConnId id : victims) Break(id, DisconnectReason::kBroken);
      return;
    }
    case Fault::Kind::kDelay:
      for_links(fault.a, fault.b, [&](ProcessId x, ProcessId y) {
        network_.AddDelay(x, y, fault.extra, now_ + fault.length);
      });
      return;
    case Fault::Kind::kHold:
      for_links(fault.a, fault.b, [&](ProcessId x, ProcessId y) { network_.SetHeld(x, y, true); });
      return;
    case Fault::Kind::kRelease:
      for_links(fault.a, fault.b, [&](ProcessId x, ProcessId y) { ReleaseLink(x, y); });
      return;
    case Fault::Kind::kClockRate: {
      LocalClock& clock = Host(fault.p).clock;
      if (clock.rate_ppm() == fault.value) return;
      const LocalClock before = clock;
      clock.SetRate(now_, fault.value);
      RetimeTimers(fault.p, before);
      return;
    }
    case Fault::Kind::kClockStep:
      Host(fault.p).clock.Step(fault.extra);
      return;
    case Fault::Kind::kDiskSlow: {
      HostState& host = Host(fault.p);
      host.disk_slow_factor = fault.value;
      host.disk_slow_until = now_ + fault.length;
      return;
    }
    case Fault::Kind::kLoss:
      network_.SetLoss(fault.ratio);
      return;
    case Fault::Kind::kTorn:
      config_.disk.torn_write = fault.ratio;
      return;
    case Fault::Kind::kChannel:
      network_.SetChannel(fault.channel);
      return;
    case Fault::Kind::kStall:
      if (fault.after_step.empty()) {
        Host(fault.p).stalled.emplace_back(fault.thread, fault.thread_instance);
      } else {
        Host(fault.p).stall_after.emplace_back(fault.thread, fault.thread_instance, fault.after_step);
      }
      return;
    case Fault::Kind::kDiskError: {
      HostState& host = Host(fault.p);
      host.disk_error_until = now_ + fault.length;
      host.disk_error_files.clear();
      for (const absl::string_view prefix : absl::StrSplit(fault.files, ',', absl::SkipEmpty())) {
        host.disk_error_files.emplace_back(prefix);
      }
      return;
    }
    case Fault::Kind::kResume:
      Resume(fault.p, fault.thread, fault.thread_instance);
      return;
  }
}

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_WORLD_IMPL_H_

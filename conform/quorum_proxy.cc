#include "conform/quorum_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "conform/process.h"

namespace zabsim::conform {
namespace {

// Bytes read from a socket at a time, and the most a direction buffers before it stops
// reading (a held link with ZooKeeper's traffic behind it stays far below).
constexpr size_t kReadChunk = 64 << 10;
constexpr size_t kMaxBuffered = kMaxWireFrame + (64 << 20);

struct Frame {
  std::string bytes;
  std::string type;
  std::optional<uint64_t> zxid;
  int64_t not_before_ms = 0;
  bool hold = false;  // Parks the link when it reaches the front.
};

struct Direction {
  int src = -1;  // Read from.
  int dst = -1;  // Written to.
  uint32_t from = 0;
  uint32_t to = 0;
  WireDecoder decoder;
  std::string in;             // Read, not yet a whole message.
  std::deque<Frame> waiting;  // Whole messages not yet forwarded.
  std::string out;            // Forwarded, not yet written.
  int64_t last_not_before_ms = 0;
  Direction(ConnKind kind, bool initiator) : decoder(kind, initiator) {}
};

struct Conn {
  uint32_t a = 0;  // The server that connected.
  uint32_t b = 0;
  ConnKind kind = ConnKind::kQuorum;
  int down = -1;  // Accepted from a.
  int up = -1;    // To b's real port.
  Direction ab;
  Direction ba;
  bool closing = false;
  bool black_hole = false;  // Made across a cut link: nothing passes until it breaks.
  Conn(uint32_t from, uint32_t to, ConnKind k, int accepted, int upstream)
      : a(from), b(to), kind(k), down(accepted), up(upstream), ab(k, true), ba(k, false) {
    ab.src = down;
    ab.dst = up;
    ab.from = a;
    ab.to = b;
    ba.src = up;
    ba.dst = down;
    ba.from = b;
    ba.to = a;
  }
};

struct Listener {
  uint32_t from = 0;
  uint32_t to = 0;
  ConnKind kind = ConnKind::kQuorum;
  int fd = -1;
  int port = 0;
};

std::string Zxid(const std::optional<uint64_t>& z) { return z ? fmt::format(" 0x{:x}", *z) : ""; }

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

struct QuorumProxy::State {
  uint32_t voters;
  std::function<int(uint32_t, ConnKind)> real_port;
  std::vector<Listener> listeners;
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<ProxyRule> rules;
  std::set<std::pair<uint32_t, uint32_t>> held;
  std::set<std::pair<uint32_t, uint32_t>> cut;
  struct LinkDelay {
    int64_t extra_ms = 0;
    int64_t until_ms = 0;
  };
  std::map<std::pair<uint32_t, uint32_t>, LinkDelay> delays;
  std::map<std::tuple<uint32_t, uint32_t, std::string>, uint64_t> forwarded;
  std::vector<std::string> events;
  mutable std::mutex mu;
  std::thread thread;
  int wake[2] = {-1, -1};
  bool stop = false;

  void Wake() {
    const char c = 0;
    [[maybe_unused]] const ssize_t n = write(wake[1], &c, 1);
  }
  void Event(std::string line) {
    if (events.size() < 100000) events.push_back(std::move(line));
  }
  void Loop();
  void Accept(const Listener& l);
  void Read(Conn& c, Direction& d);
  void Admit(Conn& c, Direction& d, Frame f);
  void Forward(Direction& d, int64_t now);
  void Flush(Conn& c, Direction& d);
  void BreakConn(Conn& c, std::string_view why);
};

void QuorumProxy::State::BreakConn(Conn& c, std::string_view why) {
  if (c.closing) return;
  c.closing = true;
  Event(fmt::format("{}<->{} {} connection broken ({})", c.a, c.b, c.kind == ConnKind::kQuorum ? "quorum" : "election",
                    why));
}

void QuorumProxy::State::Accept(const Listener& l) {
  while (true) {
    const int fd = accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    // Across a cut link a connection is black-holed (nothing passes either way) until
    // `heal` breaks it: the connector waits, as for SYNs lost in a partition, instead of
    // seeing its connection accepted and closed.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SetNonBlocking(fd);
    if (cut.contains({l.from, l.to}) || cut.contains({l.to, l.from})) {
      conns.push_back(std::make_unique<Conn>(l.from, l.to, l.kind, fd, -1));
      conns.back()->black_hole = true;
      Event(fmt::format("{}->{} connection black-holed (partition)", l.from, l.to));
      continue;
    }
    // Loopback: a connect succeeds or is refused at once. The preload library redirects
    // only connections to a port that listens, so a refusal here is a server that died
    // in between: the connector sees its connection closed.
    const int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(real_port(l.to, l.kind)));
    if (up < 0 || connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (up >= 0) close(up);
      close(fd);
      continue;
    }
    setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SetNonBlocking(up);
    conns.push_back(std::make_unique<Conn>(l.from, l.to, l.kind, fd, up));
  }
}

void QuorumProxy::State::Admit(Conn& c, Direction& d, Frame f) {
  const int64_t now = NowMs();
  const std::string what = fmt::format("{}->{} {}{}", d.from, d.to, f.type.empty() ? "connection" : f.type, Zxid(f.zxid));
  if (c.black_hole) {
    Event(what + " lost (connection made across a cut)");
    return;
  }
  if (cut.contains({d.from, d.to})) {
    Event(what + " dropped (partition)");
    BreakConn(c, "partition");
    return;
  }
  // Rules act on messages, not on an election connection's initial message.
  if (!f.type.empty()) {
    for (ProxyRule& r : rules) {
      if (r.count == 0 || r.from != d.from || r.to != d.to) continue;
      if (!r.type.empty() && r.type != f.type) continue;
      if (r.zxid && (!f.zxid || *f.zxid != *r.zxid)) continue;
      --r.count;
      if (r.action == ProxyRule::Action::kDrop) {
        Event(what + " dropped (rule)");
        BreakConn(c, "a dropped message");
        return;
      }
      if (r.action == ProxyRule::Action::kDelay) {
        f.not_before_ms = now + r.extra_ms;
        Event(fmt::format("{} delayed {} ms (rule)", what, r.extra_ms));
      } else {
        f.hold = true;
        Event(what + " held (rule)");
      }
      break;
    }
  }
  if (auto it = delays.find({d.from, d.to}); it != delays.end() && now < it->second.until_ms) {
    f.not_before_ms = std::max(f.not_before_ms, now + it->second.extra_ms);
  }
  f.not_before_ms = std::max(f.not_before_ms, d.last_not_before_ms);  // FIFO.
  d.last_not_before_ms = f.not_before_ms;
  d.waiting.push_back(std::move(f));
}

void QuorumProxy::State::Forward(Direction& d, int64_t now) {
  while (!d.waiting.empty()) {
    Frame& f = d.waiting.front();
    if (held.contains({d.from, d.to})) return;
    if (f.hold) {
      f.hold = false;
      held.insert({d.from, d.to});
      Event(fmt::format("{}->{} {}{} parked: link {}>{} held", d.from, d.to, f.type, Zxid(f.zxid), d.from, d.to));
      return;
    }
    if (f.not_before_ms > now) return;
    if (!f.type.empty()) ++forwarded[{d.from, d.to, f.type}];
    d.out += f.bytes;
    d.waiting.pop_front();
  }
}

void QuorumProxy::State::Flush(Conn& c, Direction& d) {
  while (d.dst >= 0 && !d.out.empty()) {
    const ssize_t n = send(d.dst, d.out.data(), d.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      d.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    BreakConn(c, "closed");
    return;
  }
}

void QuorumProxy::State::Read(Conn& c, Direction& d) {
  if (d.src < 0) return;  // A black hole's far end: there is none.
  char buf[kReadChunk];
  while (!c.closing && d.in.size() < kMaxBuffered) {
    const ssize_t n = recv(d.src, buf, sizeof buf, 0);
    if (n > 0) {
      d.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    BreakConn(c, fmt::format("server {} closed it", d.from));  // EOF or error: a crash, a close.
    break;
  }
  size_t used = 0;
  while (!c.closing) {
    auto frame = d.decoder.Next(std::string_view(d.in).substr(used));
    if (!frame.ok()) {
      BreakConn(c, std::string(frame.status().message()));
      break;
    }
    if (!frame->has_value()) break;
    const WireFrame& w = **frame;
    Admit(c, d, Frame{d.in.substr(used, w.size), w.type, w.zxid});
    used += w.size;
    // What came before a message that breaks the connection was sent before it: it goes
    // out first.
    if (!c.closing) {
      Forward(d, NowMs());
      Flush(c, d);
    }
  }
  d.in.erase(0, used);
}

void QuorumProxy::State::Loop() {
  std::vector<pollfd> fds;
  while (true) {
    int timeout_ms = 100;
    {
      std::lock_guard lock(mu);
      if (stop) return;
      const int64_t now = NowMs();
      fds.clear();
      fds.push_back({wake[0], POLLIN, 0});
      for (const Listener& l : listeners) fds.push_back({l.fd, POLLIN, 0});
      for (const auto& c : conns) {
        // Each socket is read from by one direction and written to by the other.
        const auto want = [](const Direction& reads, const Direction& writes) {
          return static_cast<short>((reads.in.size() < kMaxBuffered ? POLLIN : 0) | (writes.out.empty() ? 0 : POLLOUT));
        };
        fds.push_back({c->down, want(c->ab, c->ba), 0});
        fds.push_back({c->up, want(c->ba, c->ab), 0});
        for (const Direction* d : {&c->ab, &c->ba}) {
          if (!d->waiting.empty() && d->waiting.front().not_before_ms > now) {
            timeout_ms = std::min<int>(timeout_ms, static_cast<int>(d->waiting.front().not_before_ms - now));
          }
        }
      }
    }
    poll(fds.data(), fds.size(), std::max(timeout_ms, 1));
    std::lock_guard lock(mu);
    if (stop) return;
    char drain[64];
    while (read(wake[0], drain, sizeof drain) > 0) {
    }
    for (const Listener& l : listeners) Accept(l);
    const int64_t now = NowMs();
    for (auto& c : conns) {
      for (Direction* d : {&c->ab, &c->ba}) {
        if (!c->closing) Read(*c, *d);
      }
      for (Direction* d : {&c->ab, &c->ba}) {
        if (c->closing) break;
        Forward(*d, now);
        Flush(*c, *d);
      }
    }
    for (auto& c : conns) {
      if (!c->closing) continue;
      // What was forwarded already goes out if the socket takes it; what waited is lost.
      for (Direction* d : {&c->ab, &c->ba}) {
        if (d->dst >= 0 && !d->out.empty()) {
          [[maybe_unused]] const ssize_t n = send(d->dst, d->out.data(), d->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
      }
      close(c->down);
      if (c->up >= 0) close(c->up);
    }
    std::erase_if(conns, [](const std::unique_ptr<Conn>& c) { return c->closing; });
  }
}

QuorumProxy::QuorumProxy(uint32_t voters, std::function<int(uint32_t, ConnKind)> real_port)
    : s_(std::make_unique<State>()) {
  s_->voters = voters;
  s_->real_port = std::move(real_port);
}

QuorumProxy::~QuorumProxy() { Stop(); }

absl::Status QuorumProxy::Start() {
  if (pipe2(s_->wake, O_CLOEXEC | O_NONBLOCK) != 0) return absl::InternalError("pipe for the quorum proxy");
  for (uint32_t from = 1; from <= s_->voters; ++from) {
    for (uint32_t to = 1; to <= s_->voters; ++to) {
      if (from == to) continue;
      for (const ConnKind kind : {ConnKind::kQuorum, ConnKind::kElection}) {
        Listener l{from, to, kind};
        l.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (l.fd < 0 || bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(l.fd, 16) != 0 ||
            getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
          if (l.fd >= 0) close(l.fd);
          return absl::UnavailableError(fmt::format("the quorum proxy cannot listen on loopback: {}", strerror(errno)));
        }
        l.port = ntohs(addr.sin_port);
        s_->listeners.push_back(l);
      }
    }
  }
  s_->thread = std::thread([s = s_.get()] { s->Loop(); });
  return absl::OkStatus();
}

int QuorumProxy::Port(uint32_t from, uint32_t to, ConnKind kind) const {
  for (const Listener& l : s_->listeners) {
    if (l.from == from && l.to == to && l.kind == kind) return l.port;
  }
  return 0;
}

std::string QuorumProxy::Redirects(uint32_t sid) const {
  std::string out;
  for (const Listener& l : s_->listeners) {
    if (l.from != sid) continue;
    if (!out.empty()) out += ",";
    out += fmt::format("{}={}", s_->real_port(l.to, l.kind), l.port);
  }
  return out;
}

void QuorumProxy::AddRule(const ProxyRule& rule) {
  std::lock_guard lock(s_->mu);
  s_->rules.push_back(rule);
  s_->Wake();
}

void QuorumProxy::Hold(uint32_t from, uint32_t to) {
  std::lock_guard lock(s_->mu);
  s_->held.insert({from, to});
  s_->Wake();
}

void QuorumProxy::Release(uint32_t from, uint32_t to) {
  std::lock_guard lock(s_->mu);
  s_->held.erase({from, to});
  s_->Wake();
}

void QuorumProxy::Cut(uint32_t from, uint32_t to) {
  std::lock_guard lock(s_->mu);
  s_->cut.insert({from, to});
  s_->Wake();
}

void QuorumProxy::Heal() {
  std::lock_guard lock(s_->mu);
  s_->cut.clear();
  for (auto& c : s_->conns) {
    if (c->black_hole) s_->BreakConn(*c, "heal: made across a cut");
  }
  s_->Wake();
}

void QuorumProxy::Break(uint32_t a, uint32_t b) {
  std::lock_guard lock(s_->mu);
  for (auto& c : s_->conns) {
    if ((c->a == a && c->b == b) || (c->a == b && c->b == a)) s_->BreakConn(*c, "break");
  }
  s_->Wake();
}

void QuorumProxy::Delay(uint32_t from, uint32_t to, int64_t extra_ms, int64_t for_ms) {
  std::lock_guard lock(s_->mu);
  s_->delays[{from, to}] = State::LinkDelay{extra_ms, NowMs() + for_ms};
  s_->Wake();
}

std::vector<std::string> QuorumProxy::TakeEvents() {
  std::lock_guard lock(s_->mu);
  std::vector<std::string> out;
  out.swap(s_->events);
  return out;
}

uint64_t QuorumProxy::Forwarded(uint32_t from, uint32_t to, const std::string& type) const {
  std::lock_guard lock(s_->mu);
  const auto it = s_->forwarded.find({from, to, type});
  return it == s_->forwarded.end() ? 0 : it->second;
}

void QuorumProxy::Stop() {
  if (!s_) return;
  {
    std::lock_guard lock(s_->mu);
    if (s_->stop && !s_->thread.joinable()) return;
    s_->stop = true;
    if (s_->wake[1] >= 0) s_->Wake();
  }
  if (s_->thread.joinable()) s_->thread.join();
  for (auto& c : s_->conns) {
    close(c->down);
    if (c->up >= 0) close(c->up);
  }
  s_->conns.clear();
  for (Listener& l : s_->listeners) close(l.fd);
  s_->listeners.clear();
  for (int& fd : s_->wake) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

}  // namespace zabsim::conform

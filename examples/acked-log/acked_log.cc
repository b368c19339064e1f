// A protocol of one's own in zabsim's world: process 1 (the writer) streams numbered
// records to process 2 (the logger), which appends each to its disk and acknowledges it
// once the fsync that covers it completes. The logger crashes and comes back; the
// property is that every record the writer saw acknowledged is on the logger's disk
// after the restart. Two runs of the same seed must give the same trace fingerprint.
//
//   acked_log [SEED] [--ack-before-fsync]   exit 0: the property held and the runs agreed
//
// --ack-before-fsync puts a bug in: the logger acknowledges a record as soon as it has
// appended it, before its fsync, and the check must catch the records the crash loses.

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <zabsim/sim/world.h>

namespace sim = zabsim::sim;

struct Record {
  enum class Type : uint8_t { kWrite, kAck } type = Type::kWrite;
  uint64_t n = 0;
};

template <>
struct zabsim::sim::MessageTraits<Record> {
  static std::string_view Tag(const Record& m) { return m.type == Record::Type::kWrite ? "WRITE" : "ACK"; }
  static void Describe(const Record& m, Recorder& r) { r.Uint("n", m.n); }
};

constexpr uint32_t kPort = 1;
constexpr uint64_t kTick = 1;

// What the writer learned, kept outside the processes: a crash destroys a process object.
struct Shared {
  uint64_t acked = 0;  // The highest record the logger acknowledged.
};

class Writer final : public sim::Process<Record> {
 public:
  explicit Writer(Shared* shared) : shared_(shared) {}
  void Start(sim::Context<Record>& ctx) override { Reconnect(ctx); }
  void OnConnected(sim::Context<Record>&, sim::ConnId, sim::ProcessId) override { connected_ = true; }
  void OnAccepted(sim::Context<Record>&, sim::ConnId, sim::ProcessId, uint32_t) override {}
  void OnDisconnected(sim::Context<Record>& ctx, sim::ConnId, sim::DisconnectReason) override {
    connected_ = false;
    ctx.SetTimer(sim::Duration::Millis(100), kTick + 1);  // Retry later.
  }
  void OnMessage(sim::Context<Record>&, sim::ConnId, sim::ProcessId, Record m) override {
    if (m.type == Record::Type::kAck && m.n > shared_->acked) shared_->acked = m.n;
  }
  void OnTimer(sim::Context<Record>& ctx, sim::TimerId, uint64_t tag) override {
    if (tag == kTick + 1) {
      Reconnect(ctx);
      return;
    }
    for (int i = 0; i < 10 && connected_; ++i) ctx.Send(conn_, Record{Record::Type::kWrite, ++next_});
    ctx.SetTimer(sim::Duration::Millis(10), kTick);
  }
  void OnSynced(sim::Context<Record>&, sim::SyncToken) override {}
  void OnSignal(sim::Context<Record>&, uint32_t) override {}

 private:
  void Reconnect(sim::Context<Record>& ctx) {
    conn_ = ctx.Connect(sim::ProcessId{2}, kPort);
    if (!ticking_) ctx.SetTimer(sim::Duration::Millis(10), kTick);
    ticking_ = true;
  }
  Shared* shared_;
  sim::ConnId conn_;
  bool connected_ = false;
  bool ticking_ = false;
  uint64_t next_ = 0;
};

bool ack_before_fsync = false;  // The bug of --ack-before-fsync.

class Logger final : public sim::Process<Record> {
 public:
  explicit Logger(const sim::ProcessEnv& env) : env_(env) {}
  void Start(sim::Context<Record>& ctx) override { ctx.SetListening(kPort, true); }
  void OnConnected(sim::Context<Record>&, sim::ConnId, sim::ProcessId) override {}
  void OnAccepted(sim::Context<Record>&, sim::ConnId conn, sim::ProcessId, uint32_t) override { conn_ = conn; }
  void OnDisconnected(sim::Context<Record>&, sim::ConnId, sim::DisconnectReason) override { conn_.reset(); }
  void OnMessage(sim::Context<Record>& ctx, sim::ConnId, sim::ProcessId, Record m) override {
    ctx.Append("log", std::to_string(m.n));
    if (ack_before_fsync && conn_) ctx.Send(*conn_, Record{Record::Type::kAck, m.n});
    const sim::SyncToken t = ctx.Sync("log");
    if (!ack_before_fsync) pending_[t.value] = m.n;
  }
  void OnTimer(sim::Context<Record>&, sim::TimerId, uint64_t) override {}
  void OnSynced(sim::Context<Record>& ctx, sim::SyncToken token) override {
    const auto it = pending_.find(token.value);
    if (it == pending_.end()) return;
    if (conn_) ctx.Send(*conn_, Record{Record::Type::kAck, it->second});
    pending_.erase(it);
  }
  void OnSignal(sim::Context<Record>&, uint32_t) override {}

 private:
  sim::ProcessEnv env_;
  std::optional<sim::ConnId> conn_;
  std::map<uint64_t, uint64_t> pending_;  // Sync token -> the record it makes durable.
};

struct Outcome {
  uint64_t fingerprint = 0;
  uint64_t acked = 0;
  uint64_t records = 0;  // Records on the logger's disk at the end.
  uint64_t missing = 0;  // The first acknowledged record not on it (0: none).
};

Outcome Run(uint64_t seed) {
  sim::WorldConfig config;
  config.seed = seed;
  config.processes = 2;
  Shared shared;
  auto world = sim::World<Record>::Create(config, [&shared](const sim::ProcessEnv& env)
                                                      -> std::unique_ptr<sim::Process<Record>> {
    if (env.id.value == 1) return std::make_unique<Writer>(&shared);
    return std::make_unique<Logger>(env);
  });
  if (!world.ok()) {
    fmt::print(stderr, "acked_log: {}\n", world.status().ToString());
    std::exit(2);
  }
  auto plan = sim::FaultPlan::Parse("2001ms crash 2; 2500ms restart 2");
  if (!plan.ok() || !(*world)->Schedule(*plan).ok()) std::exit(2);
  (*world)->RunUntil(sim::Time{2'400'000});
  const uint64_t acked_before_crash = shared.acked;
  (*world)->RunUntil(sim::Time{3'000'000});
  Outcome o;
  o.fingerprint = (*world)->trace().fingerprint();
  o.acked = acked_before_crash;
  const sim::DiskImage image = (*world)->disk(sim::ProcessId{2}).Image();
  const std::vector<std::string>& log = image.File("log");
  std::set<uint64_t> on_disk;
  for (const std::string& r : log) on_disk.insert(std::stoull(r));
  o.records = log.size();
  for (uint64_t n = 1; n <= o.acked && o.missing == 0; ++n) {
    if (!on_disk.contains(n)) o.missing = n;
  }
  return o;
}

int main(int argc, char** argv) {
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--ack-before-fsync") {
      ack_before_fsync = true;
    } else {
      seed = std::strtoull(argv[i], nullptr, 10);
    }
  }
  const Outcome a = Run(seed);
  const Outcome b = Run(seed);
  fmt::print("seed {}: {} records acknowledged before the crash, {} on disk at the end; fingerprint {}\n",
             seed, a.acked, a.records, sim::FormatFingerprint(a.fingerprint));
  if (a.fingerprint != b.fingerprint) {
    fmt::print("two runs of seed {} differ: {} and {}\n", seed, sim::FormatFingerprint(a.fingerprint),
               sim::FormatFingerprint(b.fingerprint));
    return 1;
  }
  if (a.missing != 0) {
    fmt::print("lost: record {} was acknowledged and is not on the disk\n", a.missing);
    return 1;
  }
  return 0;
}

#include "conform/real_side.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "conform/lazyfs_mount.h"
#include "conform/process.h"
#include "conform/quorum_proxy.h"
#include "conform/settle.h"
#include "conform/zk_text.h"

namespace zabsim::conform {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kJar = "/usr/share/java/zookeeper.jar";
// The package's classpath is zookeeper.jar alone (its manifest names the rest); the
// servers add log4j 1.2 and its slf4j binding, so that their INFO log reaches a file,
// and the CLI adds slf4j's no-op binding, so that its output is only its answers.
constexpr std::string_view kServerClasspath =
    "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar";
constexpr std::string_view kClientClasspath = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar";
// ZooKeeperMain's `version` command prints this; sent after each command, it marks the
// end of that command's output.
constexpr std::string_view kSentinel = "ZooKeeper CLI version";

constexpr int64_t kDefaultTickMs = 200;
constexpr int64_t kWaitMs = 60000;       // For a leader, a converged ensemble.
constexpr int64_t kClientWaitMs = 60000; // For one client command.
constexpr int64_t kConnectWaitMs = 5000;  // For a client to reconnect before an operation.
constexpr int64_t kSettleWaitMs = 5000;   // For in-flight txns to land before a `state`.

// Tail: the last ten lines of a file; with `errors_only`, of its lines that say why a
// server failed (log4j's ERROR lines and Java's "Caused by:"), for an error message.
std::string Tail(const std::string& path, bool errors_only = false) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (errors_only && line.find(" ERROR ") == std::string::npos && !line.starts_with("Caused by:")) continue;
    lines.push_back(line);
    if (lines.size() > 10) lines.erase(lines.begin());
  }
  std::string out;
  for (const std::string& l : lines) out += "  " + l + "\n";
  return out.empty() ? "  (nothing)\n" : out;
}

// JavaArgs starts every JVM of a run. A small heap and the client compiler: start-up time
// matters more than throughput. The zabsim.conform.dir property does nothing in Java; it
// tags the process with the run's directory, so that a test can tell that nothing of a
// run is left, without a name pattern that could match anything else.
std::vector<std::string> JavaArgs(const std::string& dir) {
  return {"java", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          fmt::format("-Dzabsim.conform.dir={}", dir)};
}

struct DirSize {
  uint64_t files = 0;
  uint64_t bytes = 0;    // Their lengths.
  uint64_t on_disk = 0;  // The blocks allocated to them.
};

DirSize SizeOf(const std::string& dir) {
  DirSize out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st {};
    if (!it->is_regular_file(ec) || ::stat(it->path().c_str(), &st) != 0) continue;
    ++out.files;
    out.bytes += static_cast<uint64_t>(st.st_size);
    out.on_disk += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return out;
}

// The library preloaded into each server's JVM (conform/preload): beside the zabsim
// executable in a build tree, in LIBDIR/zabsim once installed.
absl::StatusOr<std::string> PreloadPath() {
  auto path = FindHelper("libzabsim_conform_preload.so", "zabsim_conform_preload");
  if (!path.ok()) {
    return absl::FailedPreconditionError(
        fmt::format("{}: the real servers need it", std::string(path.status().message())));
  }
  return path;
}

struct UndoneWrites {
  int writes = 0;   // Ranges zeroed.
  int removed = 0;  // Files removed.
};

// UndoUnsynced reads a killed server's crash journal (conform/preload: "C PATH", "W PATH
// OFFSET LENGTH", "S PATH") and undoes, per txn log file, the writes after its last sync:
// their bytes become zeros again (ZooKeeper reads a log up to its first zero length, as
// in a preallocated file), and a file created and never synced is removed, as a
// power loss takes its directory entry with it. The journal is then removed.
UndoneWrites UndoUnsynced(const std::string& journal) {
  struct File {
    bool created = false;
    bool synced = false;
    std::vector<std::pair<uint64_t, uint64_t>> pending;  // (offset, length) since the last sync.
  };
  std::map<std::string, File> files;
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 3 || line[1] != ' ') continue;
    std::string rest = line.substr(2);
    if (line[0] == 'W') {
      // The path may hold spaces: the last two fields are numbers.
      const size_t b = rest.rfind(' ');
      const size_t a = b == std::string::npos ? b : rest.rfind(' ', b - 1);
      if (a == std::string::npos) continue;
      files[rest.substr(0, a)].pending.emplace_back(std::strtoull(rest.c_str() + a + 1, nullptr, 10),
                                                     std::strtoull(rest.c_str() + b + 1, nullptr, 10));
    } else if (line[0] == 'S') {
      File& f = files[rest];
      f.pending.clear();
      f.synced = true;
    } else if (line[0] == 'C') {
      files[rest] = File{true, false, {}};
    }
  }
  in.close();
  UndoneWrites out;
  for (const auto& [path, f] : files) {
    std::error_code ec;
    if (f.created && !f.synced) {
      if (fs::remove(path, ec)) ++out.removed;
      continue;
    }
    if (f.pending.empty()) continue;
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    const uint64_t size = fs::file_size(path, ec);
    if (!io || ec) continue;
    for (const auto& [offset, length] : f.pending) {
      if (offset >= size) continue;
      const uint64_t n = std::min(length, size - offset);
      io.seekp(static_cast<std::streamoff>(offset));
      const std::string zeros(static_cast<size_t>(n), '\0');
      io.write(zeros.data(), static_cast<std::streamsize>(n));
      ++out.writes;
    }
  }
  std::error_code ec;
  fs::remove(journal, ec);
  return out;
}

// zabsim's default fsync takes 0.5 to 2 ms (disk.fsync_latency); `disk-slow S FACTOR`
// makes the real server's writes and fsyncs of its data files each wait (FACTOR - 1)
// times the mean, 1.25 ms (conform/preload).
constexpr int64_t kMeanFsyncUs = 1250;

std::string Megabytes(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1 << 20)); }

class RealEnsemble {
 public:
  RealEnsemble(const Ensemble& e, const RealOptions& o)
      : e_(e), o_(o), servers_(e.voters + 1), mounts_(e.voters + 1) {}
  ~RealEnsemble() { Teardown(); }

  absl::Status Init() {
    auto dir = MakeTempDir();
    if (!dir.ok()) return dir.status();
    dir_ = *dir;
    auto base = FreePorts(static_cast<int>(3 * e_.voters));
    if (!base.ok()) return base.status();
    base_port_ = *base;
    auto preload = PreloadPath();
    if (!preload.ok()) return preload.status();
    preload_ = *preload;
    proxy_ = std::make_unique<QuorumProxy>(e_.voters, [this](uint32_t sid, ConnKind kind) {
      return kind == ConnKind::kQuorum ? QuorumPort(sid) : ElectionPort(sid);
    });
    if (absl::Status s = proxy_->Start(); !s.ok()) return s;
    std::ofstream log4j(dir_ + "/log4j.properties");
    log4j << "log4j.rootLogger=INFO, FILE\n"
             "log4j.appender.FILE=org.apache.log4j.FileAppender\n"
             "log4j.appender.FILE.File=${zookeeper.log.dir}/zookeeper.log\n"
             "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout\n"
             "log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n\n"
             // The leader logs its TRUNC decisions ("Sending TRUNC ...") at DEBUG only;
             // its DIFF and SNAP decisions at INFO.
             "log4j.logger.org.apache.zookeeper.server.quorum.LearnerHandler=DEBUG\n";
    for (uint32_t sid = 1; sid <= e_.voters; ++sid) {
      const std::string sdir = ServerDir(sid);
      // With the FUSE layer the server's files live in lazyfs-root, mounted on data;
      // myid is written there before the mount, so it is on disk from the start.
      fs::create_directories(sdir + "/data");
      fs::create_directories(DiskDir(sid));
      std::ofstream(DiskDir(sid) + "/myid") << sid << "\n";
      if (LazyFs()) {
        if (absl::Status s = mounts_[sid].Mount(o_.lazyfs, DiskDir(sid), sdir + "/data"); !s.ok()) return s;
      }
      if (absl::Status s = WriteDiskControl(sid); !s.ok()) return s;
      std::ofstream cfg(sdir + "/zoo.cfg");
      const int64_t tick = e_.tick_ms.value_or(kDefaultTickMs);
      cfg << fmt::format("tickTime={}\ninitLimit={}\nsyncLimit={}\n", tick, e_.init_limit.value_or(20),
                         e_.sync_limit.value_or(10));
      cfg << fmt::format("dataDir={}/data\nclientPort={}\nclientPortAddress=127.0.0.1\n", sdir, ClientPort(sid));
      cfg << "4lw.commands.whitelist=*\nadmin.enableServer=false\nstandaloneEnabled=false\n";
      // Sessions must outlive every restart of a scenario: an expiry is a closeSession
      // txn at a time only the wall clock decides.
      cfg << "maxSessionTimeout=120000\n";
      if (e_.snap_count) cfg << fmt::format("snapCount={}\n", *e_.snap_count);
      for (uint32_t peer = 1; peer <= e_.voters; ++peer) {
        cfg << fmt::format("server.{}=127.0.0.1:{}:{}\n", peer, QuorumPort(peer), ElectionPort(peer));
      }
      if (!cfg) return absl::InternalError(fmt::format("cannot write {}/zoo.cfg", sdir));
    }
    if (o_.keep) fmt::print(stderr, "conform: the real ensemble's files are in {}\n", dir_);
    return absl::OkStatus();
  }

  absl::Status Start(uint32_t sid) {
    Server& s = servers_[sid];
    if (Alive(s.process)) return absl::OkStatus();
    std::vector<std::string> argv = JavaArgs(dir_);
    argv.push_back("-cp");
    argv.push_back(std::string(kServerClasspath));
    argv.push_back(fmt::format("-Dlog4j.configuration=file:{}/log4j.properties", dir_));
    argv.push_back(fmt::format("-Dzookeeper.log.dir={}", ServerDir(sid)));
    argv.push_back("-Dzookeeper.jmx.log4j.disable=true");
    if (e_.commit_log_count) argv.push_back(fmt::format("-Dzookeeper.commitLogCount={}", *e_.commit_log_count));
    // The txn log's preallocation counts in the sync decision (the files after the
    // learner's are summed at their length on disk), so it is ZooKeeper's 64 MB unless
    // the scenario sets prealloc_kb, which zabsim's side then uses too.
    if (e_.prealloc_kb) argv.push_back(fmt::format("-Dzookeeper.preAllocSize={}", *e_.prealloc_kb));
    if (e_.txn_log_sync && *e_.txn_log_sync == 0) {
      // zabsim's txn_log_sync=0 turns the txn-log sync off; ZooKeeper's off is a negative factor.
      argv.push_back("-Dzookeeper.snapshotSizeFactor=-1");
    } else if (e_.snapshot_size_factor_permille) {
      const uint32_t p = *e_.snapshot_size_factor_permille;
      argv.push_back(fmt::format("-Dzookeeper.snapshotSizeFactor={}.{:03}", p / 1000, p % 1000));
    }
    argv.push_back("org.apache.zookeeper.server.quorum.QuorumPeerMain");
    argv.push_back(ServerDir(sid) + "/zoo.cfg");
    // Its quorum and election connections go through the proxy, its disk through the
    // preload library's control file (conform/preload), and its crashes through the
    // library's journal unless the FUSE layer holds its unsynced writes.
    std::vector<std::string> env = {
        "LD_PRELOAD=" + preload_,
        "ZABSIM_CONFORM_REDIRECT=" + proxy_->Redirects(sid),
        "ZABSIM_CONFORM_DISK=" + ServerDir(sid) + "/disk-control",
        "ZABSIM_CONFORM_DATA=" + ServerDir(sid) + "/data",
    };
    if (!LazyFs()) env.push_back("ZABSIM_CONFORM_JOURNAL=" + ServerDir(sid) + "/crash-journal");
    // What is on disk now is durable: the journal covers this incarnation alone.
    std::error_code ec;
    fs::remove(ServerDir(sid) + "/crash-journal", ec);
    auto child = Spawn(argv, /*pipes=*/false, ServerDir(sid) + "/stdout.log", env);
    if (!child.ok()) return child.status();
    s.process = *child;
    return absl::OkStatus();
  }

  QuorumProxy& proxy() { return *proxy_; }

  // DiskSlow and DiskError set what the server's preload library does to its data files
  // from now on, for `for_ms` (it survives a restart: it is the disk that is slow).
  absl::Status DiskSlow(uint32_t sid, uint32_t factor, int64_t for_ms) {
    Server& s = servers_[sid];
    s.slow_until_ms = NowMs() + for_ms;
    s.slow_extra_us = (static_cast<int64_t>(factor) - 1) * kMeanFsyncUs;
    return WriteDiskControl(sid);
  }
  absl::Status DiskError(uint32_t sid, int64_t for_ms, const std::string& prefixes) {
    Server& s = servers_[sid];
    s.error_until_ms = NowMs() + for_ms;
    s.error_prefixes = prefixes.empty() ? "-" : prefixes;
    return WriteDiskControl(sid);
  }

  // VerboseProxy prints what the proxy did since the last call (--verbose).
  void VerboseProxy() {
    if (!proxy_) return;
    for (const std::string& line : proxy_->TakeEvents()) {
      if (o_.verbose) fmt::print(stderr, "conform:   proxy: {}\n", line);
    }
  }

  // WaitAnswering waits until server `sid` answers a four-letter word (whatever its
  // mode). Its election listener starts right after its client port, so servers started
  // one after another this way enter the election in that order: a scenario that starts
  // the best server first gets the election zabsim gets when all start at one instant,
  // instead of one decided by how fast each JVM happened to start.
  absl::Status WaitAnswering(uint32_t sid) {
    const int64_t deadline = NowMs() + kWaitMs;
    while (true) {
      if (!Up(sid)) {
        return absl::UnavailableError(
            fmt::format("server {} exited at start-up; its output ends with:\n{}its log's errors end with:\n{}", sid,
                        Tail(ServerDir(sid) + "/stdout.log"), Tail(ServerDir(sid) + "/zookeeper.log", true)));
      }
      if (FourLetterWord(ClientPort(sid), "srvr", 1000).ok()) return absl::OkStatus();
      if (NowMs() > deadline) return absl::DeadlineExceededError(fmt::format("server {} did not start", sid));
      if (!SleepMs(50)) return InterruptedError();
    }
  }

  // Kill ends the server as zabsim's `crash` does: kill -9, then what it wrote without a
  // sync is lost: a killed process leaves its writes in the kernel's page cache, a
  // crashed machine does not. The FUSE layer drops every unsynced write it holds (the
  // process is reaped: none of its writes is still on its way); the journal undoes the
  // txn log's (conform/preload).
  absl::Status Kill(uint32_t sid) {
    Stop(servers_[sid].process);
    if (LazyFs()) {
      auto answer = mounts_[sid].Crash();
      if (!answer.ok()) return answer.status();
      if (o_.verbose) fmt::print(stderr, "conform:   server {}: its FUSE layer {}\n", sid, *answer);
      return absl::OkStatus();
    }
    const UndoneWrites undone = UndoUnsynced(ServerDir(sid) + "/crash-journal");
    if (o_.verbose && (undone.writes > 0 || undone.removed > 0)) {
      fmt::print(stderr, "conform:   server {}: undid {} unsynced write(s) to its txn log, removed {} unsynced log file(s)\n",
                 sid, undone.writes, undone.removed);
    }
    return absl::OkStatus();
  }
  bool Up(uint32_t sid) { return Alive(servers_[sid].process); }

  Srvr Query(uint32_t sid) {
    if (!Up(sid)) return {"down", ""};
    auto answer = FourLetterWord(ClientPort(sid), "srvr", 2000);
    if (!answer.ok()) return {"looking", ""};  // Not listening yet: still starting.
    Srvr srvr = ParseSrvr(*answer);
    // A leader answers srvr only once its epoch is established, with a zxid of that
    // epoch: the highest seen is the highest epoch established since the start, as far
    // as the polls saw (run until=epoch:N).
    if (srvr.mode == "leading") highest_epoch_ = std::max(highest_epoch_, ZxidEpoch(srvr.zxid));
    return srvr;
  }
  uint64_t highest_epoch() const { return highest_epoch_; }

  uint64_t CurrentEpoch(uint32_t sid) {
    std::ifstream in(ServerDir(sid) + "/data/version-2/currentEpoch");
    uint64_t epoch = 0;
    in >> epoch;
    return epoch;
  }

  // NewSyncs reads what each server logged since the last call and returns the sync
  // decisions it made as a leader (LearnerHandler.syncFollower), in log order per server.
  std::vector<SyncRecord> NewSyncs() {
    std::vector<SyncRecord> out;
    for (uint32_t sid = 1; sid <= e_.voters; ++sid) {
      Server& s = servers_[sid];
      std::ifstream in(ServerDir(sid) + "/zookeeper.log", std::ios::binary);
      if (!in) continue;
      in.seekg(static_cast<std::streamoff>(s.log_offset));
      std::string line;
      while (std::getline(in, line)) {
        if (in.eof()) break;  // A partial last line: read it next time.
        s.log_offset += line.size() + 1;
        s.log.Line(line, out);
      }
    }
    // Each server's log is read in turn: put the decisions of several leaders in the
    // order they were made (log4j's ISO8601 times sort as text; ties keep log order).
    std::stable_sort(out.begin(), out.end(), [](const SyncRecord& a, const SyncRecord& b) { return a.at < b.at; });
    return out;
  }

  // OpenSession starts client `index`'s CLI, unless it runs, and waits for its session
  // (a `stat /`, a read, needs one).
  absl::Status OpenSession(uint32_t index) {
    if (index <= clients_.size() && Alive(clients_[index - 1])) return absl::OkStatus();
    return ClientCommand(index, "stat /").status();
  }

  // ClientCommand sends one CLI command for client `index` (1-based), starting its
  // process on first use, and returns the lines it printed.
  absl::StatusOr<std::vector<std::string>> ClientCommand(uint32_t index, std::string_view command) {
    if (clients_.size() < index) clients_.resize(index);
    if (pending_.size() < index) pending_.resize(index);
    Child& c = clients_[index - 1];
    if (!Alive(c)) {
      pending_[index - 1] = 0;  // A new CLI owes nothing.
      const std::vector<uint32_t> homes = Homes(index);
      Stop(c);  // Reaps a client that died, and closes its pipes.
      auto child = StartCli(homes);
      if (!child.ok()) return child.status();
      c = *child;
    }
    if (absl::Status s = DrainLate(index); !s.ok()) return s;
    return Command(c, command);
  }

  // DrainLate reads the answers of client `index`'s writes sent without waiting, oldest
  // first, into late_answers().
  absl::Status DrainLate(uint32_t index) {
    if (pending_.size() < index || clients_.size() < index) return absl::OkStatus();
    Child& c = clients_[index - 1];
    for (; pending_[index - 1] > 0; --pending_[index - 1]) {
      auto earlier = Command(c, "");
      if (!earlier.ok()) return earlier.status();
      std::deque<size_t>& steps = late_steps_[index];
      if (steps.empty()) continue;
      const std::string e = CliErrorCode(*earlier);
      late_answers_[steps.front()] = e.empty() ? "OK" : e;
      steps.pop_front();
    }
    return absl::OkStatus();
  }
  const std::map<size_t, std::string>& late_answers() const { return late_answers_; }
  void ExpectLate(uint32_t index, size_t step) { late_steps_[index].push_back(step); }

  // ClientCommandNoWait sends one CLI command for client `index` and returns at once. The
  // CLI runs its commands one at a time: its answer, and the sentinel after it, are read
  // (and set aside) before the client's next command.
  absl::Status ClientCommandNoWait(uint32_t index, std::string_view command) {
    if (clients_.size() < index) clients_.resize(index);
    if (pending_.size() < index) pending_.resize(index);
    Child& c = clients_[index - 1];
    if (!Alive(c)) return absl::UnavailableError(fmt::format("client {} has no CLI running", index));
    if (o_.verbose) fmt::print(stderr, "conform:   zkCli> {} (not waiting)\n", command);
    if (absl::Status s = WriteAll(c, fmt::format("{}\nversion\n", command)); !s.ok()) return s;
    ++pending_[index - 1];
    return absl::OkStatus();
  }

  // ReadOn reads `paths` on server `sid` alone, with a CLI of its own (whose session, a
  // txn, comes after every other observation), appending "DATA (mzxid 0x...)" or an
  // error code per path to `values`.
  absl::Status ReadOn(uint32_t sid, const std::vector<std::string>& paths, std::vector<std::string>& values) {
    auto child = StartCli({sid});
    if (!child.ok()) return child.status();
    Child c = *child;
    absl::Status status;
    for (const std::string& path : paths) {
      auto lines = Command(c, "get -s " + path);
      if (!lines.ok()) {
        status = lines.status();
        break;
      }
      values.push_back(CliGetValue(*lines));
    }
    Stop(c);
    return status;
  }

  void Teardown() {
    for (Child& c : clients_) Stop(c);
    for (uint32_t sid = 1; sid < servers_.size(); ++sid) Stop(servers_[sid].process);
    // Each FUSE layer writes back what it holds, as a clean unmount would (the run is
    // over: what the servers wrote stays for --keep), and unmounts; --keep then finds
    // the files where the journal's runs leave them, in data.
    for (uint32_t sid = 1; sid < mounts_.size(); ++sid) {
      for (const std::string& line : mounts_[sid].Unmount()) {
        if (o_.verbose || !line.starts_with("unmounted:")) fmt::print(stderr, "conform: server {}: {}\n", sid, line);
      }
      std::error_code ec;
      if (o_.keep && LazyFs() && !dir_.empty() && fs::remove(ServerDir(sid) + "/data", ec)) {
        fs::rename(DiskDir(sid), ServerDir(sid) + "/data", ec);
      }
    }
    if (proxy_) proxy_->Stop();
    if (!dir_.empty() && !o_.keep) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
    if (!dir_.empty() && o_.keep) {
      // Each txn log file is preallocated (zookeeper.preAllocSize, 64 MB by default): say
      // what is left, and how much of it the disk really holds (the padding is sparse on
      // most file systems).
      const DirSize size = SizeOf(dir_);
      fmt::print(stderr,
                 "conform: kept {}: {} in {} files ({} on disk); each server's txn log files are "
                 "preallocated to {} KB (zookeeper.preAllocSize; 'cluster prealloc_kb=' sets it on both "
                 "sides); remove the directory when done\n",
                 dir_, Megabytes(size.bytes), size.files, Megabytes(size.on_disk), e_.prealloc_kb.value_or(65536));
    }
    dir_.clear();
  }

  uint32_t voters() const { return e_.voters; }

 private:
  struct Server {
    Child process;
    uint64_t log_offset = 0;
    SyncLogReader log;
    int64_t slow_until_ms = 0;  // The disk faults in force (conform/preload's control file).
    int64_t slow_extra_us = 0;
    int64_t error_until_ms = 0;
    std::string error_prefixes = "-";
  };

  // WriteDiskControl writes server sid's control file anew (a rename: the preload library
  // never reads half of one).
  absl::Status WriteDiskControl(uint32_t sid) {
    const Server& s = servers_[sid];
    const std::string path = ServerDir(sid) + "/disk-control";
    {
      std::ofstream out(path + ".tmp", std::ios::trunc);
      out << fmt::format("{} {} {} {}\n", s.slow_until_ms, s.slow_extra_us, s.error_until_ms, s.error_prefixes);
      if (!out) return absl::InternalError(fmt::format("cannot write {}.tmp", path));
    }
    std::error_code ec;
    fs::rename(path + ".tmp", path, ec);
    if (ec) return absl::InternalError(fmt::format("cannot rename {}.tmp: {}", path, ec.message()));
    return absl::OkStatus();
  }

  // Homes: the servers client `index` may use (the scenario's client.N, or all).
  std::vector<uint32_t> Homes(uint32_t index) const {
    std::vector<uint32_t> homes;
    if (index <= e_.client_homes.size()) homes = e_.client_homes[index - 1];
    if (homes.empty()) {
      for (uint32_t sid = 1; sid <= e_.voters; ++sid) homes.push_back(sid);
    }
    return homes;
  }

  std::string ServerDir(uint32_t sid) const { return fmt::format("{}/s{}", dir_, sid); }
  // DiskDir: where the server's data files are stored: its data directory, or the FUSE
  // layer's backing directory, mounted on it.
  std::string DiskDir(uint32_t sid) const { return ServerDir(sid) + (LazyFs() ? "/lazyfs-root" : "/data"); }
  bool LazyFs() const { return o_.crash_disk == CrashDisk::kLazyFs; }
  int ClientPort(uint32_t sid) const { return base_port_ + static_cast<int>(sid) - 1; }
  int QuorumPort(uint32_t sid) const { return base_port_ + static_cast<int>(e_.voters + sid) - 1; }
  int ElectionPort(uint32_t sid) const { return base_port_ + static_cast<int>(2 * e_.voters + sid) - 1; }

  absl::StatusOr<Child> StartCli(const std::vector<uint32_t>& homes) {
    std::string hosts;
    for (const uint32_t sid : homes) {
      if (!hosts.empty()) hosts += ",";
      hosts += fmt::format("127.0.0.1:{}", ClientPort(sid));
    }
    std::vector<std::string> argv = JavaArgs(dir_);
    argv.insert(argv.end(), {"-cp", std::string(kClientClasspath), "org.apache.zookeeper.ZooKeeperMain",
                             "-server", hosts, "-timeout", "30000"});
    return Spawn(argv, /*pipes=*/true, "");
  }

  // Command sends `command` and reads the lines up to its sentinel; an empty `command`
  // sends nothing and reads the answer of one sent earlier without waiting.
  absl::StatusOr<std::vector<std::string>> Command(Child& c, std::string_view command) {
    if (o_.verbose) fmt::print(stderr, "conform:   zkCli> {}\n", command.empty() ? "(an earlier write's answer)" : command);
    if (!command.empty()) {
      if (absl::Status s = WriteAll(c, fmt::format("{}\nversion\n", command)); !s.ok()) return s;
    }
    std::vector<std::string> lines;
    const int64_t deadline = NowMs() + kClientWaitMs;
    while (true) {
      auto line = ReadLine(c, deadline - NowMs());
      if (!line.ok()) {
        return absl::Status(line.status().code(),
                            fmt::format("the ZooKeeper CLI, after '{}': {}", command, std::string(line.status().message())));
      }
      if (line->find(kSentinel) != std::string::npos) break;
      if (!CliNoise(*line)) lines.push_back(*line);
    }
    if (o_.verbose) {
      for (const std::string& l : lines) fmt::print(stderr, "conform:   | {}\n", l);
    }
    return lines;
  }

  Ensemble e_;
  RealOptions o_;
  std::string dir_;
  std::string preload_;
  std::unique_ptr<QuorumProxy> proxy_;
  int base_port_ = 0;
  std::vector<Server> servers_;  // By sid; [0] unused.
  std::vector<LazyFsMount> mounts_;  // By sid, with --crash-disk lazyfs.
  std::vector<Child> clients_;
  std::vector<int> pending_;  // Per client: answers of writes sent without waiting, unread.
  std::map<uint32_t, std::deque<size_t>> late_steps_;  // Per client: their steps, oldest first.
  std::map<size_t, std::string> late_answers_;          // Per step: the answer read.
  uint64_t highest_epoch_ = 0;
};

// WaitFor polls the ensemble until `leader` (a serving leader) and, with `converged`,
// every live server serving under it with the leader's last zxid, or, with `epoch`, a
// leader has established an epoch >= `epoch` since the start. Returns the leader.
absl::StatusOr<uint32_t> WaitFor(RealEnsemble& r, bool converged, uint64_t epoch = 0) {
  const int64_t deadline = NowMs() + kWaitMs;
  while (true) {
    uint32_t leader = 0;
    std::string leader_zxid;
    bool all = true;
    std::vector<Srvr> states(r.voters() + 1);
    for (uint32_t sid = 1; sid <= r.voters(); ++sid) {
      states[sid] = r.Query(sid);
      if (states[sid].mode == "leading") {
        leader = sid;
        leader_zxid = states[sid].zxid;
      }
    }
    // A leader that has committed nothing in its epoch reports the epoch's start,
    // (epoch, 0), which no follower ever processes: its followers then report their own
    // last txn, which sync made equal to the leader's last txn.
    const bool epoch_start = leader_zxid.size() > 8 && leader_zxid.substr(leader_zxid.size() - 8) == "00000000";
    for (uint32_t sid = 1; sid <= r.voters(); ++sid) {
      const Srvr& s = states[sid];
      if (s.mode == "down" || sid == leader) continue;
      if (s.mode != "following" || (!epoch_start && s.zxid != leader_zxid)) all = false;
    }
    if (leader != 0 && (!converged || all) && r.highest_epoch() >= epoch) return leader;
    if (NowMs() > deadline) {
      return absl::DeadlineExceededError(fmt::format(
          "no {} within {} s", converged ? "converged ensemble" : epoch > 0 ? fmt::format("epoch {}", epoch) : "leader",
          kWaitMs / 1000));
    }
    if (!SleepMs(100)) return InterruptedError();
  }
}

// AwaitConnected lets the client's connection come back before an operation: `stat /` (a
// read: no txn) until it answers, for at most kConnectWaitMs. zabsim's client retries a
// lost connection every 50 ms; ZooKeeper's Java client waits up to a second, at random,
// between attempts, and fails what is queued when an attempt fails. Without this wait an
// operation issued right after the ensemble recovered could fail by chance (CONNECTIONLOSS)
// where zabsim's succeeds. An operation that must fail (no quorum) still does, after it.
absl::Status AwaitConnected(RealEnsemble& r, uint32_t client) {
  const int64_t deadline = NowMs() + kConnectWaitMs;
  while (true) {
    auto lines = r.ClientCommand(client, "stat /");
    if (!lines.ok()) return lines.status();
    if (CliErrorCode(*lines) != "CONNECTIONLOSS" || NowMs() > deadline) return absl::OkStatus();
    if (!SleepMs(100)) return InterruptedError();
  }
}

// CliCommand is the ZooKeeper CLI's command for a client operation.
std::string CliCommand(const Step& s) {
  if (s.op == "create") return s.data.empty() ? "create " + s.path : fmt::format("create {} {}", s.path, s.data);
  if (s.op == "set") {
    return s.version ? fmt::format("set -v {} {} {}", *s.version, s.path, s.data) : fmt::format("set {} {}", s.path, s.data);
  }
  if (s.op == "delete") return s.version ? fmt::format("delete -v {} {}", *s.version, s.path) : "delete " + s.path;
  if (s.op == "get") return "get " + s.path;
  return "stat " + s.path;  // exists
}

std::string ClientOp(RealEnsemble& r, const Step& s, absl::Status& status) {
  if (status = AwaitConnected(r, s.client); !status.ok()) return "no answer";
  if (s.nowait) {
    status = r.ClientCommandNoWait(s.client, CliCommand(s));
    return "sent (nowait)";
  }
  const std::string command = CliCommand(s);
  auto lines = r.ClientCommand(s.client, command);
  if (!lines.ok()) {
    status = lines.status();
    return "no answer";
  }
  if (std::string e = CliErrorCode(*lines); !e.empty()) return e;
  if (s.op == "get") return lines->empty() || (*lines)[0] == "null" ? "OK " : "OK " + (*lines)[0];
  if (s.op == "exists") return "OK";
  // The CLI does not print a write's zxid: a `stat` right after it, on the same server,
  // reads it (a read: no txn, so the zxids that follow are unchanged).
  std::string parent = s.path.substr(0, s.path.rfind('/'));
  if (parent.empty()) parent = "/";
  auto stat = r.ClientCommand(s.client, "stat " + (s.op == "delete" ? parent : s.path));
  if (!stat.ok()) {
    status = stat.status();
    return "no answer";
  }
  const std::string field = s.op == "create" ? "cZxid" : s.op == "set" ? "mZxid" : "pZxid";
  return "OK " + CliField(*stat, field);
}

// Settle waits until what is in flight has landed (conform/settle.h) and two polls a
// tenth of a second apart agree, for at most kSettleWaitMs; zabsim's side waits for the
// same before its `state`. Without it a follower that had not applied the last COMMIT
// yet would show a last zxid one behind zabsim's.
absl::Status Settle(RealEnsemble& r) {
  const int64_t deadline = NowMs() + kSettleWaitMs;
  std::vector<Srvr> last;
  while (true) {
    std::vector<Srvr> now(r.voters() + 1);
    for (uint32_t sid = 1; sid <= r.voters(); ++sid) now[sid] = r.Query(sid);
    const bool same = !last.empty() && std::equal(now.begin(), now.end(), last.begin(), [](const Srvr& a, const Srvr& b) {
      return a.mode == b.mode && a.zxid == b.zxid;
    });
    if ((same && Landed(now)) || NowMs() > deadline) return absl::OkStatus();
    last = std::move(now);
    if (!SleepMs(100)) return InterruptedError();
  }
}

void ObserveServers(RealEnsemble& r, const std::vector<uint32_t>& sids, Observer& obs) {
  for (const uint32_t sid : sids) {
    const Srvr s = r.Query(sid);
    obs.Server(sid, s.mode, s.zxid);
  }
}

// StartEnsemble starts the servers for `cluster`, from the highest sid down, each once
// the one before answers: between equal histories the vote picks the highest sid, and
// being up first it takes part in the first election wherever it is decided.
absl::Status StartEnsemble(RealEnsemble& r, const Plan& plan) {
  // A server crashed right after `cluster`, before any time passed in zabsim, never ran:
  // it is not started at all (starting and killing it would race its sync).
  std::set<uint32_t> never;
  for (size_t i = 1; i < plan.steps.size(); ++i) {
    const Step& next = plan.steps[i];
    if (next.kind == StepKind::kCrash) {
      never.insert(next.server);
    } else if (next.kind != StepKind::kSimOnly) {
      break;
    }
  }
  for (uint32_t sid = plan.ensemble.voters; sid >= 1; --sid) {
    if (never.contains(sid)) continue;
    if (absl::Status s = r.Start(sid); !s.ok()) return s;
    if (absl::Status s = r.WaitAnswering(sid); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// AwaitRun waits for a leader (and, `converged`, every live server serving under it) and
// observes it; once converged, it reports the sync decisions gathered since the last time.
absl::Status AwaitRun(RealEnsemble& r, const Plan& plan, const Step& step, std::vector<SyncRecord>& syncs,
                      Observer& obs) {
  const bool converged = step.kind == StepKind::kRunConverged;
  const int64_t start = NowMs();
  auto leader = WaitFor(r, converged, step.kind == StepKind::kRunEpoch ? step.epoch : 0);
  if (!leader.ok()) {
    if (leader.status().code() == absl::StatusCode::kCancelled) return leader.status();
    obs.Leader(0, 0);  // Observed: nothing converged; the comparison shows it.
    return absl::OkStatus();
  }
  obs.Leader(*leader, r.CurrentEpoch(*leader));
  obs.Add("time to this state", fmt::format("{} ms wall clock", NowMs() - start), Compare::kNever);
  if (converged) {
    for (SyncRecord& rec : r.NewSyncs()) syncs.push_back(rec);
    obs.Syncs(syncs, plan.ensemble.voters);
    syncs.clear();
  }
  return absl::OkStatus();
}

absl::Status Run(RealEnsemble& r, const Plan& plan, const Sessions& sessions, const RestartPlan& restarts,
                 const RealOptions& o, Observer& obs) {
  std::vector<uint32_t> all;
  for (uint32_t sid = 1; sid <= plan.ensemble.voters; ++sid) all.push_back(sid);
  std::vector<SyncRecord> syncs;
  for (size_t step = 0; step < plan.steps.size(); ++step) {
    const Step& s = plan.steps[step];
    if (Interrupted()) return InterruptedError();
    obs.Step(s.directive->line, Describe(s));
    if (o.verbose) fmt::print(stderr, "conform: line {}: {}\n", s.directive->line, Describe(s));
    absl::Status status;
    // A client that could not connect shows at its operations: only an interrupt stops.
    for (const uint32_t client : sessions.before[step]) {
      if (status = r.OpenSession(client); status.code() == absl::StatusCode::kCancelled) return status;
    }
    status = absl::OkStatus();
    switch (s.kind) {
      case StepKind::kCluster:
        status = StartEnsemble(r, plan);
        break;
      case StepKind::kSimOnly:
        break;
      case StepKind::kRunLeader:
      case StepKind::kRunEpoch:
      case StepKind::kRunConverged:
        status = AwaitRun(r, plan, s, syncs, obs);
        break;
      case StepKind::kRunFor:
        if (!SleepMs(s.for_ms)) return InterruptedError();
        break;
      case StepKind::kClientOp: {
        const std::string value = ClientOp(r, s, status);
        if (s.nowait && status.ok()) r.ExpectLate(s.client, step);
        if (status.code() == absl::StatusCode::kCancelled) return status;
        status = absl::OkStatus();  // A client that did not answer is an observation.
        obs.Add(fmt::format("c{} {} {}", s.client, s.op, s.path), value);
        break;
      }
      case StepKind::kCrash:
        status = r.Kill(s.server);
        break;
      case StepKind::kRestart: {
        // A group of restarts zabsim performed at one instant starts at its first step,
        // best vote first (conform/restarts.h); its later steps find their server up.
        if (restarts.started_before.contains(step)) break;
        const auto group = restarts.start_at.find(step);
        const std::vector<uint32_t> order = group != restarts.start_at.end() ? group->second
                                                                             : std::vector<uint32_t>{s.server};
        if (o.verbose && order.size() > 1) {
          fmt::print(stderr, "conform: starting servers {} together, best vote first\n", fmt::join(order, ", "));
        }
        for (const uint32_t sid : order) {
          if (status = r.Start(sid); status.ok()) status = r.WaitAnswering(sid);
          if (!status.ok()) break;
        }
        break;
      }
      case StepKind::kState:
        if (status = Settle(r); !status.ok()) return status;
        ObserveServers(r, s.servers.empty() ? all : s.servers, obs);
        break;
      case StepKind::kRule: {
        ProxyRule rule;
        rule.action = s.action == "drop"    ? ProxyRule::Action::kDrop
                      : s.action == "delay" ? ProxyRule::Action::kDelay
                                            : ProxyRule::Action::kHold;
        rule.from = s.from;
        rule.to = s.to;
        rule.type = s.type;
        rule.zxid = s.zxid;
        rule.count = s.count;
        rule.extra_ms = s.extra_ms;
        r.proxy().AddRule(rule);
        break;
      }
      case StepKind::kHold:
        r.proxy().Hold(s.from, s.to);
        break;
      case StepKind::kRelease:
        r.proxy().Release(s.from, s.to);
        break;
      case StepKind::kCut:
        if (s.replace_cuts) r.proxy().Heal();
        for (const auto& [from, to] : s.cuts) r.proxy().Cut(from, to);
        break;
      case StepKind::kHeal:
        r.proxy().Heal();
        break;
      case StepKind::kBreak:
        r.proxy().Break(s.from, s.to);
        break;
      case StepKind::kDelay:
        r.proxy().Delay(s.from, s.to, s.extra_ms, s.for_ms);
        break;
      case StepKind::kDiskSlow:
        status = r.DiskSlow(s.server, s.factor, s.for_ms);
        break;
      case StepKind::kDiskError:
        status = r.DiskError(s.server, s.for_ms, s.prefixes);
        break;
    }
    r.VerboseProxy();
    if (!status.ok()) return status;
    for (const uint32_t client : sessions.after[step]) {
      if (status = r.OpenSession(client); status.code() == absl::StatusCode::kCancelled) return status;
    }
  }
  if (absl::Status settled = Settle(r); !settled.ok()) return settled;
  for (uint32_t client = 1; client <= plan.ensemble.clients; ++client) {
    const absl::Status drained = r.DrainLate(client);
    if (drained.code() == absl::StatusCode::kCancelled) return drained;
  }
  obs.Step(0, "end");
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    if (s.kind != StepKind::kClientOp || !s.nowait) continue;
    const auto answer = r.late_answers().find(i);
    obs.Add(LateName(s), answer == r.late_answers().end() ? "no answer" : answer->second);
  }
  for (SyncRecord& rec : r.NewSyncs()) syncs.push_back(rec);
  obs.Syncs(syncs, plan.ensemble.voters);
  ObserveServers(r, all, obs);
  for (const uint32_t sid : all) {
    std::vector<std::string> values;
    const Srvr srvr = r.Query(sid);
    if (srvr.mode == "leading" || srvr.mode == "following") {
      const absl::Status read = r.ReadOn(sid, plan.paths, values);
      if (read.code() == absl::StatusCode::kCancelled) return read;
    }
    values.resize(plan.paths.size(), "not serving");
    for (size_t i = 0; i < plan.paths.size(); ++i) obs.Add(fmt::format("server {} {}", sid, plan.paths[i]), values[i]);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EnsureZooKeeper() {
  if (fs::exists(kJar) && fs::exists("/usr/share/java/slf4j-log4j12.jar") &&
      fs::exists("/usr/share/java/log4j-1.2.jar") && fs::exists("/usr/share/java/slf4j-nop.jar")) {
    return absl::OkStatus();
  }
  if (geteuid() != 0) {
    return absl::FailedPreconditionError(
        "ZooKeeper is not installed: run 'sudo apt-get install zookeeper liblog4j1.2-java libslf4j-java'");
  }
  fmt::print(stderr, "conform: installing the zookeeper package\n");
  const int rc = std::system(
      "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
      "--no-install-recommends zookeeper liblog4j1.2-java libslf4j-java >/dev/null");
  if (rc != 0 || !fs::exists(kJar)) {
    return absl::FailedPreconditionError("installing the zookeeper package failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> InstalledRelease() {
  // Debian installs zookeeper.jar and a versioned name for the same file,
  // zookeeper-3.8.0.jar -> zookeeper.jar; other layouts link the other way round. The
  // version is the one in a versioned name that is the same file as the jar. The
  // directory is listed in name order, so the answer does not depend on its order.
  constexpr std::string_view kPrefix = "zookeeper-";
  constexpr std::string_view kSuffix = ".jar";
  const auto version_of = [&](const std::string& name) -> std::optional<std::string> {
    if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix)) {
      return std::nullopt;
    }
    const std::string v = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    // A version starts with a digit: zookeeper-jute.jar and the like are other jars.
    if (v.empty() || v[0] < '0' || v[0] > '9') return std::nullopt;
    return v;
  };
  std::error_code ec;
  const fs::path target = fs::read_symlink(kJar, ec);
  if (!ec) {
    if (auto v = version_of(target.filename().string())) return *v;
  }
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(fs::path(kJar).parent_path(), ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const auto v = version_of(name);
    std::error_code eq;
    if (v && fs::equivalent(fs::path(kJar).parent_path() / name, kJar, eq) && !eq) return *v;
  }
  return absl::FailedPreconditionError(
      fmt::format("cannot tell the version of {}: no zookeeper-VERSION.jar beside it is the same file", kJar));
}

absl::StatusOr<Observations> RunRealSide(const Plan& plan, const Sessions& sessions, const RestartPlan& restarts,
                                         const RealOptions& options) {
  RealEnsemble ensemble(plan.ensemble, options);
  Observer obs;
  absl::Status status = ensemble.Init();
  if (status.ok()) status = Run(ensemble, plan, sessions, restarts, options, obs);
  ensemble.Teardown();
  if (!status.ok()) return status;
  return obs.observations();
}

}  // namespace zabsim::conform

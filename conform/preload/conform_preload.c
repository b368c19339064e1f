// File: conform/preload/conform_preload.c
//
// A library preloaded into the JVM of each real server of a conformance run
// (LD_PRELOAD; docs/conformance.md, "Network and disk faults on the real side"). It does two
// things, and nothing at all when its environment variables are absent:
//
// 1. Redirects connections. ZABSIM_CONFORM_REDIRECT="PORT=PORT,..." sends a connect() to
//    127.0.0.1 (or ::ffff:127.0.0.1) on the first port to the second instead: the
//    harness's proxy for this server's link to that peer's quorum or election port
//    (conform/quorum_proxy.h). Every server keeps the same zoo.cfg, so the addresses
//    ZooKeeper sends in its messages stay true, and no jar is changed.
// 2. Slows or fails the disk. ZABSIM_CONFORM_DISK names a control file the harness
//    rewrites when a scenario says `disk-slow` or `disk-error`; ZABSIM_CONFORM_DATA is the
//    server's data directory. For the files in it whose names start with log.,
//    snapshot., acceptedEpoch or currentEpoch, while the control file says so:
//    - slow: each write and each fsync/fdatasync first sleeps. Sleeping before the write,
//      not only in the fsync, keeps the data in the JVM until the delay ends, so a kill -9
//      during the delay loses it, as zabsim's crash loses what was not synced (a write
//      already in the kernel's page cache would survive the process);
//    - error: fsync and fdatasync fail with EIO, and so does creating such a file (a
//      snapshot, an epoch file's temporary, a new log), for the prefixes listed.
//
// 3. Journals what a crash must undo. ZABSIM_CONFORM_JOURNAL names a file the library
//    appends to, for the server's txn log files (log.*): "C PATH" when it creates one,
//    "W PATH OFFSET LENGTH" before each write, "S PATH" after each fsync or fdatasync
//    that succeeded. After a kill -9 the harness undoes every write not followed by a
//    sync of its file (zeroes its bytes; a log file created and never synced is removed):
//    what a power loss takes, and what zabsim's crash takes. A process killed keeps its
//    writes in the kernel's page cache; without this the real side would lose none.
//
// The control file is one line, "SLOW_UNTIL_MS SLOW_EXTRA_US ERROR_UNTIL_MS PREFIXES",
// times on CLOCK_MONOTONIC in milliseconds, PREFIXES comma-separated or "-" for all four
// kinds. It is read again when its modification time changes, at most every 2 ms.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_REDIRECTS 64

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int redirect_from[MAX_REDIRECTS];
static int redirect_to[MAX_REDIRECTS];
static int redirects;
static const char* control_path;
static const char* journal_path;
static int journal_fd = -1;
static pthread_mutex_t journal_mu = PTHREAD_MUTEX_INITIALIZER;
static const char* data_dir;
static size_t data_dir_len;

static int (*real_connect)(int, const struct sockaddr*, socklen_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static ssize_t (*real_write)(int, const void*, size_t);
static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void*, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec*, int);
static int (*real_open)(const char*, int, ...);
static int (*real_open64)(const char*, int, ...);
static int (*real_openat)(int, const char*, int, ...);
static int (*real_openat64)(int, const char*, int, ...);

static void Init(void) {
  real_connect = dlsym(RTLD_NEXT, "connect");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_write = dlsym(RTLD_NEXT, "write");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_writev = dlsym(RTLD_NEXT, "writev");
  real_open = dlsym(RTLD_NEXT, "open");
  real_open64 = dlsym(RTLD_NEXT, "open64");
  real_openat = dlsym(RTLD_NEXT, "openat");
  real_openat64 = dlsym(RTLD_NEXT, "openat64");
  const char* map = getenv("ZABSIM_CONFORM_REDIRECT");
  while (map != NULL && *map != '\0' && redirects < MAX_REDIRECTS) {
    char* end = NULL;
    const long from = strtol(map, &end, 10);
    if (end == map || *end != '=') break;
    map = end + 1;
    const long to = strtol(map, &end, 10);
    if (end == map) break;
    redirect_from[redirects] = (int)from;
    redirect_to[redirects] = (int)to;
    ++redirects;
    map = *end == ',' ? end + 1 : end;
  }
  control_path = getenv("ZABSIM_CONFORM_DISK");
  journal_path = getenv("ZABSIM_CONFORM_JOURNAL");
  data_dir = getenv("ZABSIM_CONFORM_DATA");
  data_dir_len = data_dir != NULL ? strlen(data_dir) : 0;
}

static void Once(void) { pthread_once(&once, Init); }

// ---- connections ------------------------------------------------------------------------

static int Redirected(int port) {
  for (int i = 0; i < redirects; ++i) {
    if (redirect_from[i] == port) return redirect_to[i];
  }
  return 0;
}

// Listening: something listens on TCP port `port` on this host (/proc/net/tcp and tcp6,
// state 0A). The proxy accepts every connection, and a connection that is accepted and
// then closed is not one that is refused: ZooKeeper's learner, refused by a leader not
// yet listening, retries its connect, but one whose connection closes at once gives up
// following. So a connect to a peer that does not listen is refused here (ECONNREFUSED,
// as the kernel would refuse it without the proxy), never passed on to the peer's port:
// the peer may start listening between this check and the connect, and the connection
// would then bypass the proxy and its rules.
static int Listening(int port) {
  static const char* const kTables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
  for (size_t t = 0; t < 2; ++t) {
    FILE* f = fopen(kTables[t], "r");
    if (f == NULL) continue;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
      char local[64];
      unsigned state = 0;
      if (sscanf(line, " %*d: %63s %*s %x", local, &state) != 2) continue;
      const char* colon = strrchr(local, ':');
      if (colon != NULL && state == 0x0A && strtol(colon + 1, NULL, 16) == port) found = 1;
    }
    fclose(f);
    if (found) return 1;
  }
  return 0;
}

int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  Once();
  if (addr != NULL && redirects > 0) {
    if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
      struct sockaddr_in a;
      memcpy(&a, addr, sizeof a);
      const int to = ntohl(a.sin_addr.s_addr) == INADDR_LOOPBACK ? Redirected(ntohs(a.sin_port)) : 0;
      if (to != 0) {
        if (!Listening(ntohs(a.sin_port))) {
          errno = ECONNREFUSED;
          return -1;
        }
        a.sin_port = htons((uint16_t)to);
        return real_connect(fd, (const struct sockaddr*)&a, sizeof a);
      }
    } else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
      // Java's sockets are IPv6 ones on a dual-stack host: 127.0.0.1 is ::ffff:127.0.0.1.
      struct sockaddr_in6 a;
      memcpy(&a, addr, sizeof a);
      static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
      const int to = memcmp(&a.sin6_addr, mapped, 16) == 0 ? Redirected(ntohs(a.sin6_port)) : 0;
      if (to != 0) {
        if (!Listening(ntohs(a.sin6_port))) {
          errno = ECONNREFUSED;
          return -1;
        }
        a.sin6_port = htons((uint16_t)to);
        return real_connect(fd, (const struct sockaddr*)&a, sizeof a);
      }
    }
  }
  return real_connect(fd, addr, len);
}

// ---- the disk ---------------------------------------------------------------------------

static pthread_mutex_t control_mu = PTHREAD_MUTEX_INITIALIZER;
static struct timespec control_mtime;
static int64_t control_checked_ms = -1000;
static int64_t slow_until_ms, slow_extra_us, error_until_ms;
static char error_prefixes[256] = "-";

static int64_t NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Control reads the control file when it changed, and returns what applies now: 1 for
// slow, 2 for error (both may), with the delay and the prefixes an error applies to.
static int Control(int64_t* extra_us, char* prefixes, size_t prefixes_size) {
  if (control_path == NULL) return 0;
  const int64_t now = NowMs();
  pthread_mutex_lock(&control_mu);
  if (now - control_checked_ms >= 2) {
    control_checked_ms = now;
    struct stat st;
    if (stat(control_path, &st) == 0 &&
        (st.st_mtim.tv_sec != control_mtime.tv_sec || st.st_mtim.tv_nsec != control_mtime.tv_nsec)) {
      FILE* f = fopen(control_path, "r");
      if (f != NULL) {
        long long a = 0, b = 0, c = 0;
        char p[256] = "-";
        if (fscanf(f, "%lld %lld %lld %255s", &a, &b, &c, p) == 4) {
          slow_until_ms = a;
          slow_extra_us = b;
          error_until_ms = c;
          memcpy(error_prefixes, p, sizeof error_prefixes);
          control_mtime = st.st_mtim;
        }
        fclose(f);
      }
    }
  }
  int what = 0;
  if (now < slow_until_ms && slow_extra_us > 0) what |= 1;
  if (now < error_until_ms) what |= 2;
  *extra_us = slow_extra_us;
  snprintf(prefixes, prefixes_size, "%s", error_prefixes);
  pthread_mutex_unlock(&control_mu);
  return what;
}

static const char* const kKinds[] = {"log.", "snapshot.", "acceptedEpoch", "currentEpoch"};

// DataFileName: the file's name when `path` is one of the server's data files, else NULL.
static const char* DataFileName(const char* path) {
  if (data_dir == NULL || strncmp(path, data_dir, data_dir_len) != 0 || path[data_dir_len] != '/') return NULL;
  const char* name = strrchr(path, '/') + 1;
  for (size_t i = 0; i < sizeof kKinds / sizeof kKinds[0]; ++i) {
    if (strncmp(name, kKinds[i], strlen(kKinds[i])) == 0) return name;
  }
  return NULL;
}

static int Listed(const char* name, const char* prefixes) {
  if (strcmp(prefixes, "-") == 0) return 1;
  const char* p = prefixes;
  while (*p != '\0') {
    const char* comma = strchr(p, ',');
    const size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
    if (n > 0 && strncmp(name, p, n) == 0) return 1;
    if (comma == NULL) break;
    p = comma + 1;
  }
  return 0;
}

// Affects: what applies to a call on `fd` (see Control), 0 when it is not a data file.
static int Affects(int fd, int64_t* extra_us, char* name, size_t name_size) {
  Once();
  char prefixes[256];
  const int what = Control(extra_us, prefixes, sizeof prefixes);
  if (what == 0) return 0;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  const char* file = DataFileName(path);
  if (file == NULL) return 0;
  snprintf(name, name_size, "%s", file);
  return (what & 1) | ((what & 2) && Listed(file, prefixes) ? 2 : 0);
}

// ---- the crash journal ------------------------------------------------------------------

// LogFilePath: the path of `fd` when it is one of the server's txn log files.
static int LogFilePath(int fd, char* path, size_t size) {
  if (journal_path == NULL || data_dir == NULL) return 0;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, size - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  const char* name = DataFileName(path);
  return name != NULL && strncmp(name, "log.", 4) == 0;
}

static void Journal(const char* line) {
  pthread_mutex_lock(&journal_mu);
  if (journal_fd < 0) journal_fd = real_open(journal_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (journal_fd >= 0) {
    const size_t n = strlen(line);
    // One write per line, O_APPEND: a line is whole or absent.
    if (real_write(journal_fd, line, n) != (ssize_t)n) {
    }
  }
  pthread_mutex_unlock(&journal_mu);
}

static void JournalWrite(int fd, off_t at, size_t n) {
  char path[4096], line[4200];
  if (n == 0 || !LogFilePath(fd, path, sizeof path)) return;
  if (at < 0) at = lseek(fd, 0, SEEK_CUR);
  snprintf(line, sizeof line, "W %s %lld %zu\n", path, (long long)at, n);
  Journal(line);
}

static void JournalSync(int fd) {
  char path[4096], line[4200];
  if (!LogFilePath(fd, path, sizeof path)) return;
  snprintf(line, sizeof line, "S %s\n", path);
  Journal(line);
}

static void Sleep(int64_t us) {
  struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static int SlowOrFail(int fd, int fails) {
  int64_t extra = 0;
  char name[256];
  const int what = Affects(fd, &extra, name, sizeof name);
  if (what & 1) Sleep(extra);
  return fails && (what & 2);
}

int fsync(int fd) {
  Once();
  const int saved = errno;
  if (SlowOrFail(fd, 1)) {
    errno = EIO;
    return -1;
  }
  errno = saved;
  const int rc = real_fsync(fd);
  if (rc == 0) JournalSync(fd);
  return rc;
}

int fdatasync(int fd) {
  Once();
  const int saved = errno;
  if (SlowOrFail(fd, 1)) {
    errno = EIO;
    return -1;
  }
  errno = saved;
  const int rc = real_fdatasync(fd);
  if (rc == 0) JournalSync(fd);
  return rc;
}

ssize_t write(int fd, const void* buf, size_t n) {
  Once();
  const int saved = errno;
  SlowOrFail(fd, 0);
  JournalWrite(fd, -1, n);
  errno = saved;
  return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  Once();
  const int saved = errno;
  SlowOrFail(fd, 0);
  JournalWrite(fd, at, n);
  errno = saved;
  return real_pwrite(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t at) {
  Once();
  const int saved = errno;
  SlowOrFail(fd, 0);
  JournalWrite(fd, at, n);
  errno = saved;
  return real_pwrite64(fd, buf, n, at);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  Once();
  const int saved = errno;
  SlowOrFail(fd, 0);
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  JournalWrite(fd, -1, total);
  errno = saved;
  return real_writev(fd, iov, count);
}

// CreateFails: creating a data file the current disk-error lists.
static int CreateFails(int dirfd, const char* path, int flags) {
  if ((flags & O_CREAT) == 0 || path == NULL) return 0;
  int64_t extra = 0;
  char prefixes[256];
  if ((Control(&extra, prefixes, sizeof prefixes) & 2) == 0) return 0;
  char full[4096];
  if (path[0] == '/' || dirfd == AT_FDCWD) {
    if (path[0] == '/') {
      snprintf(full, sizeof full, "%s", path);
    } else {
      char cwd[2048];
      if (getcwd(cwd, sizeof cwd) == NULL) return 0;
      snprintf(full, sizeof full, "%s/%s", cwd, path);
    }
  } else {
    char link[64], dir[2048];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    const ssize_t n = readlink(link, dir, sizeof dir - 1);
    if (n <= 0) return 0;
    dir[n] = '\0';
    snprintf(full, sizeof full, "%s/%s", dir, path);
  }
  const char* file = DataFileName(full);
  return file != NULL && Listed(file, prefixes);
}

static int JournalCreates(int flags) { return journal_path != NULL && (flags & O_CREAT) != 0; }

static int Exists(int dirfd, const char* path) {
  struct stat st;
  return fstatat(dirfd, path, &st, 0) == 0;
}

static void JournalCreate(int fd) {
  char path[4096], line[4200];
  if (!LogFilePath(fd, path, sizeof path)) return;
  snprintf(line, sizeof line, "C %s\n", path);
  Journal(line);
}

#define OPEN_MODE(flags, mode)                                   \
  mode_t mode = 0;                                               \
  if ((flags) & (O_CREAT | O_TMPFILE)) {                         \
    va_list ap;                                                  \
    va_start(ap, flags);                                         \
    mode = (mode_t)va_arg(ap, int);                              \
    va_end(ap);                                                  \
  }

// BeforeOpen refuses creating a data file the current disk-error lists (EIO), and notes
// whether the file existed; AfterOpen journals a log file the open created. Each of the
// four open calls below is the real one between the two.
static int BeforeOpen(int dirfd, const char* path, int flags, int* existed) {
  if (control_path != NULL && CreateFails(dirfd, path, flags)) {
    errno = EIO;
    return -1;
  }
  *existed = JournalCreates(flags) && Exists(dirfd, path);
  return 0;
}

static int AfterOpen(int fd, int flags, int existed) {
  if (fd >= 0 && JournalCreates(flags) && !existed) JournalCreate(fd);
  return fd;
}

int open(const char* path, int flags, ...) {
  Once();
  OPEN_MODE(flags, mode);
  int existed = 0;
  if (BeforeOpen(AT_FDCWD, path, flags, &existed) != 0) return -1;
  return AfterOpen(real_open(path, flags, mode), flags, existed);
}

int open64(const char* path, int flags, ...) {
  Once();
  OPEN_MODE(flags, mode);
  int existed = 0;
  if (BeforeOpen(AT_FDCWD, path, flags, &existed) != 0) return -1;
  return AfterOpen(real_open64(path, flags, mode), flags, existed);
}

int openat(int dirfd, const char* path, int flags, ...) {
  Once();
  OPEN_MODE(flags, mode);
  int existed = 0;
  if (BeforeOpen(dirfd, path, flags, &existed) != 0) return -1;
  return AfterOpen(real_openat(dirfd, path, flags, mode), flags, existed);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  Once();
  OPEN_MODE(flags, mode);
  int existed = 0;
  if (BeforeOpen(dirfd, path, flags, &existed) != 0) return -1;
  return AfterOpen(real_openat64(dirfd, path, flags, mode), flags, existed);
}

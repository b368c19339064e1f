// File: conform/lazyfs/conform_lazyfs.c
//
// zabsim_conform_lazyfs ROOT MOUNTPOINT: a pass-through FUSE file system that keeps
// unsynced writes in memory and drops them on a crash, in the spirit of Jepsen's LazyFS.
// `zabsim conform --crash-disk lazyfs` mounts one over each real server's data directory
// (docs/conformance.md, "A crash with the FUSE layer"): a kill -9 leaves a process's writes in the kernel's
// page cache, a crashed machine does not, and zabsim's `crash` does not either.
//
// - Writes to regular files stay in memory, per file (per backing inode, so that a
//   rename or a second link keeps them), as ordered extents (lazyfs_cache.h). A read
//   merges them with the backing file's bytes; a stat counts them in the size.
// - fsync and fdatasync of a file write its extents to the backing file and sync it.
//   Closing a file syncs nothing (what close does not sync, a crash loses).
// - Everything else passes straight through to ROOT and is durable at once: create,
//   mkdir, rename, link, unlink, truncate, chmod, utimens. A file created and never synced
//   survives a crash with its synced bytes only (none: it is empty).
// - More than the bound (--max-pending-mb, 256 by default) held in memory: everything
//   is written back to ROOT without a sync, as a kernel's writeback would, with a message
//   on standard error.
// - Every file is opened for direct I/O: no read is served from the kernel's page cache,
//   which could hold a write that a crash has since dropped.
//
// Control, on standard input, one command a line, each answered by one line on standard
// output (messages go to standard error):
//   crash     drop every unsynced write    "crashed: dropped N bytes unsynced in M files"
//   pending   say what is held             "pending: N bytes in M files"
// Once mounted it prints "mounted MOUNTPOINT". At the end of standard input, or on SIGTERM,
// SIGINT or SIGHUP, it writes back what is held (as a clean unmount would), unmounts,
// prints "unmounted: wrote back N bytes" and exits 0. It asks for SIGTERM when its
// parent dies, so that a harness killed outright still leaves no mount behind.
//
// One thread serves both the kernel's requests and the commands, so a command sees the
// file system between two requests: a `crash` answered is complete.

#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lazyfs_cache.h"

static const char* const kName = "zabsim_conform_lazyfs";

// A backing file with open handles or unsynced writes.
struct file {
  dev_t dev;
  ino_t ino;
  int fd;     // A writable descriptor of it, for a write-back; -1 until one is opened.
  int opens;  // Handles open on it.
  struct lazyfs_extents pending;
  struct file* next;
};

// What an open of the mount hands to the kernel (fuse_file_info.fh).
struct handle {
  int fd;
  struct file* file;
};

static int root_fd = -1;
static const char* root_path;
static struct file* files;
static uint64_t pending_bytes;  // Over every file.
static uint64_t max_pending = 256ull << 20;

static struct handle* Handle(const struct fuse_file_info* fi) { return (struct handle*)(uintptr_t)fi->fh; }

// Rel: the path below ROOT, for the *at() calls on root_fd.
static const char* Rel(const char* path) { return path[0] == '/' && path[1] != '\0' ? path + 1 : "."; }

static struct file* Find(dev_t dev, ino_t ino) {
  for (struct file* f = files; f != NULL; f = f->next) {
    if (f->dev == dev && f->ino == ino) return f;
  }
  return NULL;
}

static struct file* FindOrAdd(dev_t dev, ino_t ino) {
  struct file* f = Find(dev, ino);
  if (f != NULL) return f;
  f = calloc(1, sizeof *f);
  if (f == NULL) return NULL;
  f->dev = dev;
  f->ino = ino;
  f->fd = -1;
  f->next = files;
  files = f;
  return f;
}

// Forget frees a file nothing refers to any more: no handle open, nothing pending.
static void Forget(struct file* f) {
  if (f->opens > 0 || f->pending.n > 0) return;
  for (struct file** p = &files; *p != NULL; p = &(*p)->next) {
    if (*p == f) {
      *p = f->next;
      break;
    }
  }
  if (f->fd >= 0) close(f->fd);
  free(f);
}

static void Drop(struct file* f) {
  pending_bytes -= f->pending.bytes;
  lazyfs_extents_clear(&f->pending);
}

// WriteBack writes f's extents to the backing file (no sync). 0 or -errno; on an error
// the extents stay.
static int WriteBack(struct file* f, int fd) {
  if (f->fd >= 0) fd = f->fd;
  for (size_t i = 0; i < f->pending.n; ++i) {
    const struct lazyfs_extent* x = &f->pending.v[i];
    for (size_t done = 0; done < x->length;) {
      const ssize_t n = pwrite(fd, x->data + done, x->length - done, (off_t)(x->offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n < 0 ? -errno : -EIO;
      done += (size_t)n;
    }
  }
  Drop(f);
  return 0;
}

// WriteBackAll writes back every file's extents; returns the bytes written.
static uint64_t WriteBackAll(void) {
  uint64_t bytes = 0;
  for (struct file* f = files; f != NULL;) {
    struct file* next = f->next;
    const uint64_t held = f->pending.bytes;
    if (f->fd >= 0 && WriteBack(f, f->fd) == 0) bytes += held;
    Forget(f);
    f = next;
  }
  return bytes;
}

// ---- the file system ----------------------------------------------------------------

static void* Init(struct fuse_conn_info* conn, struct fuse_config* cfg) {
  (void)conn;
  // Ask for every stat and lookup: a size the kernel remembered could count writes a
  // crash has dropped since.
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->use_ino = 1;
  // Operations on an open file go through its handle, so an unlinked file needs no path.
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  return NULL;
}

static int GetAttr(const char* path, struct stat* st, struct fuse_file_info* fi) {
  struct handle* h = fi != NULL ? Handle(fi) : NULL;
  const int res = h != NULL ? fstat(h->fd, st) : fstatat(root_fd, Rel(path), st, AT_SYMLINK_NOFOLLOW);
  if (res != 0) return -errno;
  const struct file* f = h != NULL ? h->file : S_ISREG(st->st_mode) ? Find(st->st_dev, st->st_ino) : NULL;
  if (f != NULL) {
    const uint64_t end = lazyfs_extents_end(&f->pending);
    if (end > (uint64_t)st->st_size) st->st_size = (off_t)end;
  }
  return 0;
}

static int Access(const char* path, int mask) { return faccessat(root_fd, Rel(path), mask, 0) == 0 ? 0 : -errno; }

static int ReadLink(const char* path, char* buf, size_t size) {
  const ssize_t n = readlinkat(root_fd, Rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

static int OpenDir(const char* path, struct fuse_file_info* fi) {
  const int fd = openat(root_fd, Rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR* d = fdopendir(fd);
  if (d == NULL) {
    const int e = errno;
    close(fd);
    return -e;
  }
  fi->fh = (uintptr_t)d;
  return 0;
}

static int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info* fi,
                   enum fuse_readdir_flags flags) {
  (void)path;
  (void)offset;
  (void)flags;
  DIR* d = (DIR*)(uintptr_t)fi->fh;
  rewinddir(d);
  for (struct dirent* e = readdir(d); e != NULL; e = readdir(d)) {
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = e->d_ino;
    st.st_mode = (mode_t)(e->d_type << 12);
    if (fill(buf, e->d_name, &st, 0, 0) != 0) break;
  }
  return 0;
}

static int ReleaseDir(const char* path, struct fuse_file_info* fi) {
  (void)path;
  closedir((DIR*)(uintptr_t)fi->fh);
  return 0;
}

static int MkDir(const char* path, mode_t mode) { return mkdirat(root_fd, Rel(path), mode) == 0 ? 0 : -errno; }

static int RmDir(const char* path) { return unlinkat(root_fd, Rel(path), AT_REMOVEDIR) == 0 ? 0 : -errno; }

static int SymLink(const char* target, const char* path) {
  return symlinkat(target, root_fd, Rel(path)) == 0 ? 0 : -errno;
}

// LastLinkGoes: the file at `path` is a regular file with one link, which an unlink or
// a rename over it is about to remove; returns what it held, to forget once it is gone.
static struct file* LastLinkGoes(const char* path) {
  struct stat st;
  if (fstatat(root_fd, Rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0) return NULL;
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) return NULL;
  return Find(st.st_dev, st.st_ino);
}

// Gone: an unlinked file's unsynced writes are lost with it, unless a handle still has it.
static void Gone(struct file* f) {
  if (f == NULL || f->opens > 0) return;
  Drop(f);
  Forget(f);
}

static int Unlink(const char* path) {
  struct file* f = LastLinkGoes(path);
  if (unlinkat(root_fd, Rel(path), 0) != 0) return -errno;
  Gone(f);
  return 0;
}

static int Rename(const char* from, const char* to, unsigned int flags) {
  struct file* replaced = (flags & RENAME_EXCHANGE) != 0 ? NULL : LastLinkGoes(to);
  if (renameat2(root_fd, Rel(from), root_fd, Rel(to), flags) != 0) return -errno;
  Gone(replaced);
  return 0;
}

static int Link(const char* from, const char* to) {
  return linkat(root_fd, Rel(from), root_fd, Rel(to), 0) == 0 ? 0 : -errno;
}

static int ChMod(const char* path, mode_t mode, struct fuse_file_info* fi) {
  const int res = fi != NULL ? fchmod(Handle(fi)->fd, mode) : fchmodat(root_fd, Rel(path), mode, 0);
  return res == 0 ? 0 : -errno;
}

static int ChOwn(const char* path, uid_t uid, gid_t gid, struct fuse_file_info* fi) {
  const int res =
      fi != NULL ? fchown(Handle(fi)->fd, uid, gid) : fchownat(root_fd, Rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return res == 0 ? 0 : -errno;
}

// Truncate passes through (durable at once) and cuts the unsynced writes at the new size.
static int Truncate(const char* path, off_t size, struct fuse_file_info* fi) {
  int fd = fi != NULL ? Handle(fi)->fd : openat(root_fd, Rel(path), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  int res = ftruncate(fd, size) == 0 && fstat(fd, &st) == 0 ? 0 : -errno;
  if (fi == NULL) close(fd);
  if (res != 0) return res;
  struct file* f = Find(st.st_dev, st.st_ino);
  if (f != NULL) {
    pending_bytes -= f->pending.bytes;
    lazyfs_extents_truncate(&f->pending, (uint64_t)size);
    pending_bytes += f->pending.bytes;
  }
  return 0;
}

static int UTimeNs(const char* path, const struct timespec tv[2], struct fuse_file_info* fi) {
  const int res = fi != NULL ? futimens(Handle(fi)->fd, tv) : utimensat(root_fd, Rel(path), tv, AT_SYMLINK_NOFOLLOW);
  return res == 0 ? 0 : -errno;
}

// OpenFile opens the backing file read-write when it may (a write-back may come through
// any handle, and reads merge with it), else as asked; without O_APPEND, as the kernel
// gives each write its offset.
static int OpenFile(const char* path, int flags, mode_t mode, struct fuse_file_info* fi) {
  const int base = (flags & ~(O_ACCMODE | O_APPEND)) | O_CLOEXEC;
  int fd = openat(root_fd, Rel(path), base | O_RDWR, mode);
  if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS || errno == ETXTBSY)) {
    fd = openat(root_fd, Rel(path), base | (flags & O_ACCMODE), mode);
  }
  if (fd < 0) return -errno;
  struct stat st;
  struct handle* h = malloc(sizeof *h);
  struct file* f = fstat(fd, &st) == 0 && h != NULL ? FindOrAdd(st.st_dev, st.st_ino) : NULL;
  if (f == NULL) {
    free(h);
    close(fd);
    return -ENOMEM;
  }
  if ((flags & O_TRUNC) != 0) {
    pending_bytes -= f->pending.bytes;
    lazyfs_extents_truncate(&f->pending, 0);
  }
  const int opened_for = fcntl(fd, F_GETFL) & O_ACCMODE;
  if (f->fd < 0 && (opened_for == O_RDWR || opened_for == O_WRONLY)) f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  ++f->opens;
  h->fd = fd;
  h->file = f;
  fi->fh = (uintptr_t)h;
  return 0;
}

static int Open(const char* path, struct fuse_file_info* fi) { return OpenFile(path, fi->flags, 0, fi); }

static int Create(const char* path, mode_t mode, struct fuse_file_info* fi) {
  return OpenFile(path, fi->flags | O_CREAT, mode, fi);
}

static int Read(const char* path, char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)path;
  const struct handle* h = Handle(fi);
  struct stat st;
  if (fstat(h->fd, &st) != 0) return -errno;
  uint64_t end = lazyfs_extents_end(&h->file->pending);
  if ((uint64_t)st.st_size > end) end = (uint64_t)st.st_size;
  if ((uint64_t)off >= end) return 0;
  if (size > end - (uint64_t)off) size = (size_t)(end - (uint64_t)off);
  size_t got = 0;
  while (got < size) {
    const ssize_t n = pread(h->fd, buf + got, size - got, off + (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    got += (size_t)n;
  }
  memset(buf + got, 0, size - got);  // Past the backing file's end: held writes, or a hole.
  lazyfs_extents_overlay(&h->file->pending, (uint64_t)off, buf, size);
  return (int)size;
}

static int Write(const char* path, const char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)path;
  struct file* f = Handle(fi)->file;
  const uint64_t before = f->pending.bytes;
  const int res = lazyfs_extents_write(&f->pending, (uint64_t)off, buf, size);
  if (res != 0) return res;
  pending_bytes += f->pending.bytes - before;
  if (pending_bytes > max_pending) {
    const uint64_t held = pending_bytes;
    const uint64_t written = WriteBackAll();
    fprintf(stderr,
            "%s: %llu MB of unsynced writes held, above the bound of %llu MB: %llu MB written back to %s "
            "without a sync, as a kernel's writeback would; a crash no longer loses them\n",
            kName, (unsigned long long)(held >> 20), (unsigned long long)(max_pending >> 20),
            (unsigned long long)(written >> 20), root_path);
  }
  return (int)size;
}

static int StatFs(const char* path, struct statvfs* st) {
  (void)path;
  return fstatvfs(root_fd, st) == 0 ? 0 : -errno;
}

// Flush (each close) writes nothing back: what close does not sync, a crash loses.
static int Flush(const char* path, struct fuse_file_info* fi) {
  (void)path;
  (void)fi;
  return 0;
}

static int Release(const char* path, struct fuse_file_info* fi) {
  (void)path;
  struct handle* h = Handle(fi);
  close(h->fd);
  --h->file->opens;
  Forget(h->file);
  free(h);
  return 0;
}

static int FSync(const char* path, int datasync, struct fuse_file_info* fi) {
  (void)path;
  struct handle* h = Handle(fi);
  const int res = WriteBack(h->file, h->fd);
  if (res != 0) return res;
  const int fd = h->file->fd >= 0 ? h->file->fd : h->fd;
  return (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : -errno;
}

static const struct fuse_operations kOperations = {
    .init = Init,
    .getattr = GetAttr,
    .access = Access,
    .readlink = ReadLink,
    .opendir = OpenDir,
    .readdir = ReadDir,
    .releasedir = ReleaseDir,
    .mkdir = MkDir,
    .rmdir = RmDir,
    .symlink = SymLink,
    .unlink = Unlink,
    .rename = Rename,
    .link = Link,
    .chmod = ChMod,
    .chown = ChOwn,
    .truncate = Truncate,
    .utimens = UTimeNs,
    .open = Open,
    .create = Create,
    .read = Read,
    .write = Write,
    .statfs = StatFs,
    .flush = Flush,
    .release = Release,
    .fsync = FSync,
};

// ---- control ------------------------------------------------------------------------

static int FilesPending(void) {
  int n = 0;
  for (const struct file* f = files; f != NULL; f = f->next) n += f->pending.n > 0;
  return n;
}

static void Command(const char* line) {
  if (strcmp(line, "crash") == 0) {
    const uint64_t bytes = pending_bytes;
    const int n = FilesPending();
    for (struct file* f = files; f != NULL;) {
      struct file* next = f->next;
      Drop(f);
      Forget(f);
      f = next;
    }
    printf("crashed: dropped %llu bytes unsynced in %d files\n", (unsigned long long)bytes, n);
  } else if (strcmp(line, "pending") == 0) {
    printf("pending: %llu bytes in %d files\n", (unsigned long long)pending_bytes, FilesPending());
  } else {
    printf("error: unknown command '%s' (crash, pending)\n", line);
  }
  fflush(stdout);
}

// Serve answers the kernel and the commands until the end of standard input, a signal
// (fuse_set_signal_handlers ends the session) or an unmount from outside.
static void Serve(struct fuse_session* se) {
  const int dev = fuse_session_fd(se);
  fcntl(dev, F_SETFL, fcntl(dev, F_GETFL) | O_NONBLOCK);
  struct fuse_buf buf;
  memset(&buf, 0, sizeof buf);
  char line[256];
  size_t have = 0;
  while (!fuse_session_exited(se)) {
    struct pollfd p[2] = {{dev, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;  // EINTR: a signal, seen by the loop's test.
    if (p[0].revents != 0) {
      const int res = fuse_session_receive_buf(se, &buf);
      if (res == -EINTR || res == -EAGAIN) continue;
      if (res <= 0) break;
      fuse_session_process_buf(se, &buf);
    }
    if (p[1].revents != 0) {
      const ssize_t n = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      have += (size_t)n;
      for (char* nl = memchr(line, '\n', have); nl != NULL; nl = memchr(line, '\n', have)) {
        *nl = '\0';
        Command(line);
        have -= (size_t)(nl + 1 - line);
        memmove(line, nl + 1, have);
      }
      if (have == sizeof line - 1) have = 0;  // A line too long to be a command.
    }
  }
  free(buf.mem);
}

static int Usage(void) {
  fprintf(stderr,
          "usage: %s [--max-pending-mb N] ROOT MOUNTPOINT\n"
          "Mounts ROOT on MOUNTPOINT, keeping writes in memory until the file's fsync or fdatasync;\n"
          "'crash' on standard input drops them. See the comment at the top of conform_lazyfs.c.\n",
          kName);
  return 2;
}

int main(int argc, char** argv) {
  int arg = 1;
  if (arg + 1 < argc && strcmp(argv[arg], "--max-pending-mb") == 0) {
    char* end = NULL;
    const unsigned long long mb = strtoull(argv[arg + 1], &end, 10);
    if (end == argv[arg + 1] || *end != '\0' || mb == 0) return Usage();
    max_pending = mb << 20;
    arg += 2;
  }
  if (argc - arg != 2) return Usage();
  root_path = argv[arg];
  const char* mountpoint = argv[arg + 1];
  // Spawned with a parent-death SIGKILL, which would leave the mount behind: SIGTERM
  // lets it unmount instead.
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) return 1;
  root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    fprintf(stderr, "%s: cannot open %s: %s\n", kName, root_path, strerror(errno));
    return 1;
  }
  char fsname[PATH_MAX + 16];
  snprintf(fsname, sizeof fsname, "-ofsname=%s,subtype=zabsim-lazyfs", root_path);
  char* fuse_argv[] = {argv[0], fsname, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(2, fuse_argv);
  struct fuse* fuse = fuse_new(&args, &kOperations, sizeof kOperations, NULL);
  if (fuse == NULL) return 1;
  if (fuse_mount(fuse, mountpoint) != 0) {
    fprintf(stderr, "%s: cannot mount %s on %s\n", kName, root_path, mountpoint);
    fuse_destroy(fuse);
    return 1;
  }
  struct fuse_session* se = fuse_get_session(fuse);
  fuse_set_signal_handlers(se);
  printf("mounted %s\n", mountpoint);
  fflush(stdout);
  Serve(se);
  const uint64_t written = WriteBackAll();
  fuse_remove_signal_handlers(se);
  fuse_unmount(fuse);
  fuse_destroy(fuse);
  printf("unmounted: wrote back %llu bytes\n", (unsigned long long)written);
  fflush(stdout);
  return 0;
}

#!/usr/bin/env python3
"""The FUSE layer of `zabsim conform --crash-disk lazyfs` (conform/lazyfs), mounted.

    lazyfs_test.py PROGRAM WORK

A write without fsync is read back, counted in the size, and gone after `crash`; a write
fsynced survives it; a crash keeps a created file with only its synced bytes; rename,
unlink, mkdir and truncate pass through to the backing directory; unsynced writes follow
a renamed file; above the memory bound the layer writes back and says so; the end of its
input writes back, unmounts and ends it. Exits 77 (skipped) when the program was not
built (no libfuse3), there is no /dev/fuse, or a user has no fusermount3 (fuse3); fails
on anything else.
"""

import os
import shutil
import subprocess
import sys

SKIP = 77
failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")
        print(f"FAIL: {what}: got {got!r}, want {want!r}")
    else:
        print(f"ok: {what}")


class Layer:
    def __init__(self, program, root, mnt, *flags):
        self.mnt = mnt
        self.p = subprocess.Popen([program, *flags, root, mnt], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        if not line.startswith("mounted "):
            self.p.wait(10)
            sys.exit(f"FAIL: the layer did not mount: {line!r} {self.p.stderr.read()!r}")

    def command(self, text):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def end(self):
        self.p.stdin.close()
        out = self.p.stdout.read()
        err = self.p.stderr.read()
        return self.p.wait(10), out.strip(), err


def write(path, data, sync=False, mode="wb"):
    with open(path, mode) as f:
        f.write(data)
        f.flush()
        if sync:
            os.fsync(f.fileno())


def read(path):
    with open(path, "rb") as f:
        return f.read()


def mounted(mnt):
    with open("/proc/mounts") as f:
        return any(line.split()[1] == mnt for line in f)


def main():
    program, work = sys.argv[1], os.path.abspath(sys.argv[2])
    if not program or not os.path.exists(program):
        print("SKIP: zabsim_conform_lazyfs was not built (pkg-config found no fuse3: install libfuse3-dev)")
        return SKIP
    if not os.path.exists("/dev/fuse"):
        print("SKIP: no /dev/fuse (the fuse kernel module, or the device in a container)")
        return SKIP
    if os.geteuid() != 0 and shutil.which("fusermount3") is None:
        print("SKIP: not root, and no fusermount3 to mount as a user (Debian: fuse3)")
        return SKIP
    subprocess.run(["rm", "-rf", work], check=True)
    root, mnt = f"{work}/root", f"{work}/mnt"
    os.makedirs(root)
    os.makedirs(mnt)
    layer = Layer(program, root, mnt)
    try:
        check("mounted", mounted(mnt), True)
        # Unsynced: read back, sized, not in the backing file, gone at the crash.
        write(f"{mnt}/log.1", b"txn one")
        check("an unsynced write reads back", read(f"{mnt}/log.1"), b"txn one")
        check("its size counts it", os.stat(f"{mnt}/log.1").st_size, 7)
        check("the create passed through, the bytes did not", read(f"{root}/log.1"), b"")
        check("pending", layer.command("pending"), "pending: 7 bytes in 1 files")
        # Synced: written back; then an unsynced append after it, and an overwrite in it.
        write(f"{mnt}/log.2", b"synced", sync=True)
        check("an fsynced write reaches the backing file", read(f"{root}/log.2"), b"synced")
        write(f"{mnt}/log.2", b"+append", mode="ab")
        with open(f"{mnt}/log.2", "r+b") as f:
            f.seek(1)
            f.write(b"Y")
        check("reads merge backing bytes and held writes", read(f"{mnt}/log.2"), b"sYnced+append")
        # A hole between the backing file's end and a held write reads as zeros.
        with open(f"{mnt}/log.2", "r+b") as f:
            f.seek(20)
            f.write(b"Z")
        check("a hole reads as zeros", read(f"{mnt}/log.2"), b"sYnced+append" + b"\0" * 7 + b"Z")
        check("crash", layer.command("crash"), "crashed: dropped 16 bytes unsynced in 2 files")
        check("after the crash the unsynced file is empty", read(f"{mnt}/log.1"), b"")
        check("after the crash the synced bytes alone remain", read(f"{mnt}/log.2"), b"synced")
        check("pending after the crash", layer.command("pending"), "pending: 0 bytes in 0 files")
        # fdatasync too; a file renamed keeps its held writes, and syncs under its new name.
        fd = os.open(f"{mnt}/epoch.tmp", os.O_CREAT | os.O_WRONLY, 0o644)
        os.write(fd, b"2")
        os.fdatasync(fd)
        os.close(fd)
        write(f"{mnt}/snap", b"held")
        os.rename(f"{mnt}/snap", f"{mnt}/snapshot.1")
        os.rename(f"{mnt}/epoch.tmp", f"{mnt}/currentEpoch")
        check("rename passes through", sorted(os.listdir(root)), ["currentEpoch", "log.1", "log.2", "snapshot.1"])
        check("a renamed file keeps its held writes", read(f"{mnt}/snapshot.1"), b"held")
        check("fdatasync writes back", read(f"{root}/currentEpoch"), b"2")
        write(f"{mnt}/snapshot.1", b"", sync=True, mode="ab")
        check("an fsync under the new name writes back", read(f"{root}/snapshot.1"), b"held")
        # mkdir, unlink, truncate pass through.
        os.mkdir(f"{mnt}/version-2")
        check("mkdir passes through", os.path.isdir(f"{root}/version-2"), True)
        os.unlink(f"{mnt}/log.1")
        check("unlink passes through", os.path.exists(f"{root}/log.1"), False)
        write(f"{mnt}/log.2", b"0123456789", mode="ab")
        os.truncate(f"{mnt}/log.2", 9)
        check("truncate cuts held writes", read(f"{mnt}/log.2"), b"synced012")
        check("truncate passes through", os.stat(f"{root}/log.2").st_size, 9)
        check("crash after a truncate", layer.command("crash"), "crashed: dropped 3 bytes unsynced in 1 files")
        check("the truncated size survives, with zeros", read(f"{mnt}/log.2"), b"synced\0\0\0")
        # The end of its input: held writes are written back, the mount is gone.
        write(f"{mnt}/late", b"kept at unmount")
        code, out, err = layer.end()
        check("exit status", code, 0)
        check("its last words", out, "unmounted: wrote back 15 bytes")
        check("unmounted", mounted(mnt), False)
        check("written back at unmount", read(f"{root}/late"), b"kept at unmount")
        # The memory bound: past it, everything held is written back, with a message.
        layer = Layer(program, root, mnt, "--max-pending-mb", "1")
        write(f"{mnt}/big", b"x" * (3 << 19))
        held = int(layer.command("pending").split()[1])
        check("above the bound, less than the bound is held", held < (1 << 20), True)
        layer.command("crash")
        check("what was written back survives a crash", os.stat(f"{mnt}/big").st_size, (3 << 19) - held)
        code, out, err = layer.end()
        check("the bound's message", "above the bound of 1 MB" in err, True)
    finally:
        if layer.p.poll() is None:
            layer.p.kill()
            layer.p.wait()
        if mounted(mnt):
            subprocess.run(["umount", "-l", mnt])
            failures.append("left mounted")
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

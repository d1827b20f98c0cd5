#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the initramfs of `make matrix`: a newc cpio archive with

  /dev            directory (init mounts devtmpfs on it when it needs to)
  /dev/console    character device 5:1, the console init starts on
  /proc           directory (init mounts proc on it)
  /init           the static sealspec binary, mode 0755
  /NAME           each further FILE (static programs), mode 0755, under its
                  base name (make conformant-kernel adds its init, the
                  kernel's mseal_test and its cost loop)

Written here rather than with cpio(1) so the device node needs no mknod
and the archive is the same on every run (owner root, time 0).

usage: matrix-initramfs.py INIT OUT [FILE...]
"""

import os
import stat
import sys


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    """One newc record: a 110-byte header of 8-digit hex fields, the name
    with its NUL padded to 4 bytes, the data padded to 4 bytes."""
    fields = [ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0,
              len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    rec = head + name.encode() + b"\0"
    rec += b"\0" * (-len(rec) % 4)
    rec += data + b"\0" * (-len(data) % 4)
    return rec


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: matrix-initramfs.py INIT OUT [FILE...]\n")
        return 2
    with open(argv[0], "rb") as f:
        init = f.read()
    records = [
        entry(1, "dev", stat.S_IFDIR | 0o755),
        entry(2, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
        entry(3, "proc", stat.S_IFDIR | 0o555),
        entry(4, "init", stat.S_IFREG | 0o755, init),
    ]
    for ino, path in enumerate(argv[2:], start=5):
        with open(path, "rb") as f:
            records.append(entry(ino, os.path.basename(path),
                                 stat.S_IFREG | 0o755, f.read()))
    records.append(entry(0, "TRAILER!!!", 0))
    out = b"".join(records)
    tmp = argv[1] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

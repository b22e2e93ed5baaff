#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fakesub: a hostile cpu-subsystem for the client (security.md S10).

usage: fakesub.py SCENARIO   (run by `cpu -D "python3 fakesub.py SCENARIO"`)

Answers the client's HELLO and SETUP with a scripted stream of frames,
some of them wrong, and then keeps the pipe open until the client goes.
"""
import os, struct, sys, time

MAGIC = b"cpu-mux\0"
HELLO, SETUP, DATA, EOF, ADJUST, WINCH, SIGNAL, EXIT, ERROR, WARN = range(1, 11)

def frame(t, body=b""):
    return struct.pack("<IB", len(body) + 1, t) + body

def hello(v=1):
    return frame(HELLO, MAGIC + struct.pack("<II", v, 0))

def exit_code(v, kind=0):
    return frame(EXIT, struct.pack("<BIB", kind, v, 0))

def data(ch, b):
    return frame(DATA, bytes([ch]) + b)

S = {
    "two-exits": hello() + data(1, b"out\n") + frame(EOF, b"\1") + frame(EOF, b"\2") + exit_code(3) + exit_code(4),
    "exit-300": hello() + frame(EOF, b"\1") + frame(EOF, b"\2") + exit_code(300),
    "signal-0": hello() + exit_code(0, kind=1),
    "unknown-type": hello() + frame(99),
    "huge-frame": hello() + struct.pack("<IB", 0xFFFFFFFF, DATA),
    "data-after-eof": hello() + frame(EOF, b"\1") + data(1, b"late"),
    "bad-channel": hello() + data(42, b"x"),
    "version2": hello(2),
    "garbage": b"Last login: yesterday\r\n" + hello(),
    "error": hello() + frame(ERROR, struct.pack("<I", 24) + b"remote \x1b[31mred\x1b[0m fail"),
    "eof-no-exit": hello() + data(1, b"partial\n"),
    "9p-reply-never-asked": hello() + data(3, struct.pack("<IBH", 11, 117, 77) + b"\0\0\0\0"),
    # A well-behaved end; with FAKESUB_SETUP=FILE the setup record's
    # export lists are written there first ("flags", "ro", "rw" lines).
    "exit0": hello() + frame(EOF, b"\1") + frame(EOF, b"\2") + exit_code(0),
}

def read_exact(n):
    b = b""
    while len(b) < n:
        c = os.read(0, n - len(b))
        if not c:
            raise EOFError
        b += c
    return b

def dump_setup(path):
    """The client's HELLO, then its SETUP: write the export fields."""
    while True:
        size, t = struct.unpack("<IB", read_exact(5))
        body = read_exact(size - 1)
        if t == SETUP:
            break
    flags, msize, n9p = struct.unpack_from("<IIB", body, 0)
    off = 9 + 8
    def s():
        nonlocal off
        (n,) = struct.unpack_from("<I", body, off)
        v = body[off + 4:off + 4 + n].decode()
        off += 4 + n
        return v
    for _ in range(7):
        s()
    for _ in range(2):
        (n,) = struct.unpack_from("<I", body, off)
        off += 4
        for _ in range(n):
            s()
    with open(path, "w") as f:
        f.write("flags %#x\n" % flags)
        if flags & 0x10:
            f.write("ro %s\nrw %s\n" % (s(), s()))
        f.write("rest %d\n" % (len(body) - off))

def main():
    out = S[sys.argv[1]]
    if os.environ.get("FAKESUB_SETUP"):
        dump_setup(os.environ["FAKESUB_SETUP"])
    os.write(1, out)
    if sys.argv[1] == "eof-no-exit":
        return          # the connection drops without an exit status
    # Keep the pipe open: the client must end the session on its own.
    end = time.time() + 20
    while time.time() < end:
        if not os.read(0, 65536):
            break

main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""muxpoke: speak (or mangle) the cpu mux protocol at cpu-subsystem.

usage: muxpoke.py SUBSYSTEM-ARGV... -- SCENARIO

Runs cpu-subsystem on pipes, sends the frames of SCENARIO, and prints
what came back, one line per frame ("ERROR text", "EXIT code N",
"DATA 1 <len>", ...), then "RC n" with the subsystem's exit status.
Used by t/setup-frames.sh for security.md S01, S02, S09, S10.
"""
import os, struct, subprocess, sys, time, select

MAGIC = b"cpu-mux\0"
HELLO, SETUP, DATA, EOF, ADJUST, WINCH, SIGNAL, EXIT, ERROR, WARN = range(1, 11)

def frame(t, body=b""):
    return struct.pack("<IB", len(body) + 1, t) + body

def hello(version=1):
    return frame(HELLO, MAGIC + struct.pack("<II", version, 0))

def s32(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack("<I", len(b)) + b

def setup(argv, env=("PATH=/usr/bin:/bin",), flags=0, msize=0, n9p=0,
          cwd="/", ns="", fstab="", tmp="/tmp", user="u", cache="",
          argc=None, envc=None):
    b = struct.pack("<IIBHHHH", flags, msize, n9p, 24, 80, 0, 0)
    for s in ("", cwd, ns, fstab, tmp, user, cache):
        b += s32(s)
    b += struct.pack("<I", len(argv) if argc is None else argc)
    b += b"".join(s32(a) for a in argv)
    b += struct.pack("<I", len(env) if envc is None else envc)
    b += b"".join(s32(e) for e in env)
    return b

SCENARIOS = {
    # S01: sizes and counts
    "size0": lambda: hello() + struct.pack("<I", 0),
    "size4g": lambda: hello() + struct.pack("<IB", 0xFFFFFFFF, SETUP),
    "overcap": lambda: hello() + struct.pack("<IB", 4 * 1024 * 1024 + 1, SETUP),
    "argc-huge": lambda: hello() + frame(SETUP, setup(["x"], argc=0xFFFFFFFF)),
    "envc-huge": lambda: hello() + frame(SETUP, setup(["x"], envc=0xFFFFFFFF)),
    "truncated": lambda: hello() + frame(SETUP, setup(["/bin/echo", "x"]))[:-7],
    # S02: strings and shapes
    "nul-in-arg": lambda: hello() + frame(SETUP, setup(["/bin/echo", "a\0b"])),
    "argv0-empty": lambda: hello() + frame(SETUP, setup([""])),
    "env-no-eq": lambda: hello() + frame(SETUP, setup(["/bin/true"], env=["PATH=/bin", "JUNK"])),
    "env-empty-name": lambda: hello() + frame(SETUP, setup(["/bin/true"], env=["=x"])),
    "trailing": lambda: hello() + frame(SETUP, setup(["/bin/true"]) + b"zz"),
    "bad-flags": lambda: hello() + frame(SETUP, setup(["/bin/true"], flags=0x80)),
    "e2big": lambda: hello() + frame(SETUP, setup(["/bin/true"] + ["x" * 131000] * 30)),
    # S09/S10: handshake and state machine
    "bad-magic": lambda: frame(HELLO, b"CPU-MUX\0" + struct.pack("<II", 1, 0)),
    "version2": lambda: hello(2),
    "no-hello": lambda: frame(SETUP, setup(["/bin/true"])),
    "data-before-setup": lambda: hello() + frame(DATA, b"\0hi"),
    "unknown-type": lambda: hello() + frame(SETUP, setup(["/bin/cat"])) + frame(99, b""),
    "second-setup": lambda: hello() + frame(SETUP, setup(["/bin/cat"])) + frame(SETUP, setup(["/bin/true"])),
    "stdin-after-eof": lambda: hello() + frame(SETUP, setup(["/bin/cat"])) + frame(EOF, b"\0") + frame(DATA, b"\0late"),
    "overrun": lambda: hello() + frame(SETUP, setup(["/bin/sleep", "2"])) + b"".join(
        frame(DATA, b"\0" + b"x" * 262144) for _ in range(5)),
    "bad-chan": lambda: hello() + frame(SETUP, setup(["/bin/cat"])) + frame(DATA, b"\x09hi"),
    "ok": lambda: hello() + frame(SETUP, setup(["/bin/echo", "fine"])),
}

def main():
    argv = sys.argv[1:]
    i = argv.index("--")
    cmd, scen = argv[:i], argv[i + 1]
    data = SCENARIOS[scen]()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    os.set_blocking(p.stdin.fileno(), False)
    out = b""
    deadline = time.time() + 20
    wrote = 0
    closed = False
    while time.time() < deadline:
        w = [p.stdin] if not closed else []
        r, ww, _ = select.select([p.stdout], w, [], 0.2)
        if ww:
            try:
                wrote += os.write(p.stdin.fileno(), data[wrote:wrote + 65536])
            except (BrokenPipeError, BlockingIOError):
                wrote = len(data)
            if wrote >= len(data):
                # Keep the pipe open for scenarios that need the session to run.
                if scen not in ("ok", "second-setup", "unknown-type", "overrun",
                                "bad-chan", "stdin-after-eof", "e2big"):
                    p.stdin.close()
                    closed = True
                elif scen == "ok":
                    pass
        if r:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    if not closed:
        try:
            p.stdin.close()
        except Exception:
            pass
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "HUNG"
    pos = 0
    while pos + 5 <= len(out):
        size, t = struct.unpack_from("<IB", out, pos)
        body = out[pos + 5:pos + 4 + size]
        pos += 4 + size
        if t in (ERROR, WARN):
            n = struct.unpack_from("<I", body)[0]
            print(("ERROR " if t == ERROR else "WARN ") + body[4:4 + n].decode(errors="replace"))
        elif t == EXIT:
            kind, v = struct.unpack_from("<BI", body)
            print("EXIT %s %d" % ("code" if kind == 0 else "signal", v))
        elif t == DATA:
            print("DATA %d %r" % (body[0], body[1:60]))
        elif t == HELLO:
            print("HELLO")
        else:
            print("FRAME %d" % t)
    print("RC %s" % rc)

if __name__ == "__main__":
    main()

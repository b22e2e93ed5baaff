#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fuzzgen.py: write the seed corpora of t/p9fuzz.c and t/fuzz-p9proxy.c.

    python3 t/fuzzgen.py t/corpus

writes t/corpus/p9fuzz/{codec,server}-* and t/corpus/p9proxy/*-* from the
9P2000.L layouts of lib/p9.h (the Linux kernel's), the sessions the
kernel and the client have (doc/9p-proxy.md) and the op language of
t/fuzz-p9proxy.c.  Deterministic: running it again rewrites the same bytes.
Inputs a campaign found a bug with are kept next to these under other names
(crash-*, leak-*, timeout-*), never rewritten here.
"""
import os
import struct
import sys

# ---- 9P2000.L ------------------------------------------------------------

T = dict(lerror=6, statfs=8, lopen=12, lcreate=14, symlink=16, mknod=18,
         rename=20, readlink=22, getattr=24, setattr=26, xattrwalk=30,
         xattrcreate=32, readdir=40, fsync=50, lock=52, getlock=54, link=70,
         mkdir=72, renameat=74, unlinkat=76, version=100, auth=102,
         attach=104, flush=108, walk=110, read=116, write=118, clunk=120,
         remove=122)
NOTAG = 0xFFFF
NOFID = 0xFFFFFFFF
QTDIR, QTSYMLINK, QTFILE = 0x80, 0x02, 0x00
RDONLY, RDWR, CREATE, DIRECTORY, NONBLOCK = 0, 2, 0o100, 0o200000, 0o4000
BASIC = 0x7FF


def u8(v): return struct.pack('<B', v)
def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)


def s16(s):
    b = s.encode() if isinstance(s, str) else s
    return u16(len(b)) + b


def qid(t, path, ver=0):
    return u8(t) + u32(ver) + u64(path)


def body(type_, tag, b):
    """type, tag, body: a message without its size field."""
    return u8(type_) + u16(tag) + b


def msg(type_, tag, b):
    return u32(7 + len(b)) + body(type_, tag, b)


def attr(q, mode, size=0, valid=BASIC):
    """An Rgetattr body (P9ATTR_ATTR = 153 bytes)."""
    b = (u64(valid) + q + u32(mode) + u32(0) + u32(0) + u64(1) + u64(0) +
         u64(size) + u64(4096) + u64((size + 511) // 512))
    b += u64(1700000000) + u64(0) + u64(1700000000) + u64(0)
    b += u64(1700000000) + u64(0) + u64(0) + u64(0) + u64(0) + u64(0)
    assert len(b) == 153
    return b


# T-messages (bodies after type and tag)
def tversion(msize=65536): return u32(msize) + s16('9P2000.L')
def tattach(fid, aname='', uname='root', afid=NOFID, n_uname=0):
    return u32(fid) + u32(afid) + s16(uname) + s16(aname) + u32(n_uname)
def twalk(fid, newfid, *names):
    return u32(fid) + u32(newfid) + u16(len(names)) + b''.join(s16(n) for n in names)
def tfid(fid): return u32(fid)
def tlopen(fid, flags=RDONLY): return u32(fid) + u32(flags)
def tgetattr(fid): return u32(fid) + u64(BASIC)
def tio(fid, off, count): return u32(fid) + u64(off) + u32(count)
def twrite(fid, off, data): return u32(fid) + u64(off) + u32(len(data)) + data
def tlcreate(fid, name, flags=RDWR | CREATE, mode=0o644):
    return u32(fid) + s16(name) + u32(flags) + u32(mode) + u32(0)
def tmkdir(dfid, name): return u32(dfid) + s16(name) + u32(0o755) + u32(0)
def tsymlink(fid, name, tgt): return u32(fid) + s16(name) + s16(tgt) + u32(0)
def tmknod(dfid, name): return u32(dfid) + s16(name) + u32(0o10644) + u32(0) + u32(0) + u32(0)
def trenameat(od, on, nd, nn): return u32(od) + s16(on) + u32(nd) + s16(nn)
def trename(fid, dfid, name): return u32(fid) + u32(dfid) + s16(name)
def tunlinkat(dfid, name, flags=0): return u32(dfid) + s16(name) + u32(flags)
def tlink(dfid, fid, name): return u32(dfid) + u32(fid) + s16(name)
def tsetattr(fid, valid=0x8, size=0):
    return u32(fid) + u32(valid) + u32(0o644) + u32(0) + u32(0) + u64(size) + u64(0) * 4
def txattrwalk(fid, newfid, name): return u32(fid) + u32(newfid) + s16(name)
def txattrcreate(fid, name, size): return u32(fid) + s16(name) + u64(size) + u32(0)
def tfsync(fid): return u32(fid) + u32(0)
def tlock(fid, type_=1): return u32(fid) + u8(type_) + u32(0) + u64(0) + u64(0) + u32(1) + s16('host')
def tgetlock(fid): return u32(fid) + u8(1) + u64(0) + u64(0) + u32(1) + s16('host')
def tflush(old): return u16(old)


# R-messages
def rlerror(e): return u32(e)
def rwalk(*qids): return u16(len(qids)) + b''.join(qids)
def rlopen(q, iounit=0): return q + u32(iounit)
def rio(data): return u32(len(data)) + data
def rstatfs(): return u32(0x01021997) + u32(4096) + u64(100) * 5 + u64(1) + u32(255)


def dirent(q, off, type_, name):
    return q + u64(off) + u8(type_) + s16(name)


# ---- the proxy's model (t/fuzz-p9proxy.c) --------------------------------

def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def qid_of(name):
    t = QTDIR if name.startswith('d') else QTSYMLINK if name.startswith('l') else QTFILE
    return qid(t, fnv(name.encode()) & 0xFFFFFFFFFFFF)


def mode_of(name):
    return 0o40755 if name.startswith('d') else 0o120777 if name.startswith('l') else 0o100644


ROOTQ = qid(QTDIR, 1)
OP = dict(K=0, R=1, N=2, A=3, L=4, T=5, S=6, X=7, Y=8, Z=9)
# settings byte
LAZY, PREFETCH, AHEAD, GA_AHEAD, SRV_MSIZE, LOOSE = 1, 2, 4, 8, 16, 32


class Script:
    def __init__(self, settings):
        self.b = bytearray([settings])

    def op(self, name, payload=b''):
        self.b += u8(OP[name])
        if name in 'KRALXY':
            self.b += u16(len(payload)) + payload
        return self

    def K(self, type_, tag, b): return self.op('K', body(T[type_], tag, b))
    def R(self, type_, b): return self.op('R', body(T[type_] + 1, 0, b))
    def Rerr(self, e): return self.op('R', body(7, 0, rlerror(e)))

    def N(self, how=2):
        self.b += u8(OP['N']) + u8(how)
        return self

    def A(self, dirq, ents, eof=False):
        b = dirq + b''.join(s16(n) + (a if a is not None else attr(qid_of(n), mode_of(n)))
                            for n, a in ents)
        if eof:
            b += u16(0)
        return self.op('A', b)

    def L(self, dirq, links):
        return self.op('L', dirq + b''.join(s16(n) + s16(t) for n, t in links))

    def T(self, ms):
        self.b += u8(OP['T']) + u16(ms)
        return self

    def S(self):
        self.b += u8(OP['S'])
        return self

    def Z(self, n16):
        self.b += u8(OP['Z']) + u16(n16)
        return self

    def X(self, raw): return self.op('X', raw)
    def Y(self, raw): return self.op('Y', raw)

    def mount(self, n=2, msize=65536):
        """Tversion, Tattach of the root, answered naturally."""
        self.K('version', NOTAG, tversion(msize)).N(n)
        return self.K('attach', 1, tattach(0)).N(n)

    def listdir(self, fid, newfid, name, tag=10, how=2):
        """walk, getattr, open, read the listing to its end, as ls does."""
        self.K('walk', tag, twalk(fid, newfid, name)).N(how)
        self.K('getattr', tag + 1, tgetattr(newfid)).N(how)
        self.K('lopen', tag + 2, tlopen(newfid, RDONLY | DIRECTORY)).N(how)
        self.K('readdir', tag + 3, tio(newfid, 0, 8192)).N(how).N(how)
        return self.K('readdir', tag + 4, tio(newfid, 3, 8192)).N(how).N(how)


def proxy_seeds():
    s = {}
    # ---- the kernel's side: T-messages, the client model answering.
    x = Script(PREFETCH | AHEAD).mount()
    x.listdir(0, 1, 'da')
    x.K('walk', 20, twalk(1, 2, 'fa')).K('getattr', 21, tgetattr(2))
    x.K('walk', 22, twalk(1, 3, 'missing')).K('walk', 23, twalk(1, 4, 'lc'))
    x.K('readlink', 24, tfid(4)).N()
    x.K('lopen', 25, tlopen(2)).N().K('read', 26, tio(2, 0, 4096)).N()
    x.K('clunk', 27, tfid(2)).K('clunk', 28, tfid(3)).K('clunk', 29, tfid(4)).N().N()
    s['kernel-01-ls'] = x
    x = Script(PREFETCH | AHEAD | GA_AHEAD).mount()
    x.listdir(0, 1, 'da').listdir(1, 2, 'db', tag=30).listdir(2, 3, 'db', tag=40)
    x.K('walk', 50, twalk(3, 4, '..')).N().K('clunk', 51, tfid(4)).N()
    s['kernel-02-find'] = x
    x = Script(LAZY | LOOSE | SRV_MSIZE).mount()
    x.listdir(0, 1, 'da')
    x.K('walk', 20, twalk(1, 2, 'fa')).K('lopen', 21, tlopen(2))
    x.K('getattr', 22, tgetattr(2)).K('read', 23, tio(2, 0, 100)).N().N().N()
    x.K('clunk', 24, tfid(2)).N()
    s['kernel-03-lazy-open'] = x
    x = Script(PREFETCH).mount().listdir(0, 1, 'da')
    x.K('walk', 20, twalk(1, 2, 'fa')).T(2500).K('getattr', 21, tgetattr(2)).N()
    x.S().T(2500).S().K('walk', 22, twalk(1, 3, 'fa')).N()
    s['kernel-04-ttl'] = x
    x = Script(PREFETCH).mount()
    x.K('walk', 5, twalk(0, 1, 'da', 'db', 'fa'))
    x.K('flush', 6, tflush(5)).N().N()
    x.K('walk', 7, twalk(0, 2, 'da')).K('flush', 8, tflush(99)).N()
    x.K('readdir', 9, tio(2, 0, 4096)).K('flush', 10, tflush(9)).N().N()
    s['kernel-05-flush'] = x
    x = Script(PREFETCH).mount().listdir(0, 1, 'da')
    x.K('walk', 20, twalk(1, 2))
    x.K('lcreate', 21, tlcreate(2, 'fnew')).N()
    x.K('write', 22, twrite(2, 0, b'hello\n')).N()
    x.K('fsync', 23, tfsync(2)).N().K('setattr', 24, tsetattr(2, size=3)).N()
    x.K('mkdir', 25, tmkdir(1, 'dnew')).N().K('symlink', 26, tsymlink(1, 'lnew', 'fa')).N()
    x.K('mknod', 27, tmknod(1, 'fnod')).N().K('link', 28, tlink(1, 2, 'fhard')).N()
    x.K('renameat', 29, trenameat(1, 'fa', 1, 'fb')).N()
    x.K('walk', 30, twalk(1, 3, 'fb')).K('rename', 31, trename(3, 1, 'fc')).N().N()
    x.K('unlinkat', 32, tunlinkat(1, 'fc')).N().K('remove', 33, tfid(2)).N()
    x.K('statfs', 34, tfid(1)).N()
    s['kernel-06-changes'] = x
    x = Script(PREFETCH).mount().listdir(0, 1, 'da')
    x.K('walk', 20, twalk(1, 2, 'fa')).K('xattrwalk', 21, txattrwalk(2, 3, 'security.capability')).N()
    x.K('xattrwalk', 22, txattrwalk(2, 4, 'user.x')).N().K('read', 23, tio(4, 0, 64)).N()
    x.K('walk', 24, twalk(2, 5)).K('xattrcreate', 25, txattrcreate(5, 'user.y', 2)).N()
    x.K('write', 26, twrite(5, 0, b'ab')).N().K('clunk', 27, tfid(5)).N()
    x.K('lopen', 28, tlopen(2, RDWR)).N().K('lock', 29, tlock(2)).N()
    x.K('getlock', 30, tgetlock(2)).N()
    s['kernel-07-xattr-lock'] = x
    x = Script(SRV_MSIZE | PREFETCH).A(ROOTQ, [('.', attr(ROOTQ, 0o40755))])
    x.K('version', NOTAG, tversion(1 << 20)).K('attach', 1, tattach(0)).N().N()
    x.K('attach', 2, tattach(5, uname='user', n_uname=1000))
    x.K('getattr', 3, tgetattr(5)).K('walk', 4, twalk(5, 6, 'da')).N().N()
    x.K('version', NOTAG, tversion(8192)).N().K('attach', 5, tattach(0)).N()
    s['kernel-08-attach-version'] = x
    x = Script(0).mount()
    x.Y(msg(T['walk'], 3, twalk(0, 1, 'da'))[:9])
    x.Y(msg(T['walk'], 3, twalk(0, 1, 'da'))[9:])
    x.N().K('walk', 4, twalk(0, 1, 'x' * 300))
    s['kernel-09-split-and-bad'] = x
    x = Script(PREFETCH).mount(msize=1 << 20)
    x.K('walk', 3, twalk(0, 1, 'fa')).N().K('lopen', 4, tlopen(1)).N()
    x.K('read', 5, tio(1, 0, 200000)).Z(9000).K('clunk', 6, tfid(1)).N()
    s['kernel-10-long-read'] = x
    # ---- the client's side: R-messages and frames, few natural answers.
    da = qid_of('da')
    x = Script(PREFETCH | AHEAD)
    x.K('version', NOTAG, tversion()).R('version', u32(65536) + s16('9P2000.L'))
    x.K('attach', 1, tattach(0)).R('attach', ROOTQ)
    x.K('walk', 2, twalk(0, 1, 'da')).R('walk', rwalk(da))
    x.K('lopen', 3, tlopen(1, DIRECTORY)).R('lopen', rlopen(da))
    x.K('readdir', 4, tio(1, 0, 8192))
    x.A(da, [('fa', None), ('db', None), ('lc', None)], eof=True)
    x.L(da, [('lc', 'fa')])
    ents = (dirent(qid_of('fa'), 1, 8, 'fa') + dirent(qid_of('db'), 2, 4, 'db') +
            dirent(qid_of('lc'), 3, 10, 'lc'))
    x.R('readdir', rio(ents)).R('readdir', rio(ents))
    x.K('readdir', 5, tio(1, 3, 8192))
    x.K('walk', 6, twalk(1, 2, 'lc')).K('readlink', 7, tfid(2))
    x.K('walk', 8, twalk(1, 3, 'nope')).K('walk', 9, twalk(1, 4, 'db'))
    x.K('getattr', 10, tgetattr(4)).K('lopen', 11, tlopen(4, DIRECTORY)).N().N()
    s['client-01-listing'] = x
    x = Script(SRV_MSIZE)
    x.A(ROOTQ, [('.', attr(ROOTQ, 0o40755))])
    x.A(ROOTQ, [('etc', None), ('ld.so.preload', b'\0' * 153)])
    x.K('version', NOTAG, tversion()).R('version', u32(65536) + s16('9P2000.L'))
    x.K('attach', 1, tattach(0)).R('attach', ROOTQ)
    x.K('walk', 2, twalk(0, 1, 'ld.so.preload')).K('walk', 3, twalk(0, 2, 'etc'))
    x.K('getattr', 4, tgetattr(2)).N()
    s['client-02-pushed'] = x
    x = Script(PREFETCH).mount()
    x.K('walk', 2, twalk(0, 1, 'da', 'db')).Rerr(2)
    x.K('walk', 3, twalk(0, 1, 'da')).R('walk', rwalk(da))
    x.K('getattr', 4, tgetattr(1)).R('getattr', attr(da, 0o40755))
    x.K('lopen', 5, tlopen(1, DIRECTORY)).Rerr(13)
    x.K('statfs', 6, tfid(1)).R('statfs', rstatfs())
    x.K('flush', 7, tflush(6))
    x.R('flush', b'')
    s['client-03-errors'] = x
    x = Script(0).mount(msize=1 << 20)
    x.K('walk', 2, twalk(0, 1, 'fa')).R('walk', rwalk(qid_of('fa')))
    x.K('lopen', 3, tlopen(1)).R('lopen', rlopen(qid_of('fa')))
    x.K('read', 4, tio(1, 0, 1 << 20)).Z(4097)
    x.K('read', 5, tio(1, 0, 100)).R('read', rio(b'0123456789'))
    s['client-04-rread'] = x
    x = Script(0).mount()
    x.K('walk', 2, twalk(0, 1, 'fa'))
    x.X(msg(T['walk'] + 1, 0, rwalk(qid_of('fa'))))
    x.X(u32(7)[:2])
    s['client-05-raw'] = x
    x = Script(PREFETCH).mount()
    x.A(qid_of('da'), [('fa', None)])
    x.A(qid_of('da'), [])
    x.L(qid_of('da'), [('fa', 'x')])
    x.op('A', qid_of('da') + s16('f' * 3) + b'\0' * 20)
    s['client-06-bad-attrs'] = x
    return s


# ---- p9fuzz: the codec (first byte even) and the server (odd) -------------

def codec_seeds():
    ms = [
        (T['version'], NOTAG, tversion()),
        (T['version'] + 1, NOTAG, tversion()),
        (T['attach'], 1, tattach(0)),
        (T['attach'] + 1, 1, ROOTQ),
        (T['walk'], 2, twalk(0, 1, 'usr', 'bin')),
        (T['walk'] + 1, 2, rwalk(qid(QTDIR, 5), qid(QTFILE, 6))),
        (T['lopen'], 3, tlopen(1, RDONLY)),
        (T['lopen'] + 1, 3, rlopen(qid(QTFILE, 6), 8192)),
        (T['read'], 4, tio(1, 0, 4096)),
        (T['read'] + 1, 4, rio(b'hello\n')),
        (T['write'], 5, twrite(1, 0, b'data')),
        (T['readdir'], 6, tio(1, 0, 4096)),
        (T['readdir'] + 1, 6, rio(dirent(qid(QTFILE, 6), 1, 8, 'a'))),
        (T['getattr'], 7, tgetattr(1)),
        (T['getattr'] + 1, 7, attr(qid(QTFILE, 6), 0o100644, 6)),
        (T['setattr'], 8, tsetattr(1)),
        (T['lcreate'], 9, tlcreate(1, 'new')),
        (T['symlink'], 10, tsymlink(1, 'l', 'target')),
        (T['mknod'], 11, tmknod(1, 'n')),
        (T['mkdir'], 12, tmkdir(1, 'd')),
        (T['renameat'], 13, trenameat(1, 'a', 1, 'b')),
        (T['unlinkat'], 14, tunlinkat(1, 'a', 0x200)),
        (T['link'], 15, tlink(1, 2, 'h')),
        (T['xattrwalk'], 16, txattrwalk(1, 2, 'user.x')),
        (T['xattrcreate'], 17, txattrcreate(1, 'user.x', 10)),
        (T['lock'], 18, tlock(1)),
        (T['getlock'], 19, tgetlock(1)),
        (T['getlock'] + 1, 19, u8(2) + u64(0) + u64(0) + u32(1) + s16('host')),
        (T['statfs'] + 1, 20, rstatfs()),
        (T['flush'], 21, tflush(3)),
        (T['lerror'] + 1, 22, rlerror(2)),
        (T['readlink'] + 1, 23, s16('/usr/lib')),
        (T['fsync'], 24, tfsync(1)),
        (T['rename'], 25, trename(1, 2, 'x')),
    ]
    s = {}
    for i, (t, tag, b) in enumerate(ms):
        s['codec-%02d-%d' % (i + 1, t)] = b'\0' + msg(t, tag, b)
    return s


def server_seeds():
    # After the target's own Tversion (msize 65536) and Tattach (fid 0).
    def m(t, tag, b): return msg(T[t], tag, b)
    seqs = {
        'server-01-read': [m('walk', 1, twalk(0, 1, 'file')), m('lopen', 2, tlopen(1)),
                           m('read', 3, tio(1, 0, 100)), m('getattr', 4, tgetattr(1)),
                           m('clunk', 5, tfid(1))],
        'server-02-readdir': [m('walk', 1, twalk(0, 1, 'dir')),
                              m('lopen', 2, tlopen(1, DIRECTORY)),
                              m('readdir', 3, tio(1, 0, 4096)), m('clunk', 4, tfid(1)),
                              m('lopen', 5, tlopen(0, DIRECTORY)),
                              m('readdir', 6, tio(0, 0, 200))],
        'server-03-escape': [m('walk', 1, twalk(0, 1, 'out')), m('readlink', 2, tfid(1)),
                             m('lopen', 3, tlopen(1)), m('walk', 4, twalk(0, 2, '..', 'canary')),
                             m('walk', 5, twalk(0, 3, 'fifo')),
                             m('lopen', 6, tlopen(3, NONBLOCK))],
        'server-04-create': [m('walk', 1, twalk(0, 1, 'dir')), m('lcreate', 2, tlcreate(1, 'n')),
                             m('write', 3, twrite(1, 0, b'x' * 10)), m('fsync', 4, tfsync(1)),
                             m('setattr', 5, tsetattr(1, size=2)),
                             m('walk', 6, twalk(0, 2, 'dir')),
                             m('renameat', 7, trenameat(2, 'n', 2, 'm')),
                             m('unlinkat', 8, tunlinkat(2, 'm'))],
        'server-05-ns': [m('mkdir', 1, tmkdir(0, 'd2')), m('symlink', 2, tsymlink(0, 's', '/etc')),
                         m('mknod', 3, tmknod(0, 'p')), m('walk', 4, twalk(0, 1, 'file')),
                         m('link', 5, tlink(0, 1, 'h')), m('unlinkat', 6, tunlinkat(0, 'd2', 0x200)),
                         m('statfs', 7, tfid(0))],
        'server-06-xattr-lock': [m('walk', 1, twalk(0, 1, 'file')),
                                 m('xattrwalk', 2, txattrwalk(1, 2, '')),
                                 m('read', 3, tio(2, 0, 256)),
                                 m('lopen', 4, tlopen(1, RDWR)), m('lock', 5, tlock(1)),
                                 m('getlock', 6, tgetlock(1)), m('lock', 7, tlock(1, 2)),
                                 m('flush', 8, tflush(7))],
    }
    return {k: b'\1' + b''.join(v) for k, v in seqs.items()}


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(bytes(data))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 't/corpus'
    for k, v in {**codec_seeds(), **server_seeds()}.items():
        write(os.path.join(out, 'p9fuzz'), k, v)
    for k, v in proxy_seeds().items():
        write(os.path.join(out, 'p9proxy'), k, v.b)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the golden seed inputs of the fuzz targets into seeds/<target>/.

The seeds are built here from the ZMTP grammar (RFC 37) and the bytes
libzmq 4.3.4 is known to send, in the input layout each harness documents
at the top of its source file. Run it after changing a layout:

    python3 tests/fuzz/make_seeds.py [--libzmq-corpora DIR]

With --libzmq-corpora, the small (< 2 KiB) seeds of libzmq's null/curve
fuzz corpora are also written, each behind control bytes that make the
harness feed it to the socket type libzmq's fuzzer used (PUB for the bind
corpora, SUB for the connect ones). The output is deterministic; existing
files of the same name are overwritten, other files are left alone.
"""
import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Socket types in zmtp::socket_type order (the harness takes b0 % 11).
TYPES = ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB"]
T = {name: i for i, name in enumerate(TYPES)}


# --- ZMTP building blocks ---------------------------------------------------

def greeting(minor=1, mech=b"NULL", major=3, padding_tail=1, sig9=0x7F):
    """A 64-octet greeting; libzmq puts routing-id length + 1 in the padding."""
    return (b"\xff" + b"\x00" * 7 + bytes([padding_tail, sig9, major, minor]) +
            mech.ljust(20, b"\x00") + b"\x00" + b"\x00" * 31)


def frame(body, more=False, command=False, force_long=False, extra_flags=0):
    flags = (1 if more else 0) | (4 if command else 0) | extra_flags
    if len(body) > 255 or force_long:
        return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def long_header(size, more=False, command=False):
    """A header alone, declaring `size` bytes (for limit tests)."""
    flags = 2 | (1 if more else 0) | (4 if command else 0)
    return bytes([flags]) + struct.pack(">Q", size)


def command(name, data=b""):
    return frame(bytes([len(name)]) + name + data, command=True)


def prop(name, value):
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def ready(socket_type, identity=None, extra=()):
    body = prop(b"Socket-Type", socket_type.encode())
    if identity is not None:
        body += prop(b"Identity", identity)
    for k, v in extra:
        body += prop(k, v)
    return command(b"READY", body)


def ping(ttl=0, ctx=b""):
    return command(b"PING", struct.pack(">H", ttl) + ctx)


def message(*parts):
    out = b""
    for i, p in enumerate(parts):
        out += frame(p, more=i + 1 < len(parts))
    return out


def pattern(n, salt=0):
    return bytes((i * 31 + salt) & 0xFF for i in range(n))


def peer_ready(peer):
    # libzmq sends an (empty) Identity for REQ, DEALER and ROUTER.
    return ready(peer, identity=b"" if peer in ("REQ", "DEALER", "ROUTER") else None)


# --- fuzz_frame_decoder -----------------------------------------------------

def dec_header(flags=0, lf=0, lm=0, ln=0, lc=0, seed=0):
    return bytes([flags, lf, lm, ln, lc, seed >> 8, seed & 0xFF])


SMALL = dict(lf=20, lm=30, ln=3, lc=32)  # frame 100, message 300, 3 frames, command 64
OWNER, WINDOW, LENIENT, HANDSHAKE = 0x04, 0x08, 0x10, 0x20


def decoder_seeds():
    s = {}
    msgs = (message(b"hello") + message(b"a", b"b", b"c") + message(b"") +
            message(b"", b"") + message(pattern(64)) + message(pattern(65)))
    s["short-frames"] = dec_header() + msgs
    s["short-frames-split"] = dec_header(seed=0x1234) + msgs
    s["short-frames-owner-split"] = dec_header(OWNER, seed=0x0101) + msgs
    s["commands"] = dec_header() + (ready("PULL") + ping(50) + ping(0, b"ctx-123") +
                                    command(b"PONG", b"ctx") + command(b"SUBSCRIBE", b"topic") +
                                    command(b"CANCEL", b"") + command(b"FOOBAR"))
    s["command-between-frames"] = dec_header(seed=7) + (
        frame(b"part1", more=True) + ping(10) + frame(b"part2", more=True) +
        command(b"SUBSCRIBE", b"x") + frame(b"part3"))
    s["long-form-small-sizes"] = dec_header() + (
        frame(b"abc", force_long=True) + frame(b"", force_long=True) +
        frame(b"cmd", command=True, force_long=True))
    s["long-frames"] = dec_header(OWNER | WINDOW, seed=0x0F0F) + (
        message(pattern(255)) + message(pattern(256)) + message(pattern(300), pattern(1000, 1)) +
        message(pattern(9000, 2)))
    s["long-frame-window-bytewise"] = dec_header(WINDOW, seed=0xFFFF) + message(pattern(2000, 3))
    s["long-frame-owner-whole"] = dec_header(OWNER) + message(pattern(5000, 4)) + message(b"tail")
    s["truncated-body"] = dec_header(seed=3) + message(b"ok") + frame(pattern(300))[:100]
    s["truncated-header"] = dec_header() + message(b"ok") + long_header(1000)[:5]
    s["truncated-multipart"] = dec_header() + frame(b"first", more=True)
    s["reserved-flags"] = dec_header() + message(b"ok") + frame(b"bad", extra_flags=0x80)
    s["reserved-flags-lenient"] = dec_header(LENIENT) + frame(b"ok", extra_flags=0x88) + message(b"x")
    s["more-on-command"] = dec_header() + frame(b"\x04PING\x00\x00", command=True, extra_flags=1)
    s["huge-frame-declared"] = dec_header() + long_header(1 << 62) + b"x" * 8
    s["huge-command-declared"] = dec_header() + long_header(1 << 40, command=True)
    s["default-limit-plus-one"] = dec_header() + long_header((256 << 20) + 1)
    s["handshake-ready-then-data"] = dec_header(HANDSHAKE) + ready("PUSH") + message(b"data")
    s["handshake-data-first"] = dec_header(HANDSHAKE) + message(b"data") + ready("PUSH")
    # Small limits: each one hit exactly at the boundary.
    small = lambda extra=0, seed=0: dec_header(1 | extra, seed=seed, **SMALL)
    s["small-frame-at-limit"] = small() + message(pattern(100)) + message(pattern(101))
    s["small-message-at-limit"] = small(seed=9) + message(pattern(100), pattern(100), pattern(100)) + \
        message(pattern(100), pattern(100), pattern(100), b"")
    s["small-message-over"] = small() + message(pattern(100), pattern(100), pattern(100), b"x")
    s["small-too-many-frames"] = small() + message(b"1", b"2", b"3") + message(b"1", b"2", b"3", b"4")
    s["small-command-limit"] = small() + command(b"X", pattern(62)) + command(b"X", pattern(63))
    s["small-owner-window"] = small(OWNER | WINDOW, seed=0x00AA) + message(pattern(90), pattern(90))
    s["zero-limits"] = dec_header(1) + message(b"")
    s["empty"] = dec_header()
    return s


# --- fuzz_connection --------------------------------------------------------

PREFIX, V30, EXTRA_PROPS, SMALL_LIMITS, ROUTING_ID, ENCODE, CONTROL, PARTIAL = (
    1, 2, 4, 8, 16, 32, 64, 128)


def conn_header(local, flags=0, seed=0, peer_pick=0):
    return bytes([T[local] + 11 * peer_pick, flags, seed >> 8, seed & 0xFF])


def conn_seeds():
    s = {}
    # Full exchanges, greeting and READY included, for the main pairings.
    data = (message(b"msg-0") + message(b"msg-1") + message(b"multi", b"part", b"") +
            message(pattern(300)) + ping(50) + ping(0, b"ctx-123") + message(b""))
    for local, peer in [("PULL", "PUSH"), ("SUB", "PUB"), ("PAIR", "PAIR"), ("DEALER", "ROUTER"),
                        ("ROUTER", "DEALER"), ("XSUB", "XPUB")]:
        body = greeting() + peer_ready(peer) + data
        s[f"{local.lower()}-from-{peer.lower()}"] = conn_header(local) + body
        s[f"{local.lower()}-from-{peer.lower()}-split"] = conn_header(local, ENCODE | CONTROL,
                                                                        seed=0x2222) + body
    s["pub-subscribe-commands"] = conn_header("PUB", ENCODE) + (
        greeting() + peer_ready("SUB") + command(b"SUBSCRIBE", b"topic") +
        command(b"SUBSCRIBE", b"") + command(b"CANCEL", b"topic") + ping(10))
    s["xpub-subscribe-v30"] = conn_header("XPUB", ENCODE, seed=5) + (
        greeting(minor=0) + peer_ready("XSUB") + message(b"\x01topic") + message(b"\x00topic") +
        message(b"\x01") + message(b"\x02not-a-subscription"))
    s["rep-request-envelope"] = conn_header("REP", ENCODE) + (
        greeting() + peer_ready("REQ") + message(b"", b"hello") + message(b"", b"world"))
    s["req-reply"] = conn_header("REQ", ENCODE | ROUTING_ID) + (
        greeting() + peer_ready("REP") + message(b"", b"reply"))
    s["router-identity"] = conn_header("ROUTER", ROUTING_ID) + (
        greeting() + ready("DEALER", identity=b"abc", extra=[(b"X-App", b"v")]) +
        message(b"payload"))
    s["push-pings-only"] = conn_header("PUSH", ENCODE | CONTROL | PARTIAL, seed=0x0777) + (
        greeting() + peer_ready("PULL") + ping(655, pattern(20)) + command(b"PONG") +
        command(b"READY", b"") + command(b"FOOBAR", b"x"))
    s["pipelined-one-segment"] = conn_header("PULL", ENCODE) + (
        greeting() + peer_ready("PUSH") + b"".join(message(b"m%d" % i) for i in range(20)))
    s["drip-fed"] = conn_header("PULL", 0, seed=0xFFFE) + (
        greeting() + peer_ready("PUSH") + message(b"slow", pattern(70)))
    s["direct-read-large"] = conn_header("PULL", ENCODE, seed=0x0300) + (
        greeting() + peer_ready("PUSH") + message(b"head") + message(pattern(9000, 5)) +
        message(b"tail"))
    # Frames above 64 bytes share the receive chunk they arrived in. Split
    # seed 5 delivers these three messages in several reads that do not fill
    # the chunk, so prepare() is asked for more room while the harness still
    # holds the earlier frames: it must not rewind or compact under them.
    # (Checked: a core that ignores the chunk's reference count fails here.)
    s["retained-frames-chunk-reuse"] = conn_header("PULL", PREFIX, seed=5) + b"".join(
        message(pattern(300, i)) for i in range(3))
    s["eof-mid-message"] = conn_header("PULL") + (
        greeting() + peer_ready("PUSH") + frame(b"first", more=True))
    s["eof-in-greeting"] = conn_header("PULL") + greeting()[:33]
    s["eof-in-handshake"] = conn_header("PULL") + greeting()
    # Refusals.
    s["incompatible-type"] = conn_header("PULL") + greeting() + peer_ready("PULL")
    s["unknown-type"] = conn_header("PAIR") + greeting() + ready("CLIENT")
    s["missing-socket-type"] = conn_header("PAIR") + greeting() + command(b"READY", prop(b"X", b"y"))
    s["malformed-metadata"] = conn_header("PAIR") + greeting() + command(
        b"READY", prop(b"Socket-Type", b"PAIR")[:-2])
    s["error-command"] = conn_header("PAIR") + greeting() + command(b"ERROR", b"\x03400")
    s["error-after-ready"] = conn_header("PAIR") + greeting() + peer_ready("PAIR") + command(
        b"ERROR", b"\x05later")
    s["data-before-ready"] = conn_header("PULL") + greeting() + message(b"early") + peer_ready("PUSH")
    s["hello-during-handshake"] = conn_header("PULL") + greeting() + command(b"HELLO", b"\x01\x00")
    s["mechanism-plain"] = conn_header("PULL") + greeting(mech=b"PLAIN") + peer_ready("PUSH")
    s["mechanism-lowercase"] = conn_header("PULL") + greeting(mech=b"null")
    s["version-2"] = conn_header("PULL") + greeting(major=2)
    s["version-1"] = conn_header("PULL") + greeting(major=1)
    s["bad-signature-byte9"] = conn_header("PULL") + greeting(sig9=0x7E)
    s["ping-too-short"] = conn_header("PAIR") + greeting() + peer_ready("PAIR") + command(b"PING", b"\x00")
    s["reserved-flags"] = conn_header("PAIR") + greeting() + peer_ready("PAIR") + frame(
        b"x", extra_flags=0x80)
    s["huge-frame"] = conn_header("PULL") + greeting() + peer_ready("PUSH") + long_header(1 << 62)
    # With the synthetic prefix: the stream starts after the handshake.
    for local in TYPES:
        traffic = (message(b"a", b"b") + ping(1, b"c") + command(b"SUBSCRIBE", b"t") +
                   message(b"\x01t") + message(pattern(80)))
        s[f"prefixed-{local.lower()}"] = conn_header(
            local, PREFIX | ENCODE | CONTROL, seed=T[local] + 1) + traffic
    s["prefixed-v30-sub-control"] = conn_header("SUB", PREFIX | V30 | CONTROL | PARTIAL) + ping(3)
    s["prefixed-small-limits"] = conn_header("PULL", PREFIX | SMALL_LIMITS | EXTRA_PROPS) + (
        message(pattern(300)) + message(pattern(301)))
    s["prefixed-small-limits-frames"] = conn_header("PULL", PREFIX | SMALL_LIMITS) + (
        message(b"1", b"2", b"3") + message(b"1", b"2", b"3", b"4"))
    s["prefixed-dealer-peer-pick"] = conn_header("DEALER", PREFIX | ROUTING_ID | ENCODE,
                                                 peer_pick=2) + message(b"", b"req")
    s["empty"] = b""
    return s


# --- libzmq's corpora, behind our control bytes -------------------------------

def libzmq_seeds(root):
    conn, dec = {}, {}
    for corpus in sorted(os.listdir(root)):
        d = os.path.join(root, corpus)
        if not os.path.isdir(d) or not corpus.endswith("_seed_corpus"):
            continue
        local = "PUB" if corpus.startswith("test_bind") else "SUB"
        short = corpus.replace("test_", "").replace("_fuzzer_seed_corpus", "")
        for name in sorted(os.listdir(d)):
            data = open(os.path.join(d, name), "rb").read()
            if len(data) >= 2048:
                continue  # the large random streams stay out of the repository
            tag = f"libzmq-{short}-{name[:8]}"
            conn[tag] = conn_header(local) + data
            conn[tag + "-prefixed"] = conn_header(local, PREFIX) + data[64:]
            dec[tag] = dec_header() + data[64:]
    return conn, dec


def write(target, seeds):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(data)
    return len(seeds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libzmq-corpora", help="directory holding libzmq's *_seed_corpus dirs")
    args = ap.parse_args()
    conn, dec = conn_seeds(), decoder_seeds()
    if args.libzmq_corpora:
        lconn, ldec = libzmq_seeds(args.libzmq_corpora)
        conn.update(lconn)
        dec.update(ldec)
    n = write("fuzz_connection", conn) + write("fuzz_frame_decoder", dec)
    print(f"wrote {n} seeds under {os.path.join(HERE, 'seeds')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

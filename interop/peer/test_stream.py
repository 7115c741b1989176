#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""STREAM against plain TCP: our STREAM serving a plain Python socket, and
our STREAM connected to pyzmq's STREAM (libzmq 4.3.4), each side seeing
the other's bytes as they are, the connect and close notices ([id, empty]),
and a close asked for with [id, empty].

    test_stream.py --list | ZPEER CASE
"""
import socket
import sys

from peerlib import OURS, PYZMQ, Peer, case, check, check_eq, endpoint, main, render


def msg_parts(answer, who):
    check(answer.startswith("msg "), "%s answered %r" % (who, answer))
    return answer[4:].split(",")


def plain_client():
    srv = Peer(OURS, "stream", bind=[endpoint("tcp")])
    host, port = srv.ep[len("tcp://"):].rsplit(":", 1)
    c = socket.create_connection((host, int(port)), timeout=10)
    idh, empty = msg_parts(srv.cmd("recv 10000"), "STREAM (connect notice)")
    check_eq(empty, "-", "a new connection is announced by [id, empty]")
    c.sendall(b"hello")
    got = b""
    while len(got) < 5:  # the bytes may come in more than one read
        i, data = msg_parts(srv.cmd("recv 10000"), "STREAM (data)")
        check_eq(i, idh, "data comes with the connection's id")
        got += bytes.fromhex(data)
    check_eq(got, b"hello", "the client's bytes, as they were")
    srv.ok("send hex:%s str:world" % idh)
    back = b""
    while len(back) < 5:
        back += c.recv(5 - len(back))
    check_eq(back, b"world", "our bytes at the plain client")
    srv.ok("send hex:%s -" % idh)  # [id, empty] closes that connection
    check_eq(c.recv(1), b"", "the client sees the connection closed")
    check_eq(msg_parts(srv.cmd("recv 10000"), "STREAM (close notice)"), [idh, "-"],
             "the end of the connection is announced")
    c.close()
    srv.quit()


def with_pyzmq_stream():
    theirs = Peer(PYZMQ, "stream", bind=[endpoint("tcp")])
    # No reconnection: each connection's end is seen once.
    ours = Peer(OURS, "stream", connect=[theirs.ep], opts=["reconnect_ivl=-1"])
    oid, e1 = msg_parts(ours.cmd("recv 10000"), "our STREAM (connect notice)")
    tid, e2 = msg_parts(theirs.cmd("recv 10000"), "pyzmq STREAM (connect notice)")
    check_eq((e1, e2), ("-", "-"), "both sides announce the connection")
    ours.ok("send hex:%s str:abc" % oid)
    check_eq(msg_parts(theirs.cmd("recv 10000"), "pyzmq STREAM"), [tid, b"abc".hex()],
             "our bytes at pyzmq's STREAM")
    theirs.ok("send hex:%s str:xyz" % tid)
    check_eq(msg_parts(ours.cmd("recv 10000"), "our STREAM"), [oid, b"xyz".hex()],
             "pyzmq's bytes at our STREAM")
    # Our [id, empty] closes the connection; pyzmq announces its end.
    # (libzmq 4.3.4's own [id, empty] does not close a connection here, so
    # the other direction is shown by pyzmq's socket going away.)
    ours.ok("send hex:%s -" % oid)
    check_eq(msg_parts(theirs.cmd("recv 10000"), "pyzmq STREAM (close notice)"), [tid, "-"],
             "our close, seen by pyzmq")
    check_eq(msg_parts(ours.cmd("recv 10000"), "our STREAM (close notice)"), [oid, "-"],
             "our close, announced to us too")
    ours.quit()
    theirs.quit()

    theirs = Peer(PYZMQ, "stream", bind=[endpoint("tcp")])
    ours = Peer(OURS, "stream", connect=[theirs.ep], opts=["reconnect_ivl=-1"])
    oid, _ = msg_parts(ours.cmd("recv 10000"), "our STREAM (connect notice)")
    theirs.quit()
    check_eq(msg_parts(ours.cmd("recv 10000"), "our STREAM (close notice)"), [oid, "-"],
             "pyzmq's socket gone, announced")
    ours.quit()


case("stream.plain-tcp-client")(plain_client)
case("stream.pyzmq-stream")(with_pyzmq_stream)

if __name__ == "__main__":
    sys.exit(main(sys.argv))

# SPDX-License-Identifier: MIT
"""PLAIN and CURVE between zmtpcat (our library) and pyzmq (libzmq 4.3.4), in
both roles, over tcp and ipc, for the socket-type pairs of the other tests;
with and without an authenticator on either side, accepted and refused.

libzmq facts these tests pin down (see zmtp/curve_*.hpp for the bytes):
- a libzmq PLAIN server needs a ZAP handler (pyzmq's zmq.auth); a refusal
  reaches our client as ERROR "400" (in libzmq's malformed 5e 'RROR' form);
- a libzmq CURVE server without a ZAP handler accepts any client key;
- libzmq reports a refusal by us as EVENT_HANDSHAKE_FAILED_AUTH with the
  ZAP status (400) we put in our ERROR.
"""
import os
import tempfile
import threading

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils import z85
import zmq.utils.monitor

import zc
from zc import Zmtpcat, run_zmtpcat, zsock, zrecv, until, WAIT

TMP = tempfile.mkdtemp(prefix="zmtp-sec-")
_n = [0]


def endpoint(transport):
    _n[0] += 1
    if transport == "ipc":
        return "ipc://%s/s%d.sock" % (TMP, _n[0])
    return "tcp://127.0.0.1:%d" % zc.free_port()


def keypair():
    pub, sec = zmq.curve_keypair()
    return pub.decode(), sec.decode()


def listening(z, ep):
    z.err_wait(r"^event: listening %s$" % ep.replace(".", r"\.").replace("/", r"\/"))


def with_auth(fn):
    """Runs fn(auth) with a pyzmq ThreadAuthenticator on the shared context."""
    auth = ThreadAuthenticator(zc.CTX)
    auth.start()
    try:
        return fn(auth)
    finally:
        auth.stop()


def py_curve_client(kind, server_pub, ep, keys=None):
    pub, sec = keys or keypair()
    s = zsock(kind)
    s.curve_serverkey = server_pub.encode()
    s.curve_publickey = pub.encode()
    s.curve_secretkey = sec.encode()
    s.connect(ep)
    return s


def py_curve_server(kind, ep, keys):
    s = zsock(kind)
    s.curve_server = True
    s.curve_secretkey = keys[1].encode()
    s.bind(ep)
    return s


# Our server, pyzmq client: (zmtpcat type, pyzmq type, exchange)
def exchange_into_ours(z, py, kind):
    """pyzmq sends to our receiving server; checks what zmtpcat printed."""
    if kind == "rep":
        py.send(b"question")
        assert zrecv(py) == [b"answer"]
        z.expect_out("question")
    elif kind == "router":
        py.send(b"hello")
        line = z.out()
        assert line.endswith("|hello"), line
    else:
        py.send(b"hello")
        z.expect_out("hello")


OUR_SERVER_PAIRS = [("pull", zmq.PUSH, []), ("rep", zmq.REQ, ["--reply", "answer"]),
                    ("router", zmq.DEALER, []), ("pair", zmq.PAIR, [])]


def test_curve_keypair():
    rc, out, err = run_zmtpcat("--curve-keypair")
    assert rc == 0 and not err, (rc, out, err)
    assert len(out) == 2 and out[0].startswith("public: ") and out[1].startswith("secret: "), out
    pub, sec = out[0][8:], out[1][8:]
    assert len(pub) == 40 and len(sec) == 40
    # libzmq derives the same public key from the secret one.
    assert zmq.curve_public(sec.encode()) == pub.encode()
    rc, _, _ = run_zmtpcat("--curve-keypair", "pull")
    assert rc == 2


def test_curve_ours_server_no_auth_both_transports():
    # No --curve-allow: any client key gets in (libzmq's rule without ZAP).
    spub, ssec = keypair()
    for transport in ("tcp", "ipc"):
        for ztype, pytype, extra in OUR_SERVER_PAIRS:
            ep = endpoint(transport)
            with Zmtpcat(ztype, "-v", "--bind", ep, "--curve-server", "--curve-secret-key", ssec,
                         *extra) as z:
                listening(z, ep)
                py = py_curve_client(pytype, spub, ep)
                exchange_into_ours(z, py, ztype)
                py.close()


def test_curve_pyzmq_server_both_transports():
    # pyzmq binds as a CURVE server without ZAP; zmtpcat connects.
    keys = keypair()
    for transport in ("tcp", "ipc"):
        ep = endpoint(transport)
        pull = py_curve_server(zmq.PULL, ep, keys)
        rc, out, err = run_zmtpcat("push", "--connect", ep, "--curve-server-key", keys[0],
                                   input=b"one\ntwo\n")
        assert rc == 0, (rc, out, err)
        assert zrecv(pull) == [b"one"] and zrecv(pull) == [b"two"]
        pull.close()

        rep = py_curve_server(zmq.REP, ep.replace(".sock", "r.sock") if transport == "ipc"
                              else endpoint("tcp"), keys)
        rep_ep = rep.getsockopt(zmq.LAST_ENDPOINT).decode()
        with Zmtpcat("req", "--connect", rep_ep, "--curve-server-key", keys[0]) as z:
            z.send("ping")
            assert zrecv(rep) == [b"ping"]
            rep.send(b"pong")
            z.expect_out("pong")
        rep.close()

        router = py_curve_server(zmq.ROUTER, endpoint(transport), keys)
        r_ep = router.getsockopt(zmq.LAST_ENDPOINT).decode()
        with Zmtpcat("dealer", "--connect", r_ep, "--curve-server-key", keys[0],
                     "--routing-id", "me") as z:
            z.send("to-router")
            assert zrecv(router) == [b"me", b"to-router"]
            router.send_multipart([b"me", b"back"])
            z.expect_out("back")
        router.close()

        pair = py_curve_server(zmq.PAIR, endpoint(transport), keys)
        p_ep = pair.getsockopt(zmq.LAST_ENDPOINT).decode()
        with Zmtpcat("pair", "--connect", p_ep, "--curve-server-key", keys[0]) as z:
            z.send("p1")
            assert zrecv(pair) == [b"p1"]
            pair.send(b"p2")
            z.expect_out("p2")
        pair.close()


def test_curve_pubsub_both_roles():
    keys = keypair()
    # pyzmq PUB (server) -> our SUB (client), prefix filter applied.
    ep = endpoint("tcp")
    pub = py_curve_server(zmq.PUB, ep, keys)
    with Zmtpcat("sub", "--connect", ep, "--curve-server-key", keys[0], "--subscribe", "A",
                 "--count", "1") as z:
        stop = threading.Event()

        def publish():
            while not stop.is_set():
                pub.send(b"B-not-this")
                pub.send(b"A-this")
                stop.wait(0.05)
        t = threading.Thread(target=publish, daemon=True)
        t.start()
        try:
            z.expect_out("A-this")
            z.expect_exit(0)
        finally:
            stop.set()
            t.join()
    pub.close()

    # our PUB (server) -> pyzmq SUB (client)
    ep = endpoint("ipc")
    with Zmtpcat("pub", "-v", "--bind", ep, "--curve-server", "--curve-secret-key", keys[1]) as z:
        listening(z, ep)
        sub = py_curve_client(zmq.SUB, keys[0], ep)
        sub.setsockopt(zmq.SUBSCRIBE, b"A")

        def got():
            z.send("B-no", "A-yes")
            return sub.poll(50)
        until(got, what="a message through our CURVE PUB")
        assert sub.recv() == b"A-yes"
        sub.close()


def test_curve_ours_server_allow_list():
    spub, ssec = keypair()
    good, bad = keypair(), keypair()
    ep = endpoint("tcp")
    with Zmtpcat("pull", "-v", "--bind", ep, "--curve-server", "--curve-secret-key", ssec,
                 "--curve-allow", good[0]) as z:
        listening(z, ep)
        ok = py_curve_client(zmq.PUSH, spub, ep, good)
        ok.send(b"allowed")
        z.expect_out("allowed")
        # A refused key: libzmq sees HANDSHAKE_FAILED_AUTH 400 (our ERROR).
        no = zsock(zmq.PUSH)
        mon = no.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        no.curve_serverkey, no.curve_publickey, no.curve_secretkey = (
            spub.encode(), bad[0].encode(), bad[1].encode())
        no.connect(ep)
        assert mon.poll(int(WAIT * 1000)), "no EVENT_HANDSHAKE_FAILED_AUTH at the libzmq client"
        ev = zmq.utils.monitor.recv_monitor_message(mon)
        assert ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH and ev["value"] == 400, ev
        z.err_wait(r"^event: handshake-failed tcp://127\.0\.0\.1:\d+ auth 400$")
        no.disable_monitor()
        mon.close()
        no.close()
        ok.close()


def test_curve_pyzmq_zap_accepts_and_refuses():
    keys = keypair()
    mine = keypair()

    def run(auth):
        ep = endpoint("tcp")
        pull = py_curve_server(zmq.PULL, ep, keys)
        pull.zap_domain = b"global"
        # Allowed: our key is in the list (a directory of public key files).
        d = tempfile.mkdtemp(dir=TMP)
        with open(os.path.join(d, "me.key"), "w") as f:
            f.write('metadata\ncurve\n    public-key = "%s"\n' % mine[0])
        auth.configure_curve(domain="*", location=d)
        rc, out, err = run_zmtpcat("push", "--connect", ep, "--curve-server-key", keys[0],
                                   "--curve-secret-key", mine[1], input=b"let-me-in\n")
        assert rc == 0, (rc, out, err)
        f = pull.recv(copy=False)
        assert f.bytes == b"let-me-in"
        assert f.get("User-Id") == mine[0]  # pyzmq's authenticator: the Z85 key
        assert f.get("Socket-Type") == "PUSH"
        # Refused: another key; our client reports "auth 400" and gives up.
        other = keypair()
        with Zmtpcat("push", "-v", "--connect", ep, "--curve-server-key", keys[0],
                     "--curve-secret-key", other[1]) as z:
            z.err_wait(r"^event: handshake-failed tcp://127\.0\.0\.1:\d+ auth 400$")
        pull.close()
    with_auth(run)


def test_plain_ours_server():
    for transport in ("tcp", "ipc"):
        for allow in ([], ["--plain-allow", "admin:secret"]):
            ep = endpoint(transport)
            with Zmtpcat("pull", "-v", "--bind", ep, "--plain-server", *allow) as z:
                listening(z, ep)
                push = zsock(zmq.PUSH, plain_username=b"admin", plain_password=b"secret")
                push.connect(ep)
                push.send(b"plain-ok")
                z.expect_out("plain-ok")
                push.close()
                if allow:
                    bad = zsock(zmq.PUSH, plain_username=b"admin", plain_password=b"guess")
                    bad.connect(ep)
                    z.err_wait(r"^event: handshake-failed \S+ auth 400$")
                    bad.close()


def test_plain_pyzmq_server_with_zap():
    def run(auth):
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
        for transport in ("tcp", "ipc"):
            ep = endpoint(transport)
            rep = zsock(zmq.REP, plain_server=True)
            rep.bind(ep)
            with Zmtpcat("req", "--connect", ep, "--plain-user", "admin:secret") as z:
                z.send("q")
                f = rep.recv(copy=False)
                assert f.bytes == b"q" and f.get("User-Id") == "admin"
                rep.send(b"a")
                z.expect_out("a")
            # A wrong password: libzmq refuses (ERROR 400, its 5e 'RROR' form).
            with Zmtpcat("req", "-v", "--connect", ep, "--plain-user", "admin:nope") as z:
                z.err_wait(r"^event: handshake-failed \S+ auth 400$")
            rep.close()
    with_auth(run)


def test_mechanism_mismatch():
    # libzmq sends the first 11 bytes of its greeting, reads our whole one,
    # and on a mechanism it does not share closes before sending the rest:
    # we see the stream end inside its greeting, not its mechanism. Both
    # directions, so: our NULL client and a libzmq CURVE server ...
    keys = keypair()
    ep = endpoint("tcp")
    pull = py_curve_server(zmq.PULL, ep, keys)
    with Zmtpcat("push", "-v", "--connect", ep) as z:
        z.err_wait(r"^event: handshake-failed tcp://127\.0\.0\.1:\d+ "
                   r"(mechanism-mismatch|unexpected-eof)$")
    pull.close()
    # ... and a libzmq NULL client meeting our CURVE server.
    spub, ssec = keypair()
    ep = endpoint("tcp")
    with Zmtpcat("pull", "-v", "--bind", ep, "--curve-server", "--curve-secret-key", ssec) as z:
        listening(z, ep)
        push = zsock(zmq.PUSH)
        push.connect(ep)
        z.err_wait(r"^event: handshake-failed tcp://127\.0\.0\.1:\d+ "
                   r"(mechanism-mismatch|unexpected-eof)$")
        push.close()


def test_usage_errors():
    spub, ssec = keypair()
    for args in (["pull", "--bind", "tcp://127.0.0.1:0", "--curve-server"],
                 ["pull", "--bind", "tcp://127.0.0.1:0", "--plain-allow", "a:b"],
                 ["pull", "--bind", "tcp://127.0.0.1:0", "--plain-server", "--curve-server",
                  "--curve-secret-key", ssec],
                 ["push", "--connect", "tcp://127.0.0.1:1", "--curve-server-key", "short"],
                 ["push", "--connect", "tcp://127.0.0.1:1", "--plain-user", "nocolon"]):
        rc, _, err = run_zmtpcat(*args)
        assert rc == 2, (args, rc, err)


if __name__ == "__main__":
    zc.main([
        test_curve_keypair,
        test_curve_ours_server_no_auth_both_transports,
        test_curve_pyzmq_server_both_transports,
        test_curve_pubsub_both_roles,
        test_curve_ours_server_allow_list,
        test_curve_pyzmq_zap_accepts_and_refuses,
        test_plain_ours_server,
        test_plain_pyzmq_server_with_zap,
        test_mechanism_mismatch,
        test_usage_errors,
    ])

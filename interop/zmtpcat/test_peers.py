# SPDX-License-Identifier: MIT
"""zmtpcat against pyzmq (libzmq 4.3) peers and against itself, for every
socket type: push/pull, pub/sub, req/rep, router/dealer, pair, xpub/xsub,
multipart with --frames, and the escaped text form of binary frames."""
import re
import signal

import zmq

import zc
from zc import Zmtpcat, run_zmtpcat, zbind, zrecv, zsock, nothing_more, WAIT

ID_RX = r"0x00[0-9a-f]{8}"


def test_push_to_pyzmq_pull():
    pull, ep = zbind(zmq.PULL)
    rc, out, err = run_zmtpcat("push", "--connect", ep, input=b"one\ntwo\n\nthree\n")
    assert rc == 0 and not out and not err, (rc, out, err)
    assert [zrecv(pull) for _ in range(4)] == [[b"one"], [b"two"], [b""], [b"three"]]
    pull.close()
    # zmtpcat binds, pyzmq connects.
    with Zmtpcat("push", "--bind", "tcp://127.0.0.1:0") as z:
        pull = zsock(zmq.PULL)
        pull.connect(z.endpoint())
        z.send("hello")
        assert zrecv(pull) == [b"hello"]
        z.close_stdin()
        z.expect_exit(0)
        pull.close()


def test_pyzmq_push_to_pull():
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0") as z:
        push = zsock(zmq.PUSH)
        push.connect(z.endpoint())
        for i in range(100):
            push.send(b"msg-%d" % i)
        for i in range(100):
            assert z.out() == "msg-%d" % i
        push.close()
    push, ep = zbind(zmq.PUSH)
    with Zmtpcat("pull", "--connect", ep, "--count", "1") as z:
        push.send(b"to the connecter")
        z.expect_exit(0)
        assert z.out_lines == ["to the connecter"]
    push.close()


def test_zmtpcat_push_to_zmtpcat_pull():
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0", "--count", "3") as pull:
        rc, _, err = run_zmtpcat("push", "--connect", pull.endpoint(), input=b"a\nb\nc\n")
        assert rc == 0, err
        pull.expect_exit(0)
        assert pull.out_lines == ["a", "b", "c"]


def test_sub_with_subscribe_from_pyzmq_xpub():
    # XPUB tells us when the subscription has arrived: no slow joiner.
    xpub, ep = zbind(zmq.XPUB)
    with Zmtpcat("sub", "--connect", ep, "--subscribe", "A", "--subscribe", "C") as z:
        subs = {zrecv(xpub)[0], zrecv(xpub)[0]}
        assert subs == {b"\x01A", b"\x01C"}, subs
        for m in (b"A1", b"B1", b"C1", b"A2"):
            xpub.send(m)
        z.expect_out("A1", "C1", "A2")
        z.signal(signal.SIGINT)
        z.expect_exit(0)
    # No --subscribe: everything. (XPUB first reports the cancellations of
    # the subscriber that left.)
    with Zmtpcat("sub", "--connect", ep) as z:
        while zrecv(xpub) != [b"\x01"]:
            pass
        xpub.send_multipart([b"anything", b"at all"])
        z.expect_out("anything|at all")
    xpub.close()


def test_pub_to_pyzmq_sub():
    with Zmtpcat("pub", "--bind", "tcp://127.0.0.1:0") as z:
        sub = zsock(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"t")
        sub.connect(z.endpoint())
        # The slow joiner: publish until the subscriber shows it has joined.
        for i in range(200):
            z.send("x-%d" % i, "t-%d" % i)
            if sub.poll(100):
                break
        first = zrecv(sub)[0]
        assert first.startswith(b"t-"), first
        z.send("x-last", "t-last")
        while True:
            m = zrecv(sub)[0]
            assert m.startswith(b"t-"), m  # filtered
            if m == b"t-last":
                break
        z.close_stdin()
        z.expect_exit(0)
        sub.close()


def test_zmtpcat_pub_to_zmtpcat_sub():
    with Zmtpcat("sub", "--bind", "tcp://127.0.0.1:0", "--subscribe", "keep") as sub:
        with Zmtpcat("pub", "--connect", sub.endpoint()) as pub:
            # The slow joiner: publish until the subscriber shows output.
            for i in range(400):
                pub.send("drop-%d" % i, "keep-%d" % i)
                try:
                    first = sub.out(timeout=0.05)
                    break
                except AssertionError:
                    pass
            assert re.match(r"^keep-\d+$", first), first
            pub.send("drop-last", "keep-last")
            while sub.out() != "keep-last":
                pass
            pub.close_stdin()
            pub.expect_exit(0)
        assert all(l.startswith("keep-") for l in sub.out_lines), sub.out_lines


def test_req_to_pyzmq_rep():
    rep, ep = zbind(zmq.REP)
    with Zmtpcat("req", "--connect", ep) as z:
        for word in ("ping", "second", ""):
            z.send(word)
            assert zrecv(rep) == [word.encode()]
            rep.send(b"re:" + word.encode())
            z.expect_out("re:" + word)
        z.close_stdin()
        z.expect_exit(0)
    rep.close()


def test_pyzmq_req_to_rep():
    with Zmtpcat("rep", "--bind", "tcp://127.0.0.1:0", "--reply", "pong") as z:
        req = zsock(zmq.REQ)
        req.connect(z.endpoint())
        for i in range(3):
            req.send(b"ping %d" % i)
            assert zrecv(req) == [b"pong"]
            z.expect_out("ping %d" % i)
        req.close()
    # Without --reply: the request itself.
    req, ep = zbind(zmq.REQ)
    with Zmtpcat("rep", "--connect", ep) as z:
        req.send_multipart([b"echo", b"me"])
        assert zrecv(req) == [b"echo", b"me"]
        z.expect_out("echo|me")
    req.close()


def test_zmtpcat_req_to_zmtpcat_rep():
    with Zmtpcat("rep", "--bind", "tcp://127.0.0.1:0", "--reply", "ack\\x21") as rep:
        rc, out, err = run_zmtpcat("req", "--connect", rep.endpoint(), input=b"x\ny\n")
        assert rc == 0 and out == ["ack!", "ack!"], (rc, out, err)
        rep.expect_out("x", "y")


def test_router_with_pyzmq_dealer():
    with Zmtpcat("router", "--bind", "tcp://127.0.0.1:0") as z:
        anon = zsock(zmq.DEALER)
        anon.connect(z.endpoint())
        named = zsock(zmq.DEALER, routing_id=b"peer\x01|")
        named.connect(z.endpoint())
        anon.send(b"hello")
        line = z.out()
        m = re.match(r"^(%s)\|hello$" % ID_RX, line)
        assert m, line
        # The id as printed addresses the peer.
        z.send(m.group(1) + "|world|\\x00")
        assert zrecv(anon) == [b"world", b"\x00"]
        # A printable id, escaped where needed (| is the separator).
        named.send_multipart([b"hi", b"there"])
        line = z.out()
        assert line == "peer\\x01\\x7c|hi|there", line
        z.send(line.split("|")[0] + "|back")
        assert zrecv(named) == [b"back"]
        # A printable id that looks like hex is escaped, and reads back.
        hexlike = zsock(zmq.DEALER, routing_id=b"0xab")
        hexlike.connect(z.endpoint())
        hexlike.send(b"hex?")
        line = z.out()
        assert line == "\\x30xab|hex?", line
        z.send("\\x30xab|not hex")
        assert zrecv(hexlike) == [b"not hex"]
        hexlike.close()
        # A line without a message part is refused, not sent.
        z.send("lonely-id")
        z.err_wait(r"^zmtpcat: router: input lines are ID\|MESSAGE; ignored: lonely-id$")
        # ROUTER keeps running after its input ends.
        z.close_stdin()
        anon.send(b"still here")
        assert re.match(r"^%s\|still here$" % ID_RX, z.out())
        z.signal(signal.SIGTERM)
        z.expect_exit(0)
        anon.close()
        named.close()


def test_router_frames_option():
    with Zmtpcat("router", "--bind", "tcp://127.0.0.1:0", "--frames", " ; ") as z:
        d = zsock(zmq.DEALER)
        d.connect(z.endpoint())
        d.send_multipart([b"a", b"b c"])
        line = z.out()
        m = re.match(r"^(%s) ; a ; b\\x20c$" % ID_RX, line)
        assert m, line
        z.send(m.group(1) + " ; x ; y")
        assert zrecv(d) == [b"x", b"y"]
        d.close()


def test_dealer_with_pyzmq_router():
    router, ep = zbind(zmq.ROUTER)
    with Zmtpcat("dealer", "--connect", ep) as z:
        z.send("request")
        ident, body = zrecv(router)
        assert body == b"request"
        router.send_multipart([ident, b"reply", b"two"])
        z.expect_out("reply|two")
        z.close_stdin()
        z.expect_exit(0)
    router.close()


def test_pair_both_ways():
    with Zmtpcat("pair", "--bind", "tcp://127.0.0.1:0") as z:
        p = zsock(zmq.PAIR)
        p.connect(z.endpoint())
        p.send(b"from pyzmq")
        z.expect_out("from pyzmq")
        z.send("from zmtpcat")
        assert zrecv(p) == [b"from zmtpcat"]
        z.close_stdin()
        z.expect_exit(0)
        p.close()
    p, ep = zbind(zmq.PAIR)
    with Zmtpcat("pair", "--connect", ep) as z:
        z.send("hi")
        assert zrecv(p) == [b"hi"]
        p.send(b"hello back")
        z.expect_out("hello back")
    p.close()
    # zmtpcat to zmtpcat.
    with Zmtpcat("pair", "--bind", "tcp://127.0.0.1:0") as a:
        with Zmtpcat("pair", "--connect", a.endpoint()) as b:
            a.send("a->b")
            b.expect_out("a->b")
            b.send("b->a")
            a.expect_out("b->a")


def test_xpub_prints_subscriptions():
    with Zmtpcat("xpub", "--bind", "tcp://127.0.0.1:0") as z:
        sub = zsock(zmq.SUB)
        sub.connect(z.endpoint())
        sub.setsockopt(zmq.SUBSCRIBE, b"abc")
        z.expect_out("\\x01abc")
        sub.setsockopt(zmq.UNSUBSCRIBE, b"abc")
        z.expect_out("\\x00abc")
        sub.close()


def test_xsub_with_pyzmq_xpub():
    xpub, ep = zbind(zmq.XPUB)
    with Zmtpcat("xsub", "--connect", ep, "--subscribe", "news") as z:
        assert zrecv(xpub) == [b"\x01news"]
        z.send("\\x01more")  # a subscription, written with the escape syntax
        assert zrecv(xpub) == [b"\x01more"]
        xpub.send(b"news: hello")
        z.expect_out("news: hello")
        z.send("\\x00more")
        assert zrecv(xpub) == [b"\x00more"]
        z.close_stdin()
        z.expect_exit(0)
    xpub.close()


def test_zmtpcat_xsub_to_zmtpcat_xpub():
    with Zmtpcat("xpub", "--bind", "tcp://127.0.0.1:0", "--count", "2") as xpub:
        with Zmtpcat("xsub", "--connect", xpub.endpoint(), "--subscribe", "t") as xsub:
            xpub.expect_out("\\x01t")
            xsub.send("\\x01\\xff")
            xpub.expect_exit(0)
            assert xpub.out_lines == ["\\x01t", "\\x01\\xff"], xpub.out_lines


def test_frames_both_ways():
    pull, ep = zbind(zmq.PULL)
    rc, _, err = run_zmtpcat("push", "--connect", ep, "--frames", "|",
                             input=b"a|b|c\n|empty first\nno split\\x7chere\n")
    assert rc == 0, err
    assert zrecv(pull) == [b"a", b"b", b"c"]
    assert zrecv(pull) == [b"", b"empty first"]
    assert zrecv(pull) == [b"no split|here"]
    pull.close()
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0", "--frames", "::") as z:
        push = zsock(zmq.PUSH)
        push.connect(z.endpoint())
        push.send_multipart([b"x", b"", b"y::z", b"a:b", b"\n"])
        z.expect_out("x::::y\\x3a\\x3az::a\\x3ab::\\n")
        push.close()
    # Without --frames: a line is one frame, frames are joined by |.
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0") as z:
        push = zsock(zmq.PUSH)
        push.connect(z.endpoint())
        push.send_multipart([b"p", b"q|r"])
        z.expect_out("p|q\\x7cr")
        push.close()
    pull, ep = zbind(zmq.PULL)
    rc, _, err = run_zmtpcat("push", "--connect", ep, input=b"a|b\n")
    assert rc == 0 and zrecv(pull) == [b"a|b"]
    pull.close()


def test_input_escapes():
    # The escapes; a backslash that starts none of them stands for itself.
    pull, ep = zbind(zmq.PULL)
    lines = [rb"C:\dir\q \x4 \x4G \X41 \x4a\x4A end" + b"\\",  # a trailing backslash
             rb"\n\r\t\\\x00\xff\\x41"]
    rc, _, err = run_zmtpcat("push", "--connect", ep, input=b"\n".join(lines) + b"\n")
    assert rc == 0, err
    assert zrecv(pull) == [b"C:\\dir\\q \\x4 \\x4G \\X41 JJ end\\"]
    assert zrecv(pull) == [b"\n\r\t\\\x00\xff\\x41"]
    pull.close()


def test_binary_round_trip():
    """Every byte value through pyzmq -> pull (text) -> push -> pyzmq."""
    payloads = [bytes(range(256)), b"\\x41 is not A", "héllo wörld €😀".encode(),
                b"\xc3\x28 invalid utf-8 \xed\xa0\x80 surrogate \xc2\x85 nel", b"\r\n\t"]
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0", "--frames", "|",
                 "--count", str(len(payloads) + 1)) as z:
        push = zsock(zmq.PUSH)
        push.connect(z.endpoint())
        for p in payloads:
            push.send(p)
        push.send_multipart([b"|", b"\\", b"\x00"])
        z.expect_exit(0)
        push.close()
    lines = z.out_lines
    for line in lines:
        assert all(0x20 <= ord(c) for c in line if ord(c) < 0x80), line
    assert lines[2] == "héllo wörld €😀", lines[2]
    assert lines[1] == "\\\\x41 is not A", lines[1]
    assert lines[-1] == "\\x7c|\\\\|\\x00", lines[-1]
    pull, ep = zbind(zmq.PULL)
    data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
    rc, _, err = run_zmtpcat("push", "--connect", ep, "--frames", "|", input=data)
    assert rc == 0, err
    for p in payloads:
        assert zrecv(pull) == [p]
    assert zrecv(pull) == [b"|", b"\\", b"\x00"]
    pull.close()


def test_ipc_endpoint():
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), "zmtpcat.sock")
    pull = zsock(zmq.PULL)
    pull.bind("ipc://" + path)
    rc, _, err = run_zmtpcat("push", "--connect", "ipc://" + path, input=b"over ipc\n")
    assert rc == 0, err
    assert zrecv(pull) == [b"over ipc"]
    pull.close()


if __name__ == "__main__":
    zc.main([
        test_push_to_pyzmq_pull,
        test_pyzmq_push_to_pull,
        test_zmtpcat_push_to_zmtpcat_pull,
        test_sub_with_subscribe_from_pyzmq_xpub,
        test_pub_to_pyzmq_sub,
        test_zmtpcat_pub_to_zmtpcat_sub,
        test_req_to_pyzmq_rep,
        test_pyzmq_req_to_rep,
        test_zmtpcat_req_to_zmtpcat_rep,
        test_router_with_pyzmq_dealer,
        test_router_frames_option,
        test_dealer_with_pyzmq_router,
        test_pair_both_ways,
        test_xpub_prints_subscriptions,
        test_xsub_with_pyzmq_xpub,
        test_zmtpcat_xsub_to_zmtpcat_xpub,
        test_frames_both_ways,
        test_input_escapes,
        test_binary_round_trip,
        test_ipc_endpoint,
    ])

// SPDX-License-Identifier: MIT

/** @file
    libFuzzer target for zmtp::connection, driven exactly as a transport
    drives it.

    Input layout (see make_seeds.py, which writes inputs in this form):

        byte 0     local socket type: b0 % 11; b0 / 11 picks the peer type
                   of the synthetic prefix among the compatible ones
        byte 1     bit 0  prefix a valid greeting + READY, so the fuzzer
                          spends its time after the handshake
                   bit 1  the prefix greeting announces ZMTP 3.0, not 3.1
                   bit 2  the prefix READY carries extra properties
                   bit 3  small limits
                   bit 4  we carry a routing id and an application property
                   bit 5  encode data messages once ready
                   bit 6  send SUBSCRIBE/CANCEL/PING once ready
                   bit 7  drain control output in random pieces
                          (else through take_output())
        bytes 2-3  split seed: sizes of the "TCP segments" the peer's bytes
                   arrive in (0 = all at once)
        rest       the peer's byte stream

    ZMTP's NULL handshake is symmetric and the core has no client/server
    role: what distinguishes peers is the socket type (all 11 are fuzzed),
    the routing id and the properties, which the control bytes vary.

    Per segment the harness does what a transport does: prepare(), copy
    min(window, bytes left in the segment), commit(), then drain
    next_event() and the output. At the end it reports EOF. Everything we
    write is collected and re-parsed at the end: it must be a well-formed
    ZMTP stream carrying our READY, a PONG for every PING event (one waiting PONG answers all
    the PINGs that arrived before it was written), and exactly
    the data messages we encoded, in order. Some received messages are kept
    alive, as an application would, and their bytes re-checked when they are
    released: the connection must never reuse a receive chunk that a frame
    still references.
*/

#include "fuzz_support.hpp"

#include "zmtp/command.hpp"
#include "zmtp/connection.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame_decoder.hpp"
#include "zmtp/greeting.hpp"
#include "zmtp/socket_type.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace zmtp;
using zmtp::fuzz::control_reader;
using zmtp::fuzz::splitter;

constexpr socket_type all_types[] = {
    socket_type::pair, socket_type::pub,    socket_type::sub,  socket_type::req,
    socket_type::rep,  socket_type::dealer, socket_type::router, socket_type::pull,
    socket_type::push, socket_type::xpub,   socket_type::xsub,
};

bool is_publisher(socket_type t)
{
    return t == socket_type::pub || t == socket_type::xpub;
}

// A peer's greeting and READY, as libzmq 4.3.4 would send them.
std::vector<std::byte> handshake_prefix(socket_type peer, bool v30, bool extra_props)
{
    std::vector<std::byte> out(greeting_size);
    greeting g = greeting::make(mechanism::null);
    g.version_minor = v30 ? 0 : 1;
    encode_greeting(g, std::span<std::byte, greeting_size>(out.data(), greeting_size));
    out[8] = std::byte{0x01}; // libzmq's padding: routing id length + 1
    metadata md;
    md.set("Socket-Type", to_string(peer));
    if (sends_identity(peer))
        md.set("Identity", "");
    if (extra_props) {
        md.set("X-Fuzz", "prefix");
        md.set("Resource", "/");
    }
    encode_ready(md, out);
    return out;
}

class harness {
public:
    harness(connection_options opts, std::uint8_t flags, std::uint16_t seed)
        : type_(opts.type), limits_(opts.limits), conn_(std::move(opts)), flags_(flags),
          rng_(static_cast<std::uint16_t>(seed ^ 0x5A5A))
    {
    }

    void run(std::span<const std::byte> feed, std::uint16_t split_seed)
    {
        check_not_ready();
        drain_output();
        splitter split(split_seed);
        std::size_t pos = 0;
        while (pos < feed.size() && open()) {
            std::size_t segment = split.next(feed.size() - pos);
            // One segment may take several reads: the window can be smaller.
            while (segment > 0 && open()) {
                const std::span<std::byte> w = conn_.prepare();
                // "never empty while the connection is open"
                ZMTP_FUZZ_CHECK(!w.empty());
                const std::size_t n = std::min(w.size(), segment);
                std::memcpy(w.data(), feed.data() + pos, n);
                conn_.commit(n);
                pos += n;
                segment -= n;
                after_read();
            }
        }
        if (open()) {
            // A transport learns of EOF from a read, which needs a buffer:
            // prepare() always comes first.
            ZMTP_FUZZ_CHECK(!conn_.prepare().empty());
            conn_.commit_eof();
            eof_ = true;
            after_read();
            // After EOF the connection must settle: closed or failed, never
            // "need more", or a transport would wait forever.
            ZMTP_FUZZ_CHECK(closed_ || failed_);
            ZMTP_FUZZ_CHECK(conn_.prepare().empty());
        }
        drain_output();
        check_wire();
        verify_retained();
        if (std::getenv("ZMTP_FUZZ_VERBOSE"))
            std::fprintf(stderr,
                         "type=%s handshake=%d messages=%zu events=%zu sent=%zu closed=%d "
                         "error=%s\n",
                         std::string(to_string(type_)).c_str(), handshake_, received_, events_,
                         sent_.size(), closed_, conn_.error().message().c_str());
    }

private:
    bool open() const { return !failed_ && !closed_; }

    void check_not_ready()
    {
        if (conn_.is_ready())
            return;
        write_batch b;
        ZMTP_FUZZ_CHECK(conn_.encode(message("early"), b) == error::not_ready);
        ZMTP_FUZZ_CHECK(b.empty());
        const std::byte topic[] = {std::byte{'t'}};
        ZMTP_FUZZ_CHECK(conn_.send_subscribe(topic) == error::not_ready);
        ZMTP_FUZZ_CHECK(conn_.send_cancel(topic) == error::not_ready);
        ZMTP_FUZZ_CHECK(conn_.send_ping(10) == error::not_ready);
    }

    void after_read()
    {
        drain_events();
        drain_output();
        if (conn_.is_ready())
            act();
        else
            check_not_ready();
    }

    void drain_events()
    {
        // A few thousand bytes hold a few thousand events at most; an
        // endless stream of them is a bug that would hang a transport.
        for (std::size_t guard = 0;; ++guard) {
            ZMTP_FUZZ_CHECK(guard < 1000000);
            std::error_code ec;
            event ev = conn_.next_event(ec);
            if (ec) {
                on_error(ec);
                return;
            }
            ZMTP_FUZZ_CHECK(conn_.current_phase() != connection::phase::failed);
            ++events_;
            if (std::holds_alternative<events::need_more>(ev)) {
                ZMTP_FUZZ_CHECK(!eof_); // after EOF: closed or an error
                return;
            }
            if (std::holds_alternative<events::closed>(ev)) {
                ZMTP_FUZZ_CHECK(eof_);
                ZMTP_FUZZ_CHECK(handshake_);
                ZMTP_FUZZ_CHECK(conn_.current_phase() == connection::phase::closed);
                std::error_code ec2;
                ZMTP_FUZZ_CHECK(std::holds_alternative<events::closed>(conn_.next_event(ec2)));
                ZMTP_FUZZ_CHECK(!ec2);
                closed_ = true;
                return;
            }
            if (std::holds_alternative<events::handshake_complete>(ev)) {
                ZMTP_FUZZ_CHECK(!handshake_);
                handshake_ = true;
                ZMTP_FUZZ_CHECK(conn_.is_ready());
                ZMTP_FUZZ_CHECK(is_compatible(type_, conn_.peer().type));
                ZMTP_FUZZ_CHECK(conn_.peer().properties.get("Socket-Type").has_value());
                continue;
            }
            // Everything else happens after the handshake only.
            ZMTP_FUZZ_CHECK(handshake_);
            if (auto* m = std::get_if<events::message_received>(&ev)) {
                const message& msg = m->msg;
                ++received_;
                ZMTP_FUZZ_CHECK(!msg.empty());
                ZMTP_FUZZ_CHECK(msg.size() <= limits_.max_frames_per_message);
                ZMTP_FUZZ_CHECK(msg.bytes() <= limits_.max_message_size);
                for (const frame& f : msg)
                    ZMTP_FUZZ_CHECK(f.size() <= limits_.max_frame_size);
                // ZMTP 3.0 subscriptions are reported as such to publishers.
                if (is_publisher(type_) && msg.size() == 1 && !msg.front().empty())
                    ZMTP_FUZZ_CHECK(std::to_integer<unsigned>(msg.front().data()[0]) > 1);
                retain(std::move(m->msg));
            } else if (std::holds_alternative<events::subscribe>(ev) ||
                       std::holds_alternative<events::cancel>(ev)) {
                ZMTP_FUZZ_CHECK(is_publisher(type_));
            } else if (std::holds_alternative<events::ping>(ev)) {
                ++pings_;
            }
        }
    }

    // An application holds messages for a while: keep some, with a copy of
    // their bytes, so that a receive chunk still referenced by a frame is
    // never compacted or reused under it (prepare() has paths for exactly
    // this, reached only while frames are alive).
    void retain(message&& m)
    {
        std::vector<std::string> copy;
        for (const frame& f : m)
            copy.emplace_back(f.view());
        if (retained_.size() == max_retained) {
            // Overwritten bytes stay overwritten: checking a message when it
            // is released (and the rest at the end) catches any reuse that
            // happened while it was alive, without re-reading it per read.
            const auto victim = retained_.begin() + static_cast<std::ptrdiff_t>(rng_.rand() % max_retained);
            verify(*victim);
            retained_.erase(victim);
        }
        retained_.push_back({std::move(m), std::move(copy)});
    }

    static void verify(const std::pair<message, std::vector<std::string>>& r)
    {
        const auto& [m, copy] = r;
        ZMTP_FUZZ_CHECK(m.size() == copy.size());
        for (std::size_t i = 0; i < copy.size(); ++i)
            ZMTP_FUZZ_CHECK(m[i].view() == copy[i]);
    }

    void verify_retained() const
    {
        for (const auto& r : retained_)
            verify(r);
    }

    void on_error(std::error_code ec)
    {
        failed_ = true;
        ZMTP_FUZZ_CHECK(ec.category() == zmtp::error_category());
        ZMTP_FUZZ_CHECK(conn_.current_phase() == connection::phase::failed);
        ZMTP_FUZZ_CHECK(conn_.error() == ec);
        ZMTP_FUZZ_CHECK(!conn_.is_ready());
        ZMTP_FUZZ_CHECK(conn_.prepare().empty());
        // Sticky: the same error, however often asked, and even after EOF.
        for (int i = 0; i < 2; ++i) {
            std::error_code again;
            ZMTP_FUZZ_CHECK(std::holds_alternative<events::need_more>(conn_.next_event(again)));
            ZMTP_FUZZ_CHECK(again == ec);
            conn_.commit_eof();
        }
        write_batch b;
        ZMTP_FUZZ_CHECK(conn_.encode(message("late"), b) == error::not_ready);
        ZMTP_FUZZ_CHECK(b.empty());
        ZMTP_FUZZ_CHECK(conn_.send_ping(1) == error::not_ready);
    }

    void drain_output()
    {
        if (flags_ & 0x80) {
            // Partial writes, as a congested socket gives them.
            while (!conn_.pending_output().empty()) {
                const auto out = conn_.pending_output();
                const std::size_t n = 1 + rng_.rand() % out.size();
                wire_.insert(wire_.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
                conn_.consume_output(n);
            }
            return;
        }
        write_batch b;
        conn_.take_output(b);
        ZMTP_FUZZ_CHECK(conn_.pending_output().empty());
        collect(b);
    }

    void collect(write_batch& b)
    {
        std::size_t total = 0;
        for (const auto& s : b.buffers()) {
            wire_.insert(wire_.end(), s.begin(), s.end());
            total += s.size();
        }
        ZMTP_FUZZ_CHECK(total == b.size_bytes());
        ZMTP_FUZZ_CHECK(b.buffers().size() == b.buffer_count());
    }

    void act()
    {
        const std::uint32_t r = rng_.rand();
        if ((flags_ & 0x20) && (r & 1)) {
            // Leave some control output pending sometimes: encode() must put
            // it ahead of the message.
            if (r & 2) {
                const std::byte ctx[] = {std::byte{'c'}};
                ZMTP_FUZZ_CHECK(!conn_.send_ping(5, ctx));
                ++our_pings_;
            }
            message m;
            m.push_back("M" + std::to_string(sent_.size()));
            if (r & 4)
                m.push_back(frame(std::size_t{0}));
            if (r & 8) {
                // Above write_batch's copy threshold: referenced, not copied.
                frame big(std::size_t{600});
                std::memset(big.data(), 'b', big.size());
                m.push_back(std::move(big));
            }
            sent_.push_back(m);
            write_batch b;
            ZMTP_FUZZ_CHECK(!conn_.encode(std::move(m), b));
            ZMTP_FUZZ_CHECK(b.message_count() == 1);
            collect(b);
            ZMTP_FUZZ_CHECK(conn_.pending_output().empty());
        }
        if ((flags_ & 0x40) && (r & 16)) {
            const std::string topic = "T" + std::to_string(r % 7);
            ZMTP_FUZZ_CHECK(!conn_.send_subscribe(as_bytes(topic)));
            if (r & 32)
                ZMTP_FUZZ_CHECK(!conn_.send_cancel(as_bytes(topic)));
            const std::string ctx(r % 20, 'x'); // above 16 octets gets truncated
            ZMTP_FUZZ_CHECK(!conn_.send_ping(static_cast<std::uint16_t>(r % 700), as_bytes(ctx)));
            ++our_pings_;
            drain_output();
        }
    }

    // Re-parses everything we wrote.
    void check_wire()
    {
        ZMTP_FUZZ_CHECK(wire_.size() >= greeting_size);
        greeting_decoder gd;
        std::error_code ec;
        ZMTP_FUZZ_CHECK(gd.feed(std::span(wire_).first(greeting_size), ec) == greeting_size);
        ZMTP_FUZZ_CHECK(!ec && gd.done());
        const greeting g = gd.value();
        ZMTP_FUZZ_CHECK(parse_mechanism(g.mechanism_field) == mechanism::null);

        limits unlimited;
        unlimited.max_frame_size = std::numeric_limits<std::size_t>::max();
        unlimited.max_message_size = std::numeric_limits<std::size_t>::max();
        unlimited.max_frames_per_message = std::numeric_limits<std::size_t>::max();
        unlimited.max_command_size = std::numeric_limits<std::size_t>::max();
        frame_decoder dec(unlimited);
        std::span<const std::byte> rest = std::span(wire_).subspan(greeting_size);
        std::size_t commands = 0, pongs = 0, pings = 0, data = 0;
        bool ready_sent = false;
        while (true) {
            std::size_t used = 0;
            const auto st = dec.decode(rest, nullptr, used);
            rest = rest.subspan(used);
            if (st == frame_decoder::status::need_more)
                break;
            ZMTP_FUZZ_CHECK(st != frame_decoder::status::failed);
            if (st == frame_decoder::status::command) {
                std::error_code cec;
                const auto cmd = parse_command(dec.command_body(), cec);
                ZMTP_FUZZ_CHECK(cmd.has_value());
                if (commands++ == 0) {
                    // Our first command is our READY, with our Socket-Type.
                    ZMTP_FUZZ_CHECK(cmd->name == command_name::ready);
                    const metadata md = metadata::parse(cmd->data, cec);
                    ZMTP_FUZZ_CHECK(!cec);
                    ZMTP_FUZZ_CHECK(md.get("Socket-Type") == to_string(type_));
                    ready_sent = true;
                } else {
                    ZMTP_FUZZ_CHECK(cmd->name != command_name::ready);
                }
                if (cmd->name == command_name::pong) {
                    ZMTP_FUZZ_CHECK(cmd->data.size() <= max_ping_context);
                    ++pongs;
                }
                if (cmd->name == command_name::ping) {
                    ZMTP_FUZZ_CHECK(cmd->data.size() >= 2 && cmd->data.size() <= 2 + max_ping_context);
                    ++pings;
                }
                continue;
            }
            // A data message: never before our READY ("no data before READY"
            // also holds for our side, libzmq would drop us).
            ZMTP_FUZZ_CHECK(ready_sent && handshake_);
            message m = dec.take_message();
            if (m.size() == 1 && !m.front().empty() &&
                std::to_integer<unsigned>(m.front().data()[0]) <= 1)
                continue; // a ZMTP 3.0 subscription or cancel
            ZMTP_FUZZ_CHECK(data < sent_.size());
            ZMTP_FUZZ_CHECK(m == sent_[data]);
            ++data;
        }
        ZMTP_FUZZ_CHECK(rest.empty() && !dec.mid_message());
        ZMTP_FUZZ_CHECK(data == sent_.size());
        // Every PING is answered, but a PONG still waiting unsent is
        // replaced by the next one (and so is a PING of ours): at most one
        // per PING, and at least one if there was any.
        ZMTP_FUZZ_CHECK(pongs <= pings_ && (pongs == 0) == (pings_ == 0));
        ZMTP_FUZZ_CHECK(pings <= our_pings_ && (pings == 0) == (our_pings_ == 0));
    }

    socket_type type_;
    limits limits_;
    connection conn_;
    std::uint8_t flags_;
    splitter rng_;
    bool eof_ = false;
    bool handshake_ = false;
    bool failed_ = false;
    bool closed_ = false;
    std::size_t events_ = 0;
    std::size_t received_ = 0;
    std::size_t pings_ = 0;     // PING events (each must have queued a PONG)
    std::size_t our_pings_ = 0; // PINGs we sent
    std::vector<message> sent_; // data messages we encoded
    static constexpr std::size_t max_retained = 8;
    std::vector<std::pair<message, std::vector<std::string>>> retained_;
    std::vector<std::byte> wire_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    control_reader in({data, size});
    const std::uint8_t type_byte = in.byte();
    const std::uint8_t flags = in.byte();
    const std::uint16_t split_seed = in.u16();

    connection_options opts;
    opts.type = all_types[type_byte % 11];
    if (flags & 0x08) {
        opts.limits.max_frame_size = 300;
        opts.limits.max_message_size = 700;
        opts.limits.max_frames_per_message = 3;
        opts.limits.max_command_size = 100;
    }
    if (flags & 0x10) {
        opts.routing_id = "fuzz-id";
        opts.properties.set("X-Role", "connecter");
    }

    std::vector<std::byte> feed;
    if (flags & 0x01) {
        std::vector<socket_type> peers;
        for (socket_type t : all_types)
            if (is_compatible(opts.type, t))
                peers.push_back(t);
        const socket_type peer = peers[(type_byte / 11u) % peers.size()];
        feed = handshake_prefix(peer, (flags & 0x02) != 0, (flags & 0x04) != 0);
    }
    const auto rest = in.rest();
    const auto* p = reinterpret_cast<const std::byte*>(rest.data());
    feed.insert(feed.end(), p, p + rest.size());

    harness h(std::move(opts), flags, split_seed);
    h.run(feed, split_seed);
    return 0;
}

// SPDX-License-Identifier: MIT
#include "zmtp/connection.hpp"

#include "zmtp/error.hpp"
#include "zmtp/frame_header.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp {
namespace {

// The receive chunk starts small, so that idle connections stay cheap, and
// doubles whenever a read fills it, up to max_chunk.
constexpr std::size_t initial_chunk = 4 * 1024;
constexpr std::size_t max_chunk = 64 * 1024;
// Never offer a read window smaller than this: compact or take a new chunk.
constexpr std::size_t min_read_window = 2 * 1024;
// A large body still missing at least this much is read straight into the
// message, skipping the chunk.
constexpr std::size_t direct_read_min = 8 * 1024;

bool is_publisher(socket_type t) noexcept
{
    return t == socket_type::pub || t == socket_type::xpub;
}

} // namespace

connection::connection(connection_options opts)
    : opts_(std::move(opts)),
      mechanism_(opts_.type, opts_.routing_id, opts_.properties, opts_.security),
      decoder_(opts_.limits),
      chunk_size_(initial_chunk)
{
    out_.resize(greeting_size);
    // RFC 37: as-server is 1 for the server of PLAIN and CURVE, else 0.
    const bool as_server = mechanism_.kind() != mechanism::null && opts_.security.as_server;
    encode_greeting(greeting::make(mechanism_.kind(), as_server),
                    std::span<std::byte, greeting_size>(out_.data(), greeting_size));
}

connection::~connection()
{
    if (chunk_)
        detail::release(chunk_);
}

//----------------------------------------------------------------------------
// Input

std::span<std::byte> connection::prepare()
{
    direct_ = false;
    if (phase_ == phase::failed || phase_ == phase::closed || eof_)
        return {};
    if (rd_ == wr_) {
        if (auto w = decoder_.body_window(); w.size() >= direct_read_min) {
            direct_ = true;
            return w;
        }
    }
    if (chunk_ == nullptr) {
        chunk_ = detail::allocate_block(chunk_size_);
        rd_ = wr_ = 0;
    }
    const std::size_t pending = wr_ - rd_;
    const bool sole_owner = chunk_->refs.load(std::memory_order_acquire) == 1;
    if (pending == 0 && sole_owner) {
        rd_ = wr_ = 0; // nothing references the chunk: start over in place
    }
    const bool grow = pending == 0 && chunk_->capacity < chunk_size_;
    if (chunk_->capacity - wr_ < min_read_window || grow) {
        if (sole_owner && !grow && chunk_->capacity - pending >= min_read_window) {
            std::memmove(chunk_->data(), chunk_->data() + rd_, pending);
        } else {
            // Decoded frames still reference the old chunk (or it is too
            // small): continue in a fresh one and let them keep the old.
            auto* fresh = detail::allocate_block(std::max(chunk_size_, pending + min_read_window));
            std::memcpy(fresh->data(), chunk_->data() + rd_, pending);
            detail::release(chunk_);
            chunk_ = fresh;
        }
        rd_ = 0;
        wr_ = pending;
    }
    return {chunk_->data() + wr_, chunk_->capacity - wr_};
}

std::size_t connection::body_remaining() const noexcept
{
    return static_cast<std::size_t>(decoder_.body_remaining());
}

void connection::commit(std::size_t n)
{
    if (direct_) {
        direct_ = false;
        direct_done_ = decoder_.commit_body(n);
        return;
    }
    if (chunk_ == nullptr)
        return;
    if (n == chunk_->capacity - wr_ && chunk_size_ < max_chunk)
        chunk_size_ *= 2; // the read filled the window: the peer is streaming
    wr_ += n;
}

void connection::commit_eof()
{
    eof_ = true;
}

event connection::fail(std::error_code ec, std::error_code& out)
{
    if (!ec_) {
        ec_ = ec;
        decoder_.fail(ec);
    }
    phase_ = phase::failed;
    out = ec_;
    return events::need_more{};
}

event connection::next_event(std::error_code& ec)
{
    if (ec)
        ec.clear(); // clear() costs a call into the runtime: skip it when clean
    if (ec_)
        return fail(ec_, ec);
    if (complete_pending_) {
        complete_pending_ = false;
        return events::handshake_complete{};
    }
    if (direct_done_ != frame_decoder::status::need_more) {
        const auto st = direct_done_;
        direct_done_ = frame_decoder::status::need_more;
        if (st == frame_decoder::status::message)
            return on_message(decoder_.take_message());
        if (st == frame_decoder::status::failed)
            return fail(decoder_.error(), ec);
        event ev = events::need_more{};
        std::error_code cec;
        if (on_sealed(ev, cec))
            return ev;
        if (cec)
            return fail(cec, ec);
    }
    while (true) {
        const std::span<const std::byte> in =
            chunk_ ? std::span<const std::byte>(chunk_->data() + rd_, wr_ - rd_)
                   : std::span<const std::byte>();
        switch (phase_) {
        case phase::failed:
            return fail(ec_, ec);
        case phase::closed:
            return events::closed{};

        case phase::greeting: {
            std::error_code gec;
            rd_ += greeting_.feed(in, gec);
            if (gec)
                return fail(gec, ec);
            if (!greeting_.done()) {
                if (eof_)
                    return fail(error::unexpected_eof, ec);
                return events::need_more{};
            }
            if (!on_greeting(gec))
                return fail(gec, ec);
            if (awaiting_auth_)
                return events::auth_requested{};
            break;
        }

        case phase::handshake:
        case phase::ready: {
            std::size_t used = 0;
            const auto st = decoder_.decode(in, chunk_, used);
            rd_ += used;
            switch (st) {
            case frame_decoder::status::need_more:
                if (!eof_)
                    return events::need_more{};
                if (phase_ == phase::handshake || decoder_.mid_message() || !sealed_msg_.empty())
                    return fail(error::unexpected_eof, ec);
                phase_ = phase::closed;
                return events::closed{};
            case frame_decoder::status::failed:
                return fail(decoder_.error(), ec);
            case frame_decoder::status::message:
                // The decoder refuses data frames during the handshake.
                return on_message(decoder_.take_message());
            case frame_decoder::status::command: {
                event ev = events::need_more{};
                std::error_code cec;
                if (sealed_ ? on_sealed(ev, cec) : on_command(decoder_.command_body(), ev, cec))
                    return ev;
                if (cec)
                    return fail(cec, ec);
                break;
            }
            }
            break;
        }
        }
    }
}

bool connection::on_greeting(std::error_code& ec)
{
    const greeting g = greeting_.value();
    peer_.version_major = g.version_major;
    peer_.version_minor = g.version_minor;
    const auto mech = parse_mechanism(g.mechanism_field);
    if (!mech) {
        ec = error::unknown_mechanism;
        return false;
    }
    // RFC 37: "If the mechanism does not match, the peer SHALL close the connection."
    if (*mech != mechanism_.kind()) {
        ec = error::mechanism_mismatch;
        return false;
    }
    phase_ = phase::handshake;
    decoder_.set_commands_only(true);
    const auto st = mechanism_.start(out_, ec);
    if (st == handshake_status::failed)
        return false;
    if (st == handshake_status::auth) {
        awaiting_auth_ = true;
        auth_at_start_ = true;
    }
    return true;
}

bool connection::on_handshake_status(handshake_status st, event& ev, std::error_code& ec)
{
    switch (st) {
    case handshake_status::ready:
        phase_ = phase::ready;
        decoder_.set_commands_only(false);
        if (auto* codec = mechanism_.codec()) {
            // RFC 26: after the handshake, every frame is a MESSAGE box.
            sealed_ = codec;
            decoder_.set_sealed(curve_codec::overhead);
        }
        ev = events::handshake_complete{};
        return true;
    case handshake_status::auth:
        awaiting_auth_ = true;
        ev = events::auth_requested{};
        return true;
    case handshake_status::failed:
        return false;
    case handshake_status::in_progress:
        ec.clear();
        return false;
    }
    return false;
}

std::error_code connection::authenticate(const zmtp::auth_reply& reply)
{
    if (!awaiting_auth_ || phase_ != phase::handshake)
        return error::not_ready;
    awaiting_auth_ = false;
    std::error_code ec;
    event ev = events::need_more{};
    if (on_handshake_status(mechanism_.on_auth(reply, peer_, out_, ec), ev, ec)) {
        complete_pending_ = std::holds_alternative<events::handshake_complete>(ev);
        return {};
    }
    if (ec) {
        std::error_code ignored;
        fail(ec, ignored);
    }
    return ec;
}

bool connection::on_command(std::span<const std::byte> body, event& ev, std::error_code& ec)
{
    // libzmq 4.3.4's PLAIN server names its ERROR `5e 'RROR'` (a C escape
    // gone wrong: "\x05ERROR" reads as 0x5E 'RROR'); read it as ERROR.
    static constexpr std::byte broken_error[] = {std::byte{0x5e}, std::byte{'R'}, std::byte{'R'},
                                                 std::byte{'O'}, std::byte{'R'}};
    if (phase_ == phase::handshake && mechanism_.is_plain_client() && body.size() >= 5 &&
        std::equal(body.begin(), body.begin() + 5, std::begin(broken_error))) {
        const command_view cmd{command_name::error, body.subspan(5)};
        return on_handshake_status(mechanism_.on_command(cmd, peer_, out_, ec), ev, ec);
    }
    const auto cmd = parse_command(body, ec);
    if (!cmd)
        return false;

    if (phase_ == phase::handshake) {
        if (awaiting_auth_) {
            // Nothing may arrive while the server decides, except that a
            // NULL peer's READY (NULL asks before its own READY) is fine.
            if (!auth_at_start_) {
                ec = error::unexpected_command;
                return false;
            }
        }
        return on_handshake_status(mechanism_.on_command(*cmd, peer_, out_, ec), ev, ec);
    }
    return on_ready_command(*cmd, ev, ec);
}

bool connection::on_ready_command(const command_view& c, event& ev, std::error_code& ec)
{
    const command_view* cmd = &c;
    if (cmd->name == command_name::ping) {
        const auto ping = parse_ping(cmd->data, ec);
        if (!ping)
            return false;
        // RFC 37: "the peer SHALL respond to a PING with a PONG command",
        // echoing the context (at most 16 octets). One answer waiting is
        // enough: a newer PING replaces its PONG, so a peer that pings and
        // never reads cannot grow our output.
        queue_replacing(pong_, ping_, [&] { emit([&](auto& out) { encode_pong(ping->context, out); }); });
        ev = events::ping{ping->ttl_ds};
        return true;
    }
    if (cmd->name == command_name::pong) {
        ev = events::pong{};
        return true;
    }
    if (is_publisher(opts_.type) && cmd->name == command_name::subscribe) {
        ev = events::subscribe{frame(cmd->data)};
        return true;
    }
    if (is_publisher(opts_.type) && cmd->name == command_name::cancel) {
        ev = events::cancel{frame(cmd->data)};
        return true;
    }
    if (cmd->name == command_name::error) {
        std::error_code rec;
        std::vector<std::byte> ignored;
        mechanism_.on_command(*cmd, peer_, ignored, rec);
        ec = rec ? rec : make_error_code(error::peer_error);
        return false;
    }
    // Unknown commands (and a second READY) are ignored, as libzmq does.
    ec.clear();
    return false;
}

bool connection::on_sealed(event& ev, std::error_code& ec)
{
    frame box = decoder_.take_sealed_command();
    static constexpr std::string_view name = "\x07MESSAGE";
    // libzmq: after the handshake anything but MESSAGE is a protocol error.
    if (box.size() < curve_codec::overhead || box.view().substr(0, name.size()) != name) {
        ec = error::unencrypted_frame;
        return false;
    }
    std::uint8_t flags = 0;
    std::span<std::byte> body;
    if (!sealed_->open({box.data(), box.size()}, flags, body, ec))
        return false;
    if (flags & curve_codec::flag_command) {
        if (!sealed_msg_.empty()) { // a command inside a multipart message
            ec = error::unexpected_command;
            return false;
        }
        const auto cmd = parse_command(body, ec);
        if (!cmd)
            return false;
        return on_ready_command(*cmd, ev, ec);
    }
    const auto& lim = opts_.limits;
    if (body.size() > lim.max_frame_size) {
        ec = error::frame_too_large;
        return false;
    }
    if (sealed_msg_.size() + 1 > lim.max_frames_per_message) {
        ec = error::too_many_frames;
        return false;
    }
    sealed_msg_bytes_ += body.size();
    if (sealed_msg_bytes_ > lim.max_message_size) {
        ec = error::message_too_large;
        return false;
    }
    // The frame is the opened body where it lies (in the receive chunk or
    // the box's own block): no copy beyond the in-place decryption.
    if (box.is_inline())
        sealed_msg_.push_back(frame(body.data(), body.size()));
    else
        sealed_msg_.push_back(frame::share(const_cast<detail::block*>(box.owner_block()),
                                           body.data(), body.size()));
    if (flags & curve_codec::flag_more)
        return false;
    sealed_msg_bytes_ = 0;
    ev = on_message(std::move(sealed_msg_));
    sealed_msg_ = message();
    return true;
}

event connection::on_message(message&& m)
{
    // ZMTP 3.0 subscriptions travel as data: 0x01 topic / 0x00 topic.
    // libzmq accepts that form from any peer version, and so do we.
    if (is_publisher(opts_.type) && m.size() == 1 && !m.front().empty()) {
        const auto b = std::to_integer<unsigned>(m.front().data()[0]);
        if (b <= 1) {
            frame topic(m.front().bytes().subspan(1));
            if (b == 1)
                return events::subscribe{std::move(topic)};
            return events::cancel{std::move(topic)};
        }
    }
    return events::message_received{std::move(m)};
}

//----------------------------------------------------------------------------
// Output

void connection::seal_into_out(std::uint8_t flags, std::span<const std::byte> body)
{
    const std::size_t at = out_.size();
    out_.resize(at + curve_codec::frame_size(body.size()));
    sealed_->seal(flags, body, out_.data() + at);
}

template <class Encode>
void connection::emit(Encode&& encode)
{
    if (!sealed_) {
        encode(out_);
        return;
    }
    // libzmq boxes commands too, flagged 0x02 (RFC 26 leaves the bit reserved).
    scratch_.clear();
    encode(scratch_);
    const std::size_t header = (std::to_integer<unsigned>(scratch_[0]) & 0x02) ? 9 : 2;
    seal_into_out(curve_codec::flag_command, std::span(scratch_).subspan(header));
}

template <class Encode>
void connection::queue_replacing(queued_command& mine, queued_command& other, Encode&& encode)
{
    // Still whole in the unsent part of out_: take it out, shifting what
    // follows (the other tracked command included).
    if (mine.at != queued_command::none && mine.at >= out_sent_) {
        const auto first = out_.begin() + static_cast<std::ptrdiff_t>(mine.at);
        out_.erase(first, first + static_cast<std::ptrdiff_t>(mine.len));
        if (other.at != queued_command::none && other.at > mine.at)
            other.at -= mine.len;
    }
    mine.at = out_.size();
    encode();
    mine.len = out_.size() - mine.at;
}

void connection::consume_output(std::size_t n) noexcept
{
    out_sent_ += std::min(n, out_.size() - out_sent_);
    if (out_sent_ == out_.size()) {
        out_.clear();
        out_sent_ = 0;
        output_cleared();
    }
}

void connection::take_output(write_batch& batch)
{
    batch.append(pending_output());
    out_.clear();
    out_sent_ = 0;
    output_cleared();
}

std::error_code connection::encode(message&& m, write_batch& batch)
{
    if (phase_ != phase::ready)
        return error::not_ready;
    if (out_sent_ != out_.size())
        take_output(batch);
    if (sealed_) {
        // Each frame is boxed straight into the batch's staging buffer.
        const std::size_t count = m.size();
        for (std::size_t i = 0; i < count; ++i) {
            const frame& f = m[i];
            std::byte* dst = batch.append_in_place(curve_codec::frame_size(f.size()));
            sealed_->seal(i + 1 < count ? curve_codec::flag_more : 0, f.bytes(), dst);
        }
        batch.count_message();
        return {};
    }
    batch.append_message(std::move(m));
    return {};
}

std::error_code connection::send_subscription(bool subscribe, std::span<const std::byte> topic)
{
    if (phase_ != phase::ready)
        return error::not_ready;
    // A peer that never reads while we keep subscribing (a proxy forwarding
    // its own subscribers' churn, say) must not grow this buffer for ever.
    const std::size_t pending = out_.size() - out_sent_;
    if (pending + topic.size() + max_frame_header_size + 16 > opts_.limits.max_control_output) {
        std::error_code ignored;
        fail(error::output_backlog, ignored);
        return error::output_backlog;
    }
    if (peer_.uses_subscribe_commands()) {
        emit([&](auto& out) {
            if (subscribe)
                encode_subscribe(topic, out);
            else
                encode_cancel(topic, out);
        });
        return {};
    }
    if (sealed_) { // ZMTP 3.0 form, boxed as data
        scratch_.assign(1, std::byte(subscribe ? 1 : 0));
        scratch_.insert(scratch_.end(), topic.begin(), topic.end());
        seal_into_out(0, scratch_);
        return {};
    }
    std::byte header[max_frame_header_size];
    const std::size_t n = encode_frame_header(header, topic.size() + 1, false, false);
    out_.insert(out_.end(), header, header + n);
    out_.push_back(std::byte(subscribe ? 1 : 0));
    out_.insert(out_.end(), topic.begin(), topic.end());
    return {};
}

std::error_code connection::send_subscribe(std::span<const std::byte> topic)
{
    return send_subscription(true, topic);
}

std::error_code connection::send_cancel(std::span<const std::byte> topic)
{
    return send_subscription(false, topic);
}

std::error_code connection::send_ping(std::uint16_t ttl_ds, std::span<const std::byte> context)
{
    if (phase_ != phase::ready)
        return error::not_ready;
    // A PING of ours still unsent says the same as a new one.
    queue_replacing(ping_, pong_, [&] { emit([&](auto& out) { encode_ping(ttl_ds, context, out); }); });
    return {};
}

} // namespace zmtp

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
      mechanism_(opts_.type, opts_.routing_id, opts_.properties),
      decoder_(opts_.limits),
      chunk_size_(initial_chunk)
{
    out_.resize(greeting_size);
    encode_greeting(greeting::make(mechanism::null),
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
        if (decoder_.commit_body(n) == frame_decoder::status::message)
            direct_done_ = true;
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
    if (direct_done_) {
        direct_done_ = false;
        return on_message(decoder_.take_message());
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
                if (phase_ == phase::handshake || decoder_.mid_message())
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
                if (on_command(decoder_.command_body(), ev, cec))
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
    if (*mech != mechanism::null) {
        ec = error::mechanism_mismatch;
        return false;
    }
    mechanism_.start(out_);
    phase_ = phase::handshake;
    decoder_.set_commands_only(true);
    return true;
}

bool connection::on_command(std::span<const std::byte> body, event& ev, std::error_code& ec)
{
    const auto cmd = parse_command(body, ec);
    if (!cmd)
        return false;

    if (phase_ == phase::handshake) {
        switch (mechanism_.on_command(*cmd, peer_, out_, ec)) {
        case null_mechanism::status::ready:
            phase_ = phase::ready;
            decoder_.set_commands_only(false);
            ev = events::handshake_complete{};
            return true;
        case null_mechanism::status::failed:
            return false;
        case null_mechanism::status::in_progress:
            return false;
        }
        return false;
    }

    if (cmd->name == command_name::ping) {
        const auto ping = parse_ping(cmd->data, ec);
        if (!ping)
            return false;
        // RFC 37: "the peer SHALL respond to a PING with a PONG command",
        // echoing the context (at most 16 octets). One answer waiting is
        // enough: a newer PING replaces its PONG, so a peer that pings and
        // never reads cannot grow our output.
        queue_replacing(pong_, ping_, [&](auto& out) { encode_pong(ping->context, out); });
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
        mechanism_.on_command(*cmd, peer_, out_, rec);
        ec = rec ? rec : make_error_code(error::peer_error);
        return false;
    }
    // Unknown commands (and a second READY) are ignored, as libzmq does.
    ec.clear();
    return false;
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
    encode(out_);
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
        if (subscribe)
            encode_subscribe(topic, out_);
        else
            encode_cancel(topic, out_);
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
    queue_replacing(ping_, pong_, [&](auto& out) { encode_ping(ttl_ds, context, out); });
    return {};
}

} // namespace zmtp

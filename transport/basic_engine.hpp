// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `basic_engine<Stream>`: the engine over one kind of stream (see
    engine.hpp for what an engine does).

    It needs of `Stream`: `non_blocking(bool, ec)`, `read_some(buffers,
    ec)`, `async_wait(wait_read / wait_write)`, `set_option(ec)` (the
    receive low-water mark), `shutdown`, `close`, `get_executor`, and a
    `write_now(stream, iovecs, ec)` found by argument-dependent lookup
    (gather_write.hpp has the one for sockets). Production code uses it
    through make_engine() for TCP and ipc sockets; the tests instantiate it over a stream that delivers reads
    in chosen pieces, makes writes short and fails on demand.
*/

#include "transport/engine.hpp"
#include "transport/gather_write.hpp"
#include "transport/inline_io.hpp"
#include "zmtp/error.hpp"
#include "zmtp/heartbeat.hpp"

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>
#include <asio/steady_timer.hpp>

#include <vector>

namespace zmtp::transport {

template <class Stream>
class basic_engine final : public engine {
public:
    using clock = std::chrono::steady_clock;

    basic_engine(Stream&& stream, const engine_options& opts, engine_owner& owner, std::string remote)
        : stream_(std::move(stream)),
          timer_(stream_.get_executor()),
          opts_(opts),
          owner_(&owner),
          conn_(opts.connection),
          heartbeat_(heartbeat_options(opts), clock::now()),
          remote_(std::move(remote))
    {
    }

    void start() override
    {
        std::error_code ignored;
        stream_.non_blocking(true, ignored); // reads and writes never wait
        arm_timer();
        do_write(); // the greeting
        if (!closed_) // the write may have failed, and told the owner
            read_loop();
    }

    void notify_outbound() override
    {
        // A write under way, or one already posted, takes what is queued
        // when it gathers next.
        if (closed_ || writing_ || write_posted_)
            return;
        // An application thread that owns the socket writes to an idle
        // connection itself: one system call, where handing it over would
        // wake the I/O thread to make the same call (the latency path). It
        // does so only for a message that comes alone (patterns' send_pace):
        // a run goes to the I/O thread, which gathers it into few writes.
        if (inline_io::take()) {
            batch_.clear();
            fill_batch();
            write_batch_now();
            return;
        }
        // Post rather than write now: whoever notified is usually queueing
        // a run of messages, and the write should carry all of them.
        post_gather(max_gather_turns);
    }

    void resume_reading() override
    {
        if (closed_ || !paused_)
            return;
        paused_ = false;
        process_events();
        if (!closed_ && !paused_)
            read_loop();
    }

    void close() override { shutdown(); }

    void abort(std::error_code reason) override
    {
        asio::post(stream_.get_executor(),
                   [self = this->shared_from_this(), this, reason] { fail(reason); });
    }

    void detach() override
    {
        owner_ = nullptr;
        shutdown();
    }

    void send_subscription(bool subscribe, std::span<const std::byte> topic) override
    {
        if (closed_)
            return;
        const auto ec = subscribe ? conn_.send_subscribe(topic) : conn_.send_cancel(topic);
        if (ec == zmtp::error::output_backlog) {
            // Not from inside the caller's loop over its peers: the owner
            // hears of it on a fresh turn.
            abort(ec);
            return;
        }
        notify_outbound();
    }

    const zmtp::peer_info& peer() const noexcept override { return conn_.peer(); }

    void authenticate(const zmtp::auth_reply& reply) override
    {
        if (closed_ || !conn_.awaiting_auth())
            return;
        if (reply.status_code != 200)
            refused_status_ = reply.status_code;
        if (const auto ec = conn_.authenticate(reply)) {
            // Inside process_events() the failure is reported by its loop
            // (the owner must not hear of it inside its own call).
            if (!in_events_)
                fail(ec); // writes the ERROR first, best effort
            return;
        }
        if (!in_events_)
            process_events(); // reports handshake_complete, queues WELCOME/READY
    }

    std::string failure_detail() const override
    {
        if (refused_status_ != 0)
            return std::to_string(refused_status_);
        return conn_.peer_error_reason();
    }
    bool is_ready() const noexcept override { return conn_.is_ready(); }
    bool is_busy_writing() const noexcept override
    {
        return writing_ || write_posted_ || !batch_.empty() || !conn_.pending_output().empty();
    }
    const std::string& remote() const noexcept override { return remote_; }

    /// The stream, for tests.
    Stream& stream() noexcept { return stream_; }

private:
    static zmtp::heartbeat::options heartbeat_options(const engine_options& o)
    {
        zmtp::heartbeat::options h;
        h.handshake_ivl = o.handshake_ivl;
        h.ivl = o.heartbeat_ivl;
        h.timeout = o.heartbeat_timeout;
        h.ttl = o.heartbeat_ttl;
        return h;
    }

    //------------------------------------------------------------------------
    // Read side: where bytes from the peer enter the protocol core

    // The engine waits for readability and then reads, non-blocking, until
    // the socket has nothing more (EAGAIN) or the turn's share is used up:
    // one wake-up of the reactor for a run of reads, rather than one
    // completion handler per read. The wait is armed before those reads, so
    // that data arriving after the last one completes it (the reactor is
    // edge-triggered: a wait armed after data came would wait for more).
    static constexpr int reads_per_turn = 8;

    void read_loop()
    {
        if (!waiting_read_) {
            waiting_read_ = true;
            stream_.async_wait(asio::socket_base::wait_read,
                               [self = this->shared_from_this(), this](std::error_code ec) {
                                   waiting_read_ = false;
                                   if (closed_)
                                       return;
                                   if (ec) {
                                       fail(ec);
                                       return;
                                   }
                                   if (!paused_)
                                       read_loop();
                               });
        }
        for (int i = 0; i < reads_per_turn && !closed_ && !paused_; ++i) {
            const auto buf = conn_.prepare();
            if (buf.empty())
                return;
            std::error_code ec;
            const std::size_t n = stream_.read_some(asio::buffer(buf.data(), buf.size()), ec);
            if (ec == asio::error::would_block)
                return; // the wait is armed
            if (ec == asio::error::eof) {
                conn_.commit_eof();
            } else if (ec) {
                fail(ec);
                return;
            } else {
                const bool direct = conn_.reading_body();
                conn_.commit(n);
                heartbeat_.input(clock::now());
                if (direct && n < buf.size() && conn_.body_remaining() != 0 && !paused_) {
                    // The rest of a large body is on its way: wake when
                    // all of it is there (one read), not for each segment.
                    set_low_water(std::min(conn_.body_remaining(), max_low_water));
                    return;
                }
            }
            if (low_water_ > 1)
                set_low_water(1);
            process_events();
            if (ec)
                return; // the end of the stream: process_events() has closed us
        }
        // A peer that keeps sending gets no more than its share of this
        // turn: the rest is read on the next.
        if (!closed_ && !paused_)
            asio::post(stream_.get_executor(), [self = this->shared_from_this(), this] {
                if (!closed_ && !paused_)
                    read_loop();
            });
    }

    // A large body is read when it is all there, or this much of it:
    // readiness with SO_RCVLOWAT (Linux grows the receive buffer to fit).
    static constexpr std::size_t max_low_water = 4 << 20;

    void set_low_water(std::size_t n)
    {
        if (n == low_water_ || n == 0)
            return;
        std::error_code ignored;
        stream_.set_option(asio::socket_base::receive_low_watermark(static_cast<int>(n)), ignored);
        low_water_ = n;
    }

    void process_events()
    {
        bool delivered = false;
        std::error_code ec;
        while (!closed_ && !paused_) {
            zmtp::event ev = conn_.next_event(ec);
            if (ec) {
                fail(ec);
                return;
            }
            if (std::holds_alternative<zmtp::events::need_more>(ev))
                break;
            if (auto* m = std::get_if<zmtp::events::message_received>(&ev)) {
                ++messages_in;
                delivered = true;
                if (owner_ && !owner_->on_engine_message(*this, std::move(m->msg)))
                    paused_ = true;
            } else if (auto* s = std::get_if<zmtp::events::subscribe>(&ev)) {
                delivered = true;
                if (owner_ && !owner_->on_engine_subscription(*this, true, std::move(s->topic)))
                    paused_ = true;
            } else if (auto* c = std::get_if<zmtp::events::cancel>(&ev)) {
                delivered = true;
                if (owner_ && !owner_->on_engine_subscription(*this, false, std::move(c->topic)))
                    paused_ = true;
            } else if (auto* p = std::get_if<zmtp::events::ping>(&ev)) {
                heartbeat_.peer_ping(p->ttl_ds);
                arm_timer();
            } else if (std::holds_alternative<zmtp::events::auth_requested>(ev)) {
                // The owner may answer inside this call (handled by the next
                // turn of this loop) or later (authenticate() resumes).
                in_events_ = true;
                if (owner_)
                    owner_->on_engine_auth(*this, conn_.auth_request());
                in_events_ = false;
            } else if (std::holds_alternative<zmtp::events::handshake_complete>(ev)) {
                heartbeat_.handshake_done(clock::now());
                arm_timer();
                if (owner_)
                    owner_->on_engine_ready(*this);
            } else if (std::holds_alternative<zmtp::events::closed>(ev)) {
                fail(asio::error::eof);
                return;
            }
        }
        if (closed_)
            return;
        if (!conn_.pending_output().empty())
            notify_outbound(); // PONG, or READY after the greeting
        if (delivered && owner_)
            owner_->on_engine_batch_end(*this);
    }

    //------------------------------------------------------------------------
    // Write side

    // A producer on this thread -- a coroutine awaiting async_send -- adds one
    // message per turn of the scheduler. While each turn brings more and the
    // batch is small, it gets another turn: one system call for many
    // messages, not one each. A lone message (a request) waits one turn.
    static constexpr int max_gather_turns = 8;
    static constexpr std::size_t gathered_enough = 64 * 1024;

    void post_gather(int turns)
    {
        write_posted_ = true;
        asio::post(stream_.get_executor(),
                   [self = this->shared_from_this(), this, turns] { gather(turns); });
    }

    void gather(int turns)
    {
        if (closed_ || writing_) {
            write_posted_ = false; // a write under way gathers again when it ends
            return;
        }
        const std::size_t before = batch_.message_count();
        // write_posted_ stays set while filling: pulling frees room in the
        // pipe, the pattern may route more to this peer, and its notify
        // must not post a second gather -- this one (or the write it ends
        // in) takes what was added.
        fill_batch();
        write_posted_ = false;
        if (turns > 0 && batch_.message_count() > before && batch_.size_bytes() < gathered_enough) {
            post_gather(turns - 1);
            return;
        }
        write_batch_now();
    }

    // The first write (the greeting, from start()): whatever is queued goes
    // at once. After that, every write ends in post_gather().
    void do_write()
    {
        if (closed_ || writing_)
            return;
        batch_.clear();
        fill_batch();
        write_batch_now();
    }

    // The batch is empty whenever no write is under way or being gathered.
    void fill_batch()
    {
        conn_.take_output(batch_);
        if (conn_.is_ready() && owner_) {
            const std::size_t before = batch_.message_count();
            owner_->pull_outbound(*this, conn_, batch_, opts_.max_batch_bytes);
            messages_out += batch_.message_count() - before;
        }
    }

    void write_batch_now()
    {
        if (batch_.empty()) {
            if (owner_ && conn_.is_ready())
                owner_->on_engine_drained(*this);
            return;
        }
        iov_.clear();
        for (const auto& s : batch_.buffers())
            iov_.push_back({const_cast<std::byte*>(s.data()), s.size()});
        iov_at_ = 0;
        writing_ = true;
        write_some();
    }

    // Writes at once as much as the kernel takes, and waits for
    // writability only when it takes nothing.
    void write_some()
    {
        using transport::write_now; // or the stream's own, by ADL
        while (iov_at_ < iov_.size()) {
            std::error_code ec;
            const std::size_t n =
                write_now(stream_, std::span<const iovec>(iov_).subspan(iov_at_), ec);
            if (ec == asio::error::would_block) {
                stream_.async_wait(asio::socket_base::wait_write,
                                   [self = this->shared_from_this(), this](std::error_code e) {
                                       if (closed_)
                                           return;
                                       if (e) {
                                           writing_ = false;
                                           fail(e);
                                           return;
                                       }
                                       write_some();
                                   });
                return;
            }
            if (ec) {
                writing_ = false;
                fail(ec);
                return;
            }
            advance(n);
        }
        writing_ = false;
        batch_.clear();
        // Written inline by the application's thread: nothing else was
        // queued meanwhile, and the I/O thread need not wake.
        if (inline_io::allowed())
            return;
        // Continue on a fresh turn, so that reads and timers get theirs, and
        // gather again: a producer on this thread that added one message
        // per turn while we wrote would otherwise get one system call per
        // message from here on.
        post_gather(max_gather_turns);
    }

    void advance(std::size_t n)
    {
        while (n != 0 && iov_at_ < iov_.size()) {
            iovec& v = iov_[iov_at_];
            if (n < v.iov_len) {
                v.iov_base = static_cast<std::byte*>(v.iov_base) + n;
                v.iov_len -= n;
                return;
            }
            n -= v.iov_len;
            ++iov_at_;
        }
    }

    //------------------------------------------------------------------------
    // The one timer: where the handshake deadline and heartbeats fire

    void arm_timer()
    {
        if (closed_)
            return;
        const auto deadline = heartbeat_.deadline();
        if (deadline == clock::time_point::max() || deadline == armed_for_)
            return;
        armed_for_ = deadline;
        timer_.expires_at(deadline);
        timer_.async_wait([self = this->shared_from_this(), this, deadline](std::error_code ec) {
            if (ec || closed_ || deadline != armed_for_)
                return; // cancelled or superseded
            armed_for_ = clock::time_point::max();
            on_timer();
        });
    }

    void on_timer()
    {
        // A body trickling in below the low-water mark is still input: read
        // what is there before the heartbeat judges the peer silent.
        if (low_water_ > 1) {
            set_low_water(1);
            if (!paused_)
                read_loop();
            if (closed_)
                return;
        }
        switch (heartbeat_.on_timer(clock::now())) {
        case zmtp::heartbeat::action::fail:
            fail(heartbeat_.error());
            return;
        case zmtp::heartbeat::action::send_ping:
            conn_.send_ping(heartbeat_.ttl_ds());
            notify_outbound();
            break;
        case zmtp::heartbeat::action::none:
            break;
        }
        arm_timer();
    }

    //------------------------------------------------------------------------

    void fail(std::error_code reason)
    {
        if (closed_)
            return;
        // Best effort: let a queued ERROR command reach the peer.
        if (!writing_ && !conn_.pending_output().empty()) {
            using transport::write_now;
            const auto out = conn_.pending_output();
            const iovec v{const_cast<std::byte*>(out.data()), out.size()};
            std::error_code ignored;
            write_now(stream_, std::span<const iovec>(&v, 1), ignored);
        }
        shutdown();
        if (auto* owner = std::exchange(owner_, nullptr))
            owner->on_engine_closed(*this, reason);
    }

    void shutdown()
    {
        if (closed_)
            return;
        closed_ = true;
        std::error_code ignored;
        timer_.cancel();
        stream_.shutdown(asio::socket_base::shutdown_both, ignored);
        stream_.close(ignored);
    }

    Stream stream_;
    asio::steady_timer timer_;
    engine_options opts_;
    engine_owner* owner_;
    zmtp::connection conn_;
    zmtp::heartbeat heartbeat_;
    std::string remote_;
    bool in_events_ = false;  // inside process_events(), calling the owner
    int refused_status_ = 0;  // the authenticator's refusal, for failure_detail()

    zmtp::write_batch batch_;
    std::vector<iovec> iov_;
    std::size_t iov_at_ = 0;
    bool waiting_read_ = false; // a wait for readability is armed
    std::size_t low_water_ = 1;  // SO_RCVLOWAT now
    bool writing_ = false;
    bool write_posted_ = false;
    bool paused_ = false;
    bool closed_ = false;
    clock::time_point armed_for_ = clock::time_point::max();
};

} // namespace zmtp::transport

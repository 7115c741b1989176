// SPDX-License-Identifier: MIT
#include "transport/engine.hpp"

#include "zmtp/error.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

namespace zmtp::transport {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto never = clock::time_point::max();

template <class Stream>
class basic_engine final : public engine {
public:
    basic_engine(Stream&& stream, const engine_options& opts, engine_owner& owner, std::string remote)
        : stream_(std::move(stream)),
          timer_(stream_.get_executor()),
          opts_(opts),
          owner_(&owner),
          conn_(opts.connection),
          remote_(std::move(remote))
    {
        if (opts_.heartbeat_timeout.count() < 0)
            opts_.heartbeat_timeout = opts_.heartbeat_ivl;
    }

    void start() override
    {
        last_rx_ = clock::now();
        if (opts_.handshake_ivl.count() > 0)
            handshake_deadline_ = last_rx_ + opts_.handshake_ivl;
        arm_timer();
        do_write(); // the greeting
        do_read();
    }

    void notify_outbound() override
    {
        // While filling, the pull loop takes what is being added anyway.
        if (closed_ || writing_ || write_posted_ || filling_)
            return;
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
        if (!closed_ && !paused_ && !reading_)
            do_read();
    }

    void close() override { shutdown(); }

    void abort(std::error_code reason) override
    {
        asio::post(stream_.get_executor(),
                   [self = shared_from_this(), this, reason] { fail(reason); });
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
    bool is_ready() const noexcept override { return conn_.is_ready(); }
    bool is_busy_writing() const noexcept override
    {
        return writing_ || write_posted_ || !batch_.empty() || !conn_.pending_output().empty();
    }
    const std::string& remote() const noexcept override { return remote_; }

private:
    //------------------------------------------------------------------------
    // Read side

    void do_read()
    {
        const auto buf = conn_.prepare();
        if (buf.empty())
            return;
        reading_ = true;
        stream_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                [self = shared_from_this(), this](std::error_code ec, std::size_t n) {
                                    reading_ = false;
                                    on_read(ec, n);
                                });
    }

    void on_read(std::error_code ec, std::size_t n)
    {
        if (closed_)
            return;
        if (ec == asio::error::eof) {
            conn_.commit_eof();
        } else if (ec) {
            fail(ec);
            return;
        } else {
            conn_.commit(n);
            last_rx_ = clock::now();
        }
        process_events();
        if (!closed_ && !paused_)
            do_read();
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
                // TTL in deciseconds, computed in 32 bits: libzmq's 16-bit
                // millisecond arithmetic wraps above 655 ds (libzmq#4226).
                peer_ttl_ = std::chrono::milliseconds(std::uint32_t{p->ttl_ds} * 100u);
                arm_timer();
            } else if (std::holds_alternative<zmtp::events::handshake_complete>(ev)) {
                handshake_deadline_ = never;
                if (opts_.heartbeat_ivl.count() > 0)
                    next_ping_ = clock::now() + opts_.heartbeat_ivl;
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
        asio::post(stream_.get_executor(), [self = shared_from_this(), this, turns] {
            write_posted_ = false;
            gather(turns);
        });
    }

    void gather(int turns)
    {
        if (closed_ || writing_)
            return;
        const std::size_t before = batch_.message_count();
        fill_batch();
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
        // Pulling frees room in the pipe, which can make the pattern route
        // more messages here and notify us: not a reason to start another
        // batch (filling_ keeps notify_outbound out).
        filling_ = true;
        conn_.take_output(batch_);
        if (conn_.is_ready() && owner_) {
            const std::size_t before = batch_.message_count();
            owner_->pull_outbound(*this, conn_, batch_, opts_.max_batch_bytes);
            messages_out += batch_.message_count() - before;
        }
        filling_ = false;
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

    // Writes with sendmsg directly: Asio's gather writes stop at 64 buffers
    // and 64 KiB per call; this takes IOV_MAX buffers and any size, and
    // tries at once, waiting for writability only when the kernel is full.
    void write_some()
    {
        const int fd = stream_.native_handle();
        while (iov_at_ < iov_.size()) {
            msghdr mh{};
            mh.msg_iov = iov_.data() + iov_at_;
            mh.msg_iovlen = std::min<std::size_t>(iov_.size() - iov_at_, IOV_MAX);
            const ssize_t n = ::sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    stream_.async_wait(asio::socket_base::wait_write,
                                       [self = shared_from_this(), this](std::error_code ec) {
                                           if (closed_)
                                               return;
                                           if (ec) {
                                               writing_ = false;
                                               fail(ec);
                                               return;
                                           }
                                           write_some();
                                       });
                    return;
                }
                writing_ = false;
                fail(std::error_code(errno, std::system_category()));
                return;
            }
            advance(static_cast<std::size_t>(n));
        }
        writing_ = false;
        // Continue on a fresh turn, so that reads and timers get theirs, and
        // gather again: a producer on this thread that added one message
        // per turn while we wrote would otherwise get one system call per
        // message from here on.
        batch_.clear();
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
    // Timers: handshake deadline, PING interval, PING timeout, peer's TTL

    void arm_timer()
    {
        if (closed_)
            return;
        auto deadline = handshake_deadline_;
        if (conn_.is_ready()) {
            if (opts_.heartbeat_ivl.count() > 0)
                deadline = std::min(deadline, next_ping_);
            if (ping_deadline_ != never)
                deadline = std::min(deadline, ping_deadline_);
            if (peer_ttl_.count() > 0)
                deadline = std::min(deadline, last_rx_ + peer_ttl_);
        }
        if (deadline == never || deadline == armed_for_)
            return;
        armed_for_ = deadline;
        timer_.expires_at(deadline);
        timer_.async_wait([self = shared_from_this(), this, deadline](std::error_code ec) {
            if (ec || closed_ || deadline != armed_for_)
                return; // cancelled or superseded
            armed_for_ = never;
            on_timer();
        });
    }

    void on_timer()
    {
        const auto now = clock::now();
        if (now >= handshake_deadline_) {
            fail(zmtp::error::handshake_timeout);
            return;
        }
        // Traffic since the PING disarms its timeout, as in libzmq.
        if (ping_deadline_ != never && last_rx_ > ping_sent_)
            ping_deadline_ = never;
        if (ping_deadline_ != never && now >= ping_deadline_) {
            fail(zmtp::error::heartbeat_timeout);
            return;
        }
        if (peer_ttl_.count() > 0 && now >= last_rx_ + peer_ttl_) {
            fail(zmtp::error::heartbeat_timeout);
            return;
        }
        if (opts_.heartbeat_ivl.count() > 0 && now >= next_ping_) {
            // libzmq reads the TTL as a 16-bit count of deciseconds; cap it.
            const auto ttl_ds = std::min<std::int64_t>(opts_.heartbeat_ttl.count() / 100, 655);
            conn_.send_ping(static_cast<std::uint16_t>(ttl_ds));
            notify_outbound();
            if (ping_deadline_ == never && opts_.heartbeat_timeout.count() > 0) {
                ping_sent_ = now;
                ping_deadline_ = now + opts_.heartbeat_timeout;
            }
            next_ping_ = now + opts_.heartbeat_ivl;
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
            const auto out = conn_.pending_output();
            [[maybe_unused]] const auto n =
                ::send(stream_.native_handle(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
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
    std::string remote_;

    zmtp::write_batch batch_;
    std::vector<iovec> iov_;
    std::size_t iov_at_ = 0;
    bool reading_ = false;
    bool writing_ = false;
    bool write_posted_ = false;
    bool filling_ = false;
    bool paused_ = false;
    bool closed_ = false;

    clock::time_point last_rx_{};
    clock::time_point handshake_deadline_ = never;
    clock::time_point next_ping_ = never;
    clock::time_point ping_sent_{};
    clock::time_point ping_deadline_ = never;
    clock::time_point armed_for_ = never;
    std::chrono::milliseconds peer_ttl_{0};
};

} // namespace

std::shared_ptr<engine> make_engine(any_stream&& stream, const engine_options& opts,
                                    engine_owner& owner, std::string remote)
{
    return std::visit(
        [&](auto&& s) -> std::shared_ptr<engine> {
            using S = std::decay_t<decltype(s)>;
            return std::make_shared<basic_engine<S>>(std::move(s), opts, owner, std::move(remote));
        },
        std::move(stream));
}

} // namespace zmtp::transport

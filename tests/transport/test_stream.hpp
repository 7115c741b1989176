// SPDX-License-Identifier: MIT
#pragma once

// test_stream: an in-memory stream for transport::basic_engine, after
// Beast's test stream. The test scripts it: what each read returns (the
// input arrives in the pieces the test chooses), how much each write takes
// (short writes), when the stream is not writable (EAGAIN), and which
// operation fails (fail_after). Reads are non-blocking, as the engine makes
// them: with no input they end in would_block, and a wait for readability
// completes when input (or its end) comes. Handlers always complete through
// asio::post, never inline, as Asio requires of an asynchronous operation.

#include <asio/any_io_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

namespace zmtp_test {

/// The state a test_stream shares with the test that scripts it.
class stream_script {
public:
    explicit stream_script(asio::any_io_executor ex) : ex_(std::move(ex)) {}

    //------------------------------------------------------------------------
    // Script (test side)

    /// Input for later reads; each read returns at most one piece.
    void feed(std::vector<std::byte> piece)
    {
        if (!piece.empty())
            input_.push_back(std::move(piece));
        deliver();
    }
    /// The same bytes as pieces of `size` bytes.
    void feed_in_pieces(std::span<const std::byte> data, std::size_t size)
    {
        for (std::size_t at = 0; at < data.size(); at += size) {
            const auto n = std::min(size, data.size() - at);
            input_.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(at),
                                data.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
        deliver();
    }
    /// Once the input is used up, reads end with `ec` (eof: the peer closed).
    void end_input(std::error_code ec = asio::error::eof)
    {
        input_end_ = ec;
        deliver();
    }
    /// Bytes each write takes at most.
    void set_max_write(std::size_t n) { max_write_ = n; }
    /// While false, writes take nothing (EAGAIN) and waits for writability wait.
    void set_writable(bool on)
    {
        writable_ = on;
        deliver();
    }
    /// The n-th operation from now (1 = the next read, write or wait) fails with `ec`.
    void fail_after(int n, std::error_code ec = asio::error::connection_reset)
    {
        fail_in_ = n;
        fail_with_ = ec;
    }

    /// Everything written so far, and the part not yet taken by take_written().
    const std::vector<std::byte>& written() const noexcept { return written_; }
    std::vector<std::byte> take_written()
    {
        std::vector<std::byte> out(written_.begin() + static_cast<std::ptrdiff_t>(taken_), written_.end());
        taken_ = written_.size();
        return out;
    }
    bool closed() const noexcept { return closed_; }
    std::size_t write_calls() const noexcept { return write_calls_; }
    std::size_t would_blocks() const noexcept { return would_blocks_; }

    //------------------------------------------------------------------------
    // Stream side (test_stream)

    const asio::any_io_executor& executor() const noexcept { return ex_; }

    /// A non-blocking read: at most one piece, would_block when there is none.
    std::size_t read(asio::mutable_buffer b, std::error_code& ec)
    {
        ++read_calls_;
        ec.clear();
        if (closed_) {
            ec = asio::error::bad_descriptor; // as a closed socket does
            return 0;
        }
        if (injected(ec))
            return 0;
        if (input_.empty()) {
            ec = input_end_ ? input_end_ : std::error_code(asio::error::would_block);
            return 0;
        }
        auto& piece = input_.front();
        const std::size_t n = std::min(piece.size(), b.size());
        std::memcpy(b.data(), piece.data(), n);
        piece.erase(piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(n));
        if (piece.empty())
            input_.pop_front();
        return n;
    }

    void start_wait(asio::socket_base::wait_type what, std::function<void(std::error_code)> h)
    {
        auto& pending = what == asio::socket_base::wait_read ? pending_read_wait_ : pending_wait_;
        pending = std::move(h);
        std::error_code ec;
        if (closed_)
            ec = asio::error::bad_descriptor;
        if (ec || injected(ec)) {
            complete(pending, ec);
            return;
        }
        deliver();
    }

    std::size_t write(std::span<const iovec> iov, std::error_code& ec)
    {
        ++write_calls_;
        ec.clear();
        if (closed_) {
            ec = asio::error::bad_descriptor;
            return 0;
        }
        if (injected(ec))
            return 0;
        if (!writable_) {
            ++would_blocks_;
            ec = asio::error::would_block;
            return 0;
        }
        std::size_t n = 0;
        for (const auto& v : iov) {
            const std::size_t k = std::min(v.iov_len, max_write_ - n);
            const auto* p = static_cast<const std::byte*>(v.iov_base);
            written_.insert(written_.end(), p, p + k);
            n += k;
            if (n == max_write_)
                break;
        }
        return n;
    }

    void close()
    {
        closed_ = true;
        if (pending_read_wait_)
            complete(pending_read_wait_, asio::error::operation_aborted);
        if (pending_wait_)
            complete(pending_wait_, asio::error::operation_aborted);
    }

    std::size_t read_calls() const noexcept { return read_calls_; }
    /// The last receive low-water mark the engine set.
    std::size_t low_water = 1;

private:
    bool injected(std::error_code& ec)
    {
        if (fail_in_ <= 0 || --fail_in_ != 0)
            return false;
        ec = fail_with_;
        return true;
    }

    void complete(std::function<void(std::error_code)>& pending, std::error_code ec)
    {
        auto w = std::move(pending);
        pending = nullptr;
        asio::post(ex_, [w = std::move(w), ec] { w(ec); });
    }

    void deliver()
    {
        if (pending_read_wait_ && !closed_ && (!input_.empty() || input_end_))
            complete(pending_read_wait_, {});
        if (pending_wait_ && writable_ && !closed_)
            complete(pending_wait_, {});
    }

    asio::any_io_executor ex_;
    std::deque<std::vector<std::byte>> input_;
    std::error_code input_end_;
    std::size_t max_write_ = std::numeric_limits<std::size_t>::max();
    bool writable_ = true;
    int fail_in_ = 0;
    std::error_code fail_with_;
    std::vector<std::byte> written_;
    std::size_t taken_ = 0;
    std::size_t write_calls_ = 0;
    std::size_t would_blocks_ = 0;
    std::size_t read_calls_ = 0;
    bool closed_ = false;
    std::function<void(std::error_code)> pending_read_wait_;
    std::function<void(std::error_code)> pending_wait_; // for writability
};

/// The stream the engine owns; the test keeps the script.
class test_stream {
public:
    using executor_type = asio::any_io_executor;

    explicit test_stream(std::shared_ptr<stream_script> s) : s_(std::move(s)) {}

    executor_type get_executor() const { return s_->executor(); }

    void non_blocking(bool, std::error_code& ec) { ec.clear(); } // it never blocks
    /// The receive low-water mark: recorded; waits here ignore it.
    void set_option(const asio::socket_base::receive_low_watermark& o, std::error_code& ec)
    {
        ec.clear();
        s_->low_water = static_cast<std::size_t>(o.value());
    }

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, std::error_code& ec)
    {
        return s_->read(*asio::buffer_sequence_begin(buffers), ec);
    }

    template <class Handler>
    void async_wait(asio::socket_base::wait_type what, Handler&& handler)
    {
        s_->start_wait(what, std::forward<Handler>(handler));
    }

    void shutdown(asio::socket_base::shutdown_type, std::error_code& ec) { ec.clear(); }
    void close(std::error_code& ec)
    {
        ec.clear();
        s_->close();
    }

    stream_script& script() noexcept { return *s_; }

private:
    std::shared_ptr<stream_script> s_;
};

/// The engine's gather write, found by argument-dependent lookup.
inline std::size_t write_now(test_stream& s, std::span<const iovec> iov, std::error_code& ec)
{
    return s.script().write(iov, ec);
}

} // namespace zmtp_test

// SPDX-License-Identifier: MIT
#pragma once

// test_stream: an in-memory stream for transport::basic_engine, after
// Beast's test stream. The test scripts it: what each read returns (the
// input arrives in the pieces the test chooses), how much each write takes
// (short writes), when the stream is not writable (EAGAIN), and which
// operation fails (fail_after). Handlers always complete through
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

    void start_read(asio::mutable_buffer b, std::function<void(std::error_code, std::size_t)> h)
    {
        read_buf_ = b;
        pending_read_ = std::move(h);
        if (closed_)
            return complete_read(asio::error::bad_descriptor, 0); // as a closed socket does
        if (std::error_code ec; injected(ec))
            return complete_read(ec, 0);
        deliver();
    }

    void start_wait(std::function<void(std::error_code)> h)
    {
        pending_wait_ = std::move(h);
        std::error_code ec;
        if (closed_)
            ec = asio::error::bad_descriptor;
        if (ec || injected(ec)) {
            auto w = std::move(pending_wait_);
            pending_wait_ = nullptr;
            asio::post(ex_, [w = std::move(w), ec] { w(ec); });
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
        if (pending_read_)
            complete_read(asio::error::operation_aborted, 0);
        if (pending_wait_) {
            auto w = std::move(pending_wait_);
            pending_wait_ = nullptr;
            asio::post(ex_, [w = std::move(w)] { w(asio::error::operation_aborted); });
        }
    }

private:
    bool injected(std::error_code& ec)
    {
        if (fail_in_ <= 0 || --fail_in_ != 0)
            return false;
        ec = fail_with_;
        return true;
    }

    void complete_read(std::error_code ec, std::size_t n)
    {
        auto h = std::move(pending_read_);
        pending_read_ = nullptr;
        asio::post(ex_, [h = std::move(h), ec, n] { h(ec, n); });
    }

    void deliver()
    {
        if (pending_read_ && !closed_) {
            if (!input_.empty()) {
                auto& piece = input_.front();
                const std::size_t n = std::min(piece.size(), read_buf_.size());
                std::memcpy(read_buf_.data(), piece.data(), n);
                piece.erase(piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(n));
                if (piece.empty())
                    input_.pop_front();
                complete_read({}, n);
            } else if (input_end_) {
                complete_read(input_end_, 0);
            }
        }
        if (pending_wait_ && writable_ && !closed_) {
            auto w = std::move(pending_wait_);
            pending_wait_ = nullptr;
            asio::post(ex_, [w = std::move(w)] { w({}); });
        }
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
    bool closed_ = false;
    asio::mutable_buffer read_buf_;
    std::function<void(std::error_code, std::size_t)> pending_read_;
    std::function<void(std::error_code)> pending_wait_;
};

/// The stream the engine owns; the test keeps the script.
class test_stream {
public:
    using executor_type = asio::any_io_executor;

    explicit test_stream(std::shared_ptr<stream_script> s) : s_(std::move(s)) {}

    executor_type get_executor() const { return s_->executor(); }

    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler)
    {
        s_->start_read(*asio::buffer_sequence_begin(buffers), std::forward<Handler>(handler));
    }

    template <class Handler>
    void async_wait(asio::socket_base::wait_type, Handler&& handler)
    {
        s_->start_wait(std::forward<Handler>(handler));
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

// SPDX-License-Identifier: MIT
#include "transport/raw_engine.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <array>
#include <vector>

namespace zmtp::transport {
namespace {

template <class Stream>
class raw_engine final : public engine {
public:
    /// Bytes read at most per read, and so per received message.
    static constexpr std::size_t read_size = 64 * 1024;
    /// Messages gathered into one write at most.
    static constexpr std::size_t max_gather = 64;

    raw_engine(Stream&& s, engine_owner& owner, std::string remote)
        : stream_(std::move(s)), owner_(&owner), remote_(std::move(remote))
    {
        peer_.type = zmtp::socket_type::stream;
    }

    void start() override
    {
        asio::post(stream_.get_executor(), [self = shared(), this] {
            if (closed_)
                return;
            ready_ = true;
            if (owner_)
                owner_->on_engine_ready(*this);
            if (!closed_)
                read_loop();
        });
    }

    void notify_outbound() override
    {
        if (closed_ || writing_ || !ready_)
            return;
        write_loop();
    }

    void resume_reading() override
    {
        if (closed_ || !paused_)
            return;
        paused_ = false;
        read_loop();
    }

    void close() override
    {
        if (closed_)
            return;
        closed_ = true;
        std::error_code ignored;
        stream_.close(ignored);
    }

    void abort(std::error_code reason) override
    {
        asio::post(stream_.get_executor(), [self = shared(), this, reason] { fail(reason); });
    }

    void detach() override
    {
        owner_ = nullptr;
        close();
    }

    void send_subscription(bool, std::span<const std::byte>) override {}
    const zmtp::peer_info& peer() const noexcept override { return peer_; }
    bool is_ready() const noexcept override { return ready_; }
    bool is_busy_writing() const noexcept override { return writing_; }
    const std::string& remote() const noexcept override { return remote_; }

private:
    std::shared_ptr<raw_engine> shared()
    {
        return std::static_pointer_cast<raw_engine>(shared_from_this());
    }

    void fail(std::error_code reason)
    {
        if (closed_)
            return;
        close();
        if (owner_)
            owner_->on_engine_closed(*this, reason);
    }

    void read_loop()
    {
        if (reading_ || paused_ || closed_)
            return;
        reading_ = true;
        buf_.resize(read_size);
        stream_.async_read_some(asio::buffer(buf_), [self = shared(), this](std::error_code ec,
                                                                             std::size_t n) {
            reading_ = false;
            if (closed_)
                return;
            if (ec) {
                fail(ec); // eof: the peer closed
                return;
            }
            ++messages_in;
            // One message per read: the bytes as they came (a copy of just
            // what arrived, so the read buffer is reused).
            if (owner_ && !owner_->on_engine_message(*this, zmtp::message(zmtp::frame(buf_.data(), n))))
                paused_ = true;
            if (owner_ && !closed_)
                owner_->on_engine_batch_end(*this);
            read_loop();
        });
    }

    void write_loop()
    {
        out_.clear();
        if (owner_)
            owner_->take_outbound(*this, out_, max_gather);
        if (out_.empty()) {
            if (owner_)
                owner_->on_engine_drained(*this);
            return;
        }
        gather_.clear();
        for (const auto& m : out_)
            for (const auto& f : m)
                gather_.push_back(asio::buffer(f.data(), f.size()));
        writing_ = true;
        asio::async_write(stream_, gather_, [self = shared(), this](std::error_code ec, std::size_t) {
            writing_ = false;
            messages_out += out_.size();
            out_.clear();
            if (closed_)
                return;
            if (ec) {
                fail(ec);
                return;
            }
            write_loop();
        });
    }

    Stream stream_;
    engine_owner* owner_;
    std::string remote_;
    zmtp::peer_info peer_;
    std::vector<std::byte> buf_;
    std::vector<zmtp::message> out_;
    std::vector<asio::const_buffer> gather_;
    bool ready_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool paused_ = false;
    bool closed_ = false;
};

} // namespace

std::shared_ptr<engine> make_raw_engine(any_stream&& stream, engine_owner& owner, std::string remote)
{
    return std::visit(
        [&](auto&& s) -> std::shared_ptr<engine> {
            using S = std::decay_t<decltype(s)>;
            return std::make_shared<raw_engine<S>>(std::move(s), owner, std::move(remote));
        },
        std::move(stream));
}

} // namespace zmtp::transport

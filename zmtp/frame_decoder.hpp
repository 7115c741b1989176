// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Incremental frame decoder: bytes in, whole messages and commands out.

    @par Theory of operation
    The decoder is a three-state machine -- flags, size, body -- that can be
    fed input split at any byte. Limits are enforced the moment a header is
    complete, so a frame declaring 2^63 bytes is refused before anything is
    allocated. Data frames are collected into a message until a frame without
    MORE arrives; only then is the message handed out (RFC 37: a message is
    delivered with all its frames or none). A command frame is handed out on
    its own, even between the frames of a message, as libzmq accepts.

    Bodies larger than a frame's inline storage either reference the input
    chunk they arrived in (when the caller passes the chunk's owner block
    and the whole body is present), or get a block of their own. A frame
    that references a chunk keeps all of it alive: whoever queues messages
    must count that (patterns/pipe.hpp does). While an own block is
    being filled, body_window() exposes its free part so the caller can read
    from the socket straight into it. The block starts at the declared size
    up to `initial_body_reserve` and doubles as the bytes arrive, so a peer
    that declares a huge frame and trickles it costs what it sent, not what
    it declared.
*/

#include "zmtp/limits.hpp"
#include "zmtp/message.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

namespace zmtp {

class frame_decoder {
public:
    /// A body declared larger than this starts with this much storage and grows.
    static constexpr std::size_t initial_body_reserve = std::size_t{1} << 20;

    enum class status {
        need_more, ///< all input consumed, nothing complete yet
        message,   ///< a whole message is ready: take_message()
        command,   ///< a command frame is ready: command_body()
        failed,    ///< error() says why; sticky
    };

    explicit frame_decoder(const limits& l = {}) : limits_(l) {}

    /** Decodes from `in`, stopping right after a complete message or command.
        `consumed` receives the number of bytes used. `owner`, if not null, is
        the block that holds `in`; bodies fully inside `in` then reference it. */
    status decode(std::span<const std::byte> in, detail::block* owner, std::size_t& consumed);

    /// The completed message. Valid once after status::message.
    message take_message() noexcept { return std::move(msg_); }

    /// The completed command's body. Valid until the next decode().
    std::span<const std::byte> command_body() const noexcept
    {
        return sealed_ ? sealed_body_.bytes() : std::span<const std::byte>(command_);
    }
    /** In sealed mode, the completed command as a frame of its own (it may
        share the input chunk), to be opened in place. Valid once after
        status::command. */
    frame take_sealed_command() noexcept { return std::move(sealed_body_); }

    std::error_code error() const noexcept { return ec_; }

    /** The free part of the own block a data frame body is being received
        into (never empty while one is), or an empty span. Write into it,
        then call commit_body(). */
    std::span<std::byte> body_window() noexcept;
    /// Bytes of the current frame's body not yet received (0 outside a body).
    std::uint64_t body_remaining() const noexcept
    {
        return state_ == state::body ? body_size_ - body_have_ : 0;
    }

    /// Accounts for `n` bytes written into body_window().
    status commit_body(std::size_t n);

    /// True when a frame or a multipart message is partly received.
    bool mid_message() const noexcept { return state_ != state::flags || !msg_.empty(); }

    /** While set, a data frame header fails with error::data_before_ready
        (the handshake admits commands only). */
    void set_commands_only(bool on) noexcept { commands_only_ = on; }

    /** Sealed mode (CURVE after its handshake): every frame, whatever its
        flags, is a MESSAGE box handed out as a command (libzmq sends them
        as plain frames and accepts either), as large as a data frame plus
        `overhead`, received the way large data bodies are (growing
        storage, direct reads). */
    void set_sealed(std::size_t overhead) noexcept
    {
        sealed_ = true;
        sealed_overhead_ = overhead;
        commands_only_ = true;
    }
    const limits& get_limits() const noexcept { return limits_; }
    void set_limits(const limits& l) noexcept { limits_ = l; }

    /// Marks the decoder failed with `ec` (used by the connection).
    void fail(std::error_code ec) noexcept { ec_ = ec; state_ = state::failed; }

private:
    enum class state { flags, size, body, failed };

    bool fast_frame(std::span<const std::byte> in, detail::block* owner, std::size_t& consumed,
                    bool& done);
    /// A frame of `n` bytes at `body`: shares `owner` if worth it, else copies.
    static frame take_body(detail::block* owner, const std::byte* body, std::size_t n);
    bool start_body();
    /// Makes room for the body's next bytes in fill_; false (failed) if out of memory.
    bool grow_fill();
    void drop_fill() noexcept { fill_.reset(); }
    struct block_release {
        void operator()(detail::block* b) const noexcept { detail::release(b); }
    };
    void finish_frame();
    status frame_result() noexcept;

    limits limits_;
    state state_ = state::flags;
    std::uint8_t flags_ = 0;
    std::byte size_buf_[8]{};
    std::size_t size_have_ = 0;
    std::size_t size_need_ = 0;
    std::uint64_t body_size_ = 0;
    std::size_t body_have_ = 0;
    bool is_command_ = false;
    bool more_ = false;
    bool commands_only_ = false;
    bool sealed_ = false;
    std::size_t sealed_overhead_ = 0;
    frame sealed_body_;             // sealed mode: the completed command

    frame body_;                    // data frame body, once complete (or inline, while filling)
    std::unique_ptr<detail::block, block_release> fill_; // own block a large body is filled into
    std::vector<std::byte> command_; // command frame being filled
    message msg_;                   // frames of the message so far
    std::size_t msg_bytes_ = 0;
    std::error_code ec_;
};

} // namespace zmtp

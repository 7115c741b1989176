// SPDX-License-Identifier: MIT

/** @file
    libFuzzer target for zmtp::frame_decoder.

    Input layout (see make_seeds.py, which writes inputs in this form):

        byte 0     options: bits 0-1 limits (0 = defaults with frames and
                   messages capped at 1 MiB, else small limits taken from
                   bytes 1-4), bit 2 pass an owner block, bit 3
                   read large bodies through body_window(), bit 4 lenient
                   flags, bit 5 commands only until the first command (as
                   during a handshake)
        bytes 1-4  small limits: frame = b1*5, message = b2*10,
                   frames = b3%17, command = b4*2
        bytes 5-6  split seed (0 = the whole stream in one chunk)
        rest       the byte stream

    The stream is decoded three ways: by a tiny reference model written
    straight from RFC 37's grammar, by the decoder given the whole stream at
    once, and by the decoder fed in chunks of seeded sizes with the chosen
    options. All three must produce the same messages, commands and error,
    and the decoder must respect its limits and stay failed once failed.
*/

#include "fuzz_support.hpp"

#include "zmtp/error.hpp"
#include "zmtp/frame_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace zmtp;
using zmtp::fuzz::control_reader;
using zmtp::fuzz::splitter;

struct options {
    limits lim;
    bool use_owner = false;
    bool use_window = false;
    bool commands_until_first = false;
};

/** What a decoding run observed, serialized into one string so that a run
    costs a few appends rather than an allocation per frame (the harness
    decodes every input three times; speed is coverage). */
class event_log {
public:
    enum kind : char { message = 'M', command = 'C', failed = 'F', end = 'E' };

    void begin_message(std::size_t frames) { open(message, frames); }
    void part(const void* p, std::size_t n)
    {
        put(n);
        data_.append(static_cast<const char*>(p), n);
    }
    void add_command(const void* p, std::size_t n)
    {
        open(command, 1);
        part(p, n);
    }
    void add_failed(std::error_code ec)
    {
        open(failed, static_cast<std::size_t>(ec.value()));
        ec_ = ec;
    }
    void add_end(bool mid) { open(end, mid ? 1 : 0); }

    friend bool operator==(const event_log& a, const event_log& b) { return a.data_ == b.data_; }

    /// One letter per record: "MMCE" and so on.
    const std::string& kinds() const { return kinds_; }
    std::error_code error() const { return ec_; }
    /// Offset of record `i` in the serialized form.
    std::size_t offset(std::size_t i) const { return i < starts_.size() ? starts_[i] : data_.size(); }
    const std::string& data() const { return data_; }

private:
    void open(kind k, std::size_t n)
    {
        starts_.push_back(data_.size());
        kinds_ += static_cast<char>(k);
        data_ += static_cast<char>(k);
        put(n);
    }
    void put(std::size_t n) { data_.append(reinterpret_cast<const char*>(&n), sizeof n); }

    std::string data_;
    std::string kinds_;
    std::vector<std::size_t> starts_;
    std::error_code ec_;
};

// The reference: RFC 37 framing, in the order the checks can first be made
// (flags as soon as the flags octet is in, sizes as soon as the header is).
event_log run_model(std::span<const std::uint8_t> s, const options& o)
{
    event_log log;
    const limits& l = o.lim;
    bool commands_only = o.commands_until_first;
    std::vector<std::span<const std::uint8_t>> frames;
    std::size_t msg_bytes = 0;
    std::size_t pos = 0;
    auto fail = [&](error e) {
        log.add_failed(make_error_code(e));
        return log;
    };
    while (true) {
        if (pos == s.size()) {
            log.add_end(!frames.empty());
            return log;
        }
        const std::uint8_t flags = s[pos++];
        if ((flags & 0xF8) != 0 && !l.lenient_flags)
            return fail(error::reserved_flags);
        const bool command = (flags & 0x04) != 0;
        const bool more = (flags & 0x01) != 0;
        if (command && more)
            return fail(error::more_on_command);
        if (!command && commands_only)
            return fail(error::data_before_ready);
        const std::size_t size_len = (flags & 0x02) ? 8 : 1;
        if (s.size() - pos < size_len) {
            log.add_end(true);
            return log;
        }
        std::uint64_t size = 0;
        for (std::size_t i = 0; i < size_len; ++i)
            size = (size << 8) | s[pos + i];
        pos += size_len;
        if (command) {
            if (size > l.max_command_size)
                return fail(error::command_too_large);
        } else {
            if (size > l.max_frame_size)
                return fail(error::frame_too_large);
            if (size > l.max_message_size - std::min(msg_bytes, l.max_message_size))
                return fail(error::message_too_large);
            if (frames.size() + 1 > l.max_frames_per_message)
                return fail(error::too_many_frames);
        }
        if (s.size() - pos < size) {
            log.add_end(true);
            return log;
        }
        const auto body = s.subspan(pos, static_cast<std::size_t>(size));
        pos += body.size();
        if (command) {
            log.add_command(body.data(), body.size());
            commands_only = false;
            continue;
        }
        frames.push_back(body);
        msg_bytes += body.size();
        if (!more) {
            log.begin_message(frames.size());
            for (const auto& f : frames)
                log.part(f.data(), f.size());
            frames.clear();
            msg_bytes = 0;
        }
    }
}

event_log run_decoder(std::span<const std::uint8_t> s, const options& o,
                      std::uint16_t split_seed)
{
    const limits& l = o.lim;
    frame_decoder dec(l);
    bool commands_only = o.commands_until_first;
    dec.set_commands_only(commands_only);
    event_log log;
    splitter split(split_seed);

    // Files one decoder result; false once the decoder has failed.
    auto on_status = [&](frame_decoder::status st) {
        switch (st) {
        case frame_decoder::status::need_more:
            return true;
        case frame_decoder::status::message: {
            message m = dec.take_message();
            ZMTP_FUZZ_CHECK(!m.empty());
            ZMTP_FUZZ_CHECK(m.size() <= l.max_frames_per_message);
            ZMTP_FUZZ_CHECK(m.bytes() <= l.max_message_size);
            log.begin_message(m.size());
            for (const frame& f : m) {
                ZMTP_FUZZ_CHECK(f.size() <= l.max_frame_size);
                log.part(f.data(), f.size());
            }
            return true;
        }
        case frame_decoder::status::command: {
            const auto body = dec.command_body();
            ZMTP_FUZZ_CHECK(body.size() <= l.max_command_size);
            log.add_command(body.data(), body.size());
            if (commands_only) { // the "READY" has arrived
                commands_only = false;
                dec.set_commands_only(false);
            }
            return true;
        }
        case frame_decoder::status::failed:
            ZMTP_FUZZ_CHECK(dec.error());
            log.add_failed(dec.error());
            return false;
        }
        ZMTP_FUZZ_CHECK(false);
        return false;
    };

    bool ok = true;
    std::size_t pos = 0;
    while (ok && pos < s.size()) {
        // A transport reads the rest of a large body straight into the frame.
        if (o.use_window) {
            const auto w = dec.body_window();
            if (!w.empty()) {
                const std::size_t k = std::min(w.size(), split.next(s.size() - pos));
                std::memcpy(w.data(), s.data() + pos, k);
                pos += k;
                ok = on_status(dec.commit_body(k));
                continue;
            }
        }
        const std::size_t k = split.next(s.size() - pos);
        std::span<const std::byte> in(reinterpret_cast<const std::byte*>(s.data() + pos), k);
        pos += k;
        detail::block* owner = nullptr;
        if (o.use_owner) {
            // The chunk lives in a block, as in the connection: bodies that
            // are wholly inside it share it instead of being copied.
            owner = detail::allocate_block(k);
            std::memcpy(owner->data(), in.data(), k);
            in = std::span<const std::byte>(owner->data(), k);
        }
        std::size_t off = 0;
        while (true) {
            std::size_t used = 0;
            const auto st = dec.decode(in.subspan(off), owner, used);
            ZMTP_FUZZ_CHECK(used <= in.size() - off);
            off += used;
            if (st == frame_decoder::status::need_more) {
                // need_more promises that all input was consumed.
                ZMTP_FUZZ_CHECK(off == in.size());
                break;
            }
            if (!on_status(st)) {
                ok = false;
                break;
            }
        }
        if (owner)
            detail::release(owner); // frames that share it keep it alive
    }

    if (ok) {
        log.add_end(dec.mid_message());
        return log;
    }

    // Sticky failure: more input, a direct read, anything -- still failed.
    const std::error_code ec = dec.error();
    ZMTP_FUZZ_CHECK(dec.body_window().empty());
    const std::byte more[] = {std::byte{0x00}, std::byte{0x01}, std::byte{'x'}};
    for (int i = 0; i < 2; ++i) {
        std::size_t used = 0;
        ZMTP_FUZZ_CHECK(dec.decode(more, nullptr, used) == frame_decoder::status::failed);
        ZMTP_FUZZ_CHECK(used == 0);
        ZMTP_FUZZ_CHECK(dec.error() == ec);
    }
    dec.set_commands_only(false);
    std::size_t used = 0;
    ZMTP_FUZZ_CHECK(dec.decode({}, nullptr, used) == frame_decoder::status::failed);
    ZMTP_FUZZ_CHECK(dec.error() == ec);
    return log;
}

[[noreturn]] void report_mismatch(const char* what, const event_log& want, const event_log& got)
{
    std::size_t i = 0;
    while (i < want.kinds().size() && i < got.kinds().size() && want.kinds()[i] == got.kinds()[i] &&
           want.data().compare(want.offset(i), want.offset(i + 1) - want.offset(i), got.data(),
                               got.offset(i), got.offset(i + 1) - got.offset(i)) == 0)
        ++i;
    std::fprintf(stderr,
                 "decoder mismatch (%s): records differ from #%zu\n"
                 "  want %s (error: %s)\n  got  %s (error: %s)\n",
                 what, i, want.kinds().c_str(), want.error().message().c_str(),
                 got.kinds().c_str(), got.error().message().c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    control_reader in({data, size});
    const std::uint8_t flags = in.byte();
    const std::uint8_t lf = in.byte(), lm = in.byte(), ln = in.byte(), lc = in.byte();
    const std::uint16_t split_seed = in.u16();

    options o;
    if ((flags & 0x03) == 0) {
        // A header declaring 256 MiB costs a 256 MiB allocation, which under
        // ASan takes ~40 ms and would slow fuzzing tenfold. The limit checks
        // are the same code whatever the numbers; fuzz_connection keeps the
        // true defaults.
        o.lim.max_frame_size = std::size_t{1} << 20;
        o.lim.max_message_size = std::size_t{1} << 20;
    } else {
        o.lim.max_frame_size = std::size_t{lf} * 5;
        o.lim.max_message_size = std::size_t{lm} * 10;
        o.lim.max_frames_per_message = ln % 17;
        o.lim.max_command_size = std::size_t{lc} * 2;
    }
    o.use_owner = (flags & 0x04) != 0;
    o.use_window = (flags & 0x08) != 0;
    o.lim.lenient_flags = (flags & 0x10) != 0;
    o.commands_until_first = (flags & 0x20) != 0;

    const auto stream = in.rest();
    const auto expected = run_model(stream, o);

    options plain = o;
    plain.use_owner = false;
    plain.use_window = false;
    const auto whole = run_decoder(stream, plain, 0);
    if (whole != expected)
        report_mismatch("model vs whole", expected, whole);

    const auto split = run_decoder(stream, o, split_seed);
    if (split != expected)
        report_mismatch("model vs split", expected, split);
    if (std::getenv("ZMTP_FUZZ_VERBOSE"))
        std::fprintf(stderr, "records=%s error=%s\n", expected.kinds().c_str(),
                     expected.error().message().c_str());
    return 0;
}

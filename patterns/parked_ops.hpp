// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `parked_ops`: asynchronous operations that cannot complete yet, waiting
    on the socket's strand -- park one, cancel it by id, complete them in
    order or all at once. Every waiter of a socket (async senders and
    receivers, event and peer waits) is one of these lists.

    An operation is `async_op<std::error_code, Rest...>`; each can carry an
    `Extra` value (the message an async send is sending, the condition a
    wait waits for). A cancelled operation completes with
    `operation_aborted` and value-initialised `Rest...`.
*/

#include "patterns/socket_strand.hpp"
#include "zmtp/detail/async_op.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace zmtp::patterns {

/// No extra value.
struct no_extra {};

template <class Extra, class... Rest>
class parked_ops {
public:
    using op_type = zmtp::detail::async_op<std::error_code, Rest...>;
    struct entry {
        std::uint64_t id;
        std::unique_ptr<op_type> op;
        Extra extra;
    };

    /// Completions of cancelled operations are posted to `strand`.
    explicit parked_ops(const socket_strand& strand) : strand_(strand) {}
    parked_ops(const parked_ops&) = delete;
    parked_ops& operator=(const parked_ops&) = delete;

    /** Parks `op` (strand only). If its handler has a cancellation slot,
        a cancellation -- on any thread -- removes it and completes it with
        operation_aborted on the strand; the list must then still exist if
        the strand's owner does (it is a member of the owner). */
    std::uint64_t park(std::unique_ptr<op_type> op, Extra extra = {})
    {
        const std::uint64_t id = next_id_++;
        op->id = id;
        op->track_work();
        // By value: the cancellation may come after the socket is gone.
        op->on_cancel([this, id, owner = strand_.lifetime(), ex = strand_.executor()] {
            asio::post(ex, [this, id, owner] {
                if (auto alive = owner.lock())
                    if (auto e = take(id))
                        e->op->complete(asio::error::operation_aborted, Rest{}...);
            });
        });
        ops_.push_back(entry{id, std::move(op), std::move(extra)});
        return id;
    }

    /// Removes the operation with `id`, if still parked.
    std::optional<entry> take(std::uint64_t id)
    {
        for (auto it = ops_.begin(); it != ops_.end(); ++it)
            if (it->id == id) {
                entry e = std::move(*it);
                ops_.erase(it);
                return e;
            }
        return std::nullopt;
    }

    bool empty() const noexcept { return ops_.empty(); }
    std::size_t size() const noexcept { return ops_.size(); }
    entry& front() noexcept { return ops_.front(); }
    entry pop_front()
    {
        entry e = std::move(ops_.front());
        ops_.pop_front();
        return e;
    }

    /// Completes every parked operation with `ec` (and empty values), in order.
    void complete_all(std::error_code ec)
    {
        auto all = std::move(ops_);
        ops_.clear();
        for (auto& e : all)
            e.op->complete(ec, Rest{}...);
    }

    /// Completes, without error, the operations whose extra satisfies `ready`.
    template <class Pred>
    void complete_if(Pred ready)
    {
        for (auto it = ops_.begin(); it != ops_.end();) {
            if (ready(it->extra)) {
                auto op = std::move(it->op);
                it = ops_.erase(it);
                op->complete({}, Rest{}...);
            } else {
                ++it;
            }
        }
    }

private:
    const socket_strand& strand_;
    std::deque<entry> ops_;
    std::uint64_t next_id_ = 1;
};

} // namespace zmtp::patterns

// SPDX-License-Identifier: MIT
#pragma once

/** @file
    @internal The templates of zmtp::socket: each async_ function wraps its
    completion handler in a type-erased operation and hands it to the
    library (patterns/socket.cpp), which completes it on the handler's own
    executor.
*/

namespace zmtp {

namespace detail {

using send_op = async_op<std::error_code>;
using recv_op = async_op<std::error_code, message>;
using event_op = async_op<std::error_code, socket_event>;
using core_ptr = std::shared_ptr<patterns::socket_core>;

/// The executor a handler without one of its own completes on (the socket's;
/// the system's for a moved-from socket).
const asio::any_io_executor& completion_executor(const core_ptr& core);
void start_send(const core_ptr& core, message m, std::unique_ptr<send_op> op);
void start_recv(const core_ptr& core, std::unique_ptr<recv_op> op);
void start_next_event(const core_ptr& core, std::unique_ptr<event_op> op);
void start_wait(const core_ptr& core, wait_condition c, std::unique_ptr<send_op> op);

template <class Handler, class... Args>
std::unique_ptr<async_op<Args...>> make_op(Handler&& h, const core_ptr& core)
{
    using H = std::decay_t<Handler>;
    return std::make_unique<async_op_impl<H, Args...>>(std::forward<Handler>(h),
                                                        completion_executor(core));
}

} // namespace detail

template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
auto socket::async_send(message m, CompletionToken&& token)
{
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [](auto handler, const detail::core_ptr& core, message msg) {
            auto op = detail::make_op<decltype(handler), std::error_code>(std::move(handler), core);
            detail::start_send(core, std::move(msg), std::move(op));
        },
        token, core_, std::move(m));
}

template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code, message)) CompletionToken>
auto socket::async_recv(CompletionToken&& token)
{
    return asio::async_initiate<CompletionToken, void(std::error_code, message)>(
        [](auto handler, const detail::core_ptr& core) {
            auto op = detail::make_op<decltype(handler), std::error_code, message>(std::move(handler), core);
            detail::start_recv(core, std::move(op));
        },
        token, core_);
}

template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code, socket_event)) CompletionToken>
auto socket::async_next_event(CompletionToken&& token)
{
    return asio::async_initiate<CompletionToken, void(std::error_code, socket_event)>(
        [](auto handler, const detail::core_ptr& core) {
            auto op = detail::make_op<decltype(handler), std::error_code, socket_event>(
                std::move(handler), core);
            detail::start_next_event(core, std::move(op));
        },
        token, core_);
}

template <class CompletionToken>
auto socket::async_wait_until(wait_condition c, CompletionToken&& token)
{
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [](auto handler, const detail::core_ptr& core, wait_condition cond) {
            auto op = detail::make_op<decltype(handler), std::error_code>(std::move(handler), core);
            detail::start_wait(core, std::move(cond), std::move(op));
        },
        token, core_, std::move(c));
}

template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
auto socket::async_wait_for_peers(std::size_t n, CompletionToken&& token)
{
    return async_wait_until({wait_condition::kind::peers, n, {}},
                            std::forward<CompletionToken>(token));
}

} // namespace zmtp

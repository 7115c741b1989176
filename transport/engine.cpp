// SPDX-License-Identifier: MIT
#include "transport/engine.hpp"

#include "transport/basic_engine.hpp"

namespace zmtp::transport {

// The two streams of production; tests instantiate others.
template class basic_engine<tcp_stream>;
template class basic_engine<ipc_stream>;

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

void engine_owner::on_engine_auth(engine& e, const zmtp::auth_request&)
{
    e.authenticate(zmtp::auth_reply{});
}

} // namespace zmtp::transport

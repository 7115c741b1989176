// SPDX-License-Identifier: MIT
// Maps a socket type to its pattern class.
#include "patterns/dealer.hpp"
#include "patterns/pattern.hpp"
#include "patterns/pull.hpp"
#include "patterns/push.hpp"
#include "patterns/rep.hpp"
#include "patterns/req.hpp"
#include "patterns/router.hpp"
#include "patterns/stream.hpp"
#include "patterns/xpub.hpp"
#include "patterns/xsub.hpp"

namespace zmtp::patterns {

std::unique_ptr<pattern> make_pattern(zmtp::socket_type t, pattern_host& host)
{
    using st = zmtp::socket_type;
    switch (t) {
    case st::push: return std::make_unique<push_pattern>(host);
    case st::pull: return std::make_unique<pull_pattern>(host);
    case st::pub: return std::make_unique<xpub_pattern>(host, false);
    case st::xpub: return std::make_unique<xpub_pattern>(host, true);
    case st::sub: return std::make_unique<xsub_pattern>(host, false);
    case st::xsub: return std::make_unique<xsub_pattern>(host, true);
    case st::req: return std::make_unique<req_pattern>(host);
    case st::rep: return std::make_unique<rep_pattern>(host);
    case st::dealer: return std::make_unique<dealer_pattern>(host, false);
    case st::pair: return std::make_unique<dealer_pattern>(host, true);
    case st::router: return std::make_unique<router_pattern>(host, true);
    case st::stream: return std::make_unique<stream_pattern>(host);
    }
    return nullptr;
}

} // namespace zmtp::patterns

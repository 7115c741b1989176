// SPDX-License-Identifier: MIT
#include "zap_client.hpp"

#include "patterns/context_impl.hpp"

#include <string>

namespace zmtp::capi {
namespace {

constexpr const char* zap_endpoint = "inproc://zeromq.zap.01";

std::string_view mechanism_name(zmtp::mechanism m)
{
    return zmtp::to_string(m);
}

} // namespace

void zap_client::authenticate(const zmtp::zap_request& r, std::function<void(zmtp::zap_reply)> answer)
{
    if (!ctx_.impl()->inproc().is_bound("zeromq.zap.01")) {
        // libzmq without a ZAP handler: PLAIN refused, CURVE and NULL accepted.
        zmtp::zap_reply reply;
        reply.status_code = r.mech == zmtp::mechanism::plain ? 400 : 200;
        answer(reply);
        return;
    }
    std::string id;
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        if (stopped_)
            return;
        if (!dealer_) {
            zmtp::socket_options o;
            o.linger = std::chrono::milliseconds(0);
            dealer_ = std::make_unique<zmtp::socket>(ctx_, zmtp::socket_type::dealer, o);
            std::error_code ec;
            dealer_->connect(zap_endpoint, ec);
            first = true;
        }
        id = std::to_string(next_id_++);
        waiting_[id] = std::move(answer);
    }
    if (first)
        receive();
    zmtp::message m;
    m.push_back(zmtp::frame());
    m.push_back(zmtp::frame(std::string_view("1.0")));
    m.push_back(zmtp::frame(std::string_view(id)));
    m.push_back(zmtp::frame(std::string_view(r.domain)));
    m.push_back(zmtp::frame(std::string_view(r.address)));
    m.push_back(zmtp::frame(std::string_view(r.routing_id)));
    m.push_back(zmtp::frame(mechanism_name(r.mech)));
    for (const auto& c : r.credentials)
        m.push_back(zmtp::frame(std::string_view(c)));
    std::error_code ec;
    std::lock_guard lock(mutex_);
    if (dealer_ && !dealer_->try_send(m, ec)) {
        // The handler's queue is full: refuse rather than hold (500, as
        // libzmq reports an internal error of ZAP).
        auto it = waiting_.find(id);
        if (it != waiting_.end()) {
            auto a = std::move(it->second);
            waiting_.erase(it);
            zmtp::zap_reply reply;
            reply.status_code = 500;
            a(reply);
        }
    }
}

void zap_client::receive()
{
    // Replies arrive on the dealer's executor, one receive at a time.
    zmtp::socket* d = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || !dealer_)
            return;
        d = dealer_.get();
    }
    std::weak_ptr<zap_client> weak = weak_from_this();
    d->async_recv([weak](std::error_code ec, zmtp::message m) {
        auto self = weak.lock();
        if (!self || ec)
            return;
        self->on_reply(m);
        self->receive();
    });
}

void zap_client::on_reply(const zmtp::message& m)
{
    // "" "1.0" request-id status-code status-text user-id metadata
    if (m.size() < 7 || !m[0].empty() || m[1].view() != "1.0")
        return; // malformed: the connection waits out its handshake_ivl
    std::function<void(zmtp::zap_reply)> answer;
    {
        std::lock_guard lock(mutex_);
        auto it = waiting_.find(std::string(m[2].view()));
        if (it == waiting_.end())
            return;
        answer = std::move(it->second);
        waiting_.erase(it);
    }
    zmtp::zap_reply reply;
    const auto code = m[3].view();
    reply.status_code = code == "200" ? 200 : code == "300" ? 300 : code == "400" ? 400 : 500;
    reply.user_id = std::string(m[5].view());
    std::error_code ec;
    reply.properties = zmtp::metadata::parse(m[6].bytes(), ec);
    if (ec)
        reply.status_code = 500; // libzmq: malformed ZAP metadata fails the handshake
    answer(reply);
}

void zap_client::stop()
{
    std::unique_ptr<zmtp::socket> d;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        d = std::move(dealer_);
        waiting_.clear();
    }
    if (d)
        d->close();
}

} // namespace zmtp::capi

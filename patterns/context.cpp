// SPDX-License-Identifier: MIT
#include "zmtp/context.hpp"

#include "patterns/context_impl.hpp"

namespace zmtp {

context::context(int io_threads) : impl_(std::make_shared<patterns::context_impl>(io_threads)) {}

context::context(asio::io_context& ioc) : impl_(std::make_shared<patterns::context_impl>(ioc)) {}

context::~context()
{
    impl_->shutdown();
}

asio::io_context& context::get_io_context() noexcept
{
    return impl_->io();
}

void context::set_authenticator(std::shared_ptr<authenticator> a)
{
    impl_->set_authenticator(std::move(a));
}

} // namespace zmtp

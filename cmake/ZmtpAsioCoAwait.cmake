# Sets ZMTP_HAVE_ASIO_CO_AWAIT: whether Asio's co_await support is usable
# with this compiler. Asio 1.22 enables it with g++ but not with clang 14
# (libstdc++'s <coroutine> wants a newer clang). The coroutine examples and
# the async benchmark tools are built only where it is.
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-std=c++20")
set(CMAKE_REQUIRED_INCLUDES ${ZMTP_ASIO_INCLUDE_DIR})
check_cxx_source_compiles([[
#include <asio/awaitable.hpp>
#include <asio/use_awaitable.hpp>
#if !defined(ASIO_HAS_CO_AWAIT)
#error no co_await
#endif
int main() { return 0; }
]] ZMTP_HAVE_ASIO_CO_AWAIT)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_INCLUDES)

// SPDX-License-Identifier: MIT
// libFuzzer target: a CURVE server under a corrupted stream from a genuine
// peer (the harness and its input layout: fuzz_curve.hpp).
#include "fuzz_curve.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    return zmtp::fuzz::run_curve_case(data, size, true);
}

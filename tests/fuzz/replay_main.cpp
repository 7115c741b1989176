// SPDX-License-Identifier: MIT

/** @file
    A main() for the fuzz harnesses where libFuzzer is not available (gcc,
    or ZMTP_BUILD_FUZZ=OFF): every file named on the command line, or found
    in a directory named there, is passed once to LLVMFuzzerTestOneInput.
    The harnesses abort on a broken invariant, so a clean exit means every
    seed passed. Finding no input at all is an error, so that a misplaced
    seed directory cannot make the test pass vacuously.
*/

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool replay(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return false;
    }
    // A heap buffer of exactly the input's size, as libFuzzer passes it,
    // so that AddressSanitizer sees any read past the end.
    std::vector<std::uint8_t> bytes;
    std::copy(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(),
              std::back_inserter(bytes));
    bytes.shrink_to_fit();
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (const auto& e : fs::recursive_directory_iterator(arg, ec))
                if (e.is_regular_file())
                    files.push_back(e.path());
        } else if (fs::is_regular_file(arg, ec)) {
            files.push_back(arg);
        } else {
            std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
            return 2;
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "usage: %s FILE-OR-DIR...  (no inputs found)\n", argv[0]);
        return 2;
    }
    std::size_t done = 0;
    for (const auto& f : files) {
        if (!replay(f))
            return 1;
        ++done;
    }
    std::printf("replayed %zu inputs without failure\n", done);
    return 0;
}

// Replays corpus files through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer: the
// normal (g++) test suite runs every seed and every regression input of every target this
// way, so a fixed bug stays fixed. `tcplan_fuzz_replay TARGET PATH...`: paths are files or
// directories (read one level deep). Every target is compiled in with its entry points
// renamed (fuzz/CMakeLists.txt), so one executable serves them all.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/replay_targets.h"

int main(int argc, char** argv) {
  const tcplan::fuzz::ReplayTarget* target = nullptr;
  for (const auto& t : tcplan::fuzz::replay_targets())
    if (argc > 1 && std::string_view(argv[1]) == t.name) target = &t;
  if (target == nullptr) {
    std::fprintf(stderr, "usage: tcplan_fuzz_replay TARGET PATH...; targets:");
    for (const auto& t : tcplan::fuzz::replay_targets())
      std::fprintf(stderr, " %s", t.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  if (target->init != nullptr) target->init(&argc, &argv);
  std::vector<std::filesystem::path> files;
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else if (std::filesystem::is_regular_file(arg)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no corpus files given\n");
    return 2;
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 2;
    }
    // A copy of exactly the file's size, as libFuzzer gives, so ASan sees any over-read.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    target->one(input.empty() ? nullptr : input.data(), input.size());
  }
  std::printf("replay %s: %zu inputs passed\n", target->name, files.size());
  return 0;
}

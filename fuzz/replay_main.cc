// File: fuzz/replay_main.cc
//
// Replays inputs through a fuzz target without libFuzzer, so that every build (g++ too)
// runs the regression and seed corpora under ctest (ctest -L fuzz):
//
//   scenario_parse_replay [--extract DIR] FILE_OR_DIRECTORY...
//
// A directory is read recursively, in name order. A Markdown file (.md) stands for its
// scenario blocks (fenced ```scn), each one input: the docs are part of the seed corpus
// without copies to keep in step. --extract writes the inputs to DIR as files instead of
// replaying them, for a libFuzzer corpus (docs/fuzzing.md).
//
// An input that breaks a target's promise aborts, as under libFuzzer. A path that holds
// no file, and arguments that hold no input at all, are usage errors (exit 2), so that a
// moved corpus cannot pass by replaying nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

struct Input {
  std::string name;
  std::string bytes;
};

std::optional<std::string> Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return std::nullopt;
  return bytes;
}

// ScenarioBlocks returns the text of each ```scn block of a Markdown page.
std::vector<std::string> ScenarioBlocks(std::string_view page) {
  std::vector<std::string> blocks;
  std::optional<std::string> block;
  size_t start = 0;
  while (start < page.size()) {
    size_t end = page.find('\n', start);
    if (end == std::string_view::npos) end = page.size();
    const std::string_view line = page.substr(start, end - start);
    start = end + 1;
    if (!block && line == "```scn") {
      block.emplace();
    } else if (block && line.substr(0, 3) == "```") {
      blocks.push_back(*std::move(block));
      block.reset();
    } else if (block) {
      block->append(line).push_back('\n');
    }
  }
  return blocks;
}

// Inputs returns the inputs an argument stands for, or nullopt if one cannot be read.
std::optional<std::vector<Input>> Inputs(const std::filesystem::path& arg) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  if (std::filesystem::is_directory(arg, error)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(arg, error)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(arg, error)) {
    files.push_back(arg);
  }
  std::vector<Input> out;
  for (const std::filesystem::path& file : files) {
    std::optional<std::string> bytes = Read(file);
    if (!bytes) {
      std::fprintf(stderr, "%s: cannot read the file\n", file.c_str());
      return std::nullopt;
    }
    if (file.extension() != ".md") {
      out.push_back({file.string(), *std::move(bytes)});
      continue;
    }
    const std::vector<std::string> blocks = ScenarioBlocks(*bytes);
    for (size_t i = 0; i < blocks.size(); ++i) {
      out.push_back({file.string() + "#scn-" + std::to_string(i + 1), blocks[i]});
    }
  }
  return out;
}

// Extracted names a file of DIR after its input: the source's file name, and the
// block's number for a Markdown block.
std::filesystem::path Extracted(const std::filesystem::path& dir, const Input& input) {
  std::string name = std::filesystem::path(input.name).filename().string();
  std::replace(name.begin(), name.end(), '#', '-');
  return dir / name;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::optional<std::filesystem::path> extract;
  if (args.size() >= 2 && args[0] == "--extract") {
    extract = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) {
    std::fprintf(stderr, "usage: %s [--extract DIR] FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  size_t done = 0;
  for (const std::string& arg : args) {
    const std::optional<std::vector<Input>> inputs = Inputs(arg);
    if (!inputs) return 2;
    // A page without scenario blocks is fine; a directory without files is not.
    if (inputs->empty() && std::filesystem::path(arg).extension() != ".md") {
      std::fprintf(stderr, "%s: expected input files, found none\n", arg.c_str());
      return 2;
    }
    for (const Input& input : *inputs) {
      ++done;
      if (extract) {
        std::error_code error;
        std::filesystem::create_directories(*extract, error);
        std::ofstream out(Extracted(*extract, input), std::ios::binary);
        out << input.bytes;
        if (!out.flush()) {
          std::fprintf(stderr, "%s: cannot write the file\n", Extracted(*extract, input).c_str());
          return 2;
        }
        continue;
      }
      // The name goes out first, so that a crash report follows the input that caused it.
      std::printf("%s\n", input.name.c_str());
      std::fflush(stdout);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.bytes.data()), input.bytes.size());
    }
  }
  if (done == 0) {
    std::fprintf(stderr, "expected inputs, found none\n");
    return 2;
  }
  std::printf("%zu inputs %s\n", done, extract ? "extracted" : "replayed");
  return 0;
}

// The determinism ban-list over the real sources, and the rules' own tests: each rule
// must fire on a planted violation and stay quiet on look-alikes.

#include "tidy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

namespace zabsim::tidy {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Rules(std::string_view source, Layer layer = Layer::kSim) {
  std::vector<std::string> out;
  for (const Finding& f : Check("planted.cc", source, layer)) out.push_back(f.rule);
  return out;
}

TEST(Tidy, TheSourcesObeyTheBanList) {
  const fs::path root = ZABSIM_SOURCE_DIR;
  struct Source {
    std::string path;
    std::string text;
    Layer layer;
  };
  std::vector<Source> sources;
  for (const auto& [dir, layer] :
       {std::pair{"sim", Layer::kSim}, std::pair{"zab", Layer::kZab}, std::pair{"base", Layer::kBase}}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      std::ifstream in(entry.path());
      std::stringstream buffer;
      buffer << in.rdbuf();
      sources.push_back(Source{entry.path().string(), buffer.str(), layer});
    }
  }
  // A member may be declared in one file (world.h) and iterated in another of the same
  // folder (world_impl.h): gather hash-container names per folder first.
  std::map<std::string, std::set<std::string>> hash_names;
  for (const Source& s : sources) {
    const std::set<std::string> names = HashContainerNames(s.text);
    hash_names[fs::path(s.path).parent_path().string()].insert(names.begin(), names.end());
  }
  for (const Source& s : sources) {
    const std::set<std::string>& names = hash_names[fs::path(s.path).parent_path().string()];
    for (const Finding& f : Check(s.path, s.text, s.layer, names)) {
      ADD_FAILURE() << f.file << ":" << f.line << ": " << f.rule << ": " << f.text;
    }
  }
  EXPECT_GT(sources.size(), 20u);  // The walk really found the sources.
  EXPECT_TRUE(hash_names[(root / "sim").string()].contains("conns_"));  // The world's.
}

TEST(Tidy, WallClocksAreBanned) {
  EXPECT_EQ(Rules("auto t = std::chrono::steady_clock::now();"), std::vector<std::string>{"wall clock"});
  EXPECT_EQ(Rules("auto t = absl::Now();"), std::vector<std::string>{"wall clock"});
  EXPECT_EQ(Rules("long t = time(nullptr);"), std::vector<std::string>{"wall clock"});
  EXPECT_EQ(Rules("long t = std::time(nullptr);"), std::vector<std::string>{"wall clock"});
  EXPECT_EQ(Rules("long t = ::time(nullptr);"), std::vector<std::string>{"wall clock"});
  EXPECT_EQ(Rules("std::this_thread::sleep_for(d);"), std::vector<std::string>{"sleep"});
}

TEST(Tidy, UnseededAndImplementationDefinedRandomnessIsBanned) {
  EXPECT_EQ(Rules("int x = rand();"), std::vector<std::string>{"unseeded randomness"});
  EXPECT_EQ(Rules("int x = std::rand() % 2;"), std::vector<std::string>{"unseeded randomness"});
  EXPECT_EQ(Rules("int x = ::rand();"), std::vector<std::string>{"unseeded randomness"});
  EXPECT_EQ(Rules("std::random_device rd;"), std::vector<std::string>{"unseeded randomness"});
  EXPECT_EQ(Rules("std::uniform_int_distribution<int> d(0, 9);"),
            std::vector<std::string>{"implementation-defined distribution"});
  EXPECT_EQ(Rules("std::shuffle(v.begin(), v.end(), g);"), std::vector<std::string>{"std shuffle"});
  EXPECT_EQ(Rules("absl::BitGen gen;"), std::vector<std::string>{"abseil random"});
  EXPECT_EQ(Rules("#include <random>"), std::vector<std::string>{"<random>"});
}

TEST(Tidy, ThreadsAreBanned) {
  EXPECT_EQ(Rules("std::thread t(f);"), std::vector<std::string>{"threads"});
  EXPECT_EQ(Rules("#include <thread>"), std::vector<std::string>{"threads"});
}

TEST(Tidy, UnorderedIterationIsBanned) {
  EXPECT_EQ(Rules("std::unordered_map<int, int> m;"), std::vector<std::string>{"unordered container"});
  const char* iterated =
      "absl::flat_hash_map<uint64_t, Conn> conns_;\n"
      "void F() { for (const auto& [k, v] : conns_) Use(k); }\n";
  EXPECT_EQ(Rules(iterated), std::vector<std::string>{"iteration over hash container 'conns_'"});
  const char* begun =
      "absl::flat_hash_set<int> live;\n"
      "auto it = live.begin();\n";
  EXPECT_EQ(Rules(begun), std::vector<std::string>{"iteration over hash container 'live'"});
  EXPECT_EQ(Rules("std::map<Peer*, int> by_pointer;"),
            std::vector<std::string>{"pointer-keyed ordered container"});
  EXPECT_EQ(Rules("size_t h = absl::Hash<int>{}(3);"), std::vector<std::string>{"process-salted hash"});
}

TEST(Tidy, MutableStaticsAreBanned) {
  const std::vector<std::string> rule = {"mutable static variable"};
  EXPECT_EQ(Rules("static uint64_t hits = 0;"), rule);
  EXPECT_EQ(Rules("  static std::map<int, Coverage> tables;"), rule);
  EXPECT_EQ(Rules("static Coverage* table{nullptr};"), rule);
  EXPECT_EQ(Rules("static inline int counts[8];"), rule);
  EXPECT_EQ(Rules("static thread_local int depth = 0;"), rule);
  // Constants, functions and the other uses of the word stay quiet.
  EXPECT_TRUE(Rules("static const int kMax = 3;").empty());
  EXPECT_TRUE(Rules("static constexpr std::array<int, 2> kTable = {1, 2};").empty());
  EXPECT_TRUE(Rules("static uint64_t StreamSeed(uint64_t root, std::string_view name);").empty());
  EXPECT_TRUE(Rules("static std::vector<std::pair<int, int>> Keys();").empty());
  EXPECT_TRUE(Rules("static_assert(kCount > 0); auto n = static_cast<int>(x);").empty());
}

TEST(Tidy, HashContainersDeclaredInAnotherFileAreTracked) {
  const std::set<std::string> names = HashContainerNames("absl::flat_hash_map<K, V> conns_;");
  std::vector<std::string> rules;
  for (const Finding& f : Check("impl.h", "for (const auto& [k, v] : conns_) F(k);", Layer::kSim, names)) {
    rules.push_back(f.rule);
  }
  EXPECT_EQ(rules, std::vector<std::string>{"iteration over hash container 'conns_'"});
}

TEST(Tidy, TheSimZabBoundaryHolds) {
  EXPECT_EQ(Rules("#include \"zab/peer.h\"", Layer::kSim),
            std::vector<std::string>{"sim/ or base/ includes zab/"});
  EXPECT_EQ(Rules("#include \"sim/world.h\"", Layer::kZab),
            std::vector<std::string>{"zab/ or base/ includes sim/"});
  EXPECT_EQ(Rules("#include \"sim/world.h\"", Layer::kBase),
            std::vector<std::string>{"zab/ or base/ includes sim/"});
  EXPECT_TRUE(Rules("#include \"sim/time.h\"", Layer::kSim).empty());
  EXPECT_TRUE(Rules("#include \"zab/zxid.h\"", Layer::kZab).empty());
}

TEST(Tidy, LookAlikesStayQuiet) {
  const char* clean =
      "// We never call rand() or std::shuffle or read steady_clock here.\n"
      "/* absl::BitGen is banned; so is std::thread. */\n"
      "const char* s = \"rand() time( std::thread\";\n"
      "Time t = Time(5); Runtime(); x.time(); o->time();\n"
      "absl::flat_hash_map<uint64_t, int> index_;\n"
      "auto it = index_.find(3);\n"
      "std::map<int, Peer*> by_value;\n"
      "std::vector<int> v; for (int x : v) Use(x);\n"
      "int64_t n = 1'000'000;\n"
      "const char* r = R\"(std::thread)\";\n"
      "uint64_t Operand(); uint64_t Brand(); x.rand(); toy::rand(); Foo::time();\n";
  EXPECT_TRUE(Rules(clean).empty()) << ::testing::PrintToString(Rules(clean));
}

TEST(StripCommentsAndStrings, KeepsLinesAndCode) {
  EXPECT_EQ(StripCommentsAndStrings("a // b\nc /* d\ne */ f \"g\\\"h\" 'i'"),
            "a     \nc     \n     f \"    \" ' '");
}

}  // namespace
}  // namespace zabsim::tidy

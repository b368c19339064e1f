// File: tests/runner/failure_artifact.h
//
// Failing property tests keep their case as a scenario file, for CI to keep as an
// artifact (docs/ci.md): when ZABSIM_ARTIFACTS_DIR names a directory, a property that
// fails writes its case to DIR/SUITE.TEST.scn. RapidCheck evaluates every shrink it
// tries, and the last failing one is the counterexample it reports, so the file ends
// up holding the shrunk case. A case that crashes the process cannot be written after
// the fact: CrashGuard keeps it in DIR/SUITE.TEST.running.scn while it runs, and only a
// case that returns removes it.

#ifndef ZABSIM_TESTS_RUNNER_FAILURE_ARTIFACT_H_
#define ZABSIM_TESTS_RUNNER_FAILURE_ARTIFACT_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace zabsim::testing {

inline constexpr const char* kArtifactsDirVariable = "ZABSIM_ARTIFACTS_DIR";

// ArtifactPath is DIR/SUITE.TEST<suffix>, or "" when the variable is unset or empty.
inline std::string ArtifactPath(std::string_view suffix) {
  const char* dir = std::getenv(kArtifactsDirVariable);
  if (dir == nullptr || *dir == '\0') return "";
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = test == nullptr ? std::string("unknown")
                                           : std::string(test->test_suite_name()) + "." + test->name();
  return (std::filesystem::path(dir) / (name + std::string(suffix))).string();
}

// WriteArtifact writes `scenario` as the failing case of the running test, if asked to.
inline void WriteArtifact(std::string_view suffix, std::string_view scenario) {
  const std::string path = ArtifactPath(suffix);
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << scenario;
  if (!out) ADD_FAILURE() << "cannot write the failing case to " << path;
}

// WriteFailingCase: the failing case as DIR/SUITE.TEST.scn.
inline void WriteFailingCase(std::string_view scenario) { WriteArtifact(".scn", scenario); }

// CrashGuard keeps `scenario` in DIR/SUITE.TEST.running.scn while a case runs.
class CrashGuard {
 public:
  explicit CrashGuard(std::string_view scenario) : path_(ArtifactPath(".running.scn")) {
    if (!path_.empty()) WriteArtifact(".running.scn", scenario);
  }
  ~CrashGuard() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove(path_, ec);
  }
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;

 private:
  std::string path_;
};

}  // namespace zabsim::testing

#endif  // ZABSIM_TESTS_RUNNER_FAILURE_ARTIFACT_H_

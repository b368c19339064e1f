// OutputFile (runner/output_file.h): a result appears whole or not at all, and a write
// that fails is reported.

#include "runner/output_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/status.h"

namespace zabsim::runner {
namespace {

using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Dir() {
  // One directory per test: ctest runs them side by side.
  const std::string dir = ::testing::TempDir() + "/output_file_test_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(OutputFile, CommitReplacesTheFileWholeAndLeavesNoTemporaryFile) {
  const std::string dir = Dir();
  const std::string path = dir + "/out.txt";
  std::ofstream(path) << "old\n";
  auto out = OutputFile::Open(path);
  ASSERT_TRUE(out.ok()) << base::Text(out.status());
  std::fputs("new\n", (*out)->file());
  EXPECT_EQ(Read(path), "old\n");  // Nothing changes before Commit.
  EXPECT_TRUE((*out)->Commit().ok());
  EXPECT_EQ(Read(path), "new\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
}

TEST(OutputFile, WithoutCommitTheOldFileStays) {
  const std::string dir = Dir();
  const std::string path = dir + "/out.txt";
  std::ofstream(path) << "old\n";
  {
    auto out = OutputFile::Open(path);
    ASSERT_TRUE(out.ok());
    std::fputs("half of it", (*out)->file());
  }
  EXPECT_EQ(Read(path), "old\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
}

TEST(OutputFile, AFullDiskIsAnError) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto out = OutputFile::Open("/dev/full");  // A device: written in place.
  ASSERT_TRUE(out.ok());
  std::fputs("anything", (*out)->file());
  const absl::Status s = (*out)->Commit();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(base::Text(s), HasSubstr("cannot write /dev/full: write failed: No space left on device"));
}

TEST(OutputFile, DirectoriesAndMissingDirectoriesAreErrors) {
  const std::string dir = Dir();
  auto to_dir = OutputFile::Open(dir);
  ASSERT_FALSE(to_dir.ok());
  EXPECT_THAT(base::Text(to_dir.status()), HasSubstr("it is a directory"));
  auto missing = OutputFile::Open(dir + "/no/such/dir/out.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(base::Text(missing.status()), HasSubstr("No such file or directory"));
}

}  // namespace
}  // namespace zabsim::runner

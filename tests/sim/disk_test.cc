#include "sim/disk.h"

#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {


TEST(Disk, NothingIsDurableBeforeItsSyncCompletes) {
  Disk disk;
  disk.Append("log", "a");
  const uint64_t mark = disk.Sync("log");
  EXPECT_TRUE(disk.Image().File("log").empty());
  disk.CompleteSync("log", mark);
  EXPECT_EQ(disk.Image().File("log"), std::vector<std::string>{"a"});
}

TEST(Disk, ACrashLosesExactlyTheUnsyncedChanges) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a");
  disk.CompleteSync("log", disk.Sync("log"));
  disk.Append("log", "b");
  const uint64_t mark = disk.Sync("log");  // Requested but never completed.
  disk.Append("log", "c");
  (void)mark;
  disk.Crash(rng, Ratio::Never());
  const DiskImage image = disk.Recover();
  EXPECT_EQ(image.File("log"), std::vector<std::string>{"a"});
  EXPECT_TRUE(image.torn.empty());
}

TEST(Disk, ASyncCoversOnlyTheChangesMadeBeforeIt) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a");
  const uint64_t mark = disk.Sync("log");
  disk.Append("log", "b");
  disk.CompleteSync("log", mark);
  disk.Crash(rng, Ratio::Never());
  EXPECT_EQ(disk.Recover().File("log"), std::vector<std::string>{"a"});
}

TEST(Disk, SyncsArePerFile) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a");
  disk.Replace("epoch", {"7"});
  disk.CompleteSync("epoch", disk.Sync("epoch"));
  disk.Crash(rng, Ratio::Never());
  const DiskImage image = disk.Recover();
  EXPECT_TRUE(image.File("log").empty());
  EXPECT_EQ(image.File("epoch"), std::vector<std::string>{"7"});
}

TEST(Disk, TruncateReplaceAndRemoveBecomeDurableInOrder) {
  Disk disk;
  disk.Append("log", "a");
  disk.Append("log", "b");
  disk.Append("log", "c");
  disk.TruncateTo("log", 1);
  disk.Append("log", "d");
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_EQ(disk.Image().File("log"), (std::vector<std::string>{"a", "d"}));
  disk.Replace("log", {"x"});
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_EQ(disk.Image().File("log"), std::vector<std::string>{"x"});
  disk.Remove("log");
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_FALSE(disk.Image().files.contains("log"));
}

TEST(Disk, ATornRecordFailsItsChecksumAndIsCutOffAtRecovery) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "first");
  disk.CompleteSync("log", disk.Sync("log"));
  disk.Append("log", "second-record");
  disk.Crash(rng, Ratio::Always());
  const DiskImage image = disk.Recover();
  EXPECT_EQ(image.File("log"), std::vector<std::string>{"first"});
  ASSERT_EQ(image.torn.size(), 1u);
  EXPECT_EQ(image.torn[0], "log#1");
  // Recovery cut the torn record off: new records follow the last good one.
  disk.Append("log", "third");
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_EQ(disk.Image().File("log"), (std::vector<std::string>{"first", "third"}));
  EXPECT_TRUE(disk.Image().torn.empty());
}

TEST(Disk, TheProcessReadsThePageCacheWithItsUnsyncedChanges) {
  Disk disk;
  disk.Append("log", "a");
  disk.Replace("epoch", {"7"});
  EXPECT_EQ(disk.PageCache().at("log"), std::vector<std::string>{"a"});
  EXPECT_EQ(disk.PageCache().at("epoch"), std::vector<std::string>{"7"});
  EXPECT_TRUE(disk.Image().files.empty());
  disk.Remove("epoch");
  EXPECT_FALSE(disk.PageCache().contains("epoch"));
}

TEST(Disk, ACrashUndoesUnsyncedTruncationsReplacementsAndRemovals) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a");
  disk.Append("log", "b");
  disk.Replace("snap", {"s1"});
  disk.Replace("old", {"o"});
  disk.CompleteSync("log", disk.Sync("log"));
  disk.CompleteSync("snap", disk.Sync("snap"));
  disk.CompleteSync("old", disk.Sync("old"));
  disk.TruncateTo("log", 1);
  disk.Append("log", "c");
  disk.Replace("snap", {"s2", "s3"});
  disk.Remove("old");
  disk.Append("new", "n");  // A file that never became durable.
  EXPECT_EQ(disk.PageCache().at("log"), (std::vector<std::string>{"a", "c"}));
  disk.Crash(rng, Ratio::Never());
  const DiskImage image = disk.Recover();
  EXPECT_EQ(image.File("log"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(image.File("snap"), std::vector<std::string>{"s1"});
  EXPECT_EQ(image.File("old"), std::vector<std::string>{"o"});
  EXPECT_FALSE(image.files.contains("new"));
  // After the crash the page cache is the durable content.
  EXPECT_EQ(disk.PageCache(), image.files);
}

TEST(Disk, APartialSyncKeepsTheLaterChangesUndoable) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a");
  disk.Append("log", "b");
  const uint64_t mark = disk.Sync("log");
  disk.TruncateTo("log", 0);
  disk.Append("log", "x");
  disk.CompleteSync("log", mark);
  EXPECT_EQ(disk.Image().File("log"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(disk.PageCache().at("log"), std::vector<std::string>{"x"});
  disk.Crash(rng, Ratio::Never());
  EXPECT_EQ(disk.Recover().File("log"), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace zabsim::sim

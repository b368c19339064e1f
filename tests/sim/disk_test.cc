#include "sim/disk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Disk, NothingIsDurableBeforeItsSyncCompletes) {
  Disk disk;
  disk.Append("log", "a", Time{});
  const uint64_t mark = disk.Sync("log");
  EXPECT_TRUE(disk.Image().File("log").empty());
  disk.CompleteSync("log", mark);
  EXPECT_EQ(disk.Image().File("log"), std::vector<std::string>{"a"});
}

TEST(Disk, ACrashLosesExactlyTheUnsyncedChanges) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a", Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  disk.Append("log", "b", Time{});
  const uint64_t mark = disk.Sync("log");  // Requested but never completed.
  disk.Append("log", "c", Time{});
  (void)mark;
  disk.Crash(rng, Ratio::Never(), Time{}, Duration{});
  const DiskImage image = disk.Recover();
  EXPECT_EQ(image.File("log"), std::vector<std::string>{"a"});
  EXPECT_TRUE(image.torn.empty());
}

TEST(Disk, ASyncCoversOnlyTheChangesMadeBeforeIt) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a", Time{});
  const uint64_t mark = disk.Sync("log");
  disk.Append("log", "b", Time{});
  disk.CompleteSync("log", mark);
  disk.Crash(rng, Ratio::Never(), Time{}, Duration{});
  EXPECT_EQ(disk.Recover().File("log"), std::vector<std::string>{"a"});
}

TEST(Disk, SyncsArePerFile) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a", Time{});
  disk.Replace("epoch", {"7"}, Time{});
  disk.CompleteSync("epoch", disk.Sync("epoch"));
  disk.Crash(rng, Ratio::Never(), Time{}, Duration{});
  const DiskImage image = disk.Recover();
  EXPECT_TRUE(image.File("log").empty());
  EXPECT_EQ(image.File("epoch"), std::vector<std::string>{"7"});
}

TEST(Disk, TruncateReplaceAndRemoveBecomeDurableInOrder) {
  Disk disk;
  disk.Append("log", "a", Time{});
  disk.Append("log", "b", Time{});
  disk.Append("log", "c", Time{});
  disk.TruncateTo("log", 1, Time{});
  disk.Append("log", "d", Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_EQ(disk.Image().File("log"), (std::vector<std::string>{"a", "d"}));
  disk.Replace("log", {"x"}, Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_EQ(disk.Image().File("log"), std::vector<std::string>{"x"});
  disk.Remove("log", Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_FALSE(disk.Image().files.contains("log"));
}

TEST(Disk, ATornRecordFailsItsChecksumAndIsCutOffAtRecovery) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "first", Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  disk.Append("log", "second-record", Time{});
  disk.Crash(rng, Ratio::Always(), Time{}, Duration{});
  const DiskImage image = disk.Recover();
  EXPECT_EQ(image.File("log"), std::vector<std::string>{"first"});
  ASSERT_EQ(image.torn.size(), 1u);
  EXPECT_EQ(image.torn[0], "log#1");
  // Recovery cut the torn record off: new records follow the last good one.
  disk.Append("log", "third", Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  EXPECT_EQ(disk.Image().File("log"), (std::vector<std::string>{"first", "third"}));
  EXPECT_TRUE(disk.Image().torn.empty());
}

TEST(Disk, TheProcessReadsThePageCacheWithItsUnsyncedChanges) {
  Disk disk;
  disk.Append("log", "a", Time{});
  disk.Replace("epoch", {"7"}, Time{});
  EXPECT_EQ(disk.PageCache().at("log"), std::vector<std::string>{"a"});
  EXPECT_EQ(disk.PageCache().at("epoch"), std::vector<std::string>{"7"});
  EXPECT_TRUE(disk.Image().files.empty());
  disk.Remove("epoch", Time{});
  EXPECT_FALSE(disk.PageCache().contains("epoch"));
}

TEST(Disk, ACrashUndoesUnsyncedTruncationsReplacementsAndRemovals) {
  Disk disk;
  Rng rng = Rng::FromSeed(1);
  disk.Append("log", "a", Time{});
  disk.Append("log", "b", Time{});
  disk.Replace("snap", {"s1"}, Time{});
  disk.Replace("old", {"o"}, Time{});
  disk.CompleteSync("log", disk.Sync("log"));
  disk.CompleteSync("snap", disk.Sync("snap"));
  disk.CompleteSync("old", disk.Sync("old"));
  disk.TruncateTo("log", 1, Time{});
  disk.Append("log", "c", Time{});
  disk.Replace("snap", {"s2", "s3"}, Time{});
  disk.Remove("old", Time{});
  disk.Append("new", "n", Time{});  // A file that never became durable.
  EXPECT_EQ(disk.PageCache().at("log"), (std::vector<std::string>{"a", "c"}));
  disk.Crash(rng, Ratio::Never(), Time{}, Duration{});
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
  disk.Append("log", "a", Time{});
  disk.Append("log", "b", Time{});
  const uint64_t mark = disk.Sync("log");
  disk.TruncateTo("log", 0, Time{});
  disk.Append("log", "x", Time{});
  disk.CompleteSync("log", mark);
  EXPECT_EQ(disk.Image().File("log"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(disk.PageCache().at("log"), std::vector<std::string>{"x"});
  disk.Crash(rng, Ratio::Never(), Time{}, Duration{});
  EXPECT_EQ(disk.Recover().File("log"), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
// A change nobody synced is written back by the kernel after a while: a crash later than
// that keeps it, an earlier one loses it.
TEST(Disk, ChangesOlderThanTheWritebackSurviveACrashUnsynced) {
  Rng rng = Rng::FromSeed(1);
  Disk disk;
  disk.Append("log", "a", Time{0});
  disk.TruncateTo("log", 0, Time{10'000'000});
  disk.Append("log", "b", Time{20'000'000});
  disk.Crash(rng, Ratio::Never(), Time{45'000'000}, Duration::Seconds(30));
  // The append at 0 s and the cut at 10 s are 35 s old and more: written back.
  EXPECT_THAT(disk.Image().File("log"), IsEmpty());
}

TEST(Disk, WithoutWritebackNothingUnsyncedSurvives) {
  Rng rng = Rng::FromSeed(1);
  Disk disk;
  disk.Append("log", "a", Time{0});
  disk.Crash(rng, Ratio::Never(), Time{3'600'000'000}, Duration{});
  EXPECT_THAT(disk.Image().File("log"), IsEmpty());
  Disk other;
  other.Append("log", "a", Time{0});
  other.Crash(rng, Ratio::Never(), Time{3'600'000'000}, Duration::Seconds(30));
  EXPECT_THAT(other.Image().File("log"), ElementsAre("a"));
}

// A journaling file system commits metadata changes (a truncation, a removal, a file
// written anew) with any fsync; an append into a file's own blocks waits for that file's.
TEST(Disk, AnyFsyncCommitsOtherFilesMetadataButNotTheirAppends) {
  Rng rng = Rng::FromSeed(1);
  Disk disk;
  disk.Append("old", "a", Time{});
  disk.CompleteSync("old", disk.Sync("old"));
  disk.TruncateTo("old", 0, Time{});
  disk.Replace("snap", {"s"}, Time{});
  disk.Append("other", "x", Time{});
  disk.Append("log", "b", Time{});
  const uint64_t journal = disk.JournalMark();
  disk.Remove("snap", Time{});  // After the mark: not covered.
  disk.CompleteSync("log", disk.Sync("log"));
  disk.CommitJournal(journal);
  disk.Crash(rng, Ratio::Never(), Time{}, Duration{});
  const DiskImage image = disk.Image();
  EXPECT_THAT(image.File("old"), IsEmpty());           // The cut is durable.
  EXPECT_THAT(image.File("snap"), ElementsAre("s"));   // Written anew: durable; not removed.
  EXPECT_THAT(image.File("other"), IsEmpty());         // Its append waits for its own fsync.
  EXPECT_THAT(image.File("log"), ElementsAre("b"));
}

}  // namespace zabsim::sim

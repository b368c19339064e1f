// The FUSE layer's set of unsynced writes (conform/lazyfs/lazyfs_cache.h), alone: writes
// that overlap, touch, or leave holes; reads that overlay them; truncation. The layer
// itself is tested mounted (tests/cli/lazyfs_test.py).

#include "conform/lazyfs/lazyfs_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace {

class Extents : public ::testing::Test {
 protected:
  ~Extents() override { lazyfs_extents_clear(&e_); }

  void Write(uint64_t offset, const std::string& data) {
    ASSERT_EQ(lazyfs_extents_write(&e_, offset, data.data(), data.size()), 0);
  }

  // Read returns `length` bytes from `offset` of a file whose backing bytes are all '.'.
  std::string Read(uint64_t offset, size_t length) const {
    std::string buf(length, '.');
    lazyfs_extents_overlay(&e_, offset, buf.data(), length);
    return buf;
  }

  // Shape lists the extents as "offset+length".
  std::string Shape() const {
    std::string out;
    for (size_t i = 0; i < e_.n; ++i) {
      out += (out.empty() ? "" : " ") + std::to_string(e_.v[i].offset) + "+" + std::to_string(e_.v[i].length);
    }
    return out;
  }

  lazyfs_extents e_{};
};

TEST_F(Extents, AppendsMergeIntoOneExtent) {
  for (int i = 0; i < 1000; ++i) Write(static_cast<uint64_t>(i) * 3, "abc");
  EXPECT_EQ(Shape(), "0+3000");
  EXPECT_EQ(e_.bytes, 3000u);
  EXPECT_EQ(lazyfs_extents_end(&e_), 3000u);
  EXPECT_EQ(Read(2997, 5), "abc..");
}

TEST_F(Extents, ApartWritesStayApartAndReadsSeeTheHoleBetween) {
  Write(10, "xy");
  Write(0, "ab");
  Write(67108863, "z");  // ZooKeeper's preallocation: one byte at the end of 64 MB.
  EXPECT_EQ(Shape(), "0+2 10+2 67108863+1");
  EXPECT_EQ(Read(0, 14), "ab........xy..");
  EXPECT_EQ(lazyfs_extents_end(&e_), 67108864u);
  EXPECT_EQ(e_.bytes, 5u);
}

TEST_F(Extents, AnOverwriteReplacesWhatItCoversAndJoinsWhatItTouches) {
  Write(0, "aaaa");
  Write(6, "bbbb");
  Write(12, "cc");
  Write(2, "XXXXX");  // Covers the end of the first, the gap, the start of the second.
  EXPECT_EQ(Shape(), "0+10 12+2");
  EXPECT_EQ(Read(0, 14), "aaXXXXXbbb..cc");
  Write(10, "YY");  // Touches both neighbours: one extent.
  EXPECT_EQ(Shape(), "0+14");
  EXPECT_EQ(Read(0, 14), "aaXXXXXbbbYYcc");
  Write(1, "Z");  // Within.
  EXPECT_EQ(Read(0, 4), "aZXX");
  EXPECT_EQ(e_.bytes, 14u);
}

TEST_F(Extents, AWriteBeforeAnExtentThatCoversItWhole) {
  Write(5, "bb");
  Write(3, "AAAAAAAA");
  EXPECT_EQ(Shape(), "3+8");
  EXPECT_EQ(Read(2, 10), ".AAAAAAAA.");
}

TEST_F(Extents, TruncateCutsTheStraddlingExtentAndDropsTheRest) {
  Write(0, "abcd");
  Write(10, "efgh");
  Write(20, "ij");
  lazyfs_extents_truncate(&e_, 12);
  EXPECT_EQ(Shape(), "0+4 10+2");
  EXPECT_EQ(e_.bytes, 6u);
  EXPECT_EQ(Read(8, 6), "..ef..");
  lazyfs_extents_truncate(&e_, 4);  // At an extent's end: it stays whole.
  EXPECT_EQ(Shape(), "0+4");
  Write(4, "e");  // Appending to a truncated extent reuses its buffer.
  EXPECT_EQ(Read(0, 6), "abcde.");
  lazyfs_extents_truncate(&e_, 0);
  EXPECT_EQ(Shape(), "");
  EXPECT_EQ(e_.bytes, 0u);
  EXPECT_EQ(lazyfs_extents_end(&e_), 0u);
}

TEST_F(Extents, ClearDropsEverything) {
  Write(0, "abc");
  Write(100, "def");
  lazyfs_extents_clear(&e_);
  EXPECT_EQ(Shape(), "");
  EXPECT_EQ(Read(0, 3), "...");
  Write(1, "x");  // Usable again.
  EXPECT_EQ(Shape(), "1+1");
}

}  // namespace

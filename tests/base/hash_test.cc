#include "base/hash.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>


namespace zabsim::base {
namespace {

TEST(Fnv1a64, MatchesReferenceValues) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

// Golden: the trace fingerprint rests on this value. Change it only on purpose, and
// regenerate every golden fingerprint with it.
TEST(Hasher, GoldenValue) {
  Hasher h;
  h.Add(uint64_t{42});
  h.Add("PROPOSAL");
  h.Add("a longer string of 26 bytes");
  EXPECT_EQ(h.value(), 0xeafbf717745f9b94ULL);
}

TEST(Hasher, IsOrderSensitiveAndSeparatesStrings) {
  Hasher ab;
  ab.Add("ab");
  ab.Add("c");
  Hasher a_bc;
  a_bc.Add("a");
  a_bc.Add("bc");
  EXPECT_NE(ab.value(), a_bc.value());
  Hasher one_two;
  one_two.Add(1);
  one_two.Add(2);
  Hasher two_one;
  two_one.Add(2);
  two_one.Add(1);
  EXPECT_NE(one_two.value(), two_one.value());
}

// A string is hashed as its length, then its bytes eight at a time as little-endian words,
// the last word holding what is left. Runs read those words with a few loads, constant
// evaluation byte by byte: both must give these words, at every length and offset.
TEST(Hasher, StringsHashAsLittleEndianWordsAtEveryLength) {
  const std::string_view text = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; offset + n <= text.size(); ++n) {
      const std::string_view s = text.substr(offset, n);
      Hasher words;
      words.Add(static_cast<uint64_t>(n));
      for (size_t i = 0; i < n; i += 8) {
        uint64_t word = 0;
        for (size_t k = 0; k < 8 && i + k < n; ++k) {
          word |= static_cast<uint64_t>(static_cast<unsigned char>(s[i + k])) << (8 * k);
        }
        words.Add(word);
      }
      Hasher bytes;
      bytes.Add(s);
      EXPECT_EQ(bytes.value(), words.value()) << "offset " << offset << ", length " << n;
    }
  }
}

constexpr uint64_t HashOf(std::string_view s) {
  Hasher h;
  h.Add(s);
  return h.value();
}

TEST(Hasher, ConstantEvaluationMatchesARun) {
  constexpr uint64_t at_compile_time = HashOf("a longer string of 26 bytes");
  const std::string run_time = "a longer string of 26 bytes";
  EXPECT_EQ(HashOf(run_time), at_compile_time);
}

}  // namespace
}  // namespace zabsim::base

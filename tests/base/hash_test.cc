#include "base/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace zabsim::base {
namespace {

TEST(Fnv1a64, MatchesReferenceValues) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  // 32 bytes of zeros and of 0xff: the published CRC-32C test vectors (RFC 3720).
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
}

TEST(Crc32c, SlicingAgreesWithTheBytewiseDefinitionAtEveryLength) {
  // A plain bit-at-a-time CRC-32C, the definition the fast version must match.
  const auto reference = [](std::string_view s) {
    uint32_t crc = 0xffffffffu;
    for (const char c : s) {
      crc ^= static_cast<unsigned char>(c);
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xffffffffu;
  };
  std::string s;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(Crc32c(s), reference(s)) << "length " << i;
    s.push_back(static_cast<char>(i * 37 + 11));
  }
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

}  // namespace
}  // namespace zabsim::base

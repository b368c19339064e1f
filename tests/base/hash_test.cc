#include "base/hash.h"

#include <gtest/gtest.h>


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

}  // namespace
}  // namespace zabsim::base

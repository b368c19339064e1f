// File: base/hash.h
//
// Portable 64-bit hashing: the same bits on every compiler, library and run. Used for
// naming random streams, the trace fingerprint, disk record checksums and data digests.
// Never use std::hash or absl::Hash for anything that reaches a trace: both may change
// between builds, and absl::Hash is salted per process.

#ifndef ZABSIM_BASE_HASH_H_
#define ZABSIM_BASE_HASH_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace zabsim::base {

// Mix64 is the SplitMix64 finalizer: a bijection on 64-bit words with full avalanche.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Fnv1a64 hashes bytes with 64-bit FNV-1a.
constexpr uint64_t Fnv1a64(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Hasher accumulates a sequence of words and strings into one order-sensitive value, fast
// enough to fingerprint every trace record. Each step is the FxHash step
// state = (rotl(state, 5) ^ word) * K with K odd: a bijection of the state for any word,
// so two sequences that differ in a single word always end in different states. The
// value is finalised with Mix64. Strings are length-prefixed, so ("ab","c") and
// ("a","bc") differ, and read eight bytes at a time in little-endian order on every
// platform.
class Hasher {
 public:
  constexpr explicit Hasher(uint64_t seed = 0x5a425349u) : state_(Mix64(seed)) {}

  constexpr void Add(uint64_t word) {
    state_ = (((state_ << 5) | (state_ >> 59)) ^ word) * 0x9e3779b97f4a7c15ULL;
  }
  constexpr void Add(std::string_view bytes) {
    Add(static_cast<uint64_t>(bytes.size()));
    size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) Add(LoadLittleEndian(bytes.data() + i, 8));
    if (i < bytes.size()) Add(LoadLittleEndian(bytes.data() + i, bytes.size() - i));
  }
  constexpr uint64_t value() const { return Mix64(state_); }

 private:
  // LoadLittleEndian reads n <= 8 bytes as a little-endian word. Every trace field hashes
  // its key and text this way, so on a little-endian machine the word is read with at
  // most three loads (4, 2 and 1 bytes, or one of 8) rather than byte by byte; the byte
  // loop, which gives the same word, serves constant evaluation and big-endian machines.
  static constexpr uint64_t LoadLittleEndian(const char* p, size_t n) {
    if (!std::is_constant_evaluated() && std::endian::native == std::endian::little) {
      if (n == 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        return word;
      }
      uint64_t word = 0;
      int shift = 0;
      if (n & 4) {
        uint32_t part;
        std::memcpy(&part, p, 4);
        word = part;
        p += 4;
        shift = 32;
      }
      if (n & 2) {
        uint16_t part;
        std::memcpy(&part, p, 2);
        word |= static_cast<uint64_t>(part) << shift;
        p += 2;
        shift += 16;
      }
      if (n & 1) word |= static_cast<uint64_t>(static_cast<unsigned char>(*p)) << shift;
      return word;
    }
    uint64_t word = 0;
    for (size_t k = 0; k < n; ++k) {
      word |= static_cast<uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
    }
    return word;
  }

  uint64_t state_;
};

}  // namespace zabsim::base

#endif  // ZABSIM_BASE_HASH_H_

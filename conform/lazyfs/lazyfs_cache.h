// File: conform/lazyfs/lazyfs_cache.h
//
// The unsynced writes of one file, as the conformance runs' FUSE layer keeps them
// (conform/lazyfs/conform_lazyfs.c; the idea is Jepsen's LazyFS): an ordered set of
// extents, each a run of bytes at an offset, none overlapping or touching another. A
// write replaces what it covers; touching extents merge, so a file appended to, as a txn
// log is, holds one extent per run of appends. A read overlays them on the backing
// file's bytes; an fsync writes them back and empties the set; a crash empties it.
//
// Plain C, no FUSE: the unit test (tests/conform/lazyfs_cache_test.cc) links it alone.

#ifndef ZABSIM_CONFORM_LAZYFS_LAZYFS_CACHE_H_
#define ZABSIM_CONFORM_LAZYFS_LAZYFS_CACHE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lazyfs_extent {
  uint64_t offset;
  size_t length;
  size_t capacity;  // Of data: an extent appended to grows by doubling.
  char* data;
};

struct lazyfs_extents {
  struct lazyfs_extent* v;  // By offset.
  size_t n;
  size_t cap;
  uint64_t bytes;  // The sum of the lengths.
};

// lazyfs_extents_write keeps `length` bytes at `offset`. 0, or -ENOMEM (nothing changed).
int lazyfs_extents_write(struct lazyfs_extents* e, uint64_t offset, const char* data, size_t length);

// lazyfs_extents_overlay copies into buf, which holds the file's bytes from `offset` on,
// the parts of the extents within [offset, offset + length).
void lazyfs_extents_overlay(const struct lazyfs_extents* e, uint64_t offset, char* buf, size_t length);

// lazyfs_extents_end is the end of the last extent (0 when there is none): the file is at
// least this long.
uint64_t lazyfs_extents_end(const struct lazyfs_extents* e);

// lazyfs_extents_truncate drops what lies at or beyond `size`.
void lazyfs_extents_truncate(struct lazyfs_extents* e, uint64_t size);

// lazyfs_extents_clear drops every extent and frees the memory.
void lazyfs_extents_clear(struct lazyfs_extents* e);

#ifdef __cplusplus
}
#endif

#endif  // ZABSIM_CONFORM_LAZYFS_LAZYFS_CACHE_H_

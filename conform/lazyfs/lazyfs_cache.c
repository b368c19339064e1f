// File: conform/lazyfs/lazyfs_cache.c (see lazyfs_cache.h).

#include "lazyfs_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t End(const struct lazyfs_extent* x) { return x->offset + x->length; }

// FirstEndingAtOrAfter: the first extent whose end is at or after `at` (the ends are in
// order, as the extents neither overlap nor touch); n when there is none.
static size_t FirstEndingAtOrAfter(const struct lazyfs_extents* e, uint64_t at) {
  size_t lo = 0;
  size_t hi = e->n;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (End(&e->v[mid]) < at) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

int lazyfs_extents_write(struct lazyfs_extents* e, uint64_t offset, const char* data, size_t length) {
  if (length == 0) return 0;
  const uint64_t end = offset + length;
  // [first, last): the extents that overlap or touch [offset, end]; with the write, their
  // union is one run of bytes, [lo, hi).
  const size_t first = FirstEndingAtOrAfter(e, offset);
  size_t last = first;
  while (last < e->n && e->v[last].offset <= end) ++last;
  uint64_t lo = offset;
  uint64_t hi = end;
  if (first < last) {
    if (e->v[first].offset < lo) lo = e->v[first].offset;
    if (End(&e->v[last - 1]) > hi) hi = End(&e->v[last - 1]);
  }
  const size_t need = (size_t)(hi - lo);
  struct lazyfs_extent merged;
  size_t copy_from = first;
  // Every allocation comes first, so that a failure leaves the set as it was.
  if (first < last && e->v[first].offset == lo) {
    // Appending (or writing within): grow the first extent's buffer.
    merged = e->v[first];
    if (merged.capacity < need) {
      size_t c = merged.capacity * 2;
      if (c < need) c = need;
      char* d = realloc(merged.data, c);
      if (d == NULL) return -ENOMEM;
      merged.data = d;
      merged.capacity = c;
      e->v[first].data = d;  // Its bytes moved with it.
      e->v[first].capacity = c;
    }
    copy_from = first + 1;
  } else {
    if (first == last && e->n == e->cap) {
      const size_t c = e->cap == 0 ? 8 : e->cap * 2;
      struct lazyfs_extent* v = realloc(e->v, c * sizeof *v);
      if (v == NULL) return -ENOMEM;
      e->v = v;
      e->cap = c;
    }
    merged.data = malloc(need);
    if (merged.data == NULL) return -ENOMEM;
    merged.capacity = need;
  }
  merged.offset = lo;
  merged.length = need;
  uint64_t old = 0;
  for (size_t i = first; i < last; ++i) old += e->v[i].length;
  for (size_t i = copy_from; i < last; ++i) {
    memcpy(merged.data + (e->v[i].offset - lo), e->v[i].data, e->v[i].length);
    free(e->v[i].data);
  }
  memcpy(merged.data + (offset - lo), data, length);
  if (first == last) {
    memmove(&e->v[first + 1], &e->v[first], (e->n - first) * sizeof *e->v);
    ++e->n;
  } else {
    memmove(&e->v[first + 1], &e->v[last], (e->n - last) * sizeof *e->v);
    e->n -= last - first - 1;
  }
  e->v[first] = merged;
  e->bytes = e->bytes - old + need;
  return 0;
}

void lazyfs_extents_overlay(const struct lazyfs_extents* e, uint64_t offset, char* buf, size_t length) {
  const uint64_t end = offset + length;
  for (size_t i = FirstEndingAtOrAfter(e, offset + 1); i < e->n && e->v[i].offset < end; ++i) {
    const struct lazyfs_extent* x = &e->v[i];
    const uint64_t from = x->offset > offset ? x->offset : offset;
    const uint64_t to = End(x) < end ? End(x) : end;
    if (from < to) memcpy(buf + (from - offset), x->data + (from - x->offset), (size_t)(to - from));
  }
}

uint64_t lazyfs_extents_end(const struct lazyfs_extents* e) { return e->n == 0 ? 0 : End(&e->v[e->n - 1]); }

void lazyfs_extents_truncate(struct lazyfs_extents* e, uint64_t size) {
  size_t keep = FirstEndingAtOrAfter(e, size + 1);
  if (keep < e->n && e->v[keep].offset < size) {
    // It straddles the new end: keep its head (its buffer stays as it is).
    e->bytes -= e->v[keep].length - (size - e->v[keep].offset);
    e->v[keep].length = (size_t)(size - e->v[keep].offset);
    ++keep;
  }
  for (size_t i = keep; i < e->n; ++i) {
    e->bytes -= e->v[i].length;
    free(e->v[i].data);
  }
  e->n = keep;
}

void lazyfs_extents_clear(struct lazyfs_extents* e) {
  for (size_t i = 0; i < e->n; ++i) free(e->v[i].data);
  free(e->v);
  e->v = NULL;
  e->n = 0;
  e->cap = 0;
  e->bytes = 0;
}

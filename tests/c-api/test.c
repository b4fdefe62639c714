/* The C API from C: every function and status code of include/blockpool.h on pools declared in Rust
 * (src/lib.rs), every bad pointer, and blocks crossing between C and Rust. Built and run by
 * scripts/c-api.sh with gcc, then with AddressSanitizer and UBSan. Prints one line per check group and
 * exits non-zero on the first failed check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockpool.h"

/* The pools, as src/lib.rs exports them. */
extern const bp_pool msg_pool;
extern const bp_pool secret_pool;
extern const bp_pool shared_pool;
extern const bp_pool byte_pool;

/* C's view of the Rust item `Msg` (#[repr(C)]). */
struct msg {
  uint32_t id;
  uint8_t body[60];
};

/* Helpers in src/lib.rs. */
uint32_t rust_msg_failures(void);
int32_t rust_free_raw_msg(void *block);
void *rust_alloc_raw_msg(void);
const void *rust_box_msg(uint32_t id);
uint32_t rust_drop_box_msg(void);
const void *rust_share_frame(uint32_t value);
uint32_t rust_drop_frame(void);
const void *rust_keep_bytes(size_t len);
size_t rust_drop_bytes(void);

static int checks;

#define CHECK(cond)                                                        \
  do {                                                                     \
    checks++;                                                              \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

/* Checks that `s` is `expected`, printing both names when not. */
#define CHECK_STATUS(s, expected)                                                     \
  do {                                                                                \
    bp_status got_ = (s);                                                             \
    checks++;                                                                         \
    if (got_ != (expected)) {                                                         \
      fprintf(stderr, "%s:%d: %s gave \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #s, \
              bp_status_str(got_), bp_status_str(expected));                          \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

static bp_stats stats_of(const bp_pool *pool) {
  bp_stats st;
  memset(&st, 0xff, sizeof st);
  CHECK_STATUS(bp_get_stats(pool, &st), BP_OK);
  return st;
}

static void typed_pool(void) {
  void *blocks[4];
  void *extra = (void *)&extra;
  int i;
  bp_stats st;
  CHECK(bp_block_size(&msg_pool) == sizeof(struct msg));
  for (i = 0; i < 4; i++) {
    CHECK_STATUS(bp_alloc(&msg_pool, &blocks[i]), BP_OK);
    CHECK(blocks[i] != NULL);
    CHECK((uintptr_t)blocks[i] % _Alignof(struct msg) == 0);
    /* The block is ours: fill the whole item. */
    memset(blocks[i], 0x5a, sizeof(struct msg));
    ((struct msg *)blocks[i])->id = (uint32_t)i;
  }
  CHECK_STATUS(bp_alloc(&msg_pool, &extra), BP_EXHAUSTED);
  CHECK(extra == NULL);
  CHECK(rust_msg_failures() == 1); /* the pool's Rust on_failure hook ran */
  st = stats_of(&msg_pool);
  CHECK(st.capacity == 4 && st.used == 4 && st.high_water == 4);
  CHECK(st.allocs == 4 && st.frees == 0 && st.failures == 1);
  for (i = 0; i < 4; i++) {
    CHECK(((struct msg *)blocks[i])->id == (uint32_t)i);
    CHECK_STATUS(bp_free(&msg_pool, blocks[i]), BP_OK);
  }
  CHECK_STATUS(bp_validate(&msg_pool), BP_OK);
  st = stats_of(&msg_pool);
  CHECK(st.used == 0 && st.frees == 4);
  /* bp_alloc_bytes on a typed pool: up to the block size. */
  CHECK_STATUS(bp_alloc_bytes(&msg_pool, 0, &extra), BP_ZERO_SIZE);
  CHECK_STATUS(bp_alloc_bytes(&msg_pool, sizeof(struct msg) + 1, &extra), BP_TOO_LARGE);
  CHECK(extra == NULL);
  CHECK_STATUS(bp_alloc_bytes(&msg_pool, sizeof(struct msg), &extra), BP_OK);
  CHECK_STATUS(bp_free(&msg_pool, extra), BP_OK);
  printf("typed pool: alloc until exhausted, hook, stats, free, validate, alloc_bytes: ok\n");
}

static void bad_pointers(void) {
  void *block;
  void *other;
  void *scratch;
  int on_stack = 0;
  bp_stats before, after;
  CHECK_STATUS(bp_alloc(&msg_pool, &block), BP_OK);
  CHECK_STATUS(bp_alloc(&secret_pool, &other), BP_OK);
  before = stats_of(&msg_pool);
  CHECK_STATUS(bp_free(&msg_pool, NULL), BP_NULL_POINTER);
  CHECK_STATUS(bp_free(NULL, block), BP_NULL_POINTER);
  CHECK_STATUS(bp_free(&msg_pool, &on_stack), BP_FOREIGN_BLOCK);
  CHECK_STATUS(bp_free(&msg_pool, other), BP_FOREIGN_BLOCK); /* another pool's block: the wrong pool */
  CHECK_STATUS(bp_free(&msg_pool, (char *)block + 1), BP_NOT_BLOCK_START);
  CHECK_STATUS(bp_free(&msg_pool, (char *)block + sizeof(struct msg) - 1), BP_NOT_BLOCK_START);
  CHECK_STATUS(bp_alloc(&msg_pool, NULL), BP_NULL_POINTER);
  CHECK_STATUS(bp_alloc(NULL, &scratch), BP_NULL_POINTER);
  CHECK(scratch == NULL);
  CHECK_STATUS(bp_alloc_bytes(NULL, 8, &scratch), BP_NULL_POINTER);
  CHECK_STATUS(bp_alloc_bytes(&msg_pool, 8, NULL), BP_NULL_POINTER);
  CHECK_STATUS(bp_get_stats(&msg_pool, NULL), BP_NULL_POINTER);
  CHECK_STATUS(bp_get_stats(NULL, &after), BP_NULL_POINTER);
  CHECK_STATUS(bp_validate(NULL), BP_NULL_POINTER);
  CHECK(bp_block_size(NULL) == 0);
  after = stats_of(&msg_pool);
  CHECK(memcmp(&before, &after, sizeof before) == 0); /* nothing changed */
  CHECK_STATUS(bp_validate(&msg_pool), BP_OK);
  CHECK(after.used == 1);
  CHECK_STATUS(bp_free(&msg_pool, block), BP_OK);
  CHECK_STATUS(bp_free(&msg_pool, block), BP_DOUBLE_FREE);
  CHECK_STATUS(bp_free(&secret_pool, other), BP_OK);
  CHECK_STATUS(bp_free(&secret_pool, other), BP_DOUBLE_FREE);
  printf("bad pointers: NULL, stack, wrong pool, interior, double free: ok\n");
}

static void across_the_boundary(void) {
  void *block;
  const void *boxed;
  const void *frame;
  /* Allocated in C, freed by Rust's RawPool::free_raw (the pool's own check says it was a raw block). */
  CHECK_STATUS(bp_alloc(&msg_pool, &block), BP_OK);
  CHECK(rust_free_raw_msg(block) == 0);
  /* Allocated by Rust's RawPool::alloc_raw, freed in C. */
  block = rust_alloc_raw_msg();
  CHECK(block != NULL);
  CHECK_STATUS(bp_free(&msg_pool, block), BP_OK);
  /* A block a Rust PoolBox owns is refused; the box's item is untouched. */
  boxed = rust_box_msg(42);
  CHECK(boxed != NULL);
  CHECK_STATUS(bp_free(&msg_pool, (void *)boxed), BP_DOUBLE_FREE);
  CHECK(rust_drop_box_msg() == 42);
  /* A block Rust PoolRc handles share is refused with BP_REF_IN_USE. C gets raw blocks of shared pools. */
  frame = rust_share_frame(7);
  CHECK(frame != NULL);
  CHECK_STATUS(bp_free(&shared_pool, (void *)frame), BP_REF_IN_USE);
  CHECK(rust_drop_frame() == 7);
  CHECK_STATUS(bp_alloc(&shared_pool, &block), BP_OK);
  CHECK_STATUS(bp_free(&shared_pool, block), BP_OK);
  CHECK_STATUS(bp_validate(&shared_pool), BP_OK);
  printf("across the boundary: C alloc/Rust free, Rust alloc/C free, PoolBox and PoolRc refused: ok\n");
}

static void zeroize(void) {
  void *block;
  void *again;
  size_t i;
  CHECK(bp_block_size(&secret_pool) == 32);
  CHECK_STATUS(bp_alloc(&secret_pool, &block), BP_OK);
  CHECK((uintptr_t)block % 16 == 0);
  memset(block, 0xff, 32);
  CHECK_STATUS(bp_free(&secret_pool, block), BP_OK);
  CHECK_STATUS(bp_alloc(&secret_pool, &again), BP_OK);
  CHECK(again == block); /* the free list is last in, first out */
  for (i = 0; i < 32; i++) CHECK(((unsigned char *)again)[i] == 0);
  CHECK_STATUS(bp_free(&secret_pool, again), BP_OK);
  printf("zeroize: a block freed from C comes back wiped: ok\n");
}

static void byte_pool_checks(void) {
  void *large;
  void *small;
  void *big[2];
  void *none = &none;
  const void *kept;
  bp_stats st;
  CHECK(bp_block_size(&byte_pool) == 256);
  CHECK_STATUS(bp_alloc(&byte_pool, &none), BP_WRONG_KIND);
  CHECK(none == NULL);
  CHECK_STATUS(bp_alloc_bytes(&byte_pool, 0, &none), BP_ZERO_SIZE);
  CHECK_STATUS(bp_alloc_bytes(&byte_pool, 257, &none), BP_TOO_LARGE);
  CHECK_STATUS(bp_alloc_bytes(&byte_pool, 100, &large), BP_OK);
  CHECK((uintptr_t)large % 256 == 0);
  memset(large, 0xab, 256);
  CHECK_STATUS(bp_alloc_bytes(&byte_pool, 10, &small), BP_OK);
  CHECK((uintptr_t)small % 64 == 0);
  memset(small, 0xcd, 64);
  CHECK_STATUS(bp_free(&byte_pool, (char *)small + 8), BP_NOT_BLOCK_START);
  CHECK_STATUS(bp_free(&byte_pool, (char *)large + 255), BP_NOT_BLOCK_START);
  CHECK_STATUS(bp_free(&msg_pool, small), BP_FOREIGN_BLOCK);
  CHECK_STATUS(bp_alloc_bytes(&byte_pool, 200, &big[0]), BP_OK);
  CHECK_STATUS(bp_alloc_bytes(&byte_pool, 200, &big[1]), BP_EXHAUSTED);
  CHECK_STATUS(bp_free(&byte_pool, big[0]), BP_OK);
  kept = rust_keep_bytes(20);
  CHECK(kept != NULL);
  CHECK_STATUS(bp_free(&byte_pool, (void *)kept), BP_DOUBLE_FREE); /* a Rust PoolBytes owns it */
  CHECK(rust_drop_bytes() == 20);
  st = stats_of(&byte_pool);
  CHECK(st.capacity == 6 && st.used == 2 && st.failures == 3);
  CHECK_STATUS(bp_free(&byte_pool, small), BP_OK);
  CHECK_STATUS(bp_free(&byte_pool, small), BP_DOUBLE_FREE);
  CHECK_STATUS(bp_free(&byte_pool, large), BP_OK);
  CHECK_STATUS(bp_validate(&byte_pool), BP_OK);
  CHECK(stats_of(&byte_pool).used == 0);
  printf("byte pool: classes, alignment, exhausted, interior, foreign, PoolBytes refused: ok\n");
}

static void status_strings(void) {
  int32_t s;
  for (s = BP_OK; s <= BP_BAD_ALIGNMENT; s++) {
    const char *text = bp_status_str(s);
    CHECK(text != NULL && strncmp(text, "BP_", 3) == 0);
  }
  CHECK(strcmp(bp_status_str(-1), "unknown bp_status") == 0);
  CHECK(strcmp(bp_status_str(15), "unknown bp_status") == 0);
  CHECK(strncmp(bp_status_str(BP_CORRUPTED), "BP_CORRUPTED", 12) == 0);
  CHECK(sizeof(bp_status) == 4);
  printf("status strings: ok\n");
}

int main(void) {
  typed_pool();
  bad_pointers();
  across_the_boundary();
  zeroize();
  byte_pool_checks();
  status_strings();
  printf("C API: %d checks passed\n", checks);
  return 0;
}

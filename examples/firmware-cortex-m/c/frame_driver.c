/* A C driver, as a firmware team keeps it while moving to Rust: it allocates its frames from pools that the
 * Rust side declares (`c_name = unsafe("frame_pool")`, `c_name = unsafe("scratch_pool")`) through blockpool's
 * C API, in the SysTick interrupt handler, and frees them there too. Compiled for the target by build.rs
 * (the `cc` crate and arm-none-eabi-gcc), freestanding: no C library. See src/mixed_c.rs. */
#include <stddef.h>
#include <stdint.h>

#include "blockpool.h"

extern const bp_pool frame_pool;
extern const bp_pool scratch_pool;

/* The Rust item `Frame` (#[repr(C)]). */
struct frame {
  uint32_t seq;
  uint32_t checksum;
  uint8_t data[24];
};

/* Frames the interrupt handler has filled, for the main loop; more slots than the pool has blocks, so it
 * never overflows. The handler writes `head`, the main loop `tail`: one writer each. */
#define RING 8u
static void *volatile ring[RING];
static volatile uint32_t head;
static volatile uint32_t tail;

/* A frame the main loop hands back for the interrupt handler to free. */
static void *volatile to_free;

/* Counters for the report; each has one writer. */
static volatile uint32_t quota;
static volatile uint32_t captured;
static volatile uint32_t dropped;
static volatile uint32_t freed_in_isr;
static volatile uint32_t scratch_ok;
static volatile uint32_t errors;

static uint32_t checksum_of(const struct frame *f) {
  uint32_t sum = f->seq;
  size_t i;
  for (i = 0; i < sizeof f->data; i++) sum = sum * 31u + f->data[i];
  return sum;
}

void frame_driver_start(uint32_t frames) { quota = frames; }

/* Called by the SysTick handler: frees the frame the main loop handed back, then captures one frame. */
void frame_driver_isr(void) {
  void *done = to_free;
  void *block;
  bp_status status;
  size_t i;
  if (done != NULL) {
    to_free = NULL;
    if (bp_free(&frame_pool, done) == BP_OK) {
      freed_in_isr++;
    } else {
      errors++;
    }
  }
  if (captured + dropped >= quota) return;

  /* Scratch space from the byte pool for the duration of the handler: 40 bytes come from the 128-byte class. */
  status = bp_alloc_bytes(&scratch_pool, 40, &block);
  if (status == BP_OK && bp_free(&scratch_pool, block) == BP_OK) {
    scratch_ok++;
  } else {
    errors++;
  }

  status = bp_alloc(&frame_pool, &block);
  if (status == BP_EXHAUSTED) {
    dropped++;
    return;
  }
  if (status != BP_OK) {
    errors++;
    return;
  }
  {
    struct frame *f = (struct frame *)block;
    f->seq = captured;
    for (i = 0; i < sizeof f->data; i++) f->data[i] = (uint8_t)(captured + i);
    f->checksum = checksum_of(f);
  }
  ring[head % RING] = block;
  head = head + 1u;
  captured++;
}

/* The main loop's side: the next captured frame, or NULL. The caller owns it until it frees it. */
void *frame_driver_take(void) {
  void *block;
  if (tail == head) return NULL;
  block = ring[tail % RING];
  tail = tail + 1u;
  if (((struct frame *)block)->checksum != checksum_of((const struct frame *)block)) errors++;
  return block;
}

/* Hands a frame to the interrupt handler to free; 0 if it still holds the previous one (then the caller
 * keeps the frame). */
int frame_driver_free_in_isr(void *block) {
  if (to_free != NULL) return 0;
  to_free = block;
  return 1;
}

/* Whether the interrupt handler has freed every frame handed to it. */
int frame_driver_idle(void) { return to_free == NULL; }

/* Thread mode: every bad pointer the driver could pass gets its status and changes nothing. Returns the
 * number of checks that passed (of 8). */
uint32_t frame_driver_self_test(void) {
  uint32_t passed = 0;
  void *block;
  uint32_t on_stack = 0;
  bp_stats before;
  bp_stats after;
  if (bp_get_stats(&frame_pool, &before) != BP_OK) return 0;
  if (bp_alloc(&frame_pool, &block) != BP_OK) return 0;
  passed += bp_free(&frame_pool, (uint8_t *)block + 4) == BP_NOT_BLOCK_START;
  passed += bp_free(&frame_pool, &on_stack) == BP_FOREIGN_BLOCK;
  passed += bp_free(&scratch_pool, block) == BP_FOREIGN_BLOCK; /* the wrong pool */
  passed += bp_free(&frame_pool, NULL) == BP_NULL_POINTER;
  passed += bp_free(&frame_pool, block) == BP_OK;
  passed += bp_free(&frame_pool, block) == BP_DOUBLE_FREE;
  passed += bp_alloc(&scratch_pool, &block) == BP_WRONG_KIND;
  if (bp_get_stats(&frame_pool, &after) != BP_OK) return 0;
  passed += after.used == before.used && bp_validate(&frame_pool) == BP_OK;
  return passed;
}

/* What the driver counted. */
void frame_driver_counts(uint32_t *out_captured, uint32_t *out_dropped, uint32_t *out_freed_in_isr,
                         uint32_t *out_scratch, uint32_t *out_errors) {
  *out_captured = captured;
  *out_dropped = dropped;
  *out_freed_in_isr = freed_in_isr;
  *out_scratch = scratch_ok;
  *out_errors = errors;
}

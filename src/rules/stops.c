/* stops: pending stop orders, released in trigger order as the last price moves.
 *
 * Per instrument, sell stops sit in a max-heap on trigger and buy stops in a
 * min-heap, ties broken by an insertion counter (seq), so the next stop to
 * fire is always at a heap's top: add and each triggered stop cost O(log n).
 * An open-addressing map (linear probing, backward-shift deletion) holds the
 * seq of every pending stop by id. Cancel only removes the id from the map;
 * the heap entry goes stale and is dropped when it reaches the top, or when
 * stale entries outnumber live ones and the heaps are compacted. A heap entry
 * is live exactly when the map holds its id with the same seq.
 *
 * Instruments are found by a linear scan: a venue lists a handful of them.
 */
#include <stdlib.h>

#include "cascade/heap.h"
#include "cascade/rules.h"
#include "core/coreInt.h"

struct entry {
    struct cas_stop stop;
    uint64_t seq;
};

struct heap {
    struct entry *v;
    uint32_t n, cap;
    bool sell; /* max-heap on trigger; else min-heap */
};

struct inst {
    uint32_t instrument;
    struct heap sell, buy;
};

struct slot {
    uint64_t id;
    uint64_t seq; /* 0 = empty */
};

struct cas_stops {
    struct inst *insts;
    uint32_t ninsts, insts_cap;
    struct slot *map;
    size_t map_cap; /* a power of two, or 0 */
    size_t live;    /* pending stops = occupied map slots */
    size_t entries; /* heap entries, live and stale */
    uint64_t next_seq;
};

/* ---- id map ---- */

static size_t hash_id(uint64_t id)
{
    id ^= id >> 30; /* splitmix64's finalizer */
    id *= 0xbf58476d1ce4e5b9ULL;
    id ^= id >> 27;
    id *= 0x94d049bb133111ebULL;
    id ^= id >> 31;
    return (size_t)id;
}

/* The slot holding id, or the empty slot where it would go. */
static size_t map_slot(const struct cas_stops *s, uint64_t id)
{
    size_t mask = s->map_cap - 1, i = hash_id(id) & mask;
    while (s->map[i].seq != 0 && s->map[i].id != id)
        i = (i + 1) & mask;
    return i;
}

/* The seq of pending stop id, or 0. */
static uint64_t map_get(const struct cas_stops *s, uint64_t id)
{
    return s->map_cap ? s->map[map_slot(s, id)].seq : 0;
}

/* Room for `want` ids at a load factor of at most 1/2. */
static int map_reserve(struct cas_stops *s, size_t want)
{
    if (want * 2 <= s->map_cap)
        return 0;
    size_t cap = s->map_cap ? s->map_cap * 2 : 64;
    while (want * 2 > cap)
        cap *= 2;
    struct slot *old = s->map;
    size_t old_cap = s->map_cap;
    s->map = calloc(cap, sizeof *s->map);
    if (!s->map) {
        s->map = old;
        return CAS_ENOMEM;
    }
    s->map_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].seq != 0)
            s->map[map_slot(s, old[i].id)] = old[i];
    free(old);
    return 0;
}

/* Remove the id in slot i, shifting back later entries of its probe run so
 * that every id stays reachable from its home slot without tombstones. */
static void map_remove_at(struct cas_stops *s, size_t i)
{
    size_t mask = s->map_cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (s->map[j].seq == 0)
            break;
        size_t home = hash_id(s->map[j].id) & mask;
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            s->map[i] = s->map[j];
            i = j;
        }
    }
    s->map[i].seq = 0;
    s->live--;
}

/* ---- heaps ---- */

static bool before(const struct heap *h, const struct entry *a, const struct entry *b)
{
    if (a->stop.trigger != b->stop.trigger)
        return h->sell ? a->stop.trigger > b->stop.trigger : a->stop.trigger < b->stop.trigger;
    return a->seq < b->seq;
}

/* The heaps are CAS_HEAP (cascade/heap.h), ordered by `before`. */
CAS_HEAP(stop_heap, struct entry, const struct heap *, before, CAS_HEAP_NOTHING_PLACED)

static void sift_up(struct heap *h, size_t i)
{
    stop_heap_up(h, h->v, (uint32_t)i);
}

static void sift_down(struct heap *h, size_t i)
{
    stop_heap_down(h, h->v, h->n, (uint32_t)i);
}

static void heap_pop(struct heap *h)
{
    h->v[0] = h->v[--h->n];
    sift_down(h, 0);
}

/* Drop stale entries and restore heap order (Floyd's bottom-up build). */
static size_t heap_compact(struct heap *h, const struct cas_stops *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < h->n; i++)
        if (map_get(s, h->v[i].stop.id) == h->v[i].seq)
            h->v[kept++] = h->v[i];
    h->n = (uint32_t)kept;
    for (size_t i = kept / 2; i-- > 0;)
        sift_down(h, i);
    return kept;
}

/* ---- the set ---- */

struct cas_stops *cas_stops_create(void)
{
    struct cas_stops *s = calloc(1, sizeof *s);
    if (s)
        s->next_seq = 1;
    return s;
}

void cas_stops_destroy(struct cas_stops *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ninsts; i++) {
        free(s->insts[i].sell.v);
        free(s->insts[i].buy.v);
    }
    free(s->insts);
    free(s->map);
    free(s);
}

static struct inst *find_inst(const struct cas_stops *s, uint32_t instrument)
{
    for (uint32_t i = 0; i < s->ninsts; i++)
        if (s->insts[i].instrument == instrument)
            return &s->insts[i];
    return NULL;
}

static struct inst *add_inst(struct cas_stops *s, uint32_t instrument)
{
    if (cas__grow((void **)&s->insts, &s->insts_cap, s->ninsts + 1, sizeof *s->insts) < 0)
        return NULL;
    struct inst *in = &s->insts[s->ninsts++];
    *in = (struct inst){.instrument = instrument, .sell = {.sell = true}, .buy = {.sell = false}};
    return in;
}

int cas_stops_add(struct cas_stops *s, const struct cas_stop *stop)
{
    if ((stop->side != CAS_BUY && stop->side != CAS_SELL) || stop->trigger < 1 || stop->qty < 1)
        return CAS_EINVAL;
    if (map_get(s, stop->id) != 0)
        return CAS_EEXIST;
    struct inst *in = find_inst(s, stop->instrument);
    if (!in && !(in = add_inst(s, stop->instrument)))
        return CAS_ENOMEM;
    struct heap *h = stop->side == CAS_SELL ? &in->sell : &in->buy;
    if (cas__grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v) < 0 ||
        map_reserve(s, s->live + 1) < 0)
        return CAS_ENOMEM;
    uint64_t seq = s->next_seq++;
    h->v[h->n] = (struct entry){.stop = *stop, .seq = seq};
    sift_up(h, h->n++);
    s->map[map_slot(s, stop->id)] = (struct slot){.id = stop->id, .seq = seq};
    s->live++;
    s->entries++;
    return 0;
}

/* Compact when stale entries outnumber live ones (and are not few), so memory
 * stays proportional to the pending stops; amortized O(1) per cancel. */
static void maybe_compact(struct cas_stops *s)
{
    if (s->entries - s->live <= s->live + 1024)
        return;
    s->entries = 0;
    for (uint32_t i = 0; i < s->ninsts; i++) {
        s->entries += heap_compact(&s->insts[i].sell, s);
        s->entries += heap_compact(&s->insts[i].buy, s);
    }
}

int cas_stops_cancel(struct cas_stops *s, uint64_t id)
{
    if (map_get(s, id) == 0)
        return CAS_ENOTFOUND;
    map_remove_at(s, map_slot(s, id));
    maybe_compact(s);
    return 0;
}

static bool fires(const struct heap *h, cas_ticks last)
{
    cas_ticks t = h->v[0].stop.trigger;
    return h->sell ? last <= t : last >= t;
}

/* Pop the stops of one heap that `last` triggers, live ones into out. */
static uint32_t pop_fired(struct cas_stops *s, struct heap *h, cas_ticks last, struct cas_stop *out,
                          uint32_t max)
{
    uint32_t got = 0;
    while (got < max && h->n > 0 && fires(h, last)) {
        struct entry e = h->v[0];
        heap_pop(h);
        s->entries--;
        size_t slot = map_slot(s, e.stop.id);
        if (s->map[slot].seq != e.seq)
            continue; /* cancelled: a stale entry */
        map_remove_at(s, slot);
        out[got++] = e.stop;
    }
    return got;
}

uint32_t cas_stops_triggered(struct cas_stops *s, uint32_t instrument, cas_ticks last,
                             struct cas_stop *out, uint32_t max)
{
    struct inst *in = find_inst(s, instrument);
    if (!in)
        return 0;
    uint32_t got = pop_fired(s, &in->sell, last, out, max);
    return got + pop_fired(s, &in->buy, last, out + got, max - got);
}

uint32_t cas_stops_pending(const struct cas_stops *s)
{
    return (uint32_t)s->live;
}

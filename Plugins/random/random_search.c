/* Random search, written in plain C against <hwnas/plugin.h> only: the
 * baseline every strategy must beat, and proof that the ABI needs no Swift.
 *
 * Uniform sampling without replacement. Spaces up to 2^24 architectures use an
 * exact "seen" bitmap over the mixed-radix index (so the space can be
 * exhausted cleanly); larger spaces use a hash set of genotype hashes. */
#include "hwnas_random.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct random_state {
    const hwnas_search_context *ctx;
    uint64_t rng;
    uint32_t n_dims;
    double space_size;
    uint8_t *bitmap;          /* exact mode */
    uint64_t bitmap_bits;
    uint64_t seen_count;
    uint64_t *hashes;         /* hash mode: open addressing, 0 = empty */
    uint64_t hash_cap, hash_count;
    char error[256];
} random_state;

static uint64_t next_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t index_of(const random_state *st, const int32_t *g) {
    uint64_t idx = 0;
    for (uint32_t d = 0; d < st->n_dims; d++) idx = idx * st->ctx->space->choice_counts[d] + (uint64_t)g[d];
    return idx;
}

static uint64_t hash_of(const random_state *st, const int32_t *g) {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t d = 0; d < st->n_dims; d++) { h ^= (uint64_t)(uint32_t)g[d] + 1; h *= 1099511628211ull; }
    return h ? h : 1;
}

/* Marks g seen; returns 1 when it was new. */
static int mark_seen(random_state *st, const int32_t *g) {
    if (st->bitmap) {
        uint64_t i = index_of(st, g);
        if (st->bitmap[i >> 3] & (1u << (i & 7))) return 0;
        st->bitmap[i >> 3] |= (uint8_t)(1u << (i & 7));
        st->seen_count++;
        return 1;
    }
    if (st->hash_count * 2 >= st->hash_cap) {         /* grow */
        uint64_t ncap = st->hash_cap * 2;
        uint64_t *nh = calloc(ncap, sizeof(uint64_t));
        if (!nh) return 0;
        for (uint64_t i = 0; i < st->hash_cap; i++) {
            uint64_t h = st->hashes[i];
            if (!h) continue;
            uint64_t j = h & (ncap - 1);
            while (nh[j]) j = (j + 1) & (ncap - 1);
            nh[j] = h;
        }
        free(st->hashes);
        st->hashes = nh;
        st->hash_cap = ncap;
    }
    uint64_t h = hash_of(st, g), j = h & (st->hash_cap - 1);
    while (st->hashes[j]) { if (st->hashes[j] == h) return 0; j = (j + 1) & (st->hash_cap - 1); }
    st->hashes[j] = h;
    st->hash_count++;
    st->seen_count++;
    return 1;
}

static void sample(random_state *st, int32_t *g) {
    for (uint32_t d = 0; d < st->n_dims; d++)
        g[d] = (int32_t)(next_u64(&st->rng) % st->ctx->space->choice_counts[d]);
}

static hwnas_status rs_ask(const hwnas_strategy *self, uint32_t max_count, int32_t *out, uint32_t *count_out) {
    random_state *st = self->plugin_data;
    uint32_t n = 0;
    while (n < max_count) {
        int32_t *g = out + (size_t)n * st->n_dims;
        int found = 0;
        if (st->bitmap && (double)st->seen_count >= st->space_size) break;
        for (int tries = 0; tries < 100000 && !found; tries++) {
            sample(st, g);
            if (st->ctx->is_evaluated && st->ctx->is_evaluated(st->ctx->host_ctx, g)) { mark_seen(st, g); continue; }
            found = mark_seen(st, g);
        }
        if (!found) break;
        n++;
    }
    *count_out = n;
    return n == 0 ? HWNAS_ERR_EXHAUSTED : HWNAS_OK;
}

static hwnas_status rs_tell(const hwnas_strategy *self, const hwnas_tell *results) {
    random_state *st = self->plugin_data;
    if (!results || results->n_dims != st->n_dims) {
        snprintf(st->error, sizeof st->error, "tell: dimension mismatch");
        return HWNAS_ERR_INVALID_ARGUMENT;
    }
    return HWNAS_OK;   /* random search learns nothing */
}

static const char *rs_last_error(const hwnas_strategy *self) {
    return ((random_state *)self->plugin_data)->error;
}

static void rs_destroy(const hwnas_strategy *self) {
    random_state *st = self->plugin_data;
    free(st->bitmap);
    free(st->hashes);
    free(st);
    free((void *)self);
}

/* Declares that it takes no options (ABI 1.1): the host refuses any. */
static const hwnas_option_spec no_options[1];

static const hwnas_descriptor descriptors[] = {
    {sizeof(hwnas_descriptor), 0, "random", "Random search", "hwnas", "1.0.0",
     "Uniform random sampling without replacement (C plugin)", no_options, 0, sizeof(hwnas_option_spec)},
};

static uint32_t factory_count(const hwnas_strategy_factory *f) { (void)f; return 1; }

static const hwnas_descriptor *factory_descriptor(const hwnas_strategy_factory *f, uint32_t i) {
    (void)f;
    return i < 1 ? &descriptors[i] : NULL;
}

static hwnas_status factory_create(const hwnas_strategy_factory *f, const char *id, const hwnas_host *host,
                                   const hwnas_search_context *ctx, const hwnas_options *options,
                                   hwnas_strategy **out, char *err, uint32_t cap) {
    (void)f; (void)host; (void)options;
    if (!id || strcmp(id, "random") != 0) {
        snprintf(err, cap, "unknown strategy id '%s'", id ? id : "(null)");
        return HWNAS_ERR_UNKNOWN_ID;
    }
    if (!ctx || !ctx->space || !out) { snprintf(err, cap, "NULL context"); return HWNAS_ERR_INVALID_ARGUMENT; }
    random_state *st = calloc(1, sizeof *st);
    hwnas_strategy *s = calloc(1, sizeof *s);
    if (!st || !s) { free(st); free(s); return HWNAS_ERR_OUT_OF_MEMORY; }
    st->ctx = ctx;
    st->rng = ctx->seed ^ 0x5EEDull;
    st->n_dims = ctx->space->n_dims;
    st->space_size = 1;
    for (uint32_t d = 0; d < st->n_dims; d++) st->space_size *= ctx->space->choice_counts[d];
    if (st->space_size <= (double)(1u << 24)) {
        st->bitmap_bits = (uint64_t)st->space_size;
        st->bitmap = calloc((size_t)(st->bitmap_bits / 8 + 1), 1);
    } else {
        st->hash_cap = 1024;
        st->hashes = calloc(st->hash_cap, sizeof(uint64_t));
    }
    s->struct_size = sizeof *s;
    s->plugin_data = st;
    s->ask = rs_ask;
    s->tell = rs_tell;
    s->last_error = rs_last_error;
    s->destroy = rs_destroy;
    *out = s;
    return HWNAS_OK;
}

static const hwnas_strategy_factory factory = {
    sizeof(hwnas_strategy_factory), 0, factory_count, factory_descriptor, factory_create,
};

static hwnas_status plugin_init(const hwnas_host *host) { (void)host; return HWNAS_OK; }
static void plugin_deinit(void) {}

static const void *plugin_get_factory(const char *id) {
    if (id && strcmp(id, HWNAS_STRATEGY_FACTORY_ID) == 0) return &factory;
    return NULL;
}

static const hwnas_plugin_entry entry = {
    sizeof(hwnas_plugin_entry), 0,
    {HWNAS_ABI_VERSION_MAJOR, HWNAS_ABI_VERSION_MINOR, HWNAS_ABI_VERSION_PATCH},
    plugin_init, plugin_deinit, plugin_get_factory,
};

const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }

/* A third-party search strategy in plain C99, built with nothing but the
 * public header:
 *
 *   cc -std=c99 -shared -fPIC -I /path/to/hwnas/include hill_climb.c -o libhill_climb.so
 *   hwnas search --plugin-path . --strategy hill-climb ...
 *
 * Stochastic hill climbing: mutate the best genotype so far; after `patience`
 * non-improving children, restart from a random point. Uses the host's cheap
 * query_costs to skip infeasible children and a local hash set (plus the
 * host's is_evaluated) so no evaluation is ever spent twice. */
#include <hwnas/plugin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const hwnas_search_context *ctx;
    uint64_t rng;
    uint32_t dims;
    int32_t *best, *scratch;
    double best_value;
    uint32_t since_improvement, patience;
    uint64_t *seen; uint64_t seen_cap, seen_count;
    char error[128];
} hc_state;

static uint64_t hc_next(hc_state *s) {
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hc_hash(const int32_t *g, uint32_t n) {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < n; i++) { h ^= (uint64_t)(uint32_t)g[i] + 1; h *= 1099511628211ull; }
    return h ? h : 1;
}

/* Inserts; returns 0 when already present. */
static int hc_insert(hc_state *s, uint64_t h) {
    if (s->seen_count * 2 >= s->seen_cap) {
        uint64_t cap = s->seen_cap * 2, *n = calloc(cap, sizeof *n);
        for (uint64_t i = 0; i < s->seen_cap; i++) if (s->seen[i]) {
            uint64_t j = s->seen[i] & (cap - 1);
            while (n[j]) j = (j + 1) & (cap - 1);
            n[j] = s->seen[i];
        }
        free(s->seen); s->seen = n; s->seen_cap = cap;
    }
    uint64_t j = h & (s->seen_cap - 1);
    while (s->seen[j]) { if (s->seen[j] == h) return 0; j = (j + 1) & (s->seen_cap - 1); }
    s->seen[j] = h; s->seen_count++;
    return 1;
}

static void hc_random(hc_state *s, int32_t *g) {
    for (uint32_t d = 0; d < s->dims; d++) g[d] = (int32_t)(hc_next(s) % s->ctx->space->choice_counts[d]);
}

static hwnas_status hc_ask(const hwnas_strategy *self, uint32_t max, int32_t *out, uint32_t *count) {
    hc_state *s = self->plugin_data;
    uint32_t n = 0;
    for (int tries = 0; n < max && tries < 100000; tries++) {
        int32_t *g = out + (size_t)n * s->dims;
        /* Random point when there is no incumbent, after a restart, or when
         * the incumbent's neighbourhood is used up. */
        if (isnan(s->best_value) || s->since_improvement >= s->patience || tries > 500) {
            hc_random(s, g);
        } else {
            memcpy(g, s->best, s->dims * sizeof *g);
            uint32_t d = (uint32_t)(hc_next(s) % s->dims), k = s->ctx->space->choice_counts[d];
            if (k > 1) g[d] = (int32_t)((g[d] + 1 + hc_next(s) % (k - 1)) % k);
        }
        if (!hc_insert(s, hc_hash(g, s->dims))) continue;
        if (s->ctx->is_evaluated && s->ctx->is_evaluated(s->ctx->host_ctx, g)) continue;
        uint8_t feasible = 1;
        if (s->ctx->query_costs && s->ctx->query_costs(s->ctx->host_ctx, 1, g, &feasible, NULL) != HWNAS_OK) feasible = 0;
        if (!feasible) continue;
        n++;
    }
    *count = n;
    return n ? HWNAS_OK : HWNAS_ERR_EXHAUSTED;
}

static hwnas_status hc_tell(const hwnas_strategy *self, const hwnas_tell *t) {
    hc_state *s = self->plugin_data;
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->outcomes[i] != HWNAS_OUTCOME_EVALUATED) continue;
        double v = t->objectives[(size_t)i * t->n_objectives];
        if (isnan(s->best_value) || v > s->best_value) {
            s->best_value = v;
            memcpy(s->best, t->genotypes + (size_t)i * t->n_dims, s->dims * sizeof(int32_t));
            s->since_improvement = 0;
        } else if (++s->since_improvement > s->patience) {
            s->since_improvement = 0;        /* restart: forget the incumbent */
            s->best_value = NAN;
        }
    }
    return HWNAS_OK;
}

static const char *hc_error(const hwnas_strategy *self) { return ((hc_state *)self->plugin_data)->error; }

static void hc_destroy(const hwnas_strategy *self) {
    hc_state *s = self->plugin_data;
    free(s->best); free(s->scratch); free(s->seen); free(s); free((void *)self);
}

#if HWNAS_ABI_VERSION_MINOR >= 1
/* Built against ABI 1.1: declare the options, so the host refuses a typo
 * (`patiense=9`) or a bad value before create() runs. Against 1.0 the
 * descriptor ends before `options` and the host passes options unchecked. */
static const hwnas_option_spec hc_options[] = {
    {sizeof(hwnas_option_spec), HWNAS_OPTION_INT, "patience", "15",
     "non-improving children before a random restart", NULL, 1, 1000000, 0, 0},
};
#endif

static const hwnas_descriptor hc_descriptor = {
    sizeof(hwnas_descriptor), 0, "hill-climb", "Stochastic hill climbing", "example.org", "1.0.0",
    "Mutate the incumbent, restart after `patience` misses (third-party C example)"
#if HWNAS_ABI_VERSION_MINOR >= 1
    , hc_options, sizeof hc_options / sizeof hc_options[0], sizeof(hwnas_option_spec)
#endif
};

static uint32_t f_count(const hwnas_strategy_factory *f) { (void)f; return 1; }
static const hwnas_descriptor *f_desc(const hwnas_strategy_factory *f, uint32_t i) { (void)f; return i == 0 ? &hc_descriptor : NULL; }

static hwnas_status f_create(const hwnas_strategy_factory *f, const char *id, const hwnas_host *host,
                             const hwnas_search_context *ctx, const hwnas_options *opts, hwnas_strategy **out,
                             char *err, uint32_t cap) {
    (void)f; (void)host;
    if (strcmp(id, "hill-climb") != 0) { snprintf(err, cap, "unknown id '%s'", id); return HWNAS_ERR_UNKNOWN_ID; }
    hc_state *s = calloc(1, sizeof *s);
    hwnas_strategy *st = calloc(1, sizeof *st);
    s->ctx = ctx; s->rng = ctx->seed; s->dims = ctx->space->n_dims;
    s->best = calloc(s->dims, sizeof(int32_t)); s->scratch = calloc(s->dims, sizeof(int32_t));
    s->best_value = NAN; s->patience = 15;
    s->seen_cap = 1024; s->seen = calloc(s->seen_cap, sizeof(uint64_t));
    for (uint32_t i = 0; opts && i < opts->count; i++)
        if (strcmp(opts->items[i].key, "patience") == 0) s->patience = (uint32_t)atoi(opts->items[i].value);
    st->struct_size = sizeof *st; st->plugin_data = s;
    st->ask = hc_ask; st->tell = hc_tell; st->last_error = hc_error; st->destroy = hc_destroy;
    *out = st;
    return HWNAS_OK;
}

static const hwnas_strategy_factory factory = {sizeof(hwnas_strategy_factory), 0, f_count, f_desc, f_create};
static hwnas_status p_init(const hwnas_host *h) { (void)h; return HWNAS_OK; }
static void p_deinit(void) {}
static const void *p_factory(const char *id) { return strcmp(id, HWNAS_STRATEGY_FACTORY_ID) == 0 ? &factory : NULL; }
static const hwnas_plugin_entry entry = {
    sizeof(hwnas_plugin_entry), 0, {HWNAS_ABI_VERSION_MAJOR, HWNAS_ABI_VERSION_MINOR, HWNAS_ABI_VERSION_PATCH},
    p_init, p_deinit, p_factory};

const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }

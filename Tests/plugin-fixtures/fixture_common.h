/* A minimal valid strategy factory the fixtures reuse and then break. */
#include <hwnas/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "fixture"
#endif

typedef struct { const hwnas_search_context *ctx; uint64_t rng; uint32_t asked; } fx_state;

static hwnas_status fx_ask(const hwnas_strategy *s, uint32_t max, int32_t *out, uint32_t *n) {
    fx_state *st = s->plugin_data;
#ifdef FIXTURE_CRASH_AFTER
    if (st->asked >= FIXTURE_CRASH_AFTER) *(volatile int *)0 = 1;   /* a plugin bug: NULL store (re-faults even if a handler returns) */
#endif
#ifdef FIXTURE_HANG_AFTER
    if (st->asked >= FIXTURE_HANG_AFTER) for (;;) sleep(1);          /* a plugin bug: an ask that never returns */
#endif
    for (uint32_t d = 0; d < st->ctx->space->n_dims; d++) {
        st->rng = st->rng * 6364136223846793005ull + 1442695040888963407ull;
        out[d] = (int32_t)((st->rng >> 33) % st->ctx->space->choice_counts[d]);
    }
    st->asked++;
    *n = max > 0 ? 1 : 0;
    return HWNAS_OK;
}
static hwnas_status fx_tell(const hwnas_strategy *s, const hwnas_tell *t) { (void)s; (void)t; return HWNAS_OK; }
static const char *fx_err(const hwnas_strategy *s) { (void)s; return "fixture error"; }
static void fx_destroy(const hwnas_strategy *s) { free(s->plugin_data); free((void *)s); }

static const hwnas_descriptor fx_desc = {sizeof(hwnas_descriptor), 0, FIXTURE_ID, "Fixture", "tests", "0.0.1", "test fixture"};
static uint32_t fx_count(const hwnas_strategy_factory *f) { (void)f; return 1; }
static const hwnas_descriptor *fx_descriptor(const hwnas_strategy_factory *f, uint32_t i) { (void)f; return i == 0 ? &fx_desc : NULL; }
static hwnas_status fx_create(const hwnas_strategy_factory *f, const char *id, const hwnas_host *h,
                              const hwnas_search_context *ctx, const hwnas_options *o, hwnas_strategy **out,
                              char *err, uint32_t cap) {
    (void)f; (void)h; (void)o;
    if (strcmp(id, FIXTURE_ID) != 0) { strncpy(err, "unknown id", cap); return HWNAS_ERR_UNKNOWN_ID; }
    fx_state *st = calloc(1, sizeof *st);
    hwnas_strategy *s = calloc(1, sizeof *s);
    st->ctx = ctx; st->rng = ctx->seed;
    s->struct_size = sizeof *s; s->plugin_data = st;
    s->ask = fx_ask; s->tell = fx_tell; s->last_error = fx_err; s->destroy = fx_destroy;
    *out = s;
    return HWNAS_OK;
}
static const hwnas_strategy_factory fx_factory = {sizeof(hwnas_strategy_factory), 0, fx_count, fx_descriptor, fx_create};
static hwnas_status fx_init(const hwnas_host *h) { (void)h; return HWNAS_OK; }
static void fx_deinit(void) {}
static const void *fx_get_factory(const char *id) {
    return strcmp(id, HWNAS_STRATEGY_FACTORY_ID) == 0 ? &fx_factory : NULL;
}

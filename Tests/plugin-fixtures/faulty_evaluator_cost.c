/* An evaluator "faulty-eval" (score = 1 + sum of the genotype) and a cost
 * model "faulty-cost" (latency_ms = 1 + g[0]) that break one contract each,
 * chosen at compile time with -DFAULT=<n>:
 *   0 none (a correct plugin)
 *   1 on_result with an index past the batch        4 evaluate segfaults
 *   2 OK status with a NaN score                     5 estimate segfaults
 *   3 on_result with NULL metrics, status OK         6 estimate never returns
 *   7 latency_ms negative for every candidate        8 latency_ms +inf
 *   9 evaluate segfaults on candidates whose first choice is 0 (some, not all) */
#include <hwnas/plugin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FAULT
#define FAULT 0
#endif

static uint32_t ev_count(const hwnas_evaluator *e) { (void)e; return 1; }
static const char *ev_name(const hwnas_evaluator *e, uint32_t i) { (void)e; return i == 0 ? "score" : NULL; }
static const char *ev_err(const hwnas_evaluator *e) { (void)e; return "faulty evaluator"; }
static void ev_destroy(const hwnas_evaluator *e) { free((void *)e); }

static hwnas_status ev_evaluate(const hwnas_evaluator *e, const hwnas_evaluation_request *r, int32_t *status, double *metrics) {
    (void)e;
    const hwnas_candidate_batch *b = r->batch;
    for (uint32_t i = 0; i < b->count; i++) {
        double s = 1;
        for (uint32_t d = 0; d < b->n_dims; d++) s += b->genotypes[i * b->n_dims + d];
        if (FAULT == 2) s = NAN;
        if (FAULT == 4 || (FAULT == 9 && b->genotypes[i * b->n_dims] == 0)) *(volatile int *)0 = 1;
        status[i] = HWNAS_EVAL_OK;
        metrics[i] = s;
        if (r->on_result) {
            if (FAULT == 1) r->on_result(r->host_ctx, b->count + 5, HWNAS_EVAL_OK, &metrics[i]);
            else if (FAULT == 3) { r->on_result(r->host_ctx, i, HWNAS_EVAL_OK, NULL); metrics[i] = NAN; }
            else r->on_result(r->host_ctx, i, HWNAS_EVAL_OK, &metrics[i]);
        }
    }
    return HWNAS_OK;
}

static const hwnas_descriptor ev_desc = {sizeof(hwnas_descriptor), 0, "faulty-eval", "Faulty evaluator", "tests", "0.0.1",
                                         "an evaluator that breaks one contract"};
static uint32_t evf_count(const hwnas_evaluator_factory *f) { (void)f; return 1; }
static const hwnas_descriptor *evf_desc(const hwnas_evaluator_factory *f, uint32_t i) { (void)f; return i == 0 ? &ev_desc : NULL; }
static hwnas_status evf_create(const hwnas_evaluator_factory *f, const char *id, const hwnas_host *h, const hwnas_search_space *s,
                               const hwnas_options *o, hwnas_evaluator **out, char *err, uint32_t cap) {
    (void)f; (void)h; (void)s; (void)o;
    if (strcmp(id, "faulty-eval") != 0) { strncpy(err, "unknown id", cap); return HWNAS_ERR_UNKNOWN_ID; }
    hwnas_evaluator *e = calloc(1, sizeof *e);
    e->struct_size = sizeof *e; e->metric_count = ev_count; e->metric_name = ev_name;
    e->evaluate = ev_evaluate; e->last_error = ev_err; e->destroy = ev_destroy;
    *out = e;
    return HWNAS_OK;
}
static const hwnas_evaluator_factory ev_factory = {sizeof(hwnas_evaluator_factory), 0, evf_count, evf_desc, evf_create};

static uint32_t cm_count(const hwnas_cost_model *m) { (void)m; return 1; }
static const char *cm_name(const hwnas_cost_model *m, uint32_t i) { (void)m; return i == 0 ? "latency_ms" : NULL; }
static const char *cm_err(const hwnas_cost_model *m) { (void)m; return "faulty cost model"; }
static void cm_destroy(const hwnas_cost_model *m) { free((void *)m); }
static hwnas_status cm_estimate(const hwnas_cost_model *m, const hwnas_candidate_batch *b, double *out) {
    (void)m;
    if (FAULT == 5) *(volatile int *)0 = 1;
    if (FAULT == 6) for (;;) sleep(1);
    for (uint32_t i = 0; i < b->count; i++) {
        out[i] = 1 + b->genotypes[i * b->n_dims];
        if (FAULT == 7) out[i] = -out[i];
        if (FAULT == 8) out[i] = INFINITY;
    }
    return HWNAS_OK;
}
static const hwnas_descriptor cm_desc = {sizeof(hwnas_descriptor), 0, "faulty-cost", "Faulty cost model", "tests", "0.0.1",
                                         "a cost model that breaks one contract"};
static uint32_t cmf_count(const hwnas_cost_model_factory *f) { (void)f; return 1; }
static const hwnas_descriptor *cmf_desc(const hwnas_cost_model_factory *f, uint32_t i) { (void)f; return i == 0 ? &cm_desc : NULL; }
static hwnas_status cmf_create(const hwnas_cost_model_factory *f, const char *id, const hwnas_host *h, const hwnas_search_space *s,
                               const hwnas_options *o, hwnas_cost_model **out, char *err, uint32_t cap) {
    (void)f; (void)h; (void)s; (void)o;
    if (strcmp(id, "faulty-cost") != 0) { strncpy(err, "unknown id", cap); return HWNAS_ERR_UNKNOWN_ID; }
    hwnas_cost_model *m = calloc(1, sizeof *m);
    m->struct_size = sizeof *m; m->metric_count = cm_count; m->metric_name = cm_name;
    m->estimate = cm_estimate; m->last_error = cm_err; m->destroy = cm_destroy;
    *out = m;
    return HWNAS_OK;
}
static const hwnas_cost_model_factory cm_factory = {sizeof(hwnas_cost_model_factory), 0, cmf_count, cmf_desc, cmf_create};

static hwnas_status fx_init(const hwnas_host *h) { (void)h; return HWNAS_OK; }
static void fx_deinit(void) {}
static const void *fx_get_factory(const char *id) {
    if (strcmp(id, HWNAS_EVALUATOR_FACTORY_ID) == 0) return &ev_factory;
    if (strcmp(id, HWNAS_COST_MODEL_FACTORY_ID) == 0) return &cm_factory;
    return NULL;
}
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {1, 1, 0}, fx_init, fx_deinit, fx_get_factory};
HWNAS_EXPORT const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }

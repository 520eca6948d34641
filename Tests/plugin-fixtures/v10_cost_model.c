/* A cost model written against the ABI 1.0 header (Tests/abi-fixtures/v1.0):
 * it walks batch->networks[i]->layers[j] with the 1.0 sizeof(hwnas_layer)
 * (112 bytes) and sums params, MACs and layers. Under a 1.1 host this only
 * works if the host hands it 1.0 layer records: the sums are checked against
 * the host's own figures by the tests. Metrics: v10_params, v10_macs,
 * v10_layers, v10_latency_ms (MACs / 1e6). */
#include <hwnas/plugin.h>
#include <stdlib.h>
#include <string.h>

static const char *const kNames[] = {"v10_params", "v10_macs", "v10_layers", "v10_latency_ms"};

static uint32_t cm_count(const hwnas_cost_model *m) { (void)m; return 4; }
static const char *cm_name(const hwnas_cost_model *m, uint32_t i) { (void)m; return i < 4 ? kNames[i] : NULL; }
static hwnas_status cm_estimate(const hwnas_cost_model *m, const hwnas_candidate_batch *b, double *out) {
    (void)m;
    if (!b->networks) return HWNAS_ERR_FAILED;
    for (uint32_t i = 0; i < b->count; i++) {
        const hwnas_network *n = b->networks[i];
        double params = 0, macs = 0;
        for (uint32_t j = 0; j < n->n_layers; j++) {
            const hwnas_layer *l = &n->layers[j];   /* 1.0 style: sizeof(hwnas_layer) of this header */
            if (l->struct_size != sizeof(hwnas_layer)) return HWNAS_ERR_FAILED;
            params += (double)l->params;
            macs += (double)l->macs;
        }
        out[i * 4 + 0] = params;
        out[i * 4 + 1] = macs;
        out[i * 4 + 2] = n->n_layers;
        out[i * 4 + 3] = macs / 1e6;
    }
    return HWNAS_OK;
}
static const char *cm_error(const hwnas_cost_model *m) { (void)m; return "a layer record has another size than this 1.0 plugin's"; }
static void cm_destroy(const hwnas_cost_model *m) { free((void *)m); }

static const hwnas_descriptor desc = {sizeof(hwnas_descriptor), 0, "v10-cost", "v1.0 cost model", "tests", "1.0.0",
                                      "sums layer params and MACs with 1.0 layer records"};
static uint32_t f_count(const hwnas_cost_model_factory *f) { (void)f; return 1; }
static const hwnas_descriptor *f_desc(const hwnas_cost_model_factory *f, uint32_t i) { (void)f; return i == 0 ? &desc : NULL; }
static hwnas_status f_create(const hwnas_cost_model_factory *f, const char *id, const hwnas_host *h,
                             const hwnas_search_space *s, const hwnas_options *o, hwnas_cost_model **out,
                             char *err, uint32_t cap) {
    (void)f; (void)h; (void)s; (void)o;
    if (strcmp(id, "v10-cost") != 0) { strncpy(err, "unknown id", cap); return HWNAS_ERR_UNKNOWN_ID; }
    hwnas_cost_model *m = calloc(1, sizeof *m);
    m->struct_size = sizeof *m;
    m->metric_count = cm_count; m->metric_name = cm_name; m->estimate = cm_estimate;
    m->explain = NULL; m->last_error = cm_error; m->destroy = cm_destroy;
    *out = m;
    return HWNAS_OK;
}
static const hwnas_cost_model_factory factory = {sizeof factory, 0, f_count, f_desc, f_create};
static hwnas_status e_init(const hwnas_host *h) { (void)h; return HWNAS_OK; }
static void e_deinit(void) {}
static const void *e_get(const char *id) { return strcmp(id, HWNAS_COST_MODEL_FACTORY_ID) == 0 ? &factory : NULL; }
static const hwnas_plugin_entry entry = {sizeof entry, 0, {HWNAS_ABI_VERSION_MAJOR, HWNAS_ABI_VERSION_MINOR, HWNAS_ABI_VERSION_PATCH},
                                         e_init, e_deinit, e_get};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }

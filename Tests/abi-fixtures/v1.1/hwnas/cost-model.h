/* hwnas plugin ABI: hardware cost models. */
#ifndef HWNAS_COST_MODEL_H
#define HWNAS_COST_MODEL_H

#include "candidates.h"
#include "host.h"
#include "options.h"
#include "space.h"
#include "status.h"

HWNAS_BEGIN_DECLS

#define HWNAS_COST_MODEL_FACTORY_ID "hwnas.cost-model-factory/1"

/* Estimates hardware costs (latency_ms, energy_mj, params, macs, peak_sram_kb,
 * flash_kb, ...) under one hardware profile. */
typedef struct hwnas_cost_model {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    /* [instance-serial] Number of metrics. */
    uint32_t (*metric_count)(const struct hwnas_cost_model *self);
    /* [instance-serial] Name of metric `index` (owned by the instance, valid
     * until destroy); NULL when index >= metric_count. */
    const char *(*metric_name)(const struct hwnas_cost_model *self, uint32_t index);
    /* [instance-serial] metrics_out[count][metric_count] (host-owned); NaN
     * where a value is unknown. */
    hwnas_status (*estimate)(const struct hwnas_cost_model *self,
                             const hwnas_candidate_batch *batch, double *metrics_out);
    /* [instance-serial] Optional (may be NULL): a human-readable UTF-8 note
     * about candidate 0 of the batch (e.g. which tensors set peak SRAM),
     * written to text_out[text_capacity]. */
    hwnas_status (*explain)(const struct hwnas_cost_model *self,
                            const hwnas_candidate_batch *batch,
                            char *text_out, uint32_t text_capacity);
    /* [instance-serial] Text of the last error, valid until the next call. */
    const char *(*last_error)(const struct hwnas_cost_model *self);
    /* [instance-serial] Release the instance. */
    void (*destroy)(const struct hwnas_cost_model *self);
} hwnas_cost_model;

typedef struct hwnas_cost_model_factory {
    uint32_t struct_size;
    uint32_t reserved;
    /* [thread-safe] */
    uint32_t (*count)(const struct hwnas_cost_model_factory *self);
    /* [thread-safe] NULL when index >= count. */
    const hwnas_descriptor *(*descriptor)(const struct hwnas_cost_model_factory *self, uint32_t index);
    /* [thread-safe] options: the profile section's keys (file paths already
     * resolved against the profile's folder). Errors as for strategies. */
    hwnas_status (*create)(const struct hwnas_cost_model_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_search_space *space,
                           const hwnas_options *options, hwnas_cost_model **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_cost_model_factory;

HWNAS_END_DECLS

#endif /* HWNAS_COST_MODEL_H */

/* hwnas plugin ABI: ask/tell search strategies. */
#ifndef HWNAS_STRATEGY_H
#define HWNAS_STRATEGY_H

#include "host.h"
#include "options.h"
#include "space.h"
#include "status.h"

HWNAS_BEGIN_DECLS

#define HWNAS_STRATEGY_FACTORY_ID "hwnas.strategy-factory/1"

/* Outcomes in hwnas_tell.outcomes. */
#define HWNAS_OUTCOME_EVALUATED 0  /* objectives hold values */
#define HWNAS_OUTCOME_INFEASIBLE 1 /* broke a hard constraint; not evaluated */
#define HWNAS_OUTCOME_FAILED 2     /* the evaluator failed on it */
#define HWNAS_OUTCOME_DUPLICATE 3  /* already evaluated (the same network); values repeated */

/* What a strategy learns about candidates it asked for. Host-owned, valid
 * during tell(). */
typedef struct hwnas_tell {
    uint32_t struct_size;
    uint32_t count;
    uint32_t n_dims;
    uint32_t n_objectives;
    const int32_t *genotypes;    /* [count][n_dims], as asked */
    const int32_t *outcomes;     /* [count] HWNAS_OUTCOME_* */
    /* [count][n_objectives], always "larger is better": the host negates
     * objectives to be minimised. NaN unless outcome is EVALUATED/DUPLICATE. */
    const double *objectives;
    uint32_t n_metrics;
    uint32_t reserved;
    const char *const *metric_names; /* [n_metrics] cost metrics */
    const double *metrics;           /* [count][n_metrics], NaN = unknown */
} hwnas_tell;

/* What a strategy is created with. Host-owned; valid for the instance's life. */
typedef struct hwnas_search_context {
    uint32_t struct_size;
    uint32_t n_objectives;
    const hwnas_search_space *space;
    const char *const *objective_names; /* [n_objectives] e.g. "accuracy" */
    uint64_t seed;
    uint32_t budget;                    /* evaluations the host will spend */
    uint32_t n_metrics;
    const char *const *metric_names;    /* [n_metrics] what query_costs fills */
    void *host_ctx;
    /* [instance-serial, may be called from inside ask()] Cheap hardware
     * screening: for `count` genotypes fills feasible_out[count] (1 feasible
     * under every hard constraint, 0 not) and, when metrics_out is non-NULL,
     * metrics_out[count][n_metrics]. Lets a strategy screen thousands of
     * candidates before proposing. Non-NULL. */
    hwnas_status (*query_costs)(void *host_ctx, uint32_t count, const int32_t *genotypes,
                                uint8_t *feasible_out, double *metrics_out);
    /* [instance-serial] 1 when the genotype's network was already evaluated
     * (two genotypes of one network count as one), else 0. Non-NULL. */
    int32_t (*is_evaluated)(void *host_ctx, const int32_t *genotype);
} hwnas_search_context;

/* An ask/tell strategy instance. */
typedef struct hwnas_strategy {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    /* [instance-serial] Write up to max_count genotypes into
     * genotypes_out[max_count][n_dims] (host-owned) and their number into
     * *count_out. Return HWNAS_ERR_EXHAUSTED when nothing is left to propose. */
    hwnas_status (*ask)(const struct hwnas_strategy *self, uint32_t max_count,
                        int32_t *genotypes_out, uint32_t *count_out);
    /* [instance-serial] Learn outcomes. Called once for every asked batch, in
     * ask order. */
    hwnas_status (*tell)(const struct hwnas_strategy *self, const hwnas_tell *results);
    /* [instance-serial] Text of the last error; owned by the instance, valid
     * until its next call. May return NULL. */
    const char *(*last_error)(const struct hwnas_strategy *self);
    /* [instance-serial] Release the instance; the pointer is invalid after. */
    void (*destroy)(const struct hwnas_strategy *self);
} hwnas_strategy;

typedef struct hwnas_strategy_factory {
    uint32_t struct_size;
    uint32_t reserved;
    /* [thread-safe] Number of strategies offered. */
    uint32_t (*count)(const struct hwnas_strategy_factory *self);
    /* [thread-safe] Descriptor `index`; NULL when index >= count. */
    const hwnas_descriptor *(*descriptor)(const struct hwnas_strategy_factory *self, uint32_t index);
    /* [thread-safe] Create the strategy `id`. On error, returns a negative
     * status and writes a message of at most error_capacity bytes (NUL
     * included) to error_out. HWNAS_ERR_UNKNOWN_ID for an unknown id. */
    hwnas_status (*create)(const struct hwnas_strategy_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_search_context *context,
                           const hwnas_options *options, hwnas_strategy **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_strategy_factory;

HWNAS_END_DECLS

#endif /* HWNAS_STRATEGY_H */

/* hwnas plugin ABI: evaluators (objective values of candidates). */
#ifndef HWNAS_EVALUATOR_H
#define HWNAS_EVALUATOR_H

#include "candidates.h"
#include "host.h"
#include "options.h"
#include "space.h"
#include "status.h"

HWNAS_BEGIN_DECLS

#define HWNAS_EVALUATOR_FACTORY_ID "hwnas.evaluator-factory/1"

/* Per-candidate evaluation status. */
#define HWNAS_EVAL_OK 0
#define HWNAS_EVAL_FAILED 1   /* crashed, garbage output, ... */
#define HWNAS_EVAL_TIMEOUT 2

/* [thread-safe] Called by an evaluator as each candidate of a batch finishes,
 * so the host can journal it at once. metrics[metric_count], read during the
 * call. */
typedef void (*hwnas_result_callback)(void *host_ctx, uint32_t index, int32_t status,
                                      const double *metrics);

/* [thread-safe] 1.2: a text result of candidate `index` (key and value read
 * during the call). Key "checkpoint": a token (e.g. a file path) the host
 * hands back as the candidate's "resume" request when it evaluates it at a
 * higher fidelity, so training continues instead of restarting. */
typedef void (*hwnas_result_text_callback)(void *host_ctx, uint32_t index, const char *key, const char *value);

typedef struct hwnas_evaluation_request {
    uint32_t struct_size;
    uint32_t reserved;
    const hwnas_candidate_batch *batch;
    void *host_ctx;
    hwnas_result_callback on_result;    /* may be NULL */
    /* 1.2 (check HWNAS_HAS_FIELD): may be NULL. */
    hwnas_result_text_callback on_result_text;
} hwnas_evaluation_request;

/* hwnas_evaluator.capabilities bits (1.2). */
/* Reads each candidate's "fidelity" (and "resume") from batch->requests and
 * answers the metric at that fidelity. */
#define HWNAS_EVALUATOR_TAKES_FIDELITY 1u
/* evaluate (and last_error) may be called on one instance from several host
 * threads at once, each call with its own request and outputs; last_error
 * then answers the calling thread's last failed call. The host's
 * asynchronous loop shares one such instance among all its workers (instead
 * of one instance per worker), and `parallel` in its options is the number
 * of candidates in flight across calls: e.g. one process that fans out to a
 * cluster serves every worker. */
#define HWNAS_EVALUATOR_CONCURRENT_CALLS 2u

/* Computes objective values. Metric 0 is the evaluator's primary objective
 * (e.g. "accuracy"); more metrics may follow. An evaluator may run the
 * candidates of one batch in parallel internally. */
typedef struct hwnas_evaluator {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    /* [instance-serial] */
    uint32_t (*metric_count)(const struct hwnas_evaluator *self);
    /* [instance-serial] Owned by the instance; NULL when index >= metric_count. */
    const char *(*metric_name)(const struct hwnas_evaluator *self, uint32_t index);
    /* [instance-serial; thread-safe with HWNAS_EVALUATOR_CONCURRENT_CALLS]
     * Writes status_out[count] (HWNAS_EVAL_*) and
     * metrics_out[count][metric_count] (NaN where unknown). A per-candidate
     * failure is not a call failure. */
    hwnas_status (*evaluate)(const struct hwnas_evaluator *self,
                             const hwnas_evaluation_request *request,
                             int32_t *status_out, double *metrics_out);
    /* [instance-serial; thread-safe with HWNAS_EVALUATOR_CONCURRENT_CALLS]
     * Text of the last error, valid until the next call (on this thread). */
    const char *(*last_error)(const struct hwnas_evaluator *self);
    /* [instance-serial] Release the instance. */
    void (*destroy)(const struct hwnas_evaluator *self);
    /* 1.2, may be NULL (none): HWNAS_EVALUATOR_* bits. [instance-serial] */
    uint32_t (*capabilities)(const struct hwnas_evaluator *self);
} hwnas_evaluator;

typedef struct hwnas_evaluator_factory {
    uint32_t struct_size;
    uint32_t reserved;
    /* [thread-safe] */
    uint32_t (*count)(const struct hwnas_evaluator_factory *self);
    /* [thread-safe] NULL when index >= count. */
    const hwnas_descriptor *(*descriptor)(const struct hwnas_evaluator_factory *self, uint32_t index);
    /* [thread-safe] Errors as for strategies. */
    hwnas_status (*create)(const struct hwnas_evaluator_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_search_space *space,
                           const hwnas_options *options, hwnas_evaluator **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_evaluator_factory;

HWNAS_END_DECLS

#endif /* HWNAS_EVALUATOR_H */

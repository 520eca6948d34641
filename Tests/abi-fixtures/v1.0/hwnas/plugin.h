/*
 * hwnas plugin ABI, version 1.
 *
 * The one public C header of hwnas. A plugin is a shared library that exports
 * the entry FUNCTION `hwnas_get_plugin_entry` (see HWNAS_ENTRY_SYMBOL). Everything a
 * plugin and the host exchange crosses this header: C99, fixed-width integers,
 * doubles, UTF-8 NUL-terminated strings, plain structs and function pointers.
 *
 * Rules that make this a promise (docs/plugin-abi.md explains each):
 *  - Versions: the entry carries the header version the plugin was built with.
 *    The host loads a plugin when the majors are equal; a plugin built against
 *    an older minor keeps loading.
 *  - Every struct starts with `struct_size` and only ever grows at its end. A
 *    reader must check `struct_size` before touching a field appended in a
 *    later minor version (HWNAS_HAS_FIELD).
 *  - Capabilities are found by string id: the entry's get_factory(id) returns
 *    NULL for an id it does not know. Factory ids carry a revision ("/1").
 *  - Ownership: pointers handed INTO a call are valid only during that call
 *    unless stated otherwise. Pointers a plugin RETURNS (descriptors,
 *    factories, names) are owned by the plugin and stay valid until deinit;
 *    the host never frees them. Instances are released with their own
 *    destroy(). Memory allocated on one side is freed by the same side.
 *  - Status: functions return hwnas_status (0 = ok, negative = error). The
 *    text of the last error of an instance is read with its last_error().
 *  - Threads: each function carries a [thread-safe] or [instance-serial] tag.
 *    [instance-serial]: the host never calls two functions of one instance at
 *    the same time, but may call different instances from different threads.
 */
#ifndef HWNAS_PLUGIN_H
#define HWNAS_PLUGIN_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HWNAS_ABI_VERSION_MAJOR 1u
#define HWNAS_ABI_VERSION_MINOR 0u
#define HWNAS_ABI_VERSION_PATCH 0u

/* The exported entry function's name and type. */
#define HWNAS_ENTRY_SYMBOL "hwnas_get_plugin_entry"

/* Factory ids for the plugin kinds of ABI v1. */
#define HWNAS_STRATEGY_FACTORY_ID "hwnas.strategy-factory/1"
#define HWNAS_COST_MODEL_FACTORY_ID "hwnas.cost-model-factory/1"
#define HWNAS_OPERATOR_SET_FACTORY_ID "hwnas.operator-set-factory/1"
#define HWNAS_EVALUATOR_FACTORY_ID "hwnas.evaluator-factory/1"

/* True when a struct instance of size `size` contains `field` of `type`. */
#define HWNAS_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* ------------------------------------------------------------------ status */

typedef int32_t hwnas_status;
#define HWNAS_OK 0
#define HWNAS_ERR_INVALID_ARGUMENT (-1) /* bad option, bad genotype, ...      */
#define HWNAS_ERR_FAILED (-2)           /* the operation failed; see last_error */
#define HWNAS_ERR_UNSUPPORTED (-3)      /* not implemented by this plugin      */
#define HWNAS_ERR_OUT_OF_MEMORY (-4)
#define HWNAS_ERR_EXHAUSTED (-5)        /* strategy: nothing left to propose   */
#define HWNAS_ERR_UNKNOWN_ID (-6)       /* create(): no such descriptor id     */

/* Log levels for hwnas_host.log. */
#define HWNAS_LOG_DEBUG 0
#define HWNAS_LOG_INFO 1
#define HWNAS_LOG_WARNING 2
#define HWNAS_LOG_ERROR 3

typedef struct hwnas_version {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
} hwnas_version;

/* A configuration option, from a hardware profile or the command line. */
typedef struct hwnas_option {
    const char *key;
    const char *value;
} hwnas_option;

typedef struct hwnas_options {
    uint32_t count;
    uint32_t reserved;
    const hwnas_option *items; /* [count] */
} hwnas_options;

/* --------------------------------------------------------------------- host */

/* What the host offers every plugin. Valid from init() until deinit(). */
typedef struct hwnas_host {
    uint32_t struct_size;
    uint32_t reserved;
    hwnas_version abi_version;  /* the host's header version */
    const char *host_name;      /* "hwnas" */
    const char *host_version;   /* e.g. "0.1.0" */
    void *host_data;            /* opaque, pass back in callbacks */
    /* [thread-safe] Log one line. `message` is copied before return. */
    void (*log)(const struct hwnas_host *host, int32_t level, const char *message);
} hwnas_host;

/* Describes one creatable thing (a strategy, a cost model, ...). */
typedef struct hwnas_descriptor {
    uint32_t struct_size;
    uint32_t reserved;
    const char *id;          /* short, unique, used on the command line: "random" */
    const char *name;        /* human readable */
    const char *vendor;
    const char *version;     /* the plugin's own version, e.g. "1.0.0" */
    const char *description; /* one line */
} hwnas_descriptor;

/* ------------------------------------------------------------ search space */

/* A search space as plain arrays. Genotypes are int32 rows of n_dims, value
 * d in [0, choice_counts[d]). Owned by the host; valid for the lifetime of the
 * instance created with it. */
typedef struct hwnas_search_space {
    uint32_t struct_size;
    uint32_t n_dims;
    const char *name;                  /* "nb201", "fbnet" */
    const uint32_t *choice_counts;     /* [n_dims] */
    const char *const *dim_names;      /* [n_dims] */
    /* choice_names[choice_offsets[d] + c] names choice c of dim d. */
    const uint32_t *choice_offsets;    /* [n_dims] */
    const char *const *choice_names;   /* [sum of choice_counts] */
} hwnas_search_space;

/* ------------------------------------------------------------------ network */

/* One layer of a whole network expanded from a genotype (macro skeleton
 * included), in execution order. Tensor ids index hwnas_network.tensors. */
typedef struct hwnas_layer {
    uint32_t struct_size;
    uint32_t reserved;
    const char *op;            /* operator name in an operator set: "conv2d" */
    int32_t kernel;            /* 0 when not applicable */
    int32_t stride;
    int32_t groups;
    int32_t expansion;         /* inverted residual expansion ratio, else 0 */
    int32_t input;             /* tensor id of the first input */
    int32_t input2;            /* second input (add, concat), else -1 */
    int32_t output;            /* tensor id written */
    int32_t in_c, in_h, in_w;
    int32_t out_c, out_h, out_w;
    int32_t flags;             /* HWNAS_LAYER_* bits */
    int64_t params;            /* weights + biases */
    int64_t macs;              /* multiply-accumulates */
    int64_t weight_elems;      /* weights only (flash: int8 each) */
    int64_t bias_elems;        /* biases only (flash: int32 each) */
    const char *cell;          /* grouping label, e.g. "stage1.cell2", may be "" */
} hwnas_layer;

#define HWNAS_LAYER_RESIDUAL 1  /* output = op(input) + input2 */
#define HWNAS_LAYER_INPLACE 2   /* may overwrite its input buffer */

typedef struct hwnas_tensor {
    int32_t c, h, w;
    int32_t reserved;
} hwnas_tensor;

typedef struct hwnas_network {
    uint32_t struct_size;
    uint32_t n_layers;
    const hwnas_layer *layers;   /* [n_layers] */
    uint32_t n_tensors;
    uint32_t reserved;
    const hwnas_tensor *tensors; /* [n_tensors]; tensor 0 is the network input */
} hwnas_network;

/* ---------------------------------------------------------------- batches */

/* Candidates handed to cost models and evaluators. Host-owned, valid during
 * the call. */
typedef struct hwnas_candidate_batch {
    uint32_t struct_size;
    uint32_t count;
    uint32_t n_dims;
    uint32_t reserved;
    const int32_t *genotypes;          /* [count][n_dims], row-major */
    const char *const *arch_strings;   /* [count] canonical strings */
    /* [count] expanded networks, or NULL when no operator set expanded them. */
    const hwnas_network *const *networks;
} hwnas_candidate_batch;

/* ----------------------------------------------------------------- strategy */

/* Outcomes in hwnas_tell.outcomes. */
#define HWNAS_OUTCOME_EVALUATED 0  /* objectives hold values */
#define HWNAS_OUTCOME_INFEASIBLE 1 /* broke a hard constraint; not evaluated */
#define HWNAS_OUTCOME_FAILED 2     /* the evaluator failed on it */
#define HWNAS_OUTCOME_DUPLICATE 3  /* already evaluated; values repeated */

/* What a strategy learns about candidates it asked for. */
typedef struct hwnas_tell {
    uint32_t struct_size;
    uint32_t count;
    uint32_t n_dims;
    uint32_t n_objectives;
    const int32_t *genotypes;    /* [count][n_dims] */
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
     * candidates before proposing. */
    hwnas_status (*query_costs)(void *host_ctx, uint32_t count, const int32_t *genotypes,
                                uint8_t *feasible_out, double *metrics_out);
    /* [instance-serial] 1 when the genotype was already evaluated, else 0. */
    int32_t (*is_evaluated)(void *host_ctx, const int32_t *genotype);
} hwnas_search_context;

/* An ask/tell strategy instance. All functions [instance-serial]. */
typedef struct hwnas_strategy {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    /* Write up to max_count genotypes into genotypes_out[max_count][n_dims]
     * and their number into *count_out. Return HWNAS_ERR_EXHAUSTED when the
     * strategy has nothing left to propose. */
    hwnas_status (*ask)(const struct hwnas_strategy *self, uint32_t max_count,
                        int32_t *genotypes_out, uint32_t *count_out);
    /* Learn outcomes. Called once for every asked batch, in ask order. */
    hwnas_status (*tell)(const struct hwnas_strategy *self, const hwnas_tell *results);
    /* Text of the last error; owned by the instance, valid until its next call. */
    const char *(*last_error)(const struct hwnas_strategy *self);
    void (*destroy)(const struct hwnas_strategy *self);
} hwnas_strategy;

typedef struct hwnas_strategy_factory {
    uint32_t struct_size;
    uint32_t reserved;
    /* [thread-safe] */
    uint32_t (*count)(const struct hwnas_strategy_factory *self);
    /* [thread-safe] NULL when index >= count. */
    const hwnas_descriptor *(*descriptor)(const struct hwnas_strategy_factory *self, uint32_t index);
    /* [thread-safe] Create the strategy `id`. On error, writes a message of at
     * most error_capacity bytes (NUL included) to error_out. */
    hwnas_status (*create)(const struct hwnas_strategy_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_search_context *context,
                           const hwnas_options *options, hwnas_strategy **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_strategy_factory;

/* --------------------------------------------------------------- cost model */

/* Estimates hardware costs (latency_ms, energy_mj, params, macs, peak_sram_kb,
 * flash_kb, ...) under one hardware profile. All functions [instance-serial]. */
typedef struct hwnas_cost_model {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    uint32_t (*metric_count)(const struct hwnas_cost_model *self);
    const char *(*metric_name)(const struct hwnas_cost_model *self, uint32_t index);
    /* metrics_out[count][metric_count]; NaN where a value is unknown. */
    hwnas_status (*estimate)(const struct hwnas_cost_model *self,
                             const hwnas_candidate_batch *batch, double *metrics_out);
    /* Optional (may be NULL): a human-readable UTF-8 note about candidate 0 of
     * the batch (e.g. which tensors set peak SRAM), written to text_out. */
    hwnas_status (*explain)(const struct hwnas_cost_model *self,
                            const hwnas_candidate_batch *batch,
                            char *text_out, uint32_t text_capacity);
    const char *(*last_error)(const struct hwnas_cost_model *self);
    void (*destroy)(const struct hwnas_cost_model *self);
} hwnas_cost_model;

typedef struct hwnas_cost_model_factory {
    uint32_t struct_size;
    uint32_t reserved;
    uint32_t (*count)(const struct hwnas_cost_model_factory *self);
    const hwnas_descriptor *(*descriptor)(const struct hwnas_cost_model_factory *self, uint32_t index);
    /* [thread-safe] options: the profile's keys for this model (file paths
     * already resolved against the profile's folder). */
    hwnas_status (*create)(const struct hwnas_cost_model_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_search_space *space,
                           const hwnas_options *options, hwnas_cost_model **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_cost_model_factory;

/* ------------------------------------------------------------- operator set */

/* Operator attributes in, shape and costs out. */
typedef struct hwnas_op_query {
    uint32_t struct_size;
    uint32_t reserved;
    const char *op;
    int32_t in_c, in_h, in_w;
    int32_t out_c;        /* requested output channels (0: same as in_c) */
    int32_t kernel, stride, groups, expansion;
} hwnas_op_query;

typedef struct hwnas_op_info {
    uint32_t struct_size;
    uint32_t reserved;
    int32_t out_c, out_h, out_w;
    int32_t reserved2;
    int64_t params;
    int64_t macs;
    int64_t weight_elems;
    int64_t bias_elems;
    int64_t activation_bytes; /* float32 output tensor bytes */
} hwnas_op_info;

/* All functions [thread-safe]: an operator set is stateless after create. */
typedef struct hwnas_operator_set {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    uint32_t (*op_count)(const struct hwnas_operator_set *self);
    const char *(*op_name)(const struct hwnas_operator_set *self, uint32_t index);
    /* Fill `info` (caller sets info->struct_size). HWNAS_ERR_UNKNOWN_ID for an
     * unknown op, HWNAS_ERR_INVALID_ARGUMENT for impossible shapes. */
    hwnas_status (*infer)(const struct hwnas_operator_set *self,
                          const hwnas_op_query *query, hwnas_op_info *info);
    void (*destroy)(const struct hwnas_operator_set *self);
} hwnas_operator_set;

typedef struct hwnas_operator_set_factory {
    uint32_t struct_size;
    uint32_t reserved;
    uint32_t (*count)(const struct hwnas_operator_set_factory *self);
    const hwnas_descriptor *(*descriptor)(const struct hwnas_operator_set_factory *self, uint32_t index);
    hwnas_status (*create)(const struct hwnas_operator_set_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_options *options,
                           hwnas_operator_set **out, char *error_out, uint32_t error_capacity);
} hwnas_operator_set_factory;

/* ---------------------------------------------------------------- evaluator */

/* Per-candidate evaluation status. */
#define HWNAS_EVAL_OK 0
#define HWNAS_EVAL_FAILED 1   /* crashed, garbage output, ... */
#define HWNAS_EVAL_TIMEOUT 2

/* [thread-safe] Called by an evaluator as each candidate of a batch finishes,
 * so the host can journal it at once. metrics[metric_count]. */
typedef void (*hwnas_result_callback)(void *host_ctx, uint32_t index, int32_t status,
                                      const double *metrics);

typedef struct hwnas_evaluation_request {
    uint32_t struct_size;
    uint32_t reserved;
    const hwnas_candidate_batch *batch;
    void *host_ctx;
    hwnas_result_callback on_result;    /* may be NULL */
} hwnas_evaluation_request;

/* Computes objective values. Metric 0 is the evaluator's primary objective
 * (e.g. "accuracy"); more metrics may follow. [instance-serial]; an evaluator
 * may run the candidates of one batch in parallel internally. */
typedef struct hwnas_evaluator {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    uint32_t (*metric_count)(const struct hwnas_evaluator *self);
    const char *(*metric_name)(const struct hwnas_evaluator *self, uint32_t index);
    /* Writes status_out[count] (HWNAS_EVAL_*) and metrics_out[count][metric_count]
     * (NaN where unknown). A per-candidate failure is not a call failure. */
    hwnas_status (*evaluate)(const struct hwnas_evaluator *self,
                             const hwnas_evaluation_request *request,
                             int32_t *status_out, double *metrics_out);
    const char *(*last_error)(const struct hwnas_evaluator *self);
    void (*destroy)(const struct hwnas_evaluator *self);
} hwnas_evaluator;

typedef struct hwnas_evaluator_factory {
    uint32_t struct_size;
    uint32_t reserved;
    uint32_t (*count)(const struct hwnas_evaluator_factory *self);
    const hwnas_descriptor *(*descriptor)(const struct hwnas_evaluator_factory *self, uint32_t index);
    hwnas_status (*create)(const struct hwnas_evaluator_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_search_space *space,
                           const hwnas_options *options, hwnas_evaluator **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_evaluator_factory;

/* -------------------------------------------------------------------- entry */

typedef struct hwnas_plugin_entry {
    uint32_t struct_size;
    uint32_t reserved;
    hwnas_version abi_version; /* HWNAS_ABI_VERSION_* the plugin was built with */
    /* [main thread] Called once after loading, before get_factory. Returning
     * non-zero makes the host skip the library. Must tolerate a second call
     * after deinit. */
    hwnas_status (*init)(const hwnas_host *host);
    /* [main thread] Called once before the host forgets the library. */
    void (*deinit)(void);
    /* [thread-safe] The factory for `factory_id` (HWNAS_*_FACTORY_ID), or NULL.
     * The returned pointer is owned by the plugin, valid until deinit. */
    const void *(*get_factory)(const char *factory_id);
} hwnas_plugin_entry;

/* The type of the exported function named HWNAS_ENTRY_SYMBOL. Returns a
 * pointer owned by the plugin, valid while the library is loaded. */
typedef const hwnas_plugin_entry *(*hwnas_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* HWNAS_PLUGIN_H */

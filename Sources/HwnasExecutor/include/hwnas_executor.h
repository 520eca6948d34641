/*
 * A small float32 CPU executor for hwnas_network (see hwnas/plugin.h).
 *
 * It runs the layers of an expanded network for real, in order, so that
 * latencies can be measured per operator (lookup tables) and end to end, and
 * so that training-free evaluators can look at activations of a randomly
 * initialised network. docs/cpu-latency.md describes every operator.
 *
 *  - Tensors are NCHW float32, one buffer per tensor id, batch N.
 *  - Convolutions (any groups) run as im2col + cblas_sgemm (OpenBLAS); a 1x1
 *    stride-1 convolution skips im2col; depthwise convolutions run as a direct
 *    loop. Pooling, add, ReLU and batch norm are direct loops (one thread).
 *  - Batch norm is folded into a per-channel scale and shift (inference), or
 *    uses the statistics of the batch (HWNAS_EXEC_BN_BATCH: how an untrained
 *    network behaves in training mode, as NASWOT scores it).
 *  - Weights are deterministic pseudo-random values (Kaiming-uniform, seeded).
 *
 * Not thread-safe per executor; different executors may run concurrently
 * (OpenBLAS thread count is process-global).
 */
#ifndef HWNAS_EXECUTOR_H
#define HWNAS_EXECUTOR_H

#include <stdint.h>
#include <stddef.h>
#include "hwnas/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hwnas_executor hwnas_executor;

#define HWNAS_EXEC_BN_FOLDED 0 /* y = scale * x + shift (inference) */
#define HWNAS_EXEC_BN_BATCH 1  /* y = (x - mean_batch) / sqrt(var_batch + 1e-5) */

typedef struct hwnas_executor_options {
    int32_t batch;     /* images per run (>= 1) */
    int32_t bn_mode;   /* HWNAS_EXEC_BN_* */
    uint64_t seed;     /* weights and the default input */
} hwnas_executor_options;

/* Called after every ReLU the network applies, with the post-ReLU values
 * [batch][features] (features = c*h*w of that activation). `layer` is the
 * index of the layer that applied it. Pointer valid during the call only. */
typedef void (*hwnas_relu_callback)(void *ctx, uint32_t layer, uint32_t batch,
                                    uint32_t features, const float *post_relu);

/* Creates an executor: checks every layer (known op, consistent shapes),
 * allocates weights and activations. NULL on error with a message in err. */
hwnas_executor *hwnas_executor_create(const hwnas_network *net, const hwnas_executor_options *options,
                                      char *err, size_t err_capacity);
void hwnas_executor_destroy(hwnas_executor *ex);

/* Runs all layers once. 0 ok, -1 error (see hwnas_executor_last_error). */
int hwnas_executor_run(hwnas_executor *ex);
/* Runs layer `index` alone on the current contents of its input tensors. */
int hwnas_executor_run_layer(hwnas_executor *ex, uint32_t index);

/* Timing with a monotonic clock: `warmup` unmeasured runs, then `repeats`
 * measured ones, each written to samples_ms[repeats]. layer < 0: the whole
 * network; otherwise that layer alone. */
int hwnas_executor_time(hwnas_executor *ex, int32_t layer, int32_t warmup, int32_t repeats,
                        double *samples_ms);

const char *hwnas_executor_last_error(const hwnas_executor *ex);

/* Buffers, for tests and evaluators: tensor `id` has batch*c*h*w floats. */
float *hwnas_executor_tensor(hwnas_executor *ex, uint32_t id, size_t *count_out);
/* Parameter buffer `which` of layer `index` (NULL when absent):
 *  convolution-like ops: 0 weight [out_c][in_c/groups][k][k], 1 BN scale
 *  [out_c], 2 BN shift [out_c]; inverted_residual: 0..2 expand 1x1, 3..5
 *  depthwise, 6..8 project 1x1 (same triple each); linear: 0 weight
 *  [out][in], 1 bias [out]. */
float *hwnas_executor_param(hwnas_executor *ex, uint32_t index, uint32_t which, size_t *count_out);

void hwnas_executor_set_relu_callback(hwnas_executor *ex, hwnas_relu_callback cb, void *ctx);

/* NASWOT helper: K[i][j] += number of units on which the binary codes
 * (x > 0) of samples i and j agree, for post_relu[batch][features]. */
void hwnas_accumulate_code_agreement(const float *post_relu, uint32_t batch, uint32_t features, double *k);

/* OpenBLAS threads (process-global) and its build description. */
void hwnas_executor_set_threads(int32_t threads);
int32_t hwnas_executor_get_threads(void);
const char *hwnas_executor_blas_config(void);

/* 1 when the executor implements operator `op`. */
int hwnas_executor_supports(const char *op);

#ifdef __cplusplus
}
#endif

#endif /* HWNAS_EXECUTOR_H */

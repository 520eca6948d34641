/*
 * A small float32 CPU executor for hwnas_network (see hwnas/plugin.h).
 *
 * It runs the layers of an expanded network for real, in order, so that
 * latencies can be measured per operator (lookup tables) and end to end, and
 * so that training-free evaluators can look at activations of a randomly
 * initialised network. docs/cpu-latency.md describes every operator.
 *
 *  - Tensors are NCHW float32, one buffer per tensor id, batch N.
 *  - Convolutions (any groups, any kernel_h x kernel_w, strides, dilation,
 *    explicit asymmetric padding) run as im2col + cblas_sgemm (OpenBLAS); a
 *    1x1 stride-1 unpadded convolution skips im2col; depthwise convolutions
 *    run as a direct loop. Pooling, add, activations, batch norm, channel
 *    shuffle and squeeze-excite are direct loops (one thread).
 *  - Batch norm is folded into a per-channel scale and shift (inference), or
 *    uses the statistics of the batch (HWNAS_EXEC_BN_BATCH: how an untrained
 *    network behaves in training mode, as NASWOT scores it).
 *  - Weights are deterministic pseudo-random values (Kaiming-uniform, seeded):
 *    the same seed gives bit-identical outputs.
 *
 * Layers are read with HWNAS_NETWORK_LAYER (records layer_size bytes apart).
 * ABI 1.1 records (struct_size >= sizeof(hwnas_layer)) run as their IR
 * fields say, in network.h's order: pre_activation, op, batch norm (or, with
 * batch_norm NONE and bias_elems > 0, a per-channel bias), residual add,
 * activation, channel shuffle. Without HWNAS_LAYER_EXPLICIT_PADDING the
 * padding is "same" (dilation * (k - 1) / 2 per side); every conv and pool
 * output must equal (in + pad_begin + pad_end - dilation*(k-1) - 1)/stride + 1.
 * Pools reject dilation != 1; average pooling excludes padded cells.
 * identity, add, relu, batchnorm (and every other op) apply `activation` too;
 * batch_norm FOLDED is accepted on convolutions (inverted_residual's three
 * convs always carry BN, its expand and depthwise a ReLU). Channel shuffle
 * with g groups is ShuffleNet's: view the c channels as (g, c/g), transpose,
 * flatten, i.e. output channel j*g + i = input channel i*(c/g) + j.
 * concat copies input's channels, then input2's (same h and w).
 * squeeze_excite (c x h x w -> same): m = mean over h*w, z =
 * hidden_activation(W1 m + b1), gate = gate_activation(W2 z + b2), y = x *
 * gate per channel, then the layer's `activation`.
 *
 * ABI 1.0 records (112 bytes, no IR fields) keep their 1.0 meaning: the op
 * name says pre-ReLU / BN / post-ReLU (conv2d: Conv-BN-ReLU, relu_conv_bn:
 * ReLU-Conv-BN, dwconv2d: Conv-BN-ReLU, pwconv2d: Conv-BN plus a ReLU when it
 * feeds a depthwise conv, batchnorm: BN-ReLU), windows are square `kernel` x
 * `kernel`, stride `stride`, padding (k - 1) / 2, and the ReLU comes before
 * the residual add.
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

/* Called after every ReLU-like activation the network applies, with the
 * post-activation values [batch][features] (features = channels*h*w of that
 * activation, channels outermost: NCHW). `layer` is the index of the layer
 * that applied it. Pointer
 * valid during the call only. It fires for: a 1.1 record's pre_activation and
 * activation when they are relu, relu6, hswish or swish (never sigmoid,
 * hsigmoid or none, nor squeeze_excite's hidden and gate activations); the
 * `relu` op; inverted_residual's two internal ReLUs; and for 1.0 records at
 * every ReLU the op name implies (see above). */
typedef void (*hwnas_relu_callback)(void *ctx, uint32_t layer, uint32_t batch, uint32_t channels,
                                    uint32_t features, const float *post_relu);

/* Creates an executor: checks every layer (known op, consistent shapes),
 * allocates weights and activations. NULL on error with a message in err. */
hwnas_executor *hwnas_executor_create(const hwnas_network *net, const hwnas_executor_options *options,
                                      char *err, size_t err_capacity);
void hwnas_executor_destroy(hwnas_executor *ex);

/* Executors' buffers are private mappings; a destroyed executor's are kept
 * for the next executors to reuse (never more, live and kept together, than
 * live executors once held at the same time). This gives the kept ones back
 * to the system. Thread-safe. */
void hwnas_executor_trim(void);

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
 *  convolution-like ops: 0 weight [out_c][in_c/groups][kernel_h][kernel_w],
 *  1 BN scale [out_c], 2 BN shift [out_c] (the bias when batch_norm is NONE
 *  and bias_elems > 0; unused without either); inverted_residual: 0..2
 *  expand 1x1, 3..5 depthwise, 6..8 project 1x1 (same triple each);
 *  batchnorm: 1 scale, 2 shift; linear: 0 weight [out][in], 1 bias [out];
 *  squeeze_excite: 0 W1 [hidden_c][c], 1 b1 [hidden_c], 2 W2 [c][hidden_c],
 *  3 b2 [c]. In HWNAS_EXEC_BN_BATCH mode BN uses batch statistics instead of
 *  scale and shift (a bias is still added). */
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

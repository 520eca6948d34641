/* Float32 kernels of the executor, one image (CHW) at a time. Private. */
#ifndef HWNAS_EXECUTOR_KERNELS_H
#define HWNAS_EXECUTOR_KERNELS_H

#include <stddef.h>

/* A convolution or pooling window with its geometry. Padding is pad_top /
 * pad_left zeros before the input; the bottom / right padding follows from
 * the output size. Input row of output oy, tap ky: oy*sh - pt + ky*dh. */
typedef struct conv_geom {
    int in_c, in_h, in_w;
    int out_c, out_h, out_w;
    int kh, kw, sh, sw, dh, dw, pt, pl;
    int groups;
} conv_geom;

/* Floats of im2col scratch one conv_forward call needs (0: none). */
size_t conv_scratch_floats(const conv_geom *g);
/* out[out_c][out_h][out_w] = conv(in, w); w is [out_c][in_c/groups][kh][kw].
 * Depthwise convolutions (groups == in_c == out_c) run a direct loop, the
 * rest im2col + sgemm (none for 1x1 stride 1 without padding). */
void conv_forward(const conv_geom *g, const float *in, const float *w, float *out, float *scratch);

/* y[c][i] = scale[c] * x[c][i] + shift[c], in place, plane = h*w. */
void channel_affine(float *x, int c, int plane, const float *scale, const float *shift);
/* y[c][i] = x[c][i] + shift[c], in place. */
void channel_bias(float *x, int c, int plane, const float *shift);
/* Batch-statistics normalisation of x[n][c][plane] in place. */
void batch_norm_stats(float *x, int n, int c, int plane);
void relu_inplace(float *x, size_t n);
void relu_copy(const float *x, float *y, size_t n);
/* y = act(x) for an HWNAS_ACT_* kind; x == y is allowed. */
void activation_apply(int act, const float *x, float *y, size_t n);
void add_inplace(float *y, const float *x, size_t n);

/* Pooling (dilation 1); average excludes padded cells. */
void avg_pool(const conv_geom *g, const float *in, float *out);
void max_pool(const conv_geom *g, const float *in, float *out);
void global_avg_pool(const float *in, int c, int plane, float *out);

/* ShuffleNet channel shuffle: view c as (groups, c/groups), transpose,
 * flatten; out channel j*groups + i = in channel i*(c/groups) + j. */
void channel_shuffle(const float *in, float *out, int c, int plane, int groups);

/* Squeeze-excite of one image x[c][plane] into y (x == y allowed):
 * m = mean(x), z = hidden_act(w1 m + b1) (w1 [s][c]),
 * gate = gate_act(w2 z + b2) (w2 [c][s]), y = x * gate per channel.
 * tmp holds 2*c + s floats. */
void squeeze_excite(const float *x, float *y, int c, int plane, int s, const float *w1, const float *b1,
                    const float *w2, const float *b2, int hidden_act, int gate_act, float *tmp);

#endif

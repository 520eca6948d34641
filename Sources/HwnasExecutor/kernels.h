/* Float32 kernels of the executor, one image (CHW) at a time. Private. */
#ifndef HWNAS_EXECUTOR_KERNELS_H
#define HWNAS_EXECUTOR_KERNELS_H

#include <stddef.h>

/* A convolution with its geometry; padding is (k - 1) / 2 on every side. */
typedef struct conv_geom {
    int in_c, in_h, in_w;
    int out_c, out_h, out_w;
    int k, stride, pad, groups;
} conv_geom;

/* Floats of im2col scratch one conv_forward call needs (0: none). */
size_t conv_scratch_floats(const conv_geom *g);
/* out[out_c][out_h][out_w] = conv(in, w); w is [out_c][in_c/groups][k][k].
 * Depthwise convolutions (groups == in_c == out_c) run a direct loop, the
 * rest im2col + sgemm. */
void conv_forward(const conv_geom *g, const float *in, const float *w, float *out, float *scratch);

/* y[c][i] = scale[c] * x[c][i] + shift[c], in place, plane = h*w. */
void channel_affine(float *x, int c, int plane, const float *scale, const float *shift);
/* Batch-statistics normalisation of x[n][c][plane] in place. */
void batch_norm_stats(float *x, int n, int c, int plane);
void relu_inplace(float *x, size_t n);
void relu_copy(const float *x, float *y, size_t n);
void add_inplace(float *y, const float *x, size_t n);

/* Pooling with padding (k - 1) / 2; average excludes padded cells. */
void avg_pool(const conv_geom *g, const float *in, float *out);
void max_pool(const conv_geom *g, const float *in, float *out);
void global_avg_pool(const float *in, int c, int plane, float *out);

#endif

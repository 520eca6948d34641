/* Float32 kernels: convolution as im2col + cblas_sgemm, depthwise direct,
 * pooling, batch norm, ReLU, add. */
#include "kernels.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

static int needs_im2col(const conv_geom *g) {
    return !(g->k == 1 && g->stride == 1 && g->pad == 0);
}

static int is_depthwise(const conv_geom *g) {
    return g->groups > 1 && g->groups == g->in_c && g->in_c == g->out_c;
}

size_t conv_scratch_floats(const conv_geom *g) {
    if (is_depthwise(g) || !needs_im2col(g)) return 0;
    return (size_t)(g->in_c / g->groups) * g->k * g->k * g->out_h * g->out_w;
}

/* col[(c*k + ky)*k + kx][oy*out_w + ox] = in[c][oy*s - pad + ky][ox*s - pad + kx] (0 outside). */
static void im2col(const conv_geom *g, int channels, const float *in, float *col) {
    const int k = g->k, s = g->stride, p = g->pad, ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < channels; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                float *row = col + ((size_t)(c * k + ky) * k + kx) * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    const int y = oy * s - p + ky;
                    float *dst = row + (size_t)oy * ow;
                    if (y < 0 || y >= ih) { memset(dst, 0, sizeof(float) * ow); continue; }
                    const float *src = plane + (size_t)y * iw;
                    if (s == 1) {
                        /* contiguous run: x = ox - p + kx */
                        int lo = p - kx, hi = iw + p - kx; /* valid ox in [lo, hi) */
                        if (lo < 0) lo = 0;
                        if (hi > ow) hi = ow;
                        for (int ox = 0; ox < lo && ox < ow; ox++) dst[ox] = 0.0f;
                        if (hi > lo) memcpy(dst + lo, src + lo - p + kx, sizeof(float) * (hi - lo));
                        for (int ox = hi > lo ? hi : lo; ox < ow; ox++) dst[ox] = 0.0f;
                    } else {
                        for (int ox = 0; ox < ow; ox++) {
                            const int x = ox * s - p + kx;
                            dst[ox] = (x >= 0 && x < iw) ? src[x] : 0.0f;
                        }
                    }
                }
            }
        }
    }
}

static void depthwise_direct(const conv_geom *g, const float *in, const float *w, float *out) {
    const int k = g->k, s = g->stride, p = g->pad, ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < g->in_c; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        const float *wc = w + (size_t)c * k * k;
        float *o = out + (size_t)c * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            const int y0 = oy * s - p;
            const int ky0 = y0 < 0 ? -y0 : 0, ky1 = (y0 + k > ih) ? ih - y0 : k;
            for (int ox = 0; ox < ow; ox++) {
                const int x0 = ox * s - p;
                const int kx0 = x0 < 0 ? -x0 : 0, kx1 = (x0 + k > iw) ? iw - x0 : k;
                float acc = 0.0f;
                for (int ky = ky0; ky < ky1; ky++) {
                    const float *src = plane + (size_t)(y0 + ky) * iw + x0;
                    const float *wr = wc + ky * k;
                    for (int kx = kx0; kx < kx1; kx++) acc += src[kx] * wr[kx];
                }
                o[(size_t)oy * ow + ox] = acc;
            }
        }
    }
}

void conv_forward(const conv_geom *g, const float *in, const float *w, float *out, float *scratch) {
    if (is_depthwise(g)) { depthwise_direct(g, in, w, out); return; }
    const int icg = g->in_c / g->groups, ocg = g->out_c / g->groups;
    const int kdim = icg * g->k * g->k, npix = g->out_h * g->out_w;
    for (int grp = 0; grp < g->groups; grp++) {
        const float *src = in + (size_t)grp * icg * g->in_h * g->in_w;
        const float *b = src;
        if (needs_im2col(g)) { im2col(g, icg, src, scratch); b = scratch; }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ocg, npix, kdim, 1.0f,
                    w + (size_t)grp * ocg * kdim, kdim, b, npix, 0.0f, out + (size_t)grp * ocg * npix, npix);
    }
}

void channel_affine(float *x, int c, int plane, const float *scale, const float *shift) {
    for (int i = 0; i < c; i++) {
        float *p = x + (size_t)i * plane;
        const float a = scale[i], b = shift[i];
        for (int j = 0; j < plane; j++) p[j] = a * p[j] + b;
    }
}

void batch_norm_stats(float *x, int n, int c, int plane) {
    const double count = (double)n * plane;
    for (int ch = 0; ch < c; ch++) {
        double sum = 0, sq = 0;
        for (int b = 0; b < n; b++) {
            const float *p = x + ((size_t)b * c + ch) * plane;
            for (int j = 0; j < plane; j++) { sum += p[j]; sq += (double)p[j] * p[j]; }
        }
        const double mean = sum / count;
        double var = sq / count - mean * mean;
        if (var < 0) var = 0;
        const float inv = (float)(1.0 / sqrt(var + 1e-5)), m = (float)mean;
        for (int b = 0; b < n; b++) {
            float *p = x + ((size_t)b * c + ch) * plane;
            for (int j = 0; j < plane; j++) p[j] = (p[j] - m) * inv;
        }
    }
}

void relu_inplace(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_copy(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void add_inplace(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

static void pool(const conv_geom *g, const float *in, float *out, int is_max) {
    const int k = g->k, s = g->stride, p = g->pad, ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < g->in_c; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        float *o = out + (size_t)c * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            const int y0 = oy * s - p;
            const int ky0 = y0 < 0 ? -y0 : 0, ky1 = (y0 + k > ih) ? ih - y0 : k;
            for (int ox = 0; ox < ow; ox++) {
                const int x0 = ox * s - p;
                const int kx0 = x0 < 0 ? -x0 : 0, kx1 = (x0 + k > iw) ? iw - x0 : k;
                float acc = is_max ? -FLT_MAX : 0.0f;
                for (int ky = ky0; ky < ky1; ky++) {
                    const float *src = plane + (size_t)(y0 + ky) * iw + x0;
                    for (int kx = kx0; kx < kx1; kx++) {
                        if (is_max) acc = src[kx] > acc ? src[kx] : acc;
                        else acc += src[kx];
                    }
                }
                const int cells = (ky1 - ky0) * (kx1 - kx0);
                o[(size_t)oy * ow + ox] = is_max ? acc : (cells > 0 ? acc / (float)cells : 0.0f);
            }
        }
    }
}

void avg_pool(const conv_geom *g, const float *in, float *out) { pool(g, in, out, 0); }
void max_pool(const conv_geom *g, const float *in, float *out) { pool(g, in, out, 1); }

void global_avg_pool(const float *in, int c, int plane, float *out) {
    for (int i = 0; i < c; i++) {
        const float *p = in + (size_t)i * plane;
        double acc = 0;
        for (int j = 0; j < plane; j++) acc += p[j];
        out[i] = (float)(acc / plane);
    }
}

/* Float32 kernels: convolution as im2col + cblas_sgemm, depthwise direct,
 * pooling, batch norm, activations, add, channel shuffle, squeeze-excite. */
#include "kernels.h"
#include "hwnas/network.h" /* HWNAS_ACT_* */

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

static int needs_im2col(const conv_geom *g) {
    return !(g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
             g->pt == 0 && g->pl == 0 && g->out_h == g->in_h && g->out_w == g->in_w);
}

static int is_depthwise(const conv_geom *g) {
    return g->groups > 1 && g->groups == g->in_c && g->in_c == g->out_c;
}

size_t conv_scratch_floats(const conv_geom *g) {
    if (is_depthwise(g) || !needs_im2col(g)) return 0;
    return (size_t)(g->in_c / g->groups) * g->kh * g->kw * g->out_h * g->out_w;
}

/* Taps [t0, t1) of a window starting at input index i0 with dilation d that
 * land inside [0, n). */
static void valid_taps(int i0, int k, int d, int n, int *t0, int *t1) {
    *t0 = i0 < 0 ? (-i0 + d - 1) / d : 0;
    const int last = n - 1 - i0; /* largest in-range offset */
    *t1 = last < 0 ? 0 : (last / d + 1 < k ? last / d + 1 : k);
}

/* col[(c*kh + ky)*kw + kx][oy*out_w + ox] = in[c][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw] (0 outside). */
static void im2col(const conv_geom *g, int channels, const float *in, float *col) {
    const int kh = g->kh, kw = g->kw, sh = g->sh, sw = g->sw, ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < channels; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
                float *row = col + ((size_t)(c * kh + ky) * kw + kx) * oh * ow;
                const int yoff = ky * g->dh - g->pt, xoff = kx * g->dw - g->pl;
                for (int oy = 0; oy < oh; oy++) {
                    const int y = oy * sh + yoff;
                    float *dst = row + (size_t)oy * ow;
                    if (y < 0 || y >= ih) { memset(dst, 0, sizeof(float) * ow); continue; }
                    const float *src = plane + (size_t)y * iw;
                    if (sw == 1) {
                        /* contiguous run: x = ox + xoff */
                        int lo = -xoff, hi = iw - xoff; /* valid ox in [lo, hi) */
                        if (lo < 0) lo = 0;
                        if (hi > ow) hi = ow;
                        for (int ox = 0; ox < lo && ox < ow; ox++) dst[ox] = 0.0f;
                        if (hi > lo) memcpy(dst + lo, src + lo + xoff, sizeof(float) * (hi - lo));
                        for (int ox = hi > lo ? hi : lo; ox < ow; ox++) dst[ox] = 0.0f;
                    } else {
                        for (int ox = 0; ox < ow; ox++) {
                            const int x = ox * sw + xoff;
                            dst[ox] = (x >= 0 && x < iw) ? src[x] : 0.0f;
                        }
                    }
                }
            }
        }
    }
}

/* Depthwise, dilation 1: the common case, kept as tight as it ever was. */
static void depthwise_direct(const conv_geom *g, const float *in, const float *w, float *out) {
    const int kh = g->kh, kw = g->kw, sh = g->sh, sw = g->sw, pt = g->pt, pl = g->pl;
    const int ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < g->in_c; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        const float *wc = w + (size_t)c * kh * kw;
        float *o = out + (size_t)c * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            const int y0 = oy * sh - pt;
            const int ky0 = y0 < 0 ? -y0 : 0, ky1 = (y0 + kh > ih) ? ih - y0 : kh;
            for (int ox = 0; ox < ow; ox++) {
                const int x0 = ox * sw - pl;
                const int kx0 = x0 < 0 ? -x0 : 0, kx1 = (x0 + kw > iw) ? iw - x0 : kw;
                float acc = 0.0f;
                for (int ky = ky0; ky < ky1; ky++) {
                    const float *src = plane + (size_t)(y0 + ky) * iw + x0;
                    const float *wr = wc + ky * kw;
                    for (int kx = kx0; kx < kx1; kx++) acc += src[kx] * wr[kx];
                }
                o[(size_t)oy * ow + ox] = acc;
            }
        }
    }
}

/* Depthwise with dilation: same order of accumulation, strided taps. */
static void depthwise_dilated(const conv_geom *g, const float *in, const float *w, float *out) {
    const int kh = g->kh, kw = g->kw, sh = g->sh, sw = g->sw, dh = g->dh, dw = g->dw;
    const int ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < g->in_c; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        const float *wc = w + (size_t)c * kh * kw;
        float *o = out + (size_t)c * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            const int y0 = oy * sh - g->pt;
            int ky0, ky1;
            valid_taps(y0, kh, dh, ih, &ky0, &ky1);
            for (int ox = 0; ox < ow; ox++) {
                const int x0 = ox * sw - g->pl;
                int kx0, kx1;
                valid_taps(x0, kw, dw, iw, &kx0, &kx1);
                float acc = 0.0f;
                for (int ky = ky0; ky < ky1; ky++) {
                    const float *src = plane + (size_t)(y0 + ky * dh) * iw + x0;
                    const float *wr = wc + ky * kw;
                    for (int kx = kx0; kx < kx1; kx++) acc += src[kx * dw] * wr[kx];
                }
                o[(size_t)oy * ow + ox] = acc;
            }
        }
    }
}

void conv_forward(const conv_geom *g, const float *in, const float *w, float *out, float *scratch) {
    if (is_depthwise(g)) {
        if (g->dh == 1 && g->dw == 1) depthwise_direct(g, in, w, out);
        else depthwise_dilated(g, in, w, out);
        return;
    }
    const int icg = g->in_c / g->groups, ocg = g->out_c / g->groups;
    const int kdim = icg * g->kh * g->kw, npix = g->out_h * g->out_w;
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

void channel_bias(float *x, int c, int plane, const float *shift) {
    for (int i = 0; i < c; i++) {
        float *p = x + (size_t)i * plane;
        const float b = shift[i];
        for (int j = 0; j < plane; j++) p[j] += b;
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

static inline float relu6f(float v) { return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f; }

void activation_apply(int act, const float *x, float *y, size_t n) {
    switch (act) {
    case HWNAS_ACT_RELU:
        if (x == y) relu_inplace(y, n);
        else relu_copy(x, y, n);
        return;
    case HWNAS_ACT_RELU6: for (size_t i = 0; i < n; i++) y[i] = relu6f(x[i]); return;
    case HWNAS_ACT_HSWISH: for (size_t i = 0; i < n; i++) y[i] = x[i] * relu6f(x[i] + 3.0f) * (1.0f / 6.0f); return;
    case HWNAS_ACT_HSIGMOID: for (size_t i = 0; i < n; i++) y[i] = relu6f(x[i] + 3.0f) * (1.0f / 6.0f); return;
    case HWNAS_ACT_SIGMOID: for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i])); return;
    case HWNAS_ACT_SWISH: for (size_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i])); return;
    default: if (x != y) memcpy(y, x, sizeof(float) * n); return;
    }
}

void add_inplace(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

static void pool(const conv_geom *g, const float *in, float *out, int is_max) {
    const int kh = g->kh, kw = g->kw, sh = g->sh, sw = g->sw, ih = g->in_h, iw = g->in_w, oh = g->out_h, ow = g->out_w;
    for (int c = 0; c < g->in_c; c++) {
        const float *plane = in + (size_t)c * ih * iw;
        float *o = out + (size_t)c * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            const int y0 = oy * sh - g->pt;
            const int ky0 = y0 < 0 ? -y0 : 0, ky1 = (y0 + kh > ih) ? ih - y0 : kh;
            for (int ox = 0; ox < ow; ox++) {
                const int x0 = ox * sw - g->pl;
                const int kx0 = x0 < 0 ? -x0 : 0, kx1 = (x0 + kw > iw) ? iw - x0 : kw;
                float acc = is_max ? -FLT_MAX : 0.0f;
                for (int ky = ky0; ky < ky1; ky++) {
                    const float *src = plane + (size_t)(y0 + ky) * iw + x0;
                    for (int kx = kx0; kx < kx1; kx++) {
                        if (is_max) acc = src[kx] > acc ? src[kx] : acc;
                        else acc += src[kx];
                    }
                }
                /* a window wholly in the padding (explicit pads only) gives 0 */
                const int cells = (ky1 > ky0 && kx1 > kx0) ? (ky1 - ky0) * (kx1 - kx0) : 0;
                o[(size_t)oy * ow + ox] = cells == 0 ? 0.0f : (is_max ? acc : acc / (float)cells);
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

void channel_shuffle(const float *in, float *out, int c, int plane, int groups) {
    const int per = c / groups;
    for (int i = 0; i < groups; i++)
        for (int j = 0; j < per; j++)
            memcpy(out + (size_t)(j * groups + i) * plane, in + (size_t)(i * per + j) * plane, sizeof(float) * plane);
}

void squeeze_excite(const float *x, float *y, int c, int plane, int s, const float *w1, const float *b1,
                    const float *w2, const float *b2, int hidden_act, int gate_act, float *tmp) {
    float *m = tmp, *z = tmp + c, *gate = tmp + c + s;
    global_avg_pool(x, c, plane, m);
    for (int j = 0; j < s; j++) {
        float acc = b1[j];
        const float *wr = w1 + (size_t)j * c;
        for (int i = 0; i < c; i++) acc += wr[i] * m[i];
        z[j] = acc;
    }
    activation_apply(hidden_act, z, z, (size_t)s);
    for (int i = 0; i < c; i++) {
        float acc = b2[i];
        const float *wr = w2 + (size_t)i * s;
        for (int j = 0; j < s; j++) acc += wr[j] * z[j];
        gate[i] = acc;
    }
    activation_apply(gate_act, gate, gate, (size_t)c);
    for (int i = 0; i < c; i++) {
        const float *src = x + (size_t)i * plane;
        float *dst = y + (size_t)i * plane;
        const float a = gate[i];
        for (int j = 0; j < plane; j++) dst[j] = src[j] * a;
    }
}

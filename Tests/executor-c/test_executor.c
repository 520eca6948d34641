/*
 * Standalone tests of the C executor (Sources/Libraries/HwnasExecutor) against naive
 * reference implementations written here: ABI 1.1 records with the exact IR
 * (windows, dilation, asymmetric padding, activations, batch norm, bias,
 * residual order, channel shuffle, squeeze-excite, 1-D networks) and ABI 1.0
 * records (112-byte records, the op-name meaning of 1.0).
 *
 * Build and run from the repository root (cblas.h is in
 * /usr/include/x86_64-linux-gnu on Debian/Ubuntu, a default include path;
 * elsewhere add -I /usr/include/openblas):
 *
 *   cc -std=c99 -O1 -Wall -Werror -I Sources/ABI/CHwnasABI/include -I Sources/Libraries/HwnasExecutor/include \
 *      -I Sources/Libraries/HwnasExecutor Sources/Libraries/HwnasExecutor/executor.c Sources/Libraries/HwnasExecutor/kernels.c \
 *      Tests/executor-c/test_executor.c -lopenblas -lm -o /tmp/test_executor && /tmp/test_executor
 *
 * Add -fsanitize=address,undefined -fno-omit-frame-pointer to check memory
 * (leaks included). One line per case; exit status 1 on any failure.
 * `/tmp/test_executor --bench` instead prints the median time of a 3x3 conv
 * 16->16 on 32x32 and a depthwise 5x5 on 96x16x16 (batch 1, one thread).
 */
#define _POSIX_C_SOURCE 200112L
#include "hwnas_executor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_failures = 0;

/* ------------------------------------------------------------ networks */

#define MAXT 24
#define MAXL 24

typedef struct tnet {
    hwnas_tensor t[MAXT];
    int nt;
    hwnas_layer l[MAXL];
    int nl;
    int spatial;
} tnet;

static void net_init(tnet *n, int c, int h, int w) {
    memset(n, 0, sizeof *n);
    n->t[0].c = c; n->t[0].h = h; n->t[0].w = w;
    n->nt = 1;
    n->spatial = 2;
}

static int add_tensor(tnet *n, int c, int h, int w) {
    if (n->nt >= MAXT) { fprintf(stderr, "too many tensors\n"); exit(2); }
    n->t[n->nt].c = c; n->t[n->nt].h = h; n->t[n->nt].w = w;
    return n->nt++;
}

static int out_len(int in, int k, int s, int d, int pb, int pe) { return (in + pb + pe - d * (k - 1) - 1) / s + 1; }

/* A 1.1 layer writing a new tensor of out_c x out_h x out_w. */
static hwnas_layer *add_layer(tnet *n, const char *op, int in, int out_c, int out_h, int out_w) {
    if (n->nl >= MAXL) { fprintf(stderr, "too many layers\n"); exit(2); }
    hwnas_layer *l = &n->l[n->nl++];
    memset(l, 0, sizeof *l);
    l->struct_size = sizeof(hwnas_layer);
    l->op = op;
    l->input = in; l->input2 = -1;
    l->output = add_tensor(n, out_c, out_h, out_w);
    l->in_c = n->t[in].c; l->in_h = n->t[in].h; l->in_w = n->t[in].w;
    l->out_c = out_c; l->out_h = out_h; l->out_w = out_w;
    l->groups = 1;
    l->kernel = l->kernel_h = l->kernel_w = 1;
    l->stride = l->stride_h = l->stride_w = 1;
    l->dilation_h = l->dilation_w = 1;
    l->flags = HWNAS_LAYER_EXPLICIT_PADDING;
    l->cell = "";
    return l;
}

/* A windowed 1.1 layer (conv or pool) with explicit padding; the output size
 * follows from the window. */
static hwnas_layer *add_win(tnet *n, const char *op, int in, int out_c, int kh, int kw, int sh, int sw, int dh, int dw,
                            int pt, int pl, int pb, int pr) {
    const int oh = out_len(n->t[in].h, kh, sh, dh, pt, pb), ow = out_len(n->t[in].w, kw, sw, dw, pl, pr);
    hwnas_layer *l = add_layer(n, op, in, out_c, oh, ow);
    l->kernel = kw; l->stride = sw;
    l->kernel_h = kh; l->kernel_w = kw; l->stride_h = sh; l->stride_w = sw; l->dilation_h = dh; l->dilation_w = dw;
    l->pad_top = pt; l->pad_left = pl; l->pad_bottom = pb; l->pad_right = pr;
    return l;
}

/* k x k, stride s, "same" padding (k - 1) / 2 * d. */
static hwnas_layer *add_same(tnet *n, const char *op, int in, int out_c, int k, int s, int d) {
    const int p = (k - 1) / 2 * d;
    return add_win(n, op, in, out_c, k, k, s, s, d, d, p, p, p, p);
}

static hwnas_network as_network(const tnet *n) {
    hwnas_network net;
    memset(&net, 0, sizeof net);
    net.struct_size = sizeof net;
    net.n_layers = (uint32_t)n->nl;
    net.layers = n->l;
    net.n_tensors = (uint32_t)n->nt;
    net.tensors = n->t;
    net.layer_size = sizeof(hwnas_layer);
    net.spatial_dims = (uint32_t)n->spatial;
    return net;
}

static hwnas_executor *create(const hwnas_network *net, int batch, int bn_mode, uint64_t seed, char *err, size_t cap) {
    hwnas_executor_options o;
    o.batch = batch; o.bn_mode = bn_mode; o.seed = seed;
    return hwnas_executor_create(net, &o, err, cap);
}

/* ----------------------------------------------------------- reference */

static int is_op(const hwnas_layer *l, const char *name) { return strcmp(l->op, name) == 0; }

static int is_conv(const hwnas_layer *l) {
    return is_op(l, "conv2d") || is_op(l, "conv2d_nobias") || is_op(l, "relu_conv_bn") || is_op(l, "pwconv2d") ||
           is_op(l, "dwconv2d");
}

static double ref_act(int a, double x) {
    switch (a) {
    case HWNAS_ACT_RELU: return x > 0 ? x : 0;
    case HWNAS_ACT_RELU6: return fmin(fmax(x, 0), 6);
    case HWNAS_ACT_HSWISH: return x * fmin(fmax(x + 3, 0), 6) / 6;
    case HWNAS_ACT_HSIGMOID: return fmin(fmax(x + 3, 0), 6) / 6;
    case HWNAS_ACT_SIGMOID: return 1 / (1 + exp(-x));
    case HWNAS_ACT_SWISH: return x / (1 + exp(-x));
    default: return x;
    }
}

static void act_all(int a, double *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = ref_act(a, x[i]);
}

typedef struct win {
    int kh, kw, sh, sw, dh, dw, pt, pl;
} win;

static win win_of(const hwnas_layer *l) {
    win w = {l->kernel_h, l->kernel_w, l->stride_h, l->stride_w, l->dilation_h, l->dilation_w, l->pad_top, l->pad_left};
    return w;
}

/* Direct convolution of one image; weight [oc][c/groups][kh][kw]. */
static void ref_conv(const double *x, int c, int h, int w, const float *wt, int oc, int oh, int ow, win g, int groups,
                     double *y) {
    const int icg = c / groups, ocg = oc / groups;
    for (int o = 0; o < oc; o++) {
        const int grp = o / ocg;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double acc = 0;
                for (int ic = 0; ic < icg; ic++)
                    for (int ky = 0; ky < g.kh; ky++)
                        for (int kx = 0; kx < g.kw; kx++) {
                            const int iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            acc += x[((size_t)(grp * icg + ic) * h + iy) * w + ix] *
                                   wt[(((size_t)o * icg + ic) * g.kh + ky) * g.kw + kx];
                        }
                y[((size_t)o * oh + oy) * ow + ox] = acc;
            }
    }
}

/* Batch norm of y[batch][c][plane]: folded scale/shift or batch statistics. */
static void ref_bn(double *y, int batch, int c, int plane, int bn_mode, const float *scale, const float *shift) {
    for (int ch = 0; ch < c; ch++) {
        double mean = 0, var = 0;
        if (bn_mode == HWNAS_EXEC_BN_BATCH) {
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < plane; j++) mean += y[((size_t)b * c + ch) * plane + j];
            mean /= (double)batch * plane;
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < plane; j++) {
                    const double d = y[((size_t)b * c + ch) * plane + j] - mean;
                    var += d * d;
                }
            var /= (double)batch * plane;
        }
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < plane; j++) {
                double *v = &y[((size_t)b * c + ch) * plane + j];
                *v = bn_mode == HWNAS_EXEC_BN_BATCH ? (*v - mean) / sqrt(var + 1e-5) : scale[ch] * *v + shift[ch];
            }
    }
}

static void ref_pool(const double *x, int c, int h, int w, int oh, int ow, win g, int is_max, double *y) {
    for (int ch = 0; ch < c; ch++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double acc = is_max ? -INFINITY : 0;
                int cells = 0;
                for (int ky = 0; ky < g.kh; ky++)
                    for (int kx = 0; kx < g.kw; kx++) {
                        const int iy = oy * g.sh - g.pt + ky, ix = ox * g.sw - g.pl + kx;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        const double v = x[((size_t)ch * h + iy) * w + ix];
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        cells++;
                    }
                y[((size_t)ch * oh + oy) * ow + ox] = cells == 0 ? 0 : (is_max ? acc : acc / cells);
            }
}

static float *param(hwnas_executor *ex, int layer, int which, size_t expect) {
    size_t n = 0;
    float *p = hwnas_executor_param(ex, (uint32_t)layer, (uint32_t)which, &n);
    if (!p || n != expect) {
        fprintf(stderr, "param %d of layer %d: %s (%zu floats, expected %zu)\n", which, layer, p ? "size" : "missing", n, expect);
        exit(2);
    }
    return p;
}

/* Conv `ci` (params 3ci..3ci+2) over the batch, with its BN or bias. */
static void ref_conv_layer(hwnas_executor *ex, int index, int ci, const double *x, int batch, int c, int h, int w, int oc,
                           int oh, int ow, win g, int groups, int norm, int bn_mode, double *y) {
    const size_t nw = (size_t)oc * (c / groups) * g.kh * g.kw;
    const float *wt = param(ex, index, 3 * ci, nw);
    const float *scale = param(ex, index, 3 * ci + 1, (size_t)oc), *shift = param(ex, index, 3 * ci + 2, (size_t)oc);
    for (int b = 0; b < batch; b++)
        ref_conv(x + (size_t)b * c * h * w, c, h, w, wt, oc, oh, ow, g, groups, y + (size_t)b * oc * oh * ow);
    if (norm == 1) ref_bn(y, batch, oc, oh * ow, bn_mode, scale, shift);
    if (norm == 2)
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < oc; o++)
                for (int j = 0; j < oh * ow; j++) y[((size_t)b * oc + o) * oh * ow + j] += shift[o];
}

/* The expected output of layer `index` described by `d` (1.1 semantics; with
 * act_early the activation comes before the residual add, as 1.0 did), from
 * the executor's actual input tensors and parameters. Returns a malloc'd
 * [batch][out] array. */
static double *ref_layer(hwnas_executor *ex, const hwnas_layer *d, int index, int batch, int bn_mode, int act_early) {
    size_t nin = 0, nin2 = 0;
    const float *in = hwnas_executor_tensor(ex, (uint32_t)d->input, &nin);
    const float *in2 = d->input2 >= 0 ? hwnas_executor_tensor(ex, (uint32_t)d->input2, &nin2) : NULL;
    const int c = d->in_c, h = d->in_h, w = d->in_w, oc = d->out_c, oh = d->out_h, ow = d->out_w;
    const size_t isz = (size_t)c * h * w, osz = (size_t)oc * oh * ow, plane = (size_t)oh * ow;
    double *x = malloc(sizeof(double) * nin), *y = calloc((size_t)batch * osz, sizeof(double));
    for (size_t i = 0; i < nin; i++) x[i] = in[i];
    act_all(d->pre_activation, x, nin);
    const win g = win_of(d);
    if (is_conv(d)) {
        const int groups = is_op(d, "dwconv2d") ? c : d->groups;
        const int norm = d->batch_norm == HWNAS_BN_FOLDED ? 1 : (d->bias_elems > 0 ? 2 : 0);
        ref_conv_layer(ex, index, 0, x, batch, c, h, w, oc, oh, ow, g, groups, norm, bn_mode, y);
    } else if (is_op(d, "inverted_residual")) {
        const int mid = c * d->expansion;
        const win one = {1, 1, 1, 1, 1, 1, 0, 0};
        double *m0 = malloc(sizeof(double) * batch * mid * h * w), *m1 = malloc(sizeof(double) * batch * mid * plane);
        ref_conv_layer(ex, index, 0, x, batch, c, h, w, mid, h, w, one, d->groups, 1, bn_mode, m0);
        act_all(HWNAS_ACT_RELU, m0, (size_t)batch * mid * h * w);
        ref_conv_layer(ex, index, 1, m0, batch, mid, h, w, mid, oh, ow, g, mid, 1, bn_mode, m1);
        act_all(HWNAS_ACT_RELU, m1, (size_t)batch * mid * plane);
        ref_conv_layer(ex, index, 2, m1, batch, mid, oh, ow, oc, oh, ow, one, d->groups, 1, bn_mode, y);
        free(m0); free(m1);
    } else if (is_op(d, "avgpool") || is_op(d, "maxpool")) {
        for (int b = 0; b < batch; b++) ref_pool(x + b * isz, c, h, w, oh, ow, g, is_op(d, "maxpool"), y + b * osz);
    } else if (is_op(d, "identity")) {
        memcpy(y, x, sizeof(double) * nin);
    } else if (is_op(d, "relu")) {
        for (size_t i = 0; i < nin; i++) y[i] = ref_act(HWNAS_ACT_RELU, x[i]);
    } else if (is_op(d, "add")) {
        for (size_t i = 0; i < nin; i++) y[i] = x[i] + in2[i];
    } else if (is_op(d, "zero")) {
        /* calloc'd */
    } else if (is_op(d, "batchnorm")) {
        memcpy(y, x, sizeof(double) * nin);
        ref_bn(y, batch, oc, (int)plane, bn_mode, param(ex, index, 1, (size_t)oc), param(ex, index, 2, (size_t)oc));
    } else if (is_op(d, "global_avgpool")) {
        for (int b = 0; b < batch; b++)
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int j = 0; j < h * w; j++) s += x[b * isz + (size_t)ch * h * w + j];
                y[b * osz + ch] = s / (h * w);
            }
    } else if (is_op(d, "linear")) {
        const float *wt = param(ex, index, 0, osz * isz), *bias = param(ex, index, 1, osz);
        for (int b = 0; b < batch; b++)
            for (size_t o = 0; o < osz; o++) {
                double s = bias[o];
                for (size_t i = 0; i < isz; i++) s += wt[o * isz + i] * x[b * isz + i];
                y[b * osz + o] = s;
            }
    } else if (is_op(d, "squeeze_excite")) {
        const int s = d->hidden_c;
        const float *w1 = param(ex, index, 0, (size_t)s * c), *b1 = param(ex, index, 1, (size_t)s);
        const float *w2 = param(ex, index, 2, (size_t)c * s), *b2 = param(ex, index, 3, (size_t)c);
        double *m = malloc(sizeof(double) * c), *z = malloc(sizeof(double) * s);
        for (int b = 0; b < batch; b++) {
            const double *xb = x + b * isz;
            for (int ch = 0; ch < c; ch++) {
                double acc = 0;
                for (size_t j = 0; j < plane; j++) acc += xb[ch * plane + j];
                m[ch] = acc / (double)plane;
            }
            for (int j = 0; j < s; j++) {
                double acc = b1[j];
                for (int ch = 0; ch < c; ch++) acc += w1[(size_t)j * c + ch] * m[ch];
                z[j] = ref_act(d->hidden_activation, acc);
            }
            for (int ch = 0; ch < c; ch++) {
                double acc = b2[ch];
                for (int j = 0; j < s; j++) acc += w2[(size_t)ch * s + j] * z[j];
                const double gate = ref_act(d->gate_activation, acc);
                for (size_t j = 0; j < plane; j++) y[b * osz + ch * plane + j] = xb[ch * plane + j] * gate;
            }
        }
        free(m); free(z);
    } else {
        fprintf(stderr, "reference: no op %s\n", d->op);
        exit(2);
    }
    const size_t n = (size_t)batch * osz;
    if (act_early) act_all(d->activation, y, n);
    if ((d->flags & HWNAS_LAYER_RESIDUAL) && d->input2 >= 0 && !is_op(d, "add"))
        for (size_t i = 0; i < n; i++) y[i] += in2[i];
    if (!act_early) act_all(d->activation, y, n);
    if (d->shuffle_groups > 1) {
        const int gr = d->shuffle_groups, per = oc / gr;
        double *t = malloc(sizeof(double) * n);
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < gr; i++)
                for (int j = 0; j < per; j++)
                    memcpy(t + b * osz + (size_t)(j * gr + i) * plane, y + b * osz + (size_t)(i * per + j) * plane,
                           sizeof(double) * plane);
        free(y);
        y = t;
    }
    free(x);
    return y;
}

/* ------------------------------------------------------------- checking */

static int close_enough(double got, double want) { return fabs(got - want) <= 1e-4 * (1 + fabs(want)); }

/* Compares the executor's output of layer i with the reference; returns the
 * worst |diff| / (1 + |want|) or -1 on a mismatch (reported). */
static double compare_layer(hwnas_executor *ex, const hwnas_layer *d, int i, int batch, int bn_mode, int act_early,
                            const char *name) {
    size_t n = 0;
    const float *got = hwnas_executor_tensor(ex, (uint32_t)d->output, &n);
    double *want = ref_layer(ex, d, i, batch, bn_mode, act_early);
    double worst = 0;
    size_t bad = 0, first = 0;
    for (size_t k = 0; k < n; k++) {
        const double e = fabs(got[k] - want[k]) / (1 + fabs(want[k]));
        if (e > worst) worst = e;
        if (!close_enough(got[k], want[k]) || isnan(got[k])) { if (!bad) first = k; bad++; }
    }
    if (bad) {
        printf("FAIL %s: layer %d (%s): %zu of %zu values differ, first [%zu] got %.7g want %.7g\n", name, i, d->op, bad, n,
               first, got[first], want[first]);
        g_failures++;
        worst = -1;
    }
    free(want);
    return worst;
}

/* Runs `n` (1.1 records) and checks every layer against the reference of
 * desc[i] (n's own records when NULL; a copy where the record leaves fields
 * for the executor to resolve). */
static void run_case_desc(const char *name, tnet *n, const hwnas_layer *desc, int batch, int bn_mode) {
    if (!desc) desc = n->l;
    char err[512];
    hwnas_network net = as_network(n);
    hwnas_executor *ex = create(&net, batch, bn_mode, 42, err, sizeof err);
    if (!ex) { printf("FAIL %s: create: %s\n", name, err); g_failures++; return; }
    if (hwnas_executor_run(ex) != 0) {
        printf("FAIL %s: run: %s\n", name, hwnas_executor_last_error(ex));
        g_failures++;
        hwnas_executor_destroy(ex);
        return;
    }
    double worst = 0;
    int ok = 1;
    for (int i = 0; i < n->nl; i++) {
        const double e = compare_layer(ex, &desc[i], i, batch, bn_mode, 0, name);
        if (e < 0) ok = 0;
        else if (e > worst) worst = e;
    }
    if (ok) printf("ok   %s (%d layers, batch %d, %s, max rel err %.1e)\n", name, n->nl, batch,
                   bn_mode == HWNAS_EXEC_BN_BATCH ? "bn batch" : "bn folded", worst);
    hwnas_executor_destroy(ex);
}

static void run_case(const char *name, tnet *n, int batch, int bn_mode) { run_case_desc(name, n, NULL, batch, bn_mode); }

static void expect(int cond, const char *name, const char *what) {
    if (cond) return;
    printf("FAIL %s: %s\n", name, what);
    g_failures++;
}

/* ---------------------------------------------------------------- cases */

static void case_convs(void) {
    tnet n;
    net_init(&n, 4, 9, 9);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 8, 3, 1, 1); /* 3x3 s1 */
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_same(&n, "conv2d", 1, 6, 3, 2, 1); /* 3x3 s2: 9 -> 5 */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_win(&n, "conv2d", 2, 5, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2); /* 1x5 */
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_win(&n, "conv2d", 3, 4, 5, 1, 1, 1, 1, 1, 2, 0, 2, 0); /* 5x1 */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_win(&n, "conv2d", 4, 4, 5, 1, 2, 1, 1, 1, 1, 0, 3, 0); /* 5x1, stride 2x1, asymmetric */
    run_case("conv 3x3 s1, 3x3 s2, 1x5, 5x1, 5x1 s2x1", &n, 2, HWNAS_EXEC_BN_FOLDED);
}

static void case_dilation_and_pads(void) {
    tnet n;
    net_init(&n, 3, 12, 11);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 6, 3, 1, 2); /* dilation 2, pad 2 */
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_win(&n, "conv2d", 1, 5, 3, 2, 2, 1, 2, 3, 1, 0, 3, 2); /* 3x2, stride 2x1, dilation 2x3, uneven pads */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_win(&n, "conv2d", 0, 4, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0); /* TF-style SAME s2 (0 before, 1 after) */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_win(&n, "conv2d", 0, 4, 3, 3, 1, 1, 1, 1, 2, 0, 0, 2); /* pads on one side only */
    /* no EXPLICIT_PADDING: "same" = dilation * (k - 1) / 2 per side */
    l = add_win(&n, "conv2d", 0, 4, 5, 3, 1, 1, 2, 3, 4, 3, 4, 3);
    hwnas_layer desc[MAXL];
    memcpy(desc, n.l, sizeof desc);
    l->flags = 0; l->pad_top = l->pad_left = l->pad_bottom = l->pad_right = 0;
    run_case_desc("dilation 2 and 2x3, asymmetric explicit pads, implicit same", &n, desc, 2, HWNAS_EXEC_BN_FOLDED);
}

static void case_groups_depthwise(void) {
    tnet n;
    net_init(&n, 8, 15, 15);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 6, 3, 1, 1);
    l->groups = 2; l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_same(&n, "dwconv2d", 0, 8, 3, 2, 1); /* 15 -> 8 */
    l->groups = 8; l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_same(&n, "dwconv2d", 0, 8, 7, 1, 1);
    l->groups = 8; l->batch_norm = HWNAS_BN_FOLDED;
    l = add_same(&n, "dwconv2d", 0, 8, 3, 1, 2); /* dilated depthwise */
    l->groups = 8; l->batch_norm = HWNAS_BN_FOLDED;
    l = add_win(&n, "dwconv2d", 0, 8, 5, 3, 2, 3, 1, 2, 1, 0, 3, 4); /* 5x3 s2x3 d1x2, uneven pads */
    l->groups = 8;
    l = add_win(&n, "conv2d", 0, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
    l->groups = 4; l->batch_norm = HWNAS_BN_FOLDED; /* groups 4, 2 in and 1 out per group */
    run_case("grouped conv (2, 4), depthwise 3x3 s2, 7x7, dilated, 5x3 asymmetric", &n, 2, HWNAS_EXEC_BN_FOLDED);
}

static void case_pointwise(void) {
    tnet n;
    net_init(&n, 8, 6, 7);
    hwnas_layer *l = add_same(&n, "pwconv2d", 0, 12, 1, 1, 1); /* fast path: no im2col */
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_win(&n, "pwconv2d", 1, 8, 1, 1, 1, 1, 1, 1, 0, 0, 1, 2); /* 1x1 with bottom/right pad: not the fast path */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_same(&n, "conv2d", 0, 4, 1, 2, 1); /* 1x1 stride 2 */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_same(&n, "pwconv2d", 0, 8, 1, 1, 1); /* 1x1 with groups */
    l->groups = 2; l->batch_norm = HWNAS_BN_FOLDED;
    l = add_same(&n, "pwconv2d", 0, 8, 1, 1, 1); /* feeds a depthwise: no 1.0 ReLU for 1.1 records */
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_same(&n, "dwconv2d", l->output, 8, 3, 1, 1);
    l->batch_norm = HWNAS_BN_FOLDED;
    l = add_layer(&n, "pwconv2d", 0, 5, 6, 7); /* kernel fields 0: 1x1 */
    hwnas_layer desc[MAXL];
    memcpy(desc, n.l, sizeof desc);
    l->kernel = l->kernel_h = l->kernel_w = 0; l->stride = l->stride_h = l->stride_w = 0;
    l->dilation_h = l->dilation_w = 0; l->flags = 0;
    run_case_desc("1x1 conv: fast path, padded, stride 2, grouped, feeding a dwconv2d, zero kernel fields", &n, desc, 3,
                  HWNAS_EXEC_BN_FOLDED);
}

static const char *kActNames[] = {"none", "relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish"};

static void case_activations(void) {
    for (int a = HWNAS_ACT_RELU; a <= HWNAS_ACT_SWISH; a++) {
        tnet n;
        net_init(&n, 3, 8, 8);
        /* scale the input up so every activation's knees are crossed */
        hwnas_layer *l = add_same(&n, "conv2d", 0, 6, 3, 1, 1);
        l->batch_norm = HWNAS_BN_FOLDED;
        l = add_same(&n, "relu_conv_bn", 1, 6, 3, 1, 1);
        l->pre_activation = a; l->batch_norm = HWNAS_BN_FOLDED;
        l = add_same(&n, "conv2d", 1, 6, 3, 1, 1);
        l->batch_norm = HWNAS_BN_FOLDED; l->activation = a;
        l = add_layer(&n, "identity", 1, 6, 8, 8);
        l->activation = a;
        l = add_layer(&n, "identity", 1, 6, 8, 8);
        l->pre_activation = a; l->activation = a;
        char name[96];
        snprintf(name, sizeof name, "activation %s: pre, post, identity", kActNames[a]);
        run_case(name, &n, 2, HWNAS_EXEC_BN_FOLDED);
    }
}

static void case_batch_norm_and_bias(void) {
    for (int mode = 0; mode < 2; mode++) {
        tnet n;
        net_init(&n, 4, 7, 7);
        hwnas_layer *l = add_same(&n, "conv2d", 0, 6, 3, 1, 1);
        l->batch_norm = HWNAS_BN_FOLDED; l->bias_elems = 6; /* BN; its folded bias is not a second bias */
        l = add_same(&n, "conv2d", 0, 6, 3, 2, 1);
        l->bias_elems = 6; /* bias only */
        l = add_same(&n, "conv2d_nobias", 0, 6, 3, 1, 1); /* nothing after */
        l = add_layer(&n, "batchnorm", 1, 6, 7, 7);
        l->activation = HWNAS_ACT_RELU6;
        l = add_same(&n, "dwconv2d", 1, 6, 3, 1, 1);
        l->bias_elems = 6; l->activation = HWNAS_ACT_RELU;
        run_case(mode ? "batch norm folded / bias / none, BN_BATCH mode" : "batch norm folded / bias / none, BN_FOLDED mode",
                 &n, 3, mode ? HWNAS_EXEC_BN_BATCH : HWNAS_EXEC_BN_FOLDED);
    }
}

static void case_residual(void) {
    tnet n;
    net_init(&n, 6, 8, 8);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 6, 3, 1, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l->input2 = 0; l->flags |= HWNAS_LAYER_RESIDUAL;
    l = add_same(&n, "conv2d", 1, 6, 3, 1, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_HSWISH; l->pre_activation = HWNAS_ACT_RELU6;
    l->input2 = 0; l->flags |= HWNAS_LAYER_RESIDUAL;
    l = add_layer(&n, "add", 1, 6, 8, 8);
    l->input2 = 0; l->activation = HWNAS_ACT_RELU;
    l = add_same(&n, "pwconv2d", 1, 6, 1, 1, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU; l->shuffle_groups = 2;
    l->input2 = 0; l->flags |= HWNAS_LAYER_RESIDUAL;
    run_case("residual add before activation (conv, add), then shuffle", &n, 2, HWNAS_EXEC_BN_FOLDED);

    /* ReLU after the add: no negative value may survive. */
    char err[256];
    hwnas_network net = as_network(&n);
    hwnas_executor *ex = create(&net, 1, HWNAS_EXEC_BN_FOLDED, 5, err, sizeof err);
    if (!ex || hwnas_executor_run(ex)) { expect(0, "residual order", err); hwnas_executor_destroy(ex); return; }
    size_t cnt = 0;
    const float *y = hwnas_executor_tensor(ex, 1, &cnt);
    int negative = 0;
    for (size_t i = 0; i < cnt; i++) negative |= y[i] < 0;
    expect(!negative, "residual order", "negative value after relu(conv + input2)");
    if (!negative) printf("ok   residual order: relu after the add leaves no negative value\n");
    hwnas_executor_destroy(ex);
}

static void case_shuffle(void) {
    tnet n;
    net_init(&n, 8, 5, 4);
    hwnas_layer *l = add_same(&n, "pwconv2d", 0, 8, 1, 1, 1);
    l->groups = 2; l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU; l->shuffle_groups = 2;
    l = add_layer(&n, "identity", 0, 8, 5, 4);
    l->shuffle_groups = 4;
    l = add_same(&n, "conv2d", 0, 12, 3, 2, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->shuffle_groups = 4;
    run_case("channel shuffle g=2 (grouped 1x1), g=4 (identity, 3x3 s2)", &n, 2, HWNAS_EXEC_BN_FOLDED);

    /* The permutation itself: identity + shuffle(4) of 8 channels. */
    char err[256];
    hwnas_network net = as_network(&n);
    hwnas_executor *ex = create(&net, 1, HWNAS_EXEC_BN_FOLDED, 3, err, sizeof err);
    if (!ex || hwnas_executor_run(ex)) { expect(0, "shuffle permutation", err); hwnas_executor_destroy(ex); return; }
    const float *x = hwnas_executor_tensor(ex, 0, NULL), *y = hwnas_executor_tensor(ex, 2, NULL);
    static const int src[8] = {0, 2, 4, 6, 1, 3, 5, 7}; /* out k = j*4 + i <- in i*2 + j */
    int ok = 1;
    for (int k = 0; k < 8; k++) ok &= memcmp(y + k * 20, x + src[k] * 20, sizeof(float) * 20) == 0;
    expect(ok, "shuffle permutation", "identity + shuffle 4 is not channels 0,2,4,6,1,3,5,7");
    if (ok) printf("ok   shuffle permutation: 8 channels in 4 groups -> 0,2,4,6,1,3,5,7\n");
    hwnas_executor_destroy(ex);
}

static void case_squeeze_excite(void) {
    tnet n;
    net_init(&n, 8, 6, 5);
    hwnas_layer *l = add_layer(&n, "squeeze_excite", 0, 8, 6, 5);
    l->hidden_c = 2; l->hidden_activation = HWNAS_ACT_RELU; l->gate_activation = HWNAS_ACT_HSIGMOID;
    l = add_layer(&n, "squeeze_excite", 0, 8, 6, 5);
    l->hidden_c = 4; l->hidden_activation = HWNAS_ACT_SWISH; l->gate_activation = HWNAS_ACT_SIGMOID;
    l = add_layer(&n, "squeeze_excite", 0, 8, 6, 5);
    l->hidden_c = 3; l->hidden_activation = HWNAS_ACT_RELU; l->gate_activation = HWNAS_ACT_HSIGMOID;
    l->pre_activation = HWNAS_ACT_RELU6; l->activation = HWNAS_ACT_HSWISH; l->input2 = 0; l->flags |= HWNAS_LAYER_RESIDUAL;
    run_case("squeeze_excite relu/hsigmoid, swish/sigmoid, with pre/post activation and residual", &n, 3,
             HWNAS_EXEC_BN_FOLDED);
}

static void case_pools(void) {
    tnet n;
    net_init(&n, 3, 9, 10);
    add_same(&n, "avgpool", 0, 3, 3, 1, 1);                         /* count excludes padding */
    add_win(&n, "avgpool", 0, 3, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0);     /* asymmetric */
    add_win(&n, "avgpool", 0, 3, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0);     /* nb201 2x2 s2 */
    add_win(&n, "maxpool", 0, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1);     /* explicit pads */
    add_win(&n, "maxpool", 0, 3, 2, 3, 1, 2, 1, 1, 1, 0, 0, 2);     /* 2x3, stride 1x2, uneven */
    hwnas_layer *l = add_win(&n, "avgpool", 0, 3, 1, 4, 1, 3, 1, 1, 0, 3, 0, 0);
    l->activation = HWNAS_ACT_RELU; /* windows at the left edge see one cell */
    run_case("avg pool excluding padding, max pool with explicit pads", &n, 2, HWNAS_EXEC_BN_FOLDED);
}

static void case_inverted_residual(void) {
    tnet n;
    net_init(&n, 4, 9, 9);
    hwnas_layer *l = add_win(&n, "inverted_residual", 0, 6, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1);
    l->expansion = 3; l->activation = HWNAS_ACT_RELU6;
    l = add_same(&n, "inverted_residual", 0, 4, 5, 1, 1);
    l->expansion = 2; l->groups = 2; l->input2 = 0; l->flags |= HWNAS_LAYER_RESIDUAL;
    run_case("inverted_residual (1.1 window, groups 2, residual)", &n, 2, HWNAS_EXEC_BN_BATCH);
}

static void case_1d(void) {
    tnet n;
    net_init(&n, 4, 1, 100);
    n.spatial = 1;
    hwnas_layer *l = add_win(&n, "conv2d", 0, 8, 1, 7, 1, 2, 1, 1, 0, 3, 0, 3); /* 100 -> 50 */
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    l = add_win(&n, "dwconv2d", 1, 8, 1, 5, 1, 1, 1, 2, 0, 4, 0, 4);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_SWISH;
    l = add_win(&n, "maxpool", 2, 8, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1); /* 50 -> 25 */
    l = add_win(&n, "avgpool", 3, 8, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1);
    l = add_layer(&n, "squeeze_excite", 4, 8, 1, 25);
    l->hidden_c = 2; l->hidden_activation = HWNAS_ACT_RELU; l->gate_activation = HWNAS_ACT_SIGMOID;
    /* kernel_h 0 in a 1-D network means 1; no EXPLICIT_PADDING: "same" */
    l = add_win(&n, "conv2d", 5, 8, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->input2 = 5; l->flags |= HWNAS_LAYER_RESIDUAL; l->activation = HWNAS_ACT_RELU;
    l = add_layer(&n, "global_avgpool", 6, 8, 1, 1);
    l = add_layer(&n, "linear", 7, 5, 1, 1);
    hwnas_layer desc[MAXL];
    memcpy(desc, n.l, sizeof desc);
    l = &n.l[5];
    l->kernel_h = 0; l->stride_h = 0; l->flags = HWNAS_LAYER_RESIDUAL; l->pad_left = l->pad_right = 0;
    run_case_desc("1-D network: 4x1x100, conv 1x7 s2, dw 1x5 d2, pools, SE, linear", &n, desc, 2, HWNAS_EXEC_BN_FOLDED);
}

/* --------------------------------------------------- ReLU callback (1.1) */

typedef struct call {
    uint32_t layer, batch, channels, features;
    float *values;
} call;

typedef struct calls {
    call c[32];
    int n;
} calls;

static void record_call(void *ctx, uint32_t layer, uint32_t batch, uint32_t channels, uint32_t features,
                        const float *post) {
    calls *cs = ctx;
    if (cs->n >= 32) return;
    call *c = &cs->c[cs->n++];
    c->layer = layer; c->batch = batch; c->channels = channels; c->features = features;
    c->values = malloc(sizeof(float) * batch * features);
    memcpy(c->values, post, sizeof(float) * batch * features);
}

static void free_calls(calls *cs) {
    for (int i = 0; i < cs->n; i++) free(cs->c[i].values);
    cs->n = 0;
}

static void case_relu_callback(void) {
    const char *name = "relu callback (1.1)";
    tnet n;
    net_init(&n, 3, 6, 6);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 4, 3, 1, 1); /* 0: pre relu6, post hswish: 2 calls */
    l->pre_activation = HWNAS_ACT_RELU6; l->activation = HWNAS_ACT_HSWISH; l->batch_norm = HWNAS_BN_FOLDED;
    l = add_same(&n, "conv2d", 1, 4, 3, 1, 1);              /* 1: sigmoid: none */
    l->activation = HWNAS_ACT_SIGMOID;
    l = add_layer(&n, "squeeze_excite", 1, 4, 6, 6);        /* 2: hidden relu, gate hsigmoid: none */
    l->hidden_c = 2; l->hidden_activation = HWNAS_ACT_RELU; l->gate_activation = HWNAS_ACT_HSIGMOID;
    l = add_layer(&n, "identity", 1, 4, 6, 6);              /* 3: swish: 1 call */
    l->activation = HWNAS_ACT_SWISH; l->pre_activation = HWNAS_ACT_HSIGMOID;
    l = add_layer(&n, "batchnorm", 1, 4, 6, 6);             /* 4: relu: 1 call */
    l->activation = HWNAS_ACT_RELU;
    l = add_layer(&n, "batchnorm", 1, 4, 6, 6);             /* 5: none */
    char err[256];
    hwnas_network net = as_network(&n);
    hwnas_executor *ex = create(&net, 2, HWNAS_EXEC_BN_BATCH, 9, err, sizeof err);
    if (!ex) { expect(0, name, err); return; }
    calls cs;
    cs.n = 0;
    hwnas_executor_set_relu_callback(ex, record_call, &cs);
    if (hwnas_executor_run(ex)) { expect(0, name, "run failed"); hwnas_executor_destroy(ex); return; }
    static const uint32_t want_layer[] = {0, 0, 3, 4};
    static const uint32_t want_features[] = {3 * 36, 4 * 36, 4 * 36, 4 * 36};
    static const uint32_t want_channels[] = {3, 4, 4, 4};
    int ok = cs.n == 4;
    for (int i = 0; ok && i < 4; i++)
        ok = cs.c[i].layer == want_layer[i] && cs.c[i].features == want_features[i] && cs.c[i].batch == 2 &&
             cs.c[i].channels == want_channels[i];
    expect(ok, name, "calls are not (0 pre, 0 post, 3 post, 4 post) with [2][channels x 36]");
    if (ok) {
        /* pre: relu6 of the input; post: the layer outputs */
        const float *x = hwnas_executor_tensor(ex, 0, NULL);
        int vals = 1;
        for (int i = 0; i < 2 * 3 * 36; i++) vals &= close_enough(cs.c[0].values[i], ref_act(HWNAS_ACT_RELU6, x[i]));
        const int out_t[] = {0, 1, 4, 5};
        for (int k = 1; k < 4; k++) {
            const float *y = hwnas_executor_tensor(ex, (uint32_t)out_t[k], NULL);
            vals &= memcmp(cs.c[k].values, y, sizeof(float) * 2 * 4 * 36) == 0;
        }
        expect(vals, name, "callback values are not the post-activation values");
        ok = vals;
    }
    if (ok) printf("ok   %s: fires for relu6/hswish/swish/relu, not sigmoid/hsigmoid/SE/none\n", name);
    free_calls(&cs);
    hwnas_executor_destroy(ex);
}

/* ----------------------------------------------------------- 1.0 records */

/* A network of 1.0 records: 112-byte records in a byte buffer of exactly
 * that size, and an hwnas_network whose struct_size ends before layer_size
 * (the garbage there must be ignored). */
static void case_v10(void) {
    const char *name = "ABI 1.0 records";
    tnet n;
    net_init(&n, 4, 8, 8);
    hwnas_layer *l;
    l = add_same(&n, "conv2d", 0, 8, 3, 1, 1);       /* 0: Conv-BN-ReLU */
    l = add_same(&n, "relu_conv_bn", 1, 8, 3, 2, 1); /* 1: ReLU-Conv-BN, 8 -> 4 */
    l = add_same(&n, "pwconv2d", 2, 16, 1, 1, 1);    /* 2: feeds a depthwise: + ReLU */
    l = add_same(&n, "dwconv2d", 3, 16, 3, 1, 1);    /* 3: depthwise Conv-BN-ReLU */
    l = add_same(&n, "pwconv2d", 4, 8, 1, 1, 1);     /* 4: project: linear */
    l = add_layer(&n, "batchnorm", 5, 8, 4, 4);      /* 5: BN + ReLU */
    l = add_same(&n, "conv2d", 6, 8, 3, 1, 1);       /* 6: ReLU before the residual add */
    l->input2 = 5; l->flags = HWNAS_LAYER_RESIDUAL;
    l = add_same(&n, "avgpool", 7, 8, 3, 1, 1);      /* 7 */
    const int nl = n.nl;
    const size_t rs = HWNAS_LAYER_SIZE_1_0;
    unsigned char *buf = malloc(rs * nl);
    for (int i = 0; i < nl; i++) {
        hwnas_layer r = n.l[i];
        r.struct_size = (uint32_t)rs;
        r.flags &= ~HWNAS_LAYER_EXPLICIT_PADDING; /* not a 1.0 flag */
        /* fields past the 1.0 record are not copied, garbage anyway */
        r.kernel_h = 99; r.activation = HWNAS_ACT_SIGMOID; r.shuffle_groups = 3;
        memcpy(buf + i * rs, &r, rs);
    }
    hwnas_network net;
    memset(&net, 0xAB, sizeof net);
    net.struct_size = (uint32_t)offsetof(hwnas_network, layer_size);
    net.n_layers = (uint32_t)nl;
    net.layers = (const hwnas_layer *)(const void *)buf;
    net.n_tensors = (uint32_t)n.nt;
    net.reserved = 0;
    net.tensors = n.t;
    /* What 1.0 meant, as 1.1 descriptions for the reference. */
    hwnas_layer d[MAXL];
    for (int i = 0; i < nl; i++) d[i] = n.l[i];
    d[0].batch_norm = HWNAS_BN_FOLDED; d[0].activation = HWNAS_ACT_RELU;
    d[1].pre_activation = HWNAS_ACT_RELU; d[1].batch_norm = HWNAS_BN_FOLDED;
    d[2].batch_norm = HWNAS_BN_FOLDED; d[2].activation = HWNAS_ACT_RELU;
    d[3].batch_norm = HWNAS_BN_FOLDED; d[3].activation = HWNAS_ACT_RELU;
    d[4].batch_norm = HWNAS_BN_FOLDED;
    d[5].activation = HWNAS_ACT_RELU;
    d[6].batch_norm = HWNAS_BN_FOLDED; d[6].activation = HWNAS_ACT_RELU;
    for (int mode = 0; mode < 2; mode++) {
        char err[256], label[96];
        snprintf(label, sizeof label, "%s (%s)", name, mode ? "bn batch" : "bn folded");
        hwnas_executor *ex = create(&net, 2, mode, 11, err, sizeof err);
        if (!ex) { expect(0, label, err); continue; }
        calls cs;
        cs.n = 0;
        hwnas_executor_set_relu_callback(ex, record_call, &cs);
        if (hwnas_executor_run(ex)) { expect(0, label, "run failed"); free_calls(&cs); hwnas_executor_destroy(ex); continue; }
        int ok = 1;
        double worst = 0;
        for (int i = 0; i < nl; i++) {
            const double e = compare_layer(ex, &d[i], i, 2, mode, 1, label);
            if (e < 0) ok = 0;
            else if (e > worst) worst = e;
        }
        /* ReLU callback as 1.0: conv2d post, relu_conv_bn pre, expand post, dw post, bn post, conv2d post */
        static const uint32_t want[] = {0, 1, 2, 3, 5, 6};
        int cb = cs.n == 6;
        for (int i = 0; cb && i < 6; i++) cb = cs.c[i].layer == want[i];
        expect(cb, label, "ReLU callback layers are not 0,1,2,3,5,6");
        /* layer 6's ReLU came before the add: the callback saw relu(conv), the output has negatives */
        if (cb) {
            const float *y = hwnas_executor_tensor(ex, 7, NULL);
            int neg = 0;
            for (int i = 0; i < 2 * 8 * 16; i++) { neg |= y[i] < 0; cb &= cs.c[5].values[i] >= 0; }
            expect(cb && neg, label, "1.0 residual order (ReLU, then add) not observed");
            ok &= cb && neg;
        }
        if (ok) printf("ok   %s: conv2d ReLU, pwconv2d->dwconv2d ReLU, ReLU before add (max rel err %.1e)\n", label, worst);
        free_calls(&cs);
        hwnas_executor_destroy(ex);
    }
    free(buf);
}

/* Records from a later minor: larger records, layer_size apart. */
static void case_future_records(void) {
    const char *name = "larger records (layer_size 200)";
    tnet n;
    net_init(&n, 4, 7, 7);
    hwnas_layer *l = add_win(&n, "conv2d", 0, 6, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_HSWISH;
    l = add_layer(&n, "squeeze_excite", 1, 6, 3, 3);
    l->hidden_c = 2; l->hidden_activation = HWNAS_ACT_RELU; l->gate_activation = HWNAS_ACT_SIGMOID;
    const size_t rs = 200;
    unsigned char *buf = malloc(rs * n.nl);
    memset(buf, 0x5A, rs * n.nl);
    for (int i = 0; i < n.nl; i++) {
        hwnas_layer r = n.l[i];
        r.struct_size = (uint32_t)rs;
        memcpy(buf + i * rs, &r, sizeof r);
    }
    hwnas_network net = as_network(&n);
    net.layers = (const hwnas_layer *)(const void *)buf;
    net.layer_size = (uint32_t)rs;
    char err[256];
    hwnas_executor *ex = create(&net, 2, HWNAS_EXEC_BN_FOLDED, 4, err, sizeof err);
    if (!ex || hwnas_executor_run(ex)) { expect(0, name, ex ? "run failed" : err); hwnas_executor_destroy(ex); free(buf); return; }
    int ok = 1;
    for (int i = 0; i < n.nl; i++) ok &= compare_layer(ex, &n.l[i], i, 2, HWNAS_EXEC_BN_FOLDED, 0, name) >= 0;
    if (ok) printf("ok   %s\n", name);
    hwnas_executor_destroy(ex);
    free(buf);
}

/* ----------------------------------------------------- determinism, errors */

static void case_determinism(void) {
    const char *name = "determinism";
    tnet n;
    net_init(&n, 3, 10, 10);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 8, 3, 2, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_SWISH; l->shuffle_groups = 2;
    l = add_layer(&n, "squeeze_excite", 1, 8, 5, 5);
    l->hidden_c = 2; l->hidden_activation = HWNAS_ACT_RELU; l->gate_activation = HWNAS_ACT_HSIGMOID;
    l = add_same(&n, "dwconv2d", 2, 8, 5, 1, 2);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU6;
    hwnas_network net = as_network(&n);
    char err[256];
    hwnas_executor *a = create(&net, 2, HWNAS_EXEC_BN_BATCH, 77, err, sizeof err);
    hwnas_executor *b = create(&net, 2, HWNAS_EXEC_BN_BATCH, 77, err, sizeof err);
    hwnas_executor *c = create(&net, 2, HWNAS_EXEC_BN_BATCH, 78, err, sizeof err);
    if (!a || !b || !c) { expect(0, name, err); }
    else if (hwnas_executor_run(a) || hwnas_executor_run(b) || hwnas_executor_run(b) || hwnas_executor_run(c)) {
        expect(0, name, "run failed");
    } else {
        int same = 1, differs = 0;
        for (int t = 0; t < n.nt; t++) {
            size_t cnt = 0;
            const float *x = hwnas_executor_tensor(a, (uint32_t)t, &cnt), *y = hwnas_executor_tensor(b, (uint32_t)t, NULL);
            const float *z = hwnas_executor_tensor(c, (uint32_t)t, NULL);
            same &= memcmp(x, y, sizeof(float) * cnt) == 0;
            differs |= memcmp(x, z, sizeof(float) * cnt) != 0;
        }
        expect(same, name, "same seed gave different outputs");
        expect(differs, name, "another seed gave the same outputs");
        if (same && differs) printf("ok   %s: same seed bit-identical (also after a second run), other seed differs\n", name);
    }
    hwnas_executor_destroy(a); hwnas_executor_destroy(b); hwnas_executor_destroy(c);
}

/* create must fail with a one-line message containing every needle. */
static void expect_error(const char *name, tnet *n, const char *needle1, const char *needle2) {
    hwnas_network net = as_network(n);
    char err[512];
    err[0] = 0;
    hwnas_executor *ex = create(&net, 1, HWNAS_EXEC_BN_FOLDED, 1, err, sizeof err);
    if (ex) { expect(0, name, "accepted"); hwnas_executor_destroy(ex); return; }
    const int ok = strstr(err, needle1) && strstr(err, needle2) && !strchr(err, '\n');
    if (ok) printf("ok   %s: \"%s\"\n", name, err);
    else { printf("FAIL %s: message \"%s\" lacks \"%s\" / \"%s\"\n", name, err, needle1, needle2); g_failures++; }
}

static void case_errors(void) {
    tnet n;
    net_init(&n, 4, 8, 8);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 4, 3, 1, 1);
    n.t[l->output].h = l->out_h = 7; /* should be 8 */
    expect_error("error: wrong conv output size", &n, "layer 0 (conv2d)", "expected 8x8");

    net_init(&n, 4, 8, 8);
    add_same(&n, "identity", 0, 4, 1, 1, 1);
    l = add_win(&n, "maxpool", 1, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2);
    expect_error("error: dilated pool", &n, "layer 1 (maxpool)", "dilation 2x2");

    net_init(&n, 4, 8, 8);
    l = add_win(&n, "avgpool", 0, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
    n.t[l->output].w = l->out_w = 3;
    expect_error("error: wrong pool output size", &n, "layer 0 (avgpool)", "does not follow");

    net_init(&n, 4, 8, 8);
    l = add_layer(&n, "squeeze_excite", 0, 4, 8, 8);
    expect_error("error: squeeze_excite without hidden_c", &n, "layer 0 (squeeze_excite)", "hidden_c");

    net_init(&n, 6, 8, 8);
    l = add_layer(&n, "identity", 0, 6, 8, 8);
    l->shuffle_groups = 4;
    expect_error("error: shuffle groups", &n, "layer 0 (identity)", "shuffle groups");

    net_init(&n, 6, 8, 8);
    l = add_layer(&n, "identity", 0, 6, 8, 8);
    l->activation = 42;
    expect_error("error: unknown activation", &n, "layer 0 (identity)", "activation 42");

    /* 1.0 records keep the 1.0 message */
    net_init(&n, 4, 8, 8);
    l = add_same(&n, "conv2d", 0, 4, 3, 1, 1);
    n.t[l->output].h = l->out_h = 7;
    l->struct_size = HWNAS_LAYER_SIZE_1_0;
    expect_error("error: wrong output size, 1.0 record", &n, "layer 0 (conv2d)", "same-padded");
}

/* ---------------------------------------------------------------- bench */

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double bench_one(tnet *n) {
    hwnas_network net = as_network(n);
    char err[256];
    hwnas_executor *ex = create(&net, 1, HWNAS_EXEC_BN_FOLDED, 1, err, sizeof err);
    if (!ex) { fprintf(stderr, "bench: %s\n", err); exit(2); }
    double s[200];
    if (hwnas_executor_time(ex, 0, 50, 200, s)) { fprintf(stderr, "bench: timing failed\n"); exit(2); }
    qsort(s, 200, sizeof s[0], cmp_double);
    hwnas_executor_destroy(ex);
    return 0.5 * (s[99] + s[100]);
}

/* Layers any executor reads alike: conv2d / dwconv2d with BN + ReLU. */
static int bench(void) {
    hwnas_executor_set_threads(1);
    tnet n;
    net_init(&n, 16, 32, 32);
    hwnas_layer *l = add_same(&n, "conv2d", 0, 16, 3, 1, 1);
    l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    const double conv = bench_one(&n);
    net_init(&n, 96, 16, 16);
    l = add_same(&n, "dwconv2d", 0, 96, 5, 1, 1);
    l->groups = 96; l->batch_norm = HWNAS_BN_FOLDED; l->activation = HWNAS_ACT_RELU;
    const double dw = bench_one(&n);
    printf("bench conv3x3 16->16 32x32: %.4f ms  dwconv5x5 96x16x16: %.4f ms (median of 200, 1 thread)\n", conv, dw);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) return bench();
    hwnas_executor_set_threads(1);
    case_convs();
    case_dilation_and_pads();
    case_groups_depthwise();
    case_pointwise();
    case_activations();
    case_batch_norm_and_bias();
    case_residual();
    case_shuffle();
    case_squeeze_excite();
    case_pools();
    case_inverted_residual();
    case_1d();
    case_relu_callback();
    case_v10();
    case_future_records();
    case_determinism();
    case_errors();
    const int sup = hwnas_executor_supports("squeeze_excite") && hwnas_executor_supports("conv2d") &&
                    hwnas_executor_supports("relu_conv_bn") && !hwnas_executor_supports("warp_drive");
    expect(sup, "supports", "squeeze_excite, conv2d, relu_conv_bn supported and warp_drive not");
    if (sup) printf("ok   supports: squeeze_excite, conv2d, relu_conv_bn; not warp_drive\n");
    if (g_failures) { printf("%d FAILED\n", g_failures); return 1; }
    printf("all passed\n");
    return 0;
}

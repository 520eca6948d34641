/* The executor: validates an hwnas_network, allocates tensors and weights,
 * and runs layers with the kernels of kernels.c. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L /* clock_gettime under -std=c99 */
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS (and MAP_POPULATE on Linux) next to _POSIX_C_SOURCE */
#endif
#include "hwnas_executor.h"
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
/* Flush denormals to zero: tiny activations of deep random networks would
 * otherwise hit the slow denormal path and make timings depend on values. */
static void fast_float_mode(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
static void fast_float_mode(void) {}
#endif

/* ------------------------------------------------------------ operator table */

typedef enum op_kind {
    OP_CONV, OP_INVERTED_RESIDUAL, OP_AVG_POOL, OP_MAX_POOL, OP_IDENTITY, OP_ZERO,
    OP_ADD, OP_GLOBAL_AVG_POOL, OP_LINEAR, OP_RELU, OP_BATCHNORM, OP_SQUEEZE_EXCITE, OP_CONCAT
} op_kind;

/* What an operator name means: its kind and, for ABI 1.0 records (which
 * carry no activations), the ReLU before (nb201's ReLU-Conv-BN), batch
 * norm, and ReLU after. 1.1 records say all that themselves. */
typedef struct op_spec {
    const char *name;
    op_kind kind;
    int pre_relu, bn, post_relu;
} op_spec;

/* Names follow the built-in operator set (Sources/Libraries/HwnasOps/BuiltinOperators.swift);
 * a few descriptive aliases are accepted too. */
static const op_spec kOps[] = {
    {"conv2d", OP_CONV, 0, 1, 1},         /* Conv-BN-ReLU (BN folded) */
    {"conv2d_nobias", OP_CONV, 0, 0, 0},  /* plain convolution (nb201 shortcut) */
    {"relu_conv_bn", OP_CONV, 1, 1, 0},   /* ReLU-Conv-BN (nb201 nor_conv_kxk) */
    {"pwconv2d", OP_CONV, 0, 1, 0},       /* 1x1 Conv-BN; + ReLU when it feeds a dwconv2d (expand) */
    {"dwconv2d", OP_CONV, 0, 1, 1},       /* depthwise Conv-BN-ReLU */
    {"inverted_residual", OP_INVERTED_RESIDUAL, 0, 1, 0},
    {"avgpool", OP_AVG_POOL, 0, 0, 0},
    {"maxpool", OP_MAX_POOL, 0, 0, 0},
    {"global_avgpool", OP_GLOBAL_AVG_POOL, 0, 0, 0},
    {"linear", OP_LINEAR, 0, 0, 0},
    {"identity", OP_IDENTITY, 0, 0, 0},
    {"zero", OP_ZERO, 0, 0, 0},
    {"add", OP_ADD, 0, 0, 0},
    {"batchnorm", OP_BATCHNORM, 0, 1, 1}, /* stand-alone BN + ReLU (nb201 head) */
    {"relu", OP_RELU, 0, 0, 0},
    {"squeeze_excite", OP_SQUEEZE_EXCITE, 0, 0, 0}, /* needs a 1.1 record (hidden_c) */
    {"concat", OP_CONCAT, 0, 0, 0},       /* input's channels, then input2's */
    /* aliases */
    {"conv_bn", OP_CONV, 0, 1, 0},
    {"conv", OP_CONV, 0, 0, 0},
    {"pwconv", OP_CONV, 0, 1, 1},
    {"dwconv", OP_CONV, 0, 1, 1},
    {"avg_pool", OP_AVG_POOL, 0, 0, 0},
    {"max_pool", OP_MAX_POOL, 0, 0, 0},
    {"global_avg_pool", OP_GLOBAL_AVG_POOL, 0, 0, 0},
    {"skip", OP_IDENTITY, 0, 0, 0},
    {"none", OP_ZERO, 0, 0, 0},
};

static const op_spec *find_op(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof(kOps) / sizeof(kOps[0]); i++)
        if (strcmp(kOps[i].name, name) == 0) return &kOps[i];
    return NULL;
}

int hwnas_executor_supports(const char *op) { return find_op(op) != NULL; }

/* ------------------------------------------------------------------- state */

#define MAX_PARAMS 9

/* What follows a convolution (or is the batchnorm op). */
enum { NORM_NONE, NORM_BN, NORM_BIAS };

typedef struct exec_layer {
    const op_spec *spec;
    int v11;                  /* the record has the ABI 1.1 IR fields */
    int pre_act, act;         /* HWNAS_ACT_* before the op and after it */
    int act_early;            /* 1.0: the ReLU came before the residual add */
    int norm;                 /* NORM_*, for convolutions and batchnorm */
    int shuffle;              /* > 1: channel shuffle groups of the output */
    hwnas_layer l;            /* copy (zero past a short record); strings not kept */
    int n_convs;              /* 1 for convolutions, 3 for inverted residual */
    conv_geom conv[3];
    float *param[MAX_PARAMS];
    size_t param_count[MAX_PARAMS];
    float *mid[2];            /* inverted residual intermediates [batch][...]; SE scratch */
    size_t mid_count[2];
} exec_layer;

struct hwnas_executor {
    int batch, bn_mode;
    uint32_t n_layers, n_tensors;
    exec_layer *layers;
    hwnas_tensor *shapes;
    float **tensors;
    size_t *tensor_count;
    float *scratch;           /* im2col, one image */
    float *relu_buf;          /* pre-activation input copy [batch][max input] */
    float *shuffle_buf;       /* channel shuffle, one image */
    hwnas_relu_callback relu_cb;
    void *relu_ctx;
    struct arena_block *arena; /* owns every float buffer above (see arena_alloc) */
    char error[256];
};

static void set_error(char *buf, size_t cap, const char *fmt, ...) {
    if (!buf || cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* SplitMix64: deterministic weights independent of platform. */
static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static float uniform(uint64_t *s) { /* [-1, 1) */
    return (float)((double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0);
}

/* Float buffers: 64-byte aligned, zeroed, in private mappings (an arena per
 * executor, ex->arena) that hwnas_executor_destroy gives back.
 *
 * They used to come from malloc, one per tensor, weight and scratch buffer
 * (~165 MB per executor for nb201 at batch 32), and an evaluator creating
 * one executor per candidate (naswot) grew by 3-5 MB per candidate: 5 GB
 * after 1000. glibc raises its mmap threshold to the largest block freed
 * (up to 32 MB), so after the first executor the buffers came from the brk
 * heap (or a thread's arena), the small long-lived allocations of the host
 * and the evaluator settled in the holes they left, and the next executor's
 * buffers no longer fit there: the heap grew and freed buffers stayed
 * resident. Private mappings share no pages with the malloc heap.
 *
 * Small buffers are carved from 1 MiB chunks; one above a quarter of that
 * gets a mapping of its own. A destroyed executor's mappings go to a pool
 * from which later executors (any thread) take mappings of the same size,
 * cleared, rather than faulting fresh pages in (that kernel time was ~20%
 * of a naswot candidate on nb201). The pool is bounded: all mappings together,
 * live and pooled, never exceed the most that live executors ever held at
 * once, so memory stays flat however many executors come and go;
 * hwnas_executor_trim empties it. */
#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif
#ifdef MAP_POPULATE
#define MAP_PREFAULT MAP_POPULATE /* every page is written soon after */
#else
#define MAP_PREFAULT 0
#endif
#define ARENA_CHUNK ((size_t)1 << 20)
#define ARENA_ALIGN ((size_t)64)
#define ARENA_PAGE ((size_t)4096)

/* Header at the start of each mapping; the data follow it, 64-byte aligned. */
typedef struct arena_block {
    struct arena_block *next;
    size_t size;  /* bytes mapped, header included */
    size_t used;  /* bytes handed out (possibly written), header included */
} arena_block;
#define ARENA_HEADER ((sizeof(arena_block) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static arena_block *pool;          /* free mappings, most recently released first */
static size_t pool_bytes;          /* their total size */
static size_t live_bytes;          /* mapped by live executors */
static size_t peak_live_bytes;     /* the most live executors ever held at once */

static void unmap_list(arena_block *b) {
    while (b) {
        arena_block *next = b->next;
        munmap(b, b->size);
        b = next;
    }
}

/* A mapping of `size` bytes (header included) for a live executor: a pooled
 * one of that size, cleared, or a fresh one (the pool shrinks, oldest
 * first, so that everything mapped stays within the peak). */
static arena_block *arena_map(size_t size, int prefault) {
    arena_block *b = NULL, **link, *victims = NULL;
    pthread_mutex_lock(&pool_lock);
    for (link = &pool; *link; link = &(*link)->next)
        if ((*link)->size == size) {
            b = *link;
            *link = b->next;
            pool_bytes -= size;
            break;
        }
    live_bytes += size;
    if (live_bytes > peak_live_bytes) peak_live_bytes = live_bytes;
    if (!b) {
        size_t keep = 0;
        for (link = &pool; *link; link = &(*link)->next) {
            if (live_bytes + keep + (*link)->size > peak_live_bytes) break;
            keep += (*link)->size;
        }
        victims = *link; /* the oldest, past what the peak leaves room for */
        *link = NULL;
        pool_bytes = keep;
    }
    pthread_mutex_unlock(&pool_lock);
    unmap_list(victims);
    if (b) {
        memset((char *)b + ARENA_HEADER, 0, b->used - ARENA_HEADER);
    } else {
        void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (prefault ? MAP_PREFAULT : 0), -1, 0);
        if (m == MAP_FAILED) {
            pthread_mutex_lock(&pool_lock);
            live_bytes -= size;
            pthread_mutex_unlock(&pool_lock);
            return NULL;
        }
        b = m; /* anonymous pages are zero */
        b->size = size;
    }
    b->next = NULL;
    b->used = ARENA_HEADER;
    return b;
}

/* Gives an executor's mappings to the pool. */
static void arena_release(arena_block *list) {
    if (!list) return;
    size_t bytes = 0;
    arena_block *last = list;
    for (arena_block *b = list;; b = b->next) {
        bytes += b->size;
        if (!b->next) { last = b; break; }
    }
    pthread_mutex_lock(&pool_lock);
    live_bytes -= bytes;
    last->next = pool;
    pool = list;
    pool_bytes += bytes;
    pthread_mutex_unlock(&pool_lock);
}

void hwnas_executor_trim(void) {
    pthread_mutex_lock(&pool_lock);
    arena_block *victims = pool;
    pool = NULL;
    pool_bytes = 0;
    peak_live_bytes = live_bytes;
    pthread_mutex_unlock(&pool_lock);
    unmap_list(victims);
}

static float *arena_alloc(arena_block **arena, size_t n) {
    if (n > (SIZE_MAX / 2) / sizeof(float)) return NULL;
    const size_t bytes = ((n ? n : 1) * sizeof(float) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    arena_block *head = *arena;
    if (bytes > ARENA_CHUNK / 4) {
        arena_block *b = arena_map((ARENA_HEADER + bytes + ARENA_PAGE - 1) / ARENA_PAGE * ARENA_PAGE, 1);
        if (!b) return NULL;
        b->used = ARENA_HEADER + bytes;
        if (head) { b->next = head->next; head->next = b; } /* keep the open chunk first */
        else *arena = b;
        return (float *)((char *)b + ARENA_HEADER);
    }
    if (!head || head->size - head->used < bytes) {
        arena_block *b = arena_map(ARENA_CHUNK, 0);
        if (!b) return NULL;
        b->next = head;
        *arena = head = b;
    }
    float *p = (float *)((char *)head + head->used);
    head->used += bytes;
    return p;
}

static float *alloc_floats(hwnas_executor *ex, size_t n) { return arena_alloc(&ex->arena, n); }

/* 1.0 check; keeps C's truncation so that 1.0 accepts what it always did. */
static int same_pad_out(int in, int k, int s) { return (in + 2 * ((k - 1) / 2) - k) / s + 1; }

/* Output length of a window on one axis; -1 when it does not fit. */
static int window_out(int in, int k, int s, int d, int pb, int pe) {
    const int span = d * (k - 1) + 1;
    if (in + pb + pe < span) return -1;
    return (in + pb + pe - span) / s + 1;
}

/* Allocate weight (Kaiming-uniform) + BN scale/shift for conv `ci` of a layer. */
static int alloc_conv_params(hwnas_executor *ex, exec_layer *e, int ci, uint64_t *rng) {
    const conv_geom *g = &e->conv[ci];
    const size_t fan_in = (size_t)(g->in_c / g->groups) * g->kh * g->kw;
    const size_t nw = (size_t)g->out_c * fan_in;
    const float bound = sqrtf(6.0f / (float)fan_in);
    float *w = alloc_floats(ex, nw), *sc = alloc_floats(ex, g->out_c), *sh = alloc_floats(ex, g->out_c);
    if (!w || !sc || !sh) return -1;
    for (size_t i = 0; i < nw; i++) w[i] = bound * uniform(rng);
    for (int i = 0; i < g->out_c; i++) { sc[i] = 1.0f + 0.1f * uniform(rng); sh[i] = 0.1f * uniform(rng); }
    e->param[3 * ci] = w; e->param_count[3 * ci] = nw;
    e->param[3 * ci + 1] = sc; e->param_count[3 * ci + 1] = g->out_c;
    e->param[3 * ci + 2] = sh; e->param_count[3 * ci + 2] = g->out_c;
    return 0;
}

/* A layer's window: kernel, stride, dilation, padding (top, left, bottom, right). */
typedef struct window { int kh, kw, sh, sw, dh, dw, pt, pl, pb, pr; } window;

static const window kPointwise = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0};

/* 1.0: square `kernel`, `stride`, "same" padding (k - 1) / 2. 1.1: the
 * record's fields, zero ones resolved as the host does (square `kernel`,
 * height 1 in a 1-D network, "same" padding without EXPLICIT_PADDING). */
static window layer_window(const exec_layer *e, int spatial_dims) {
    const hwnas_layer *l = &e->l;
    window w;
    if (!e->v11) {
        const int k = l->kernel > 0 ? l->kernel : 1, s = l->stride > 0 ? l->stride : 1;
        w.kh = w.kw = k; w.sh = w.sw = s; w.dh = w.dw = 1;
        w.pt = w.pl = w.pb = w.pr = (k - 1) / 2;
        return w;
    }
    w.kw = l->kernel_w != 0 ? l->kernel_w : (l->kernel > 0 ? l->kernel : 1);
    w.kh = l->kernel_h != 0 ? l->kernel_h : (spatial_dims == 1 ? 1 : w.kw);
    w.sw = l->stride_w != 0 ? l->stride_w : (l->stride > 0 ? l->stride : 1);
    w.sh = l->stride_h != 0 ? l->stride_h : (spatial_dims == 1 ? 1 : w.sw);
    w.dw = l->dilation_w != 0 ? l->dilation_w : 1;
    w.dh = l->dilation_h != 0 ? l->dilation_h : 1;
    if (l->flags & HWNAS_LAYER_EXPLICIT_PADDING) {
        w.pt = l->pad_top; w.pl = l->pad_left; w.pb = l->pad_bottom; w.pr = l->pad_right;
    } else {
        w.pt = w.pb = w.kh > 0 ? (w.kh - 1) / 2 * w.dh : 0;
        w.pl = w.pr = w.kw > 0 ? (w.kw - 1) / 2 * w.dw : 0;
    }
    return w;
}

/* 1.1: the window is valid and gives the layer's output size on both axes. */
static int check_window(const window *w, const hwnas_layer *l, uint32_t index, const char *name, char *err, size_t cap) {
    if (w->kh < 1 || w->kw < 1 || w->sh < 1 || w->sw < 1 || w->dh < 1 || w->dw < 1) {
        set_error(err, cap, "layer %u (%s): kernel %dx%d, stride %dx%d and dilation %dx%d must be >= 1",
                  index, name, w->kh, w->kw, w->sh, w->sw, w->dh, w->dw);
        return -1;
    }
    if (w->pt < 0 || w->pl < 0 || w->pb < 0 || w->pr < 0) {
        set_error(err, cap, "layer %u (%s): negative padding (top %d, left %d, bottom %d, right %d)",
                  index, name, w->pt, w->pl, w->pb, w->pr);
        return -1;
    }
    const int oh = window_out(l->in_h, w->kh, w->sh, w->dh, w->pt, w->pb);
    const int ow = window_out(l->in_w, w->kw, w->sw, w->dw, w->pl, w->pr);
    if (oh != l->out_h || ow != l->out_w) {
        set_error(err, cap, "layer %u (%s): output %dx%d does not follow from input %dx%d with kernel %dx%d, stride %dx%d, "
                  "dilation %dx%d, padding top %d left %d bottom %d right %d (expected %dx%d)",
                  index, name, l->out_h, l->out_w, l->in_h, l->in_w, w->kh, w->kw, w->sh, w->sw, w->dh, w->dw,
                  w->pt, w->pl, w->pb, w->pr, oh, ow);
        return -1;
    }
    return 0;
}

static conv_geom geom(int in_c, int in_h, int in_w, int out_c, int out_h, int out_w, const window *w, int groups) {
    conv_geom g = {in_c, in_h, in_w, out_c, out_h, out_w, w->kh, w->kw, w->sh, w->sw, w->dh, w->dw, w->pt, w->pl, groups};
    return g;
}

static int valid_act(int a) { return a >= HWNAS_ACT_NONE && a <= HWNAS_ACT_SWISH; }

/* Checks one layer against the tensor table and prepares it. `rec` holds
 * `rec_size` readable bytes (>= the 1.0 record). */
static int prepare_layer(hwnas_executor *ex, uint32_t index, const hwnas_layer *rec, size_t rec_size, int spatial_dims,
                         uint64_t seed, char *err, size_t cap) {
    exec_layer *e = &ex->layers[index];
    const size_t n = rec_size < sizeof(hwnas_layer) ? rec_size : sizeof(hwnas_layer);
    memset(&e->l, 0, sizeof e->l);
    memcpy(&e->l, rec, n);
    e->v11 = n >= sizeof(hwnas_layer);
    const char *name = e->l.op ? e->l.op : "(null)";
    e->spec = find_op(e->l.op);
    e->l.op = NULL; e->l.cell = NULL;
    const hwnas_layer *l = &e->l;
    if (!e->spec) { set_error(err, cap, "layer %u: operator '%s' is not implemented by the executor", index, name); return -1; }
    const op_kind kind = e->spec->kind;
    if (!e->v11) {
        e->pre_act = e->spec->pre_relu ? HWNAS_ACT_RELU : HWNAS_ACT_NONE;
        e->norm = e->spec->bn ? NORM_BN : NORM_NONE;
        e->act = e->spec->post_relu ? HWNAS_ACT_RELU : HWNAS_ACT_NONE;
        e->act_early = 1;
    } else {
        if (!valid_act(l->pre_activation) || !valid_act(l->activation)) {
            set_error(err, cap, "layer %u (%s): unknown activation (pre_activation %d, activation %d)", index, name,
                      l->pre_activation, l->activation);
            return -1;
        }
        if (l->batch_norm != HWNAS_BN_NONE && l->batch_norm != HWNAS_BN_FOLDED) {
            set_error(err, cap, "layer %u (%s): unknown batch_norm %d", index, name, l->batch_norm); return -1;
        }
        e->pre_act = l->pre_activation;
        e->act = l->activation;
        e->act_early = 0;
        e->shuffle = l->shuffle_groups > 1 ? l->shuffle_groups : 0;
        if (kind == OP_CONV) e->norm = l->batch_norm == HWNAS_BN_FOLDED ? NORM_BN : (l->bias_elems > 0 ? NORM_BIAS : NORM_NONE);
        else if (kind == OP_BATCHNORM) e->norm = NORM_BN;
        else if (kind == OP_INVERTED_RESIDUAL) e->norm = NORM_BN; /* its three convs carry BN */
        else if (l->batch_norm == HWNAS_BN_FOLDED) {
            set_error(err, cap, "layer %u (%s): batch_norm after this operator is not supported by the executor", index, name);
            return -1;
        }
        if (e->shuffle && l->out_c % e->shuffle) {
            set_error(err, cap, "layer %u (%s): %d output channels do not split into %d shuffle groups", index, name,
                      l->out_c, e->shuffle);
            return -1;
        }
    }
    if (l->input < 0 || (uint32_t)l->input >= ex->n_tensors || l->output < 0 || (uint32_t)l->output >= ex->n_tensors ||
        (l->input2 >= 0 && (uint32_t)l->input2 >= ex->n_tensors)) {
        set_error(err, cap, "layer %u (%s): tensor id out of range", index, name); return -1;
    }
    const hwnas_tensor *ti = &ex->shapes[l->input], *to = &ex->shapes[l->output];
    if (ti->c != l->in_c || ti->h != l->in_h || ti->w != l->in_w || to->c != l->out_c || to->h != l->out_h || to->w != l->out_w) {
        set_error(err, cap, "layer %u (%s): shapes %dx%dx%d -> %dx%dx%d disagree with tensors %d (%dx%dx%d) and %d (%dx%dx%d)",
                  index, name, l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w,
                  l->input, ti->c, ti->h, ti->w, l->output, to->c, to->h, to->w);
        return -1;
    }
    if (l->input2 >= 0 && kind == OP_CONCAT) {
        const hwnas_tensor *t2 = &ex->shapes[l->input2];
        if (t2->c + l->in_c != l->out_c || t2->h != l->out_h || t2->w != l->out_w || l->in_h != l->out_h || l->in_w != l->out_w) {
            set_error(err, cap, "layer %u (%s): %dx%dx%d and %dx%dx%d do not concatenate to %dx%dx%d", index, name,
                      l->in_c, l->in_h, l->in_w, t2->c, t2->h, t2->w, l->out_c, l->out_h, l->out_w);
            return -1;
        }
    } else if (l->input2 >= 0) {
        const hwnas_tensor *t2 = &ex->shapes[l->input2];
        if (t2->c != l->out_c || t2->h != l->out_h || t2->w != l->out_w) {
            set_error(err, cap, "layer %u (%s): second input %d is %dx%dx%d, output is %dx%dx%d", index, name,
                      l->input2, t2->c, t2->h, t2->w, l->out_c, l->out_h, l->out_w);
            return -1;
        }
    }
    if ((l->flags & HWNAS_LAYER_RESIDUAL) && l->input2 < 0 && kind != OP_ADD) {
        set_error(err, cap, "layer %u (%s): residual flag without input2", index, name); return -1;
    }
    const window w = layer_window(e, spatial_dims);
    const int k = w.kw, s = w.sw; /* 1.0 messages: square */
    const int groups = l->groups > 0 ? l->groups : 1;
    uint64_t rng = seed ^ (0xA24BAED4963EE407ULL * (index + 1));
    switch (kind) {
    case OP_CONV: {
        int g = groups;
        if (strcmp(e->spec->name, "dwconv") == 0 || strcmp(e->spec->name, "dwconv2d") == 0) g = l->in_c;
        if (l->in_c % g || l->out_c % g) { set_error(err, cap, "layer %u (%s): channels not divisible by groups %d", index, name, g); return -1; }
        if (e->v11) { if (check_window(&w, l, index, name, err, cap)) return -1; }
        else if (same_pad_out(l->in_h, k, s) != l->out_h || same_pad_out(l->in_w, k, s) != l->out_w) {
            set_error(err, cap, "layer %u (%s): output %dx%d is not the same-padded size for k=%d s=%d", index, name, l->out_h, l->out_w, k, s);
            return -1;
        }
        e->n_convs = 1;
        e->conv[0] = geom(l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, &w, g);
        return alloc_conv_params(ex, e, 0, &rng);
    }
    case OP_INVERTED_RESIDUAL: {
        const int ex_ = l->expansion > 0 ? l->expansion : 1, mid = l->in_c * ex_;
        if (l->in_c % groups || mid % groups || l->out_c % groups) {
            set_error(err, cap, "layer %u (%s): channels not divisible by groups %d", index, name, groups); return -1;
        }
        if (e->v11) { if (check_window(&w, l, index, name, err, cap)) return -1; }
        else if (same_pad_out(l->in_h, k, s) != l->out_h || same_pad_out(l->in_w, k, s) != l->out_w) {
            set_error(err, cap, "layer %u (%s): output %dx%d is not the same-padded size for k=%d s=%d", index, name, l->out_h, l->out_w, k, s);
            return -1;
        }
        e->n_convs = 3;
        e->conv[0] = geom(l->in_c, l->in_h, l->in_w, mid, l->in_h, l->in_w, &kPointwise, groups);
        e->conv[1] = geom(mid, l->in_h, l->in_w, mid, l->out_h, l->out_w, &w, mid);
        e->conv[2] = geom(mid, l->out_h, l->out_w, l->out_c, l->out_h, l->out_w, &kPointwise, groups);
        for (int i = 0; i < 3; i++) if (alloc_conv_params(ex, e, i, &rng)) return -1;
        e->mid_count[0] = (size_t)ex->batch * mid * l->in_h * l->in_w;
        e->mid_count[1] = (size_t)ex->batch * mid * l->out_h * l->out_w;
        e->mid[0] = alloc_floats(ex, e->mid_count[0]);
        e->mid[1] = alloc_floats(ex, e->mid_count[1]);
        return (e->mid[0] && e->mid[1]) ? 0 : -1;
    }
    case OP_AVG_POOL:
    case OP_MAX_POOL:
        if (!e->v11) {
            if (l->in_c != l->out_c || same_pad_out(l->in_h, k, s) != l->out_h || same_pad_out(l->in_w, k, s) != l->out_w) {
                set_error(err, cap, "layer %u (%s): output %dx%dx%d does not follow from k=%d s=%d", index, name, l->out_c, l->out_h, l->out_w, k, s);
                return -1;
            }
        } else {
            if (l->in_c != l->out_c) {
                set_error(err, cap, "layer %u (%s): pooling cannot change channels (%d -> %d)", index, name, l->in_c, l->out_c); return -1;
            }
            if (w.dh != 1 || w.dw != 1) {
                set_error(err, cap, "layer %u (%s): pooling with dilation %dx%d is not supported by the executor", index, name, w.dh, w.dw);
                return -1;
            }
            if (check_window(&w, l, index, name, err, cap)) return -1;
        }
        e->conv[0] = geom(l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, &w, l->in_c);
        return 0;
    case OP_BATCHNORM:
        if (l->in_c != l->out_c || l->in_h != l->out_h || l->in_w != l->out_w) {
            set_error(err, cap, "layer %u (%s): input and output shapes must be equal", index, name); return -1;
        }
        e->param[1] = alloc_floats(ex, l->out_c); e->param_count[1] = l->out_c;
        e->param[2] = alloc_floats(ex, l->out_c); e->param_count[2] = l->out_c;
        if (!e->param[1] || !e->param[2]) return -1;
        for (int i = 0; i < l->out_c; i++) { e->param[1][i] = 1.0f + 0.1f * uniform(&rng); e->param[2][i] = 0.1f * uniform(&rng); }
        return 0;
    case OP_IDENTITY:
    case OP_RELU:
    case OP_ADD:
        if (l->in_c != l->out_c || l->in_h != l->out_h || l->in_w != l->out_w) {
            set_error(err, cap, "layer %u (%s): input and output shapes must be equal", index, name); return -1;
        }
        if (kind == OP_ADD && l->input2 < 0) { set_error(err, cap, "layer %u (add): needs input2", index); return -1; }
        return 0;
    case OP_ZERO:
        return 0;
    case OP_CONCAT:
        if (l->input2 < 0) { set_error(err, cap, "layer %u (concat): needs input2", index); return -1; }
        return 0;
    case OP_GLOBAL_AVG_POOL:
        if (l->out_c != l->in_c || l->out_h != 1 || l->out_w != 1) {
            set_error(err, cap, "layer %u (%s): output must be %dx1x1", index, name, l->in_c); return -1;
        }
        return 0;
    case OP_LINEAR: {
        const size_t fin = (size_t)l->in_c * l->in_h * l->in_w, nw = fin * l->out_c;
        const float bound = sqrtf(1.0f / (float)fin);
        e->param[0] = alloc_floats(ex, nw); e->param_count[0] = nw;
        e->param[1] = alloc_floats(ex, l->out_c); e->param_count[1] = l->out_c;
        if (!e->param[0] || !e->param[1]) return -1;
        for (size_t i = 0; i < nw; i++) e->param[0][i] = bound * uniform(&rng);
        for (int i = 0; i < l->out_c; i++) e->param[1][i] = bound * uniform(&rng);
        return 0;
    }
    case OP_SQUEEZE_EXCITE: {
        if (!e->v11 || l->hidden_c <= 0) {
            set_error(err, cap, "layer %u (%s): needs hidden_c > 0 (an ABI 1.1 record)", index, name); return -1;
        }
        if (l->in_c != l->out_c || l->in_h != l->out_h || l->in_w != l->out_w) {
            set_error(err, cap, "layer %u (%s): input and output shapes must be equal", index, name); return -1;
        }
        if (!valid_act(l->hidden_activation) || !valid_act(l->gate_activation)) {
            set_error(err, cap, "layer %u (%s): unknown activation (hidden_activation %d, gate_activation %d)", index, name,
                      l->hidden_activation, l->gate_activation);
            return -1;
        }
        /* Two 1x1 convs with bias: weights Kaiming-uniform, biases 1/sqrt(fan_in). */
        const int c = l->in_c, sq = l->hidden_c;
        const size_t counts[4] = {(size_t)sq * c, (size_t)sq, (size_t)c * sq, (size_t)c};
        const float bounds[4] = {sqrtf(6.0f / c), sqrtf(1.0f / c), sqrtf(6.0f / sq), sqrtf(1.0f / sq)};
        for (int p = 0; p < 4; p++) {
            if (!(e->param[p] = alloc_floats(ex, counts[p]))) return -1;
            e->param_count[p] = counts[p];
            for (size_t i = 0; i < counts[p]; i++) e->param[p][i] = bounds[p] * uniform(&rng);
        }
        e->mid_count[0] = 2 * (size_t)c + sq;
        return (e->mid[0] = alloc_floats(ex, e->mid_count[0])) ? 0 : -1;
    }
    }
    return 0;
}

hwnas_executor *hwnas_executor_create(const hwnas_network *net, const hwnas_executor_options *options,
                                      char *err, size_t cap) {
    if (err && cap) err[0] = 0;
    if (!net || (!net->layers && net->n_layers) || !net->tensors || net->n_tensors == 0) {
        set_error(err, cap, "empty network"); return NULL;
    }
    const size_t stride = HWNAS_NETWORK_LAYER_SIZE(net);
    const int spatial_dims = HWNAS_HAS_FIELD(net, hwnas_network, spatial_dims) && net->spatial_dims == 1 ? 1 : 2;
    if (net->n_layers && stride < HWNAS_LAYER_SIZE_1_0) {
        set_error(err, cap, "network layer_size %zu is smaller than an ABI 1.0 layer record (%u bytes)", stride,
                  (unsigned)HWNAS_LAYER_SIZE_1_0);
        return NULL;
    }
    hwnas_executor *ex = calloc(1, sizeof(*ex));
    if (!ex) { set_error(err, cap, "out of memory"); return NULL; }
    ex->batch = options && options->batch > 0 ? options->batch : 1;
    ex->bn_mode = options ? options->bn_mode : HWNAS_EXEC_BN_FOLDED;
    const uint64_t seed = options ? options->seed : 0;
    ex->n_layers = net->n_layers;
    ex->n_tensors = net->n_tensors;
    ex->layers = calloc(net->n_layers ? net->n_layers : 1, sizeof(exec_layer));
    ex->shapes = calloc(net->n_tensors, sizeof(hwnas_tensor));
    ex->tensors = calloc(net->n_tensors, sizeof(float *));
    ex->tensor_count = calloc(net->n_tensors, sizeof(size_t));
    if (!ex->layers || !ex->shapes || !ex->tensors || !ex->tensor_count) goto oom;
    memcpy(ex->shapes, net->tensors, sizeof(hwnas_tensor) * net->n_tensors);
    for (uint32_t t = 0; t < net->n_tensors; t++) {
        const hwnas_tensor *s = &net->tensors[t];
        if (s->c <= 0 || s->h <= 0 || s->w <= 0) { set_error(err, cap, "tensor %u has shape %dx%dx%d", t, s->c, s->h, s->w); goto fail; }
        ex->tensor_count[t] = (size_t)ex->batch * s->c * s->h * s->w;
        if (!(ex->tensors[t] = alloc_floats(ex, ex->tensor_count[t]))) goto oom;
    }
    size_t scratch = 0, relu_in = 0, shuffle = 0;
    for (uint32_t i = 0; i < net->n_layers; i++) {
        const hwnas_layer *rec = HWNAS_NETWORK_LAYER(net, i);
        if (rec->struct_size < HWNAS_LAYER_SIZE_1_0) {
            set_error(err, cap, "layer %u: struct_size %u is smaller than an ABI 1.0 layer record (%u bytes)", i,
                      (unsigned)rec->struct_size, (unsigned)HWNAS_LAYER_SIZE_1_0);
            goto fail;
        }
        /* A record never reaches into the next one. */
        const size_t rec_size = rec->struct_size < stride ? rec->struct_size : stride;
        if (prepare_layer(ex, i, rec, rec_size, spatial_dims, seed, err, cap)) {
            if (err && cap && err[0] == 0) set_error(err, cap, "out of memory");
            goto fail;
        }
        const exec_layer *e = &ex->layers[i];
        for (int c = 0; c < e->n_convs; c++) {
            size_t s = conv_scratch_floats(&e->conv[c]);
            if (s > scratch) scratch = s;
        }
        if (e->pre_act != HWNAS_ACT_NONE && ex->tensor_count[e->l.input] > relu_in) relu_in = ex->tensor_count[e->l.input];
        if (e->shuffle && ex->tensor_count[e->l.output] / ex->batch > shuffle) shuffle = ex->tensor_count[e->l.output] / ex->batch;
    }
    /* 1.0 records: a pwconv2d that feeds a depthwise conv is an inverted
     * residual's expand (Conv-BN-ReLU); the project pwconv2d stays linear.
     * 1.1 records say so in `activation`. */
    for (uint32_t i = 0; i < net->n_layers; i++) {
        exec_layer *e = &ex->layers[i];
        if (e->v11 || strcmp(e->spec->name, "pwconv2d") != 0) continue;
        for (uint32_t j = i + 1; j < net->n_layers; j++)
            if (ex->layers[j].l.input == e->l.output && ex->layers[j].spec->kind == OP_CONV &&
                ex->layers[j].conv[0].groups > 1 && ex->layers[j].conv[0].groups == ex->layers[j].conv[0].in_c)
                e->act = HWNAS_ACT_RELU;
    }
    if (!(ex->scratch = alloc_floats(ex, scratch)) || !(ex->relu_buf = alloc_floats(ex, relu_in)) ||
        !(ex->shuffle_buf = alloc_floats(ex, shuffle)))
        goto oom;
    uint64_t rng = seed ^ 0x5851F42D4C957F2DULL;
    for (size_t i = 0; i < ex->tensor_count[0]; i++) ex->tensors[0][i] = uniform(&rng);
    return ex;
oom:
    set_error(err, cap, "out of memory");
fail:
    hwnas_executor_destroy(ex);
    return NULL;
}

void hwnas_executor_destroy(hwnas_executor *ex) {
    if (!ex) return;
    arena_release(ex->arena); /* every float buffer: tensors, parameters, scratch */
    free(ex->layers); free(ex->shapes); free(ex->tensors); free(ex->tensor_count);
    free(ex);
}

/* ---------------------------------------------------------------- running */

static void notify_relu(hwnas_executor *ex, uint32_t layer, int channels, const float *x, size_t per_image) {
    if (ex->relu_cb) ex->relu_cb(ex->relu_ctx, layer, (uint32_t)ex->batch, (uint32_t)channels, (uint32_t)per_image, x);
}

/* The callback sees ReLU-like activations (x > 0 codes), not gates. */
static int act_notifies(int act) {
    return act == HWNAS_ACT_RELU || act == HWNAS_ACT_RELU6 || act == HWNAS_ACT_HSWISH || act == HWNAS_ACT_SWISH;
}

/* y = act(x) over the batch ([batch][channels][plane]), then the callback. */
static void activate(hwnas_executor *ex, uint32_t index, int act, const float *x, float *y, size_t n, int channels,
                     size_t per_image) {
    activation_apply(act, x, y, n);
    if (act_notifies(act)) notify_relu(ex, index, channels, y, per_image);
}

/* Batch norm (folded or batch statistics) or a bias on out[batch][c][plane]. */
static void normalize(hwnas_executor *ex, int norm, float *out, int c, size_t plane, const float *scale, const float *shift) {
    const size_t sz = (size_t)c * plane;
    if (norm == NORM_BN) {
        if (ex->bn_mode == HWNAS_EXEC_BN_BATCH) batch_norm_stats(out, ex->batch, c, (int)plane);
        else for (int b = 0; b < ex->batch; b++) channel_affine(out + b * sz, c, (int)plane, scale, shift);
    } else if (norm == NORM_BIAS) {
        for (int b = 0; b < ex->batch; b++) channel_bias(out + b * sz, c, (int)plane, shift);
    }
}

/* One convolution over the batch, then its batch norm or bias. */
static void conv_norm(hwnas_executor *ex, uint32_t index, int ci, const float *in, float *out, int norm) {
    exec_layer *e = &ex->layers[index];
    const conv_geom *g = &e->conv[ci];
    const size_t in_sz = (size_t)g->in_c * g->in_h * g->in_w, plane = (size_t)g->out_h * g->out_w;
    const size_t out_sz = (size_t)g->out_c * plane;
    for (int b = 0; b < ex->batch; b++)
        conv_forward(g, in + b * in_sz, e->param[3 * ci], out + b * out_sz, ex->scratch);
    normalize(ex, norm, out, g->out_c, plane, e->param[3 * ci + 1], e->param[3 * ci + 2]);
}

int hwnas_executor_run_layer(hwnas_executor *ex, uint32_t index) {
    if (!ex || index >= ex->n_layers) return -1;
    fast_float_mode();
    exec_layer *e = &ex->layers[index];
    const hwnas_layer *l = &e->l;
    const float *in = ex->tensors[l->input];
    float *out = ex->tensors[l->output];
    const size_t in_n = ex->tensor_count[l->input], out_n = ex->tensor_count[l->output];
    const size_t in_sz = in_n / ex->batch, out_sz = out_n / ex->batch;
    const size_t plane = (size_t)l->out_h * l->out_w;
    if (e->pre_act != HWNAS_ACT_NONE) {
        activate(ex, index, e->pre_act, in, ex->relu_buf, in_n, l->in_c, in_sz);
        in = ex->relu_buf;
    }
    switch (e->spec->kind) {
    case OP_CONV:
        conv_norm(ex, index, 0, in, out, e->norm);
        break;
    case OP_BATCHNORM:
        if (out != in) memcpy(out, in, sizeof(float) * out_n);
        normalize(ex, NORM_BN, out, l->out_c, plane, e->param[1], e->param[2]);
        break;
    case OP_INVERTED_RESIDUAL:
        conv_norm(ex, index, 0, in, e->mid[0], NORM_BN);
        activate(ex, index, HWNAS_ACT_RELU, e->mid[0], e->mid[0], e->mid_count[0], e->conv[0].out_c,
                 e->mid_count[0] / ex->batch);
        conv_norm(ex, index, 1, e->mid[0], e->mid[1], NORM_BN);
        activate(ex, index, HWNAS_ACT_RELU, e->mid[1], e->mid[1], e->mid_count[1], e->conv[1].out_c,
                 e->mid_count[1] / ex->batch);
        conv_norm(ex, index, 2, e->mid[1], out, NORM_BN);
        break;
    case OP_AVG_POOL:
    case OP_MAX_POOL:
        for (int b = 0; b < ex->batch; b++) {
            if (e->spec->kind == OP_AVG_POOL) avg_pool(&e->conv[0], in + b * in_sz, out + b * out_sz);
            else max_pool(&e->conv[0], in + b * in_sz, out + b * out_sz);
        }
        break;
    case OP_IDENTITY:
        if (out != in) memcpy(out, in, sizeof(float) * out_n);
        break;
    case OP_RELU:
        activate(ex, index, HWNAS_ACT_RELU, in, out, out_n, l->out_c, out_sz);
        break;
    case OP_ZERO:
        memset(out, 0, sizeof(float) * out_n);
        break;
    case OP_ADD:
        if (out != in) memcpy(out, in, sizeof(float) * out_n);
        add_inplace(out, ex->tensors[l->input2], out_n);
        break;
    case OP_CONCAT: {
        const size_t in2_sz = out_sz - in_sz;
        for (int b = 0; b < ex->batch; b++) {
            memcpy(out + b * out_sz, in + b * in_sz, sizeof(float) * in_sz);
            memcpy(out + b * out_sz + in_sz, ex->tensors[l->input2] + b * in2_sz, sizeof(float) * in2_sz);
        }
        break;
    }
    case OP_GLOBAL_AVG_POOL:
        for (int b = 0; b < ex->batch; b++) global_avg_pool(in + b * in_sz, l->in_c, l->in_h * l->in_w, out + b * out_sz);
        break;
    case OP_LINEAR:
        /* out[b][o] = sum_i in[b][i] W[o][i] + bias[o] */
        for (int b = 0; b < ex->batch; b++) memcpy(out + b * out_sz, e->param[1], sizeof(float) * out_sz);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ex->batch, (int)out_sz, (int)in_sz, 1.0f,
                    in, (int)in_sz, e->param[0], (int)in_sz, 1.0f, out, (int)out_sz);
        break;
    case OP_SQUEEZE_EXCITE:
        for (int b = 0; b < ex->batch; b++)
            squeeze_excite(in + b * in_sz, out + b * out_sz, l->in_c, (int)plane, l->hidden_c, e->param[0], e->param[1],
                           e->param[2], e->param[3], l->hidden_activation, l->gate_activation, e->mid[0]);
        break;
    }
    /* 1.0 order: the op's ReLU, then the residual add. 1.1 order (network.h):
     * residual add, activation, channel shuffle. `add` is its own add. */
    if (e->act_early && e->act != HWNAS_ACT_NONE) activate(ex, index, e->act, out, out, out_n, l->out_c, out_sz);
    if (l->input2 >= 0 && (l->flags & HWNAS_LAYER_RESIDUAL) && e->spec->kind != OP_ADD)
        add_inplace(out, ex->tensors[l->input2], out_n);
    if (!e->act_early && e->act != HWNAS_ACT_NONE) activate(ex, index, e->act, out, out, out_n, l->out_c, out_sz);
    if (e->shuffle > 1)
        for (int b = 0; b < ex->batch; b++) {
            channel_shuffle(out + b * out_sz, ex->shuffle_buf, l->out_c, (int)plane, e->shuffle);
            memcpy(out + b * out_sz, ex->shuffle_buf, sizeof(float) * out_sz);
        }
    return 0;
}

int hwnas_executor_run(hwnas_executor *ex) {
    if (!ex) return -1;
    for (uint32_t i = 0; i < ex->n_layers; i++)
        if (hwnas_executor_run_layer(ex, i)) { snprintf(ex->error, sizeof ex->error, "layer %u failed", i); return -1; }
    return 0;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

int hwnas_executor_time(hwnas_executor *ex, int32_t layer, int32_t warmup, int32_t repeats, double *samples_ms) {
    if (!ex || (layer >= 0 && (uint32_t)layer >= ex->n_layers) || repeats < 0 || (repeats > 0 && !samples_ms)) {
        if (ex) snprintf(ex->error, sizeof ex->error, "bad timing request (layer %d, repeats %d)", layer, repeats);
        return -1;
    }
    for (int32_t i = 0; i < warmup + repeats; i++) {
        const double t0 = now_ms();
        const int rc = layer < 0 ? hwnas_executor_run(ex) : hwnas_executor_run_layer(ex, (uint32_t)layer);
        const double t1 = now_ms();
        if (rc) return -1;
        if (i >= warmup) samples_ms[i - warmup] = t1 - t0;
    }
    return 0;
}

const char *hwnas_executor_last_error(const hwnas_executor *ex) { return ex ? ex->error : "no executor"; }

float *hwnas_executor_tensor(hwnas_executor *ex, uint32_t id, size_t *count_out) {
    if (!ex || id >= ex->n_tensors) return NULL;
    if (count_out) *count_out = ex->tensor_count[id];
    return ex->tensors[id];
}

float *hwnas_executor_param(hwnas_executor *ex, uint32_t index, uint32_t which, size_t *count_out) {
    if (!ex || index >= ex->n_layers || which >= MAX_PARAMS) return NULL;
    if (count_out) *count_out = ex->layers[index].param_count[which];
    return ex->layers[index].param[which];
}

void hwnas_executor_set_relu_callback(hwnas_executor *ex, hwnas_relu_callback cb, void *ctx) {
    if (!ex) return;
    ex->relu_cb = cb;
    ex->relu_ctx = ctx;
}

void hwnas_accumulate_code_agreement(const float *x, uint32_t batch, uint32_t features, double *k) {
    /* agreements(i, j) = sum_f [c_if == c_jf], c = x > 0 */
    for (uint32_t i = 0; i < batch; i++) {
        const float *xi = x + (size_t)i * features;
        k[(size_t)i * batch + i] += features;
        for (uint32_t j = i + 1; j < batch; j++) {
            const float *xj = x + (size_t)j * features;
            uint32_t agree = 0;
            for (uint32_t f = 0; f < features; f++) agree += ((xi[f] > 0.0f) == (xj[f] > 0.0f));
            k[(size_t)i * batch + j] += agree;
            k[(size_t)j * batch + i] += agree;
        }
    }
}

void hwnas_executor_set_threads(int32_t threads) { openblas_set_num_threads(threads > 0 ? threads : 1); }
int32_t hwnas_executor_get_threads(void) { return openblas_get_num_threads(); }
const char *hwnas_executor_blas_config(void) { return openblas_get_config(); }

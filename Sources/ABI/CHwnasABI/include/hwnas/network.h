/*
 * hwnas plugin ABI: the network IR. A whole network built from a genotype
 * (macro skeleton included): tensors, and layers in execution order. The
 * fields are enough to rebuild the network exactly (docs/network-ir.md has
 * the table and the order of computation inside a layer).
 */
#ifndef HWNAS_NETWORK_H
#define HWNAS_NETWORK_H

#include "version.h"

HWNAS_BEGIN_DECLS

/* Layer flags (hwnas_layer.flags). */
#define HWNAS_LAYER_RESIDUAL 1          /* output = op(input) + input2, before `activation` */
#define HWNAS_LAYER_INPLACE 2           /* may overwrite its input buffer */
#define HWNAS_LAYER_EXPLICIT_PADDING 4  /* (1.1) pad_* hold the padding; in a builder spec without
                                           it the host pads "same" (dilation * (k - 1) / 2 each side) */

/* (1.1) Activations (hwnas_layer.pre_activation, activation, ...). */
#define HWNAS_ACT_NONE 0
#define HWNAS_ACT_RELU 1      /* max(x, 0) */
#define HWNAS_ACT_RELU6 2     /* min(max(x, 0), 6) */
#define HWNAS_ACT_HSWISH 3    /* x * relu6(x + 3) / 6 */
#define HWNAS_ACT_HSIGMOID 4  /* relu6(x + 3) / 6 */
#define HWNAS_ACT_SIGMOID 5   /* 1 / (1 + exp(-x)) */
#define HWNAS_ACT_SWISH 6     /* x * sigmoid(x) (SiLU) */

/* (1.1) Batch norm after the op (hwnas_layer.batch_norm). */
#define HWNAS_BN_NONE 0
#define HWNAS_BN_FOLDED 1     /* a BatchNorm follows the op; deployed, it is folded into the
                                 op's weights and bias (bias_elems counts that bias) */

/*
 * One layer. Tensor ids index hwnas_network.tensors. Within a layer:
 *   y = pre_activation(input)
 *   y = op(y)                (with batch_norm == FOLDED: a BatchNorm follows)
 *   y = y + input2           (when flags has HWNAS_LAYER_RESIDUAL)
 *   y = activation(y)
 *   y = channel_shuffle(y)   (when shuffle_groups > 1)
 * Walk an array of layers with HWNAS_NETWORK_LAYER(): the element size may be
 * larger than the sizeof(hwnas_layer) a plugin was compiled with.
 */
typedef struct hwnas_layer {
    uint32_t struct_size;
    uint32_t reserved;
    const char *op;            /* operator name in an operator set: "conv2d" */
    int32_t kernel;            /* == kernel_w; 0 when not applicable */
    int32_t stride;            /* == stride_w */
    int32_t groups;
    int32_t expansion;         /* inverted residual expansion ratio, else 0 */
    int32_t input;             /* tensor id of the first input */
    int32_t input2;            /* second input (add, residual), else -1 */
    int32_t output;            /* tensor id written */
    int32_t in_c, in_h, in_w;
    int32_t out_c, out_h, out_w;
    int32_t flags;             /* HWNAS_LAYER_* bits */
    int64_t params;            /* weights + biases, deployed (batch norm folded) */
    int64_t macs;              /* multiply-accumulates */
    int64_t weight_elems;      /* weights only (flash: int8 each) */
    int64_t bias_elems;        /* biases only (flash: int32 each) */
    const char *cell;          /* grouping label, e.g. "stage1.cell2", may be "" */
    /* ---- ABI 1.1: the exact IR ---- */
    int32_t kernel_h, kernel_w;     /* window; a 1-D layer has kernel_h 1 */
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left, pad_bottom, pad_right; /* zero padding, elements */
    int32_t pre_activation;         /* HWNAS_ACT_* applied to the input */
    int32_t activation;             /* HWNAS_ACT_* applied to the output */
    int32_t batch_norm;             /* HWNAS_BN_* */
    int32_t shuffle_groups;         /* > 1: channel shuffle of the output in that many groups */
    int32_t hidden_c;               /* squeeze_excite: squeezed channels; else 0 */
    int32_t hidden_activation;      /* squeeze_excite: HWNAS_ACT_* after the squeeze */
    int32_t gate_activation;        /* squeeze_excite: HWNAS_ACT_* of the gate */
    int32_t reserved2;
} hwnas_layer;

/* Size of a layer record as ABI 1.0 laid it out (up to and including `cell`). */
#define HWNAS_LAYER_SIZE_1_0 ((uint32_t)offsetof(hwnas_layer, kernel_h))

/* One activation tensor, batch 1: channels x height x width (a 1-D tensor
 * has h == 1). */
typedef struct hwnas_tensor {
    int32_t c, h, w;
    int32_t reserved;
} hwnas_tensor;

typedef struct hwnas_network {
    uint32_t struct_size;
    uint32_t n_layers;
    const hwnas_layer *layers;   /* [n_layers], layer_size bytes apart */
    uint32_t n_tensors;
    uint32_t reserved;
    const hwnas_tensor *tensors; /* [n_tensors]; tensor 0 is the network input */
    /* ---- ABI 1.1 ---- */
    uint32_t layer_size;         /* bytes from one layer record to the next */
    uint32_t spatial_dims;       /* 2: images (c, h, w); 1: sequences (c, 1, w);
                                  * 0 (1.2): features (c, 1, 1), a [batch, features]
                                  * input with no feature map (imported MLPs); the
                                  * shapes read as a 2 would */
} hwnas_network;

/* Bytes between layer records of `net` (a 1.0 network has 1.0 records). */
#define HWNAS_NETWORK_LAYER_SIZE(net) \
    (HWNAS_HAS_FIELD(net, hwnas_network, layer_size) ? (net)->layer_size : HWNAS_LAYER_SIZE_1_0)

/* Pointer to layer `i` of `net`. Fields past HWNAS_LAYER_SIZE_1_0 exist when
 * HWNAS_HAS_FIELD(layer, hwnas_layer, field). */
#define HWNAS_NETWORK_LAYER(net, i) \
    ((const hwnas_layer *)((const char *)(net)->layers + (size_t)(i) * HWNAS_NETWORK_LAYER_SIZE(net)))

HWNAS_END_DECLS

#endif /* HWNAS_NETWORK_H */

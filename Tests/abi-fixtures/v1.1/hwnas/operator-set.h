/* hwnas plugin ABI: operator sets (shape inference, params and MACs). */
#ifndef HWNAS_OPERATOR_SET_H
#define HWNAS_OPERATOR_SET_H

#include "host.h"
#include "options.h"
#include "status.h"

HWNAS_BEGIN_DECLS

#define HWNAS_OPERATOR_SET_FACTORY_ID "hwnas.operator-set-factory/1"

/* Operator attributes in. The host fills every field it has; a 1.0 operator
 * set reads only kernel and stride, so the host gives it square kernels with
 * "same" padding only. */
typedef struct hwnas_op_query {
    uint32_t struct_size;
    uint32_t reserved;
    const char *op;
    int32_t in_c, in_h, in_w;
    int32_t out_c;        /* requested output channels (0: same as in_c) */
    int32_t kernel, stride, groups, expansion;
    /* ---- ABI 1.1 ---- */
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left, pad_bottom, pad_right;
    int32_t hidden_c;     /* squeeze_excite: squeezed channels */
    int32_t reserved2;
} hwnas_op_query;

/* Shape and costs out; the caller sets struct_size. */
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

/* An operator set is stateless after create: every function [thread-safe]. */
typedef struct hwnas_operator_set {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    /* [thread-safe] */
    uint32_t (*op_count)(const struct hwnas_operator_set *self);
    /* [thread-safe] Owned by the instance; NULL when index >= op_count. */
    const char *(*op_name)(const struct hwnas_operator_set *self, uint32_t index);
    /* [thread-safe] Fill `info`. HWNAS_ERR_UNKNOWN_ID for an unknown op,
     * HWNAS_ERR_INVALID_ARGUMENT for impossible shapes. */
    hwnas_status (*infer)(const struct hwnas_operator_set *self,
                          const hwnas_op_query *query, hwnas_op_info *info);
    /* [main-thread] Release the instance. */
    void (*destroy)(const struct hwnas_operator_set *self);
} hwnas_operator_set;

typedef struct hwnas_operator_set_factory {
    uint32_t struct_size;
    uint32_t reserved;
    /* [thread-safe] */
    uint32_t (*count)(const struct hwnas_operator_set_factory *self);
    /* [thread-safe] NULL when index >= count. */
    const hwnas_descriptor *(*descriptor)(const struct hwnas_operator_set_factory *self, uint32_t index);
    /* [thread-safe] Errors as for strategies. */
    hwnas_status (*create)(const struct hwnas_operator_set_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_options *options,
                           hwnas_operator_set **out, char *error_out, uint32_t error_capacity);
} hwnas_operator_set_factory;

HWNAS_END_DECLS

#endif /* HWNAS_OPERATOR_SET_H */

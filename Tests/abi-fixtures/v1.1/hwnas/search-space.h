/*
 * hwnas plugin ABI (1.1): search spaces as plugins. A space instance gives
 * its dims and choices, the canonical string of a genotype and back, the
 * canonical genotype (dims inactive for it, such as layers past a chosen
 * depth, set to 0), and the whole network of a genotype, which it describes
 * layer by layer to a host-owned network builder.
 */
#ifndef HWNAS_SEARCH_SPACE_H
#define HWNAS_SEARCH_SPACE_H

#include "host.h"
#include "network.h"
#include "options.h"
#include "space.h"
#include "status.h"

HWNAS_BEGIN_DECLS

#define HWNAS_SEARCH_SPACE_FACTORY_ID "hwnas.search-space-factory/1"

/* The host's side of building one network. Host-owned, valid during build();
 * each build() call gets its own builder, so concurrent builds never share one.
 * After a failed call the host holds the reason: return the status from
 * build() and the host reports it. */
typedef struct hwnas_network_builder {
    uint32_t struct_size;
    uint32_t reserved;
    void *host_data;
    /* Declare the network input (tensor 0): the first call of every build.
     * spatial_dims 2: c x h x w images; 1: c x 1 x w sequences (h must be 1). */
    hwnas_status (*set_input)(const struct hwnas_network_builder *self, int32_t c, int32_t h, int32_t w,
                              uint32_t spatial_dims);
    /* Append one layer. Read from `spec`: op, kernel (or kernel_h/kernel_w),
     * stride (or stride_h/stride_w), dilation_*, pad_* with
     * HWNAS_LAYER_EXPLICIT_PADDING (else "same"), groups, expansion, input,
     * input2, out_c (requested output channels, 0: the input's), flags,
     * pre_activation, activation, batch_norm, shuffle_groups, hidden_c,
     * hidden_activation, gate_activation, cell. Fields read past spec's
     * struct_size count as 0. The host asks the space's operator set for the
     * shape and costs, fills the rest and writes the new tensor's id to
     * *tensor_out. `spec` is read during the call only. */
    hwnas_status (*add_layer)(const struct hwnas_network_builder *self, const hwnas_layer *spec,
                              int32_t *tensor_out);
    /* Shape of a tensor built so far. */
    hwnas_status (*tensor_shape)(const struct hwnas_network_builder *self, int32_t tensor,
                                 hwnas_tensor *shape_out);
    /* Optional memo of repeated blocks (cells, MBConv blocks). `key` (copied)
     * must identify everything the block's layers depend on except the input
     * tensor's shape, which the host adds. Returns 1 when the host replayed
     * the layers of an earlier block with the same key on `input`: the new
     * output id is in *output_out and the space goes on after the block.
     * Returns 0 otherwise: the space adds the block's layers, reading only
     * `input` and tensors made inside the block, then calls end_block. Every
     * layer of a block gets the cell label `cell` (copied). */
    int32_t (*begin_block)(const struct hwnas_network_builder *self, const void *key, uint32_t key_size,
                           const char *cell, int32_t input, int32_t *output_out);
    hwnas_status (*end_block)(const struct hwnas_network_builder *self, int32_t output);
} hwnas_network_builder;

/* A search-space instance. Every function is [thread-safe]: the host may
 * canonicalize, format, parse and build from several threads at once. */
typedef struct hwnas_space {
    uint32_t struct_size;
    uint32_t reserved;
    void *plugin_data;
    /* Id of the operator set whose operator names build() uses (e.g. "core"),
     * or NULL when the space builds no networks. Owned by the instance. */
    const char *operator_set;
    /* [thread-safe] The dims and choices (owned by the instance, valid until
     * destroy). Choice names are unique within a dim. */
    const hwnas_search_space *(*describe)(const struct hwnas_space *self);
    /* [thread-safe] Rewrites genotypes[count][n_dims] in place into their
     * canonical form: two genotypes that build the same network get the same
     * canonical genotype (a dim inactive for a genotype is set to 0).
     * active_out[count][n_dims] (may be NULL) gets 1 for each active dim. The
     * host passes only in-range values. */
    hwnas_status (*canonicalize)(const struct hwnas_space *self, uint32_t count, int32_t *genotypes,
                                 uint8_t *active_out);
    /* [thread-safe] The canonical string of a canonical genotype, written
     * NUL-terminated to text_out[capacity]; *length_out gets its length
     * without the NUL. HWNAS_ERR_BUFFER_TOO_SMALL (with *length_out set)
     * when capacity is not enough. */
    hwnas_status (*format)(const struct hwnas_space *self, const int32_t *genotype, char *text_out,
                           uint32_t capacity, uint32_t *length_out);
    /* [thread-safe] Parses a string into genotype_out[n_dims] (canonical). A
     * string that is not one of this space's architectures returns
     * HWNAS_ERR_INVALID_ARGUMENT with a one-line reason in
     * error_out[error_capacity]. */
    hwnas_status (*parse)(const struct hwnas_space *self, const char *text, int32_t *genotype_out,
                          char *error_out, uint32_t error_capacity);
    /* [thread-safe] Describes the network of a canonical genotype to
     * `builder`. HWNAS_ERR_UNSUPPORTED when the space builds no networks. A
     * failure of the space's own returns a status with the reason in
     * error_out; a failure of a builder call returns that call's status. */
    hwnas_status (*build)(const struct hwnas_space *self, const int32_t *genotype,
                          const hwnas_network_builder *builder, char *error_out, uint32_t error_capacity);
    /* [main-thread] Release the instance. */
    void (*destroy)(const struct hwnas_space *self);
} hwnas_space;

typedef struct hwnas_search_space_factory {
    uint32_t struct_size;
    uint32_t reserved;
    /* [thread-safe] */
    uint32_t (*count)(const struct hwnas_search_space_factory *self);
    /* [thread-safe] NULL when index >= count. */
    const hwnas_descriptor *(*descriptor)(const struct hwnas_search_space_factory *self, uint32_t index);
    /* [thread-safe] options: the space file's keys ("file" is the space
     * file's path; other scalar keys as written) or the command line's. An
     * unknown or bad option is an error naming it. Errors as for strategies. */
    hwnas_status (*create)(const struct hwnas_search_space_factory *self, const char *id,
                           const hwnas_host *host, const hwnas_options *options, hwnas_space **out,
                           char *error_out, uint32_t error_capacity);
} hwnas_search_space_factory;

HWNAS_END_DECLS

#endif /* HWNAS_SEARCH_SPACE_H */

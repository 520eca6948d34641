/* hwnas plugin ABI: candidate batches handed to cost models and evaluators. */
#ifndef HWNAS_CANDIDATES_H
#define HWNAS_CANDIDATES_H

#include "network.h"

HWNAS_BEGIN_DECLS

/* Host-owned, valid during the call. Genotypes are in the space's canonical
 * form (a dim that is inactive for a genotype holds 0). */
typedef struct hwnas_candidate_batch {
    uint32_t struct_size;
    uint32_t count;
    uint32_t n_dims;
    uint32_t reserved;
    const int32_t *genotypes;          /* [count][n_dims], row-major */
    const char *const *arch_strings;   /* [count] canonical strings */
    /* [count] built networks, or NULL when the space builds none. Each is laid
     * out for the reader's ABI minor (a 1.0 plugin gets 1.0 layer records). */
    const hwnas_network *const *networks;
} hwnas_candidate_batch;

HWNAS_END_DECLS

#endif /* HWNAS_CANDIDATES_H */

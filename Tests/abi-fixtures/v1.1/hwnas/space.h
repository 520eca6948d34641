/* hwnas plugin ABI: a search space as plain arrays (what strategies see). */
#ifndef HWNAS_SPACE_H
#define HWNAS_SPACE_H

#include "version.h"

HWNAS_BEGIN_DECLS

/* Genotypes are int32 rows of n_dims; value d is in [0, choice_counts[d]).
 * Owned by whoever made it (the host, or a space plugin's describe()); valid
 * for the lifetime of every instance created with it. */
typedef struct hwnas_search_space {
    uint32_t struct_size;
    uint32_t n_dims;
    const char *name;                  /* the space's name: "nb201", "mcunet-mbv2" */
    const uint32_t *choice_counts;     /* [n_dims] */
    const char *const *dim_names;      /* [n_dims] */
    /* choice_names[choice_offsets[d] + c] names choice c of dim d. */
    const uint32_t *choice_offsets;    /* [n_dims] */
    const char *const *choice_names;   /* [sum of choice_counts] */
} hwnas_search_space;

HWNAS_END_DECLS

#endif /* HWNAS_SPACE_H */

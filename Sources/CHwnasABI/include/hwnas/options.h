/* hwnas plugin ABI: key/value options and descriptors. */
#ifndef HWNAS_OPTIONS_H
#define HWNAS_OPTIONS_H

#include "version.h"

HWNAS_BEGIN_DECLS

/* One configuration option, from a hardware profile, a search-space file or
 * the command line. UTF-8, NUL-terminated; valid during the call. */
typedef struct hwnas_option {
    const char *key;
    const char *value;
} hwnas_option;

typedef struct hwnas_options {
    uint32_t count;
    uint32_t reserved;
    const hwnas_option *items; /* [count] */
} hwnas_options;

/* Describes one creatable thing (a strategy, a cost model, a space, ...).
 * Owned by the plugin, valid until deinit. */
typedef struct hwnas_descriptor {
    uint32_t struct_size;
    uint32_t reserved;
    const char *id;          /* short, unique per kind, used on the command line: "random";
                                letters, digits, '-', '_', '.' */
    const char *name;        /* human readable */
    const char *vendor;
    const char *version;     /* the plugin's own version, e.g. "1.0.0" */
    const char *description; /* one line */
} hwnas_descriptor;

HWNAS_END_DECLS

#endif /* HWNAS_OPTIONS_H */

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

/* (1.1) Option types and flags of hwnas_option_spec. */
#define HWNAS_OPTION_STRING 0
#define HWNAS_OPTION_INT 1      /* decimal integer */
#define HWNAS_OPTION_DOUBLE 2   /* finite decimal number */
#define HWNAS_OPTION_BOOL 3     /* true/false, yes/no, on/off, 1/0 */
#define HWNAS_OPTION_PATH 4     /* a file; the host resolves a profile's against its folder */
#define HWNAS_OPTION_REQUIRED 1u
#define HWNAS_OPTION_EXECUTION 2u  /* how the plugin runs (threads, timeouts), not what it computes:
                                      left out of the fingerprint that keys a journal */

/* (1.1) One option a plugin understands. The host refuses an option the
 * plugin does not declare (naming the declared ones), a value of the wrong
 * type or out of range, and a missing required option, before create(). The
 * host never fills defaults: default_value is what the plugin uses when the
 * option is absent, shown to users. Owned by the plugin, valid until deinit. */
typedef struct hwnas_option_spec {
    uint32_t struct_size;
    int32_t type;               /* HWNAS_OPTION_* */
    const char *key;
    const char *default_value;  /* NULL: none (required, or absent means "unset") */
    const char *help;           /* one line */
    const char *choices;        /* STRING: the allowed values separated by '|', or NULL */
    double min, max;            /* INT, DOUBLE: inclusive bounds; NaN: unbounded */
    uint32_t flags;             /* HWNAS_OPTION_REQUIRED, HWNAS_OPTION_EXECUTION */
    uint32_t reserved;
} hwnas_option_spec;

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
    /* ---- ABI 1.1 ---- */
    /* The options create() understands: option_count specs, option_spec_size
     * bytes apart. NULL: the plugin does not declare its options (the host
     * passes any); non-NULL with count 0: it takes none. */
    const hwnas_option_spec *options;
    uint32_t option_count;
    uint32_t option_spec_size;
} hwnas_descriptor;

HWNAS_END_DECLS

#endif /* HWNAS_OPTIONS_H */

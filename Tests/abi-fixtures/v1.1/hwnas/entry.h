/* hwnas plugin ABI: the one exported function and the entry it returns. */
#ifndef HWNAS_ENTRY_H
#define HWNAS_ENTRY_H

#include "host.h"
#include "status.h"

HWNAS_BEGIN_DECLS

/* A plugin library exports this FUNCTION (not a data symbol):
 *   HWNAS_EXPORT const hwnas_plugin_entry *hwnas_get_plugin_entry(void);
 * It returns a pointer owned by the plugin, valid while the library is loaded. */
#define HWNAS_ENTRY_SYMBOL "hwnas_get_plugin_entry"

typedef struct hwnas_plugin_entry {
    uint32_t struct_size;
    uint32_t reserved;
    hwnas_version abi_version; /* HWNAS_ABI_VERSION_* the plugin was built with */
    /* [main-thread] Called once after loading, before get_factory. Returning
     * non-zero makes the host skip the library. Must tolerate a second call
     * after deinit (the same library loaded again). */
    hwnas_status (*init)(const hwnas_host *host);
    /* [main-thread] Called once when the host is done with the library: every
     * instance it created has been destroyed. */
    void (*deinit)(void);
    /* [thread-safe] The factory for `factory_id` (HWNAS_*_FACTORY_ID), or NULL
     * for an id the plugin does not offer. Owned by the plugin, valid until
     * deinit. */
    const void *(*get_factory)(const char *factory_id);
} hwnas_plugin_entry;

/* The type of the exported function named HWNAS_ENTRY_SYMBOL. */
typedef const hwnas_plugin_entry *(*hwnas_plugin_entry_fn)(void);

HWNAS_END_DECLS

#endif /* HWNAS_ENTRY_H */

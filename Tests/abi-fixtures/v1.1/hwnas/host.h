/* hwnas plugin ABI: what the host offers every plugin. */
#ifndef HWNAS_HOST_H
#define HWNAS_HOST_H

#include "version.h"

HWNAS_BEGIN_DECLS

/* Valid from init() until deinit(); a plugin may keep the pointer. */
typedef struct hwnas_host {
    uint32_t struct_size;
    uint32_t reserved;
    hwnas_version abi_version;  /* the host's header version */
    const char *host_name;      /* "hwnas" */
    const char *host_version;   /* e.g. "0.2.0" */
    void *host_data;            /* opaque, pass back in callbacks */
    /* [thread-safe] Log one line at HWNAS_LOG_* `level`. `message` is UTF-8,
     * owned by the caller and copied before return. Never NULL. */
    void (*log)(const struct hwnas_host *host, int32_t level, const char *message);
} hwnas_host;

HWNAS_END_DECLS

#endif /* HWNAS_HOST_H */

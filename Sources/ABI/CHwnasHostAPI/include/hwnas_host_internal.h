/* Internal to libhwnas_host.so (not part of the host API). */
#ifndef HWNAS_HOST_INTERNAL_H
#define HWNAS_HOST_INTERNAL_H

/* The path this library was loaded from, or NULL. Owned by the loader. */
const char *hwnas_host_internal_library_file(void);

#endif

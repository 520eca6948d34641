/* Compiles the host API header as C99 on every build (a header that does not
 * parse as C fails `swift build`, not a user's cffi), and finds the file this
 * library was loaded from (dladdr needs _GNU_SOURCE, which Swift's Glibc
 * module does not expose). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

#include "hwnas_host.h"
#include "hwnas_host_internal.h"

_Static_assert(HWNAS_HOST_API_VERSION >= 1, "host API version");

const char *hwnas_host_internal_library_file(void) {
    Dl_info info;
    if (dladdr((void *)&hwnas_host_internal_library_file, &info) != 0 && info.dli_fname != NULL) {
        return info.dli_fname;
    }
    return NULL;
}

/*
 * hwnas plugin ABI: version, field checks, export and linkage macros.
 *
 * Versioning (docs/plugin-abi.md): the host loads a plugin when the majors are
 * equal. A plugin built against an older minor keeps loading; one built
 * against a newer minor loads too when every struct the host reads from it is
 * at least as large as the host's minimum for that struct (`struct_size`).
 *
 * Thread tags used on every function pointer of the ABI:
 *   [main-thread]     called from the thread that loaded the library;
 *   [thread-safe]     may be called from any thread, concurrently;
 *   [instance-serial] never two calls on one instance at a time (different
 *                     instances may run on different threads).
 */
#ifndef HWNAS_VERSION_H
#define HWNAS_VERSION_H

#include <stddef.h>
#include <stdint.h>

#define HWNAS_ABI_VERSION_MAJOR 1u
#define HWNAS_ABI_VERSION_MINOR 2u
#define HWNAS_ABI_VERSION_PATCH 0u

#ifdef __cplusplus
#define HWNAS_BEGIN_DECLS extern "C" {
#define HWNAS_END_DECLS }
#else
#define HWNAS_BEGIN_DECLS
#define HWNAS_END_DECLS
#endif

/* Put in front of the entry function so it is exported from the library. */
#if defined(_WIN32)
#define HWNAS_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define HWNAS_EXPORT __attribute__((visibility("default")))
#else
#define HWNAS_EXPORT
#endif

HWNAS_BEGIN_DECLS

typedef struct hwnas_version {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
} hwnas_version;

/* True when the struct at `ptr` (whose first field is struct_size) contains
 * `field` of `type`: check before reading a field added in a later minor. */
#define HWNAS_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

HWNAS_END_DECLS

#endif /* HWNAS_VERSION_H */

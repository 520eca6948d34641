/* Writes the file named by HWNAS_FIXTURE_DEINIT_FILE when the host calls
 * the entry's deinit: proves the host calls it once it is done. */
#define FIXTURE_ID "deinit-marker"
#define fx_deinit fx_deinit_unused
#include "fixture_common.h"
#undef fx_deinit
#include <stdio.h>
static void marker_deinit(void) {
    const char *path = getenv("HWNAS_FIXTURE_DEINIT_FILE");
    if (!path) return;
    FILE *f = fopen(path, "a");
    if (f) { fputs("deinit\n", f); fclose(f); }
}
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {1, 1, 0}, fx_init, marker_deinit, fx_get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }

/* A NULL required function pointer. */
#include "fixture_common.h"
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {1, 0, 0}, fx_init, fx_deinit, NULL};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { (void)fx_get_factory; return &entry; }

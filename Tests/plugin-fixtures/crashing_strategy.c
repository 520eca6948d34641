/* Segfaults on its 13th ask: the journal must keep the 12 evaluations. */
#define FIXTURE_ID "crasher"
#ifndef FIXTURE_CRASH_AFTER
#define FIXTURE_CRASH_AFTER 12
#endif
#include "fixture_common.h"
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {1, 0, 0}, fx_init, fx_deinit, fx_get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }

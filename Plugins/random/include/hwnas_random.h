/* The random-search plugin has no public API beyond the hwnas ABI entry. */
#ifndef HWNAS_RANDOM_H
#define HWNAS_RANDOM_H
#include <hwnas/plugin.h>
const hwnas_plugin_entry *hwnas_get_plugin_entry(void);
#endif

/* hwnas plugin ABI: status codes and log levels. */
#ifndef HWNAS_STATUS_H
#define HWNAS_STATUS_H

#include "version.h"

HWNAS_BEGIN_DECLS

/* Functions return a status: 0 = ok, negative = error. The text of an
 * instance's last error is read with its last_error(), or comes back through
 * a caller's error buffer where a function takes one. */
typedef int32_t hwnas_status;
#define HWNAS_OK 0
#define HWNAS_ERR_INVALID_ARGUMENT (-1) /* bad option, bad genotype, ...      */
#define HWNAS_ERR_FAILED (-2)           /* the operation failed; see the text */
#define HWNAS_ERR_UNSUPPORTED (-3)      /* not implemented by this plugin      */
#define HWNAS_ERR_OUT_OF_MEMORY (-4)
#define HWNAS_ERR_EXHAUSTED (-5)        /* strategy: nothing left to propose   */
#define HWNAS_ERR_UNKNOWN_ID (-6)       /* create(): no such descriptor id     */
#define HWNAS_ERR_BUFFER_TOO_SMALL (-7) /* (1.1) an output buffer is too small */

/* Log levels for hwnas_host.log. */
#define HWNAS_LOG_DEBUG 0
#define HWNAS_LOG_INFO 1
#define HWNAS_LOG_WARNING 2
#define HWNAS_LOG_ERROR 3

HWNAS_END_DECLS

#endif /* HWNAS_STATUS_H */

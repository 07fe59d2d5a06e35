/* error.c: the names of core's error codes (error.h). */
#include "core/error.h"

#include <string.h>

const char *tp_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case TP_EMALFORMED:
        return "malformed input";
    case TP_ETRUNCATED:
        return "input ends early";
    case TP_ETOOBIG:
        return "length out of bounds";
    case TP_ECRYPTO:
        return "crypto library failure";
    case TP_EVERIFY:
        return "signature does not verify";
    case TP_EUNSUPPORTED:
        return "not supported";
    default:
        return code < 0 && code > -TP_E_BASE ? strerror(-code) : "unknown error";
    }
}

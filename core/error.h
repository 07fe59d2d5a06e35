/* error.h: the one error convention of core/ (and of runlog/ where it is
 * natural). A function returns 0 (or a count) on success and a negative code
 * on failure: -errno for what the system reported, or one of the TP_E* codes
 * below for what the formats and the crypto library report. tp_strerror
 * names either kind. Functions that also fill an err buffer do so because the
 * message names a file; the code still says what kind of failure it was. */
#ifndef TP_ERROR_H
#define TP_ERROR_H

#define TP_E_BASE 4096 /* own codes sit below every -errno */

enum tp_error {
    TP_EMALFORMED = -(TP_E_BASE + 1), /* bytes or text that are not what the format says */
    TP_ETRUNCATED = -(TP_E_BASE + 2), /* input ends inside a field or a frame */
    TP_ETOOBIG = -(TP_E_BASE + 3),    /* a length beyond the format's bound */
    TP_ECRYPTO = -(TP_E_BASE + 4),    /* the crypto library failed */
    TP_EVERIFY = -(TP_E_BASE + 5),    /* a signature does not verify */
    TP_EUNSUPPORTED = -(TP_E_BASE + 6), /* a parameter this version does not handle */
};

/* What code means, as a short phrase ("malformed input", or strerror(-code)
 * for a -errno). Never NULL. */
const char *tp_strerror(int code);

#endif

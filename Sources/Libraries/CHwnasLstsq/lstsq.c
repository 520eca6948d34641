#include "hwnas_lstsq.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

int hwnas_lstsq(int m, int n, const double *a, const double *b, double rcond, double *x_out) {
    if (m <= 0 || n <= 0 || !a || !b || !x_out) return -1;
    const int ldb = m > n ? m : n;
    double *acopy = malloc(sizeof(double) * (size_t)m * n);
    double *bcopy = calloc((size_t)ldb, sizeof(double));
    double *s = malloc(sizeof(double) * (size_t)(m < n ? m : n));
    if (!acopy || !bcopy || !s) { free(acopy); free(bcopy); free(s); return -4; }
    memcpy(acopy, a, sizeof(double) * (size_t)m * n);
    memcpy(bcopy, b, sizeof(double) * (size_t)m);
    lapack_int rank = 0;
    /* dgelsd overwrites A and returns x in the first n entries of b. */
    lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, m, n, 1, acopy, n, bcopy, 1, s, rcond, &rank);
    if (info == 0) memcpy(x_out, bcopy, sizeof(double) * (size_t)n);
    free(acopy); free(bcopy); free(s);
    return info == 0 ? (int)rank : (info < 0 ? (int)info : -1000 - (int)info);
}

/* Linear least squares for lookup-table fits, through LAPACK (OpenBLAS). */
#ifndef HWNAS_LSTSQ_H
#define HWNAS_LSTSQ_H

#ifdef __cplusplus
extern "C" {
#endif

/* Minimum-norm solution of min ||A x - b||_2 by SVD (LAPACKE_dgelsd).
 * a: m x n, row-major (not modified); b: [m]; x_out: [n]. Singular values
 * below rcond * largest count as zero (rcond < 0: machine precision).
 * Returns the effective rank (>= 0), or a negative LAPACK info on failure. */
int hwnas_lstsq(int m, int n, const double *a, const double *b, double rcond, double *x_out);

#ifdef __cplusplus
}
#endif

#endif

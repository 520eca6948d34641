/* The few reference BLAS / LAPACK routines the predictor strategy and the meco evaluator need,
 * declared with their Fortran calling convention so only libopenblas (which
 * exports them) is required, not the LAPACKE or CBLAS headers. All matrices
 * are column-major; every argument is passed by pointer. */
#ifndef HWNAS_CLAPACK_SHIM_H
#define HWNAS_CLAPACK_SHIM_H

/* Cholesky factorisation of a symmetric positive definite matrix. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
/* Inverse from the Cholesky factor (in place). */
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
/* Solve A X = B with the Cholesky factor of A. */
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
/* y := alpha A x + beta y, A symmetric. */
void dsymv_(const char *uplo, const int *n, const double *alpha, const double *a, const int *lda,
            const double *x, const int *incx, const double *beta, double *y, const int *incy);
/* A := alpha x x^T + A, A symmetric. */
void dsyr_(const char *uplo, const int *n, const double *alpha, const double *x, const int *incx,
           double *a, const int *lda);
/* C := alpha A^T A + beta C (trans "T"), C symmetric n x n, A k x n. */
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha, const double *a,
            const int *lda, const double *beta, double *c, const int *ldc);
/* y := alpha op(A) x + beta y in single precision (op: "N" or "T"), A m x n. */
void sgemv_(const char *trans, const int *m, const int *n, const float *alpha, const float *a, const int *lda,
            const float *x, const int *incx, const float *beta, float *y, const int *incy);
/* Selected eigenvalues (and vectors) of a symmetric matrix (MRRR). */
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a, const int *lda,
             const double *vl, const double *vu, const int *il, const int *iu, const double *abstol, int *m,
             double *w, double *z, const int *ldz, int *isuppz, double *work, const int *lwork, int *iwork,
             const int *liwork, int *info);
/* Keep BLAS single-threaded: our matrices are small and runs must be cheap. */
void openblas_set_num_threads(int num_threads);

#endif

// A thin, dlopen-based wrapper around OpenBLAS's CBLAS interface.
//
// Why dlopen instead of linking: OpenBLAS picks its kernel in a library constructor that
// reads OPENBLAS_CORETYPE (DESIGN.md §5). Linking makes that constructor run before main,
// too early for the process to choose. Loading the library ourselves lets Swift set the
// variable first, and keeps BLAS off every executable that does not ask for it.
#pragma once
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads OpenBLAS from `path` (a soname or file path). Returns 0 on success; otherwise
/// writes a message into `err` and returns -1. Calling it again after success is a no-op.
int hc_blas_open(const char *path, char *err, size_t errlen);

/// 1 once hc_blas_open succeeded.
int hc_blas_is_open(void);

/// The kernel family OpenBLAS runs ("Haswell", "SkylakeX", ...), or "" if not loaded.
const char *hc_blas_corename(void);

/// The library's build configuration string, or "" if not loaded.
const char *hc_blas_config(void);

/// Switches OpenBLAS to another kernel family at run time by re-running its dynamic-arch
/// selection with OPENBLAS_CORETYPE set to `name`. Must not race with any BLAS call.
/// Returns 0 if the library exports the entry points needed, -1 otherwise.
int hc_blas_select_core(const char *name);

/// Number of threads OpenBLAS uses for one call.
void hc_blas_set_threads(int n);

/// Row-major C = alpha * op(A) * op(B) + beta * C, op(X) = X or Xᵀ.
void hc_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a,
              int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// Row-major y = alpha * op(A) * x + beta * y.
void hc_sgemv(int transA, int m, int n, float alpha, const float *a, int lda,
              const float *x, float beta, float *y);

#ifdef __cplusplus
}
#endif

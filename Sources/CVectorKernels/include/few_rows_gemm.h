// A GEMM for few rows (a query's tokens) that reads the weights in place, without packing.
#ifndef HYPENCODER_FEW_ROWS_GEMM_H
#define HYPENCODER_FEW_ROWS_GEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// `c[i·ldc + j·ldc_column] = alpha · Σ_p a[i·lda + p] · w[j·ldw + p]` for i < m, j < n, p < k: A·Wᵀ
/// with W stored out × in as an nn.Linear's weight (`ldc_column` 1), or its transpose W·Aᵀ
/// (`ldc` 1, `ldc_column` the row stride of the m-column result). Needs AVX2 and FMA: call
/// only where `hc_few_rows_gemm_available()` returned 1.
void hc_few_rows_gemm(long m, long n, long k, float alpha, const float *a, long lda, const float *w, long ldw,
                      float *c, long ldc, long ldc_column);

/// 1 when this CPU has AVX2 and FMA and the environment variable `HYPENCODER_FEW_ROWS_GEMM`
/// is not `off` (which sends every product to SGEMM, to compare the two).
int hc_few_rows_gemm_available(void);

#ifdef __cplusplus
}
#endif

#endif

// The two element-wise passes of encoding that are not GEMMs (GELU, softmax), in C so that one
// function can be compiled twice, for the baseline x86-64 (SSE2, 4 lanes) and for AVX2 (8
// lanes), and chosen at run time from the CPU. Swift compiles a module for one target only.
//
// Both paths and HypencoderModel's Swift `VectorMath` evaluate the same float operations in
// the same order without fused multiply-adds, so they give the same bits (KernelTests).
#ifndef HYPENCODER_VECTOR_KERNELS_H
#define HYPENCODER_VECTOR_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Exact-erf GELU in place: `0.5·x·(1 + erf(x/√2))` over `count` floats.
void hc_gelu(float *values, long count);

/// Softmax in place over one row of `count` floats: `exp(x - max) / sum of exp(x - max)`,
/// the exponentials as `hc_exp_shifted_on_path` computes them, the sum in an order fixed by
/// the code (see vector_kernels.c). A row of 0 entries is left alone.
void hc_softmax(float *values, long count);

/// 1 when the CPU runs the AVX2 loops, 0 for the baseline ones. The environment variable
/// `HYPENCODER_VECTOR_KERNELS=baseline` forces the baseline (read once, at the first call).
int hc_vector_kernels_avx2(void);

/// The same passes on the path the caller names (`avx2` nonzero only where
/// `hc_vector_kernels_avx2()` could return 1): for tests that compare the two.
/// `hc_exp_shifted_on_path` is `values[i] = exp(values[i] - shift)`, the softmax's
/// exponentials alone, so tests can hold them to `VectorMath.exp` bit for bit.
void hc_gelu_on_path(float *values, long count, int avx2);
void hc_softmax_on_path(float *values, long count, int avx2);
void hc_exp_shifted_on_path(float *values, long count, float shift, int avx2);

/// 1 if this CPU has AVX2 (whatever the environment variable says).
int hc_cpu_has_avx2(void);

#ifdef __cplusplus
}
#endif

#endif

// The bf16 q-net GEMM: C = A·Wᵀ with A (documents or a layer's activations) and W (one q-net
// layer's weights) in bfloat16 and the products summed in fp32, as the AVX512_BF16
// instruction VDPBF16PS does it: each lane adds two bf16 products (exact in fp32) to an
// fp32 accumulator, the odd-indexed pair element first.
//
// Two builds of one tiling (bf16_gemm_tile.inc): the instruction, for CPUs that have it,
// and a portable emulation of the instruction's arithmetic, which is slow but runs
// everywhere, so the tiling, packing and tails are tested on every machine and not only
// where the instruction exists. The daemon uses the emulation for nothing but tests: a CPU
// without AVX512_BF16 scores bf16 indexes with the fp32 SGEMM path instead.
#ifndef HYPENCODER_BF16_GEMM_H
#define HYPENCODER_BF16_GEMM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU has AVX512_BF16 (with AVX512F, BW and VL) and the OS saves the 512-bit
/// registers, i.e. when `hc_bf16_gemm(..., 1)` may run; whatever the environment says.
int hc_cpu_has_avx512_bf16(void);

/// bfloat16 of `value`, rounded to nearest even (a NaN stays a quiet NaN): what TensorFiles'
/// `HalfFloat.bfloat16.narrow` gives (tested), here because the packing runs in C.
uint16_t hc_bf16_from_float(float value);

/// Number of uint16_t in the packed form of an n × k weight matrix (k even).
long hc_bf16_packed_count(int n, int k);

/// Packs `weight` (n rows of k floats: one q-net layer, outputs × inputs, k even) for
/// `hc_bf16_gemm`: rounded to bf16 and interleaved by pairs along k, columns padded with
/// zeros to a multiple of 16.
void hc_bf16_pack(const float *weight, int n, int k, uint16_t *packed);

/// c[i·ldc + j] = Σ_p a[i·lda + p]·w[j·k + p] for i < m, j < n, from `packed`
/// (`hc_bf16_pack` of w); k must be even. `instruction` nonzero runs VDPBF16PS (only where
/// `hc_cpu_has_avx512_bf16()` is 1), zero the emulation of it.
void hc_bf16_gemm(
    int m, int n, int k, const uint16_t *a, long lda, const uint16_t *packed, float *c, long ldc, int instruction);

#ifdef __cplusplus
}
#endif

#endif

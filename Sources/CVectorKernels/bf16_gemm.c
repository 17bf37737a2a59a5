// The bf16 q-net GEMM (include/bf16_gemm.h): packing, CPU detection, and the tiling of
// bf16_gemm_tile.inc built for the AVX512_BF16 instruction and for its emulation.
#include "bf16_gemm.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

uint16_t hc_bf16_from_float(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static float float_from_bf16(uint16_t value) {
    uint32_t bits = (uint32_t)value << 16;
    float result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

long hc_bf16_packed_count(int n, int k) { return (long)(k / 2) * ((n + 15) / 16 * 16) * 2; }

void hc_bf16_pack(const float *weight, int n, int k, uint16_t *packed) {
    const int paddedColumns = (n + 15) / 16 * 16;
    for (int p = 0; p < k / 2; p++) {
        for (int j = 0; j < paddedColumns; j++) {
            uint16_t *pair = packed + ((long)p * paddedColumns + j) * 2;
            pair[0] = j < n ? hc_bf16_from_float(weight[(long)j * k + 2 * p]) : 0;
            pair[1] = j < n ? hc_bf16_from_float(weight[(long)j * k + 2 * p + 1]) : 0;
        }
    }
}

int hc_cpu_has_avx512_bf16(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;  // OSXSAVE
    unsigned xcr0Low, xcr0High;
    __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    if ((xcr0Low & 0xe6u) != 0xe6u) return 0;  // SSE, AVX, opmask, ZMM0-15 upper, ZMM16-31 state
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned f = 1u << 16, bw = 1u << 30, vl = 1u << 31;
    if ((ebx & (f | bw | vl)) != (f | bw | vl)) return 0;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    return (eax & (1u << 5)) ? 1 : 0;
#else
    return 0;
#endif
}

// The emulation: 16 fp32 lanes and 16 bf16 pairs as plain arrays. Each lane adds the odd
// element's product, rounds, then the even one's, rounds (this file is built with
// -ffp-contract=off, so each `+` rounds once); a bf16 product is exact in fp32. The
// instruction also treats subnormal inputs and results as zero, which the emulation does not:
// q-net inputs and weights are far from 2⁻¹²⁶.
typedef struct { float lane[16]; } hc_emulated_acc;
typedef struct { uint32_t lane[16]; } hc_emulated_pairs;

static inline hc_emulated_acc emulated_zero(void) {
    hc_emulated_acc acc;
    memset(&acc, 0, sizeof acc);
    return acc;
}

static inline hc_emulated_pairs emulated_load(const uint16_t *pairs) {
    hc_emulated_pairs result;
    memcpy(result.lane, pairs, sizeof result.lane);
    return result;
}

static inline hc_emulated_pairs emulated_broadcast(uint32_t pair) {
    hc_emulated_pairs result;
    for (int i = 0; i < 16; i++) result.lane[i] = pair;
    return result;
}

static inline hc_emulated_acc emulated_dot(hc_emulated_acc acc, hc_emulated_pairs a, hc_emulated_pairs b) {
    for (int i = 0; i < 16; i++) {
        float sum = acc.lane[i] + float_from_bf16((uint16_t)(a.lane[i] >> 16)) * float_from_bf16((uint16_t)(b.lane[i] >> 16));
        acc.lane[i] = sum + float_from_bf16((uint16_t)a.lane[i]) * float_from_bf16((uint16_t)b.lane[i]);
    }
    return acc;
}

static inline void emulated_store(float *destination, hc_emulated_acc acc, int lanes) {
    memcpy(destination, acc.lane, sizeof(float) * (size_t)lanes);
}

#define HC_TILE_FUNCTION gemm_emulated
#define HC_TILE_ATTRIBUTES
#define hc_acc hc_emulated_acc
#define hc_pairs hc_emulated_pairs
#define HC_ZERO() emulated_zero()
#define HC_LOAD_PAIRS(p) emulated_load(p)
#define HC_BROADCAST_PAIR(u) emulated_broadcast(u)
#define HC_DOT(acc, a, b) emulated_dot(acc, a, b)
#define HC_STORE(dst, acc, lanes) emulated_store(dst, acc, lanes)
#include "bf16_gemm_tile.inc"
#undef HC_TILE_FUNCTION
#undef HC_TILE_ATTRIBUTES
#undef hc_acc
#undef hc_pairs
#undef HC_ZERO
#undef HC_LOAD_PAIRS
#undef HC_BROADCAST_PAIR
#undef HC_DOT
#undef HC_STORE

#if defined(__x86_64__)
#define HC_TILE_FUNCTION gemm_avx512_bf16
#define HC_TILE_ATTRIBUTES __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define hc_acc __m512
#define hc_pairs __m512bh
#define HC_ZERO() _mm512_setzero_ps()
#define HC_LOAD_PAIRS(p) ((__m512bh)_mm512_loadu_si512((const void *)(p)))
#define HC_BROADCAST_PAIR(u) ((__m512bh)_mm512_set1_epi32((int)(u)))
#define HC_DOT(acc, a, b) _mm512_dpbf16_ps(acc, a, b)
#define HC_STORE(dst, acc, lanes) _mm512_mask_storeu_ps(dst, (__mmask16)((1u << (lanes)) - 1u), acc)
#include "bf16_gemm_tile.inc"
#endif

void hc_bf16_gemm(
    int m, int n, int k, const uint16_t *a, long lda, const uint16_t *packed, float *c, long ldc, int instruction) {
#if defined(__x86_64__)
    if (instruction) {
        gemm_avx512_bf16(m, n, k, a, lda, packed, c, ldc);
        return;
    }
#endif
    (void)instruction;
    gemm_emulated(m, n, k, a, lda, packed, c, ldc);
}

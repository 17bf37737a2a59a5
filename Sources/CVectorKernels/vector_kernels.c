// Element-wise kernels (and the softmax row built on them) compiled for two instruction sets
// and selected at run time; see include/vector_kernels.h for why. The scalar functions below
// are the same arithmetic as Sources/HypencoderModel/Ops/VectorMath.swift (Cephes' expf,
// Numerical Recipes' erfcc); the loops around them vectorise, 4 lanes in the baseline build
// and 8 with AVX2. This file is compiled with -ffp-contract=off (Package.swift): an FMA would
// change the last bit and make results depend on the CPU, and target("avx2") does not enable
// FMA either.
#include "vector_kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HC_INLINE static inline __attribute__((always_inline))

HC_INLINE float hc_exp(float value) {
    float x = value < -87.0f ? -87.0f : value;
    x = x > 88.0f ? 88.0f : x;
    // n = round(x / ln 2) by adding 1.5·2²³; r = x − n·ln 2 with ln 2 in two parts.
    const float magic = 12582912.0f;
    float shifted = x * 1.44269504f + magic;
    float n = shifted - magic;
    float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float mantissa = p * r * r + r + 1.0f;
    uint32_t shiftedBits, magicBits;
    memcpy(&shiftedBits, &shifted, sizeof shiftedBits);
    memcpy(&magicBits, &magic, sizeof magicBits);
    uint32_t exponent = (uint32_t)((int32_t)(shiftedBits - magicBits) + 127) << 23;
    float scale;
    memcpy(&scale, &exponent, sizeof scale);
    return mantissa * scale;
}

/// erfc(z) for z ≥ 0.
HC_INLINE float hc_erfc_non_negative(float z) {
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    return t * hc_exp(p - z * z);
}

HC_INLINE float hc_gelu_one(float x) {
    float tail = hc_erfc_non_negative(__builtin_fabsf(x) * 0.70710678118654757f);
    return 0.5f * x * (x >= 0 ? 2.0f - tail : tail);
}

/// Softmax of one row in place: maximum, exponentials, sum, scale. The maximum is exact in
/// any order. The sum's order is fixed here, not by the CPU: eight running sums over whole
/// blocks of eight (lane l takes entries j ≡ l mod 8), folded as ((0+4)+(2+6))+((1+5)+(3+7)),
/// then the tail in order. Both builds run these very operations (the AVX2 one in one ymm
/// register, the baseline in two xmm halves), so they give the same bits.
HC_INLINE void hc_softmax_row(float *values, long count) {
    if (count <= 0) return;
    long whole = count - count % 8;
    float maxima[8];
    for (int l = 0; l < 8; l++) maxima[l] = values[0];
    for (long j = 0; j < whole; j += 8) {
        for (int l = 0; l < 8; l++) maxima[l] = values[j + l] > maxima[l] ? values[j + l] : maxima[l];
    }
    float maximum = maxima[0];
    for (int l = 1; l < 8; l++) maximum = maxima[l] > maximum ? maxima[l] : maximum;
    for (long j = whole; j < count; j++) maximum = values[j] > maximum ? values[j] : maximum;
    for (long j = 0; j < count; j++) values[j] = hc_exp(values[j] - maximum);
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (long j = 0; j < whole; j += 8) {
        for (int l = 0; l < 8; l++) sums[l] += values[j + l];
    }
    float total = ((sums[0] + sums[4]) + (sums[2] + sums[6])) + ((sums[1] + sums[5]) + (sums[3] + sums[7]));
    for (long j = whole; j < count; j++) total += values[j];
    float inverse = 1.0f / total;
    for (long j = 0; j < count; j++) values[j] *= inverse;
}

static void gelu_baseline(float *values, long count) {
    for (long i = 0; i < count; i++) values[i] = hc_gelu_one(values[i]);
}

static void exp_shifted_baseline(float *values, long count, float shift) {
    for (long i = 0; i < count; i++) values[i] = hc_exp(values[i] - shift);
}

static void softmax_baseline(float *values, long count) { hc_softmax_row(values, count); }

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void softmax_avx2(float *values, long count) { hc_softmax_row(values, count); }

__attribute__((target("avx2"))) static void gelu_avx2(float *values, long count) {
    for (long i = 0; i < count; i++) values[i] = hc_gelu_one(values[i]);
}

__attribute__((target("avx2"))) static void exp_shifted_avx2(float *values, long count, float shift) {
    for (long i = 0; i < count; i++) values[i] = hc_exp(values[i] - shift);
}
#endif

int hc_cpu_has_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

/// −1 until the first call decides; then 0 or 1. Racing first calls decide the same value.
static int chosen = -1;

int hc_vector_kernels_avx2(void) {
    int value = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (value < 0) {
        const char *forced = getenv("HYPENCODER_VECTOR_KERNELS");
        value = (forced != NULL && strcmp(forced, "baseline") == 0) ? 0 : hc_cpu_has_avx2();
        __atomic_store_n(&chosen, value, __ATOMIC_RELAXED);
    }
    return value;
}

void hc_gelu_on_path(float *values, long count, int avx2) {
#if defined(__x86_64__)
    if (avx2) {
        gelu_avx2(values, count);
        return;
    }
#endif
    gelu_baseline(values, count);
}

void hc_exp_shifted_on_path(float *values, long count, float shift, int avx2) {
#if defined(__x86_64__)
    if (avx2) {
        exp_shifted_avx2(values, count, shift);
        return;
    }
#endif
    exp_shifted_baseline(values, count, shift);
}

void hc_softmax_on_path(float *values, long count, int avx2) {
#if defined(__x86_64__)
    if (avx2) {
        softmax_avx2(values, count);
        return;
    }
#endif
    softmax_baseline(values, count);
}

void hc_gelu(float *values, long count) { hc_gelu_on_path(values, count, hc_vector_kernels_avx2()); }

void hc_softmax(float *values, long count) { hc_softmax_on_path(values, count, hc_vector_kernels_avx2()); }

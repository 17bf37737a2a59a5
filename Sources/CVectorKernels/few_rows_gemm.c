// C = A·Wᵀ for few rows of A (a query's tokens), W read where it lies: out × in, row-major,
// as PyTorch stores an nn.Linear's weight. Why not SGEMM: with 16 rows, OpenBLAS packs every
// weight matrix again into its panel layout before multiplying (a full extra read and write
// of bert-base's 340 MB per query, 26 % of a query's encoding time under perf), while the
// multiplication itself needs each weight once. Here each weight is read once and used for
// all the rows: a register tile of 3 rows of A by 4 rows of W accumulates 8 lanes of the dot
// product along `in` (12 accumulators + 3 A vectors + 1 W vector = the 16 ymm registers),
// then sums the lanes. While a block of W's rows is in use, its tiles prefetch the next
// block, each tile a share of it: the first pass over a block waits on memory, the others
// run from L1, so without this the memory stood idle most of the time (two cores, 16 rows,
// 768 × 3,072 weights: 10 GB/s of weights without, 12–13 with, against 31 GB/s the cores
// can read). The order of additions differs from SGEMM's (8 partial sums per
// element, then a fixed tree), a difference of the order of float rounding (FewRowsGemmTests).
#include "few_rows_gemm.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define MR 3
#define NR 4

// Sum of the 8 lanes, in a fixed order: (0+4, 1+5, 2+6, 3+7), then pairs, then the last two.
__attribute__((target("avx2,fma"))) static inline float lane_sum(__m256 v) {
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    __m128 pairs = _mm_add_ps(half, _mm_movehl_ps(half, half));
    __m128 one = _mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1));
    return _mm_cvtss_f32(one);
}

// One tile of `mr` ≤ MR rows of A and `nr` ≤ NR rows of W over the whole inner dimension,
// times alpha (as SGEMM applies it, to the finished sum), written to c with row stride rs
// and column stride cs, after prefetching columns [from, to)
// of the NR rows at `next` (none when `next` is null).
// Called with constant mr and nr, so each use compiles to its own unrolled loop.
__attribute__((target("avx2,fma"), always_inline)) static inline void tile(
    int mr, int nr, long k, float alpha, const float *a, long lda, const float *w, long ldw, float *c, long rs,
    long cs, const float *next, long from, long to) {
    __m256 acc[MR][NR];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) acc[i][j] = _mm256_setzero_ps();
    long p = 0;
    if (next)
        for (long q = from; q < to; q += 16)
            for (int j = 0; j < NR; j++) _mm_prefetch((const char *)(next + j * ldw + q), _MM_HINT_T0);
    for (; p + 8 <= k; p += 8) {
        __m256 av[MR];
        for (int i = 0; i < mr; i++) av[i] = _mm256_loadu_ps(a + i * lda + p);
        for (int j = 0; j < nr; j++) {
            __m256 wv = _mm256_loadu_ps(w + j * ldw + p);
            for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(av[i], wv, acc[i][j]);
        }
    }
    for (int i = 0; i < mr; i++) {
        for (int j = 0; j < nr; j++) {
            float sum = lane_sum(acc[i][j]);
            for (long q = p; q < k; q++) sum = __builtin_fmaf(a[i * lda + q], w[j * ldw + q], sum);
            c[i * rs + j * cs] = alpha * sum;
        }
    }
}

#define TILE(mr, nr)                                                                                      \
    __attribute__((target("avx2,fma"))) static void tile_##mr##x##nr(                                 \
        long k, float alpha, const float *a, long lda, const float *w, long ldw, float *c, long rs,      \
        long cs, const float *next, long from, long to) {                                                \
        tile(mr, nr, k, alpha, a, lda, w, ldw, c, rs, cs, next, from, to);                                \
    }
TILE(3, 4)
TILE(2, 4)
TILE(1, 4)
TILE(3, 1)
TILE(2, 1)
TILE(1, 1)

typedef void (*tile_fn)(long, float, const float *, long, const float *, long, float *, long, long, const float *,
                        long, long);
static const tile_fn full_width[MR + 1] = {0, tile_1x4, tile_2x4, tile_3x4};
static const tile_fn one_column[MR + 1] = {0, tile_1x1, tile_2x1, tile_3x1};

void hc_few_rows_gemm(long m, long n, long k, float alpha, const float *a, long lda, const float *w, long ldw,
                      float *c, long ldc, long ldc_column) {
    // W's rows outermost: a block of NR rows (NR·k floats, 12 KB at k = 768) stays in L1
    // while every row of A passes over it; A itself (m·k floats) stays in L2. (Cutting k
    // into chunks so that A's part fits L1 too, or sharing 16 rows as 2, 3, 3, 2, 3, 3 rather
    // than 3, …, 3, 1, measured no faster.)
    long tiles = (m + MR - 1) / MR;
    long j = 0;
    for (; j + NR <= n; j += NR) {
        const float *next = j + 2 * NR <= n ? w + (j + NR) * ldw : 0;
        for (long t = 0; t < tiles; t++) {
            long i = t * MR;
            long mr = m - i < MR ? m - i : MR;
            // Tile t prefetches its share of the next block, in whole 64-byte lines (16 floats).
            long from = (k * t / tiles) & ~15L;
            long to = t + 1 == tiles ? k : (k * (t + 1) / tiles) & ~15L;
            full_width[mr](k, alpha, a + i * lda, lda, w + j * ldw, ldw, c + i * ldc + j * ldc_column, ldc,
                           ldc_column, next, from, to);
        }
    }
    for (; j < n; j++) {
        for (long i = 0; i < m; i += MR) {
            long mr = m - i < MR ? m - i : MR;
            one_column[mr](k, alpha, a + i * lda, lda, w + j * ldw, ldw, c + i * ldc + j * ldc_column, ldc,
                           ldc_column, 0, 0, 0);
        }
    }
}

int hc_few_rows_gemm_available(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    const char *forced = getenv("HYPENCODER_FEW_ROWS_GEMM");
    return !(forced && strcmp(forced, "off") == 0);
}

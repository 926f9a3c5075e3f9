/*
 * Newline counting for logsplit's plain mode: 16 or 32 bytes per step with SSE2/AVX2, instead of one
 * memchr call per line (about 100 instructions per 250-byte line measured with callgrind).
 */
#define _GNU_SOURCE
#include <string.h>
#include <immintrin.h>
#include "CLinuxShim.h"

enum { WINDOW = 2048 };

/* Newlines in one window of at most WINDOW bytes (each byte lane counts at most WINDOW/16 = 128). */
static size_t count_window_sse2(const unsigned char *p, size_t n) {
    const __m128i newline = _mm_set1_epi8('\n');
    __m128i acc = _mm_setzero_si128();
    size_t k = 0;
    for (; k + 16 <= n; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + k));
        acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, newline));
    }
    __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
    size_t found = (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    for (; k < n; k++) found += (p[k] == '\n');
    return found;
}

__attribute__((target("avx2"))) static size_t count_window_avx2(const unsigned char *p, size_t n) {
    const __m256i newline = _mm256_set1_epi8('\n');
    __m256i acc = _mm256_setzero_si256();
    size_t k = 0;
    for (; k + 32 <= n; k += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + k));
        acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(v, newline));
    }
    __m256i sums = _mm256_sad_epu8(acc, _mm256_setzero_si256());
    size_t found = (size_t)_mm256_extract_epi64(sums, 0) + (size_t)_mm256_extract_epi64(sums, 1)
        + (size_t)_mm256_extract_epi64(sums, 2) + (size_t)_mm256_extract_epi64(sums, 3);
    for (; k < n; k++) found += (p[k] == '\n');
    return found;
}

size_t clinux_scan_lines(const unsigned char *bytes, size_t length, size_t *lines, int *gap_over_2k) {
    static int use_avx2 = -1;
    if (use_avx2 < 0) use_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    size_t count = 0;
    int empty_window = 0;
    for (size_t i = 0; i < length; i += WINDOW) {
        size_t window = length - i < WINDOW ? length - i : WINDOW;
        size_t found = use_avx2 ? count_window_avx2(bytes + i, window) : count_window_sse2(bytes + i, window);
        /* A line longer than 4096 bytes contains a whole aligned 2048-byte window without a newline. */
        if (found == 0 && window == WINDOW) empty_window = 1;
        count += found;
    }
    *lines = count;
    *gap_over_2k = empty_window;
    if (count == 0) return 0;
    const unsigned char *last = memrchr(bytes, '\n', length);
    return last ? (size_t)(last - bytes) + 1 : 0;
}

#include "hc_blas.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef char *(*string_fn)(void);
typedef void (*void_fn)(void);
typedef void (*threads_fn)(int);

static void *handle;
static sgemm_fn p_sgemm;
static sgemv_fn p_sgemv;
static string_fn p_corename;
static string_fn p_config;
static void_fn p_dynamic_init;
static void_fn p_dynamic_quit;
static threads_fn p_set_threads;

int hc_blas_open(const char *path, char *err, size_t errlen) {
    if (handle) return 0;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load %s: %s", path, dlerror());
        return -1;
    }
    p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    p_sgemv = (sgemv_fn)dlsym(h, "cblas_sgemv");
    if (!p_sgemm || !p_sgemv) {
        snprintf(err, errlen, "%s has no cblas_sgemm/cblas_sgemv", path);
        dlclose(h);
        return -1;
    }
    p_corename = (string_fn)dlsym(h, "openblas_get_corename");
    p_config = (string_fn)dlsym(h, "openblas_get_config");
    p_dynamic_init = (void_fn)dlsym(h, "gotoblas_dynamic_init");
    p_dynamic_quit = (void_fn)dlsym(h, "gotoblas_dynamic_quit");
    p_set_threads = (threads_fn)dlsym(h, "openblas_set_num_threads");
    handle = h;
    return 0;
}

int hc_blas_is_open(void) { return handle != NULL; }

const char *hc_blas_corename(void) { return p_corename ? p_corename() : ""; }

const char *hc_blas_config(void) { return p_config ? p_config() : ""; }

int hc_blas_select_core(const char *name) {
    if (!p_dynamic_init || !p_dynamic_quit) return -1;
    if (setenv("OPENBLAS_CORETYPE", name, 1) != 0) return -1;
    p_dynamic_quit();
    p_dynamic_init();
    return 0;
}

void hc_blas_set_threads(int n) {
    if (p_set_threads) p_set_threads(n);
}

void hc_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a,
              int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    p_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
            a, lda, b, ldb, beta, c, ldc);
}

void hc_sgemv(int transA, int m, int n, float alpha, const float *a, int lda,
              const float *x, float beta, float *y) {
    p_sgemv(ROW_MAJOR, transA ? TRANS : NO_TRANS, m, n, alpha, a, lda, x, 1, beta, y, 1);
}

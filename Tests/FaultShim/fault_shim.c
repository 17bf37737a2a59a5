// An LD_PRELOAD library that makes chosen file operations fail, for tests of how the index
// behaves when the disk does (issue 15: ENOSPC, EIO, short writes, a crash between the steps
// of a checkpoint). It wraps the libc calls the index's writes go through and consults a plan
// file named by $HYPENCODER_FAULT_PLAN on every call, so a test can inject a fault into a
// running daemon and clear it again without a restart. Without that variable every call
// goes straight to libc. The daemon binary under test is the one users run: nothing in the
// product knows about this library.
//
// Plan: one rule per line, `OPERATION PATH-SUBSTRING ACTION [skip=N] [times=M]`.
//   OPERATION  write (write, pwrite), fsync (fsync, fdatasync), rename, unlink,
//              fallocate (posix_fallocate), ftruncate
//   PATH-SUBSTRING  matched against the path (for descriptors, /proc/self/fd's link; for
//              rename, the destination)
//   ACTION     ENOSPC | EIO | EDQUOT: fail with that errno without doing anything
//              short: write only the first half of the bytes and report that (writes only)
//              crash: SIGKILL the process before the operation (a power cut between steps)
//   skip=N     let the first N matching calls through (default 0)
//   times=M    fire at most M times (default: every matching call after the skipped ones)
// Each rule counts the calls it matches; a call gets the action of the first rule that
// fires. Counters restart whenever the plan's text changes; an empty or missing plan
// injects nothing. Lines starting with # are comments.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "fault_shim.h"

enum action { ACT_NONE, ACT_ERRNO, ACT_SHORT, ACT_CRASH };

struct rule {
    char operation[16];
    char pattern[256];
    enum action action;
    int error;
    long skip, times, seen, fired;
};

#define MAX_RULES 32
#define MAX_PLAN 8192

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char plan_text[MAX_PLAN];
static struct rule rules[MAX_RULES];
static int rule_count;

static void parse_plan(void) {
    rule_count = 0;
    char copy[MAX_PLAN];
    memcpy(copy, plan_text, sizeof copy);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && rule_count < MAX_RULES; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        struct rule r = {.times = -1};
        char action[16] = {0}, extra1[32] = {0}, extra2[32] = {0};
        if (sscanf(line, "%15s %255s %15s %31s %31s", r.operation, r.pattern, action, extra1, extra2) < 3) continue;
        if (!strcmp(action, "ENOSPC")) r.action = ACT_ERRNO, r.error = ENOSPC;
        else if (!strcmp(action, "EIO")) r.action = ACT_ERRNO, r.error = EIO;
        else if (!strcmp(action, "EDQUOT")) r.action = ACT_ERRNO, r.error = EDQUOT;
        else if (!strcmp(action, "short")) r.action = ACT_SHORT;
        else if (!strcmp(action, "crash")) r.action = ACT_CRASH;
        else continue;
        const char *extras[2] = {extra1, extra2};
        for (int i = 0; i < 2; i++) {
            if (!strncmp(extras[i], "skip=", 5)) r.skip = atol(extras[i] + 5);
            if (!strncmp(extras[i], "times=", 6)) r.times = atol(extras[i] + 6);
        }
        rules[rule_count++] = r;
    }
}

// Re-reads the plan (open and read are not wrapped, so this cannot recurse).
static void refresh_plan(void) {
    const char *path = getenv("HYPENCODER_FAULT_PLAN");
    char fresh[MAX_PLAN] = {0};
    if (path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, fresh, sizeof fresh - 1);
            if (n < 0) n = 0;
            fresh[n] = 0;
            close(fd);
        }
    }
    if (strcmp(fresh, plan_text) != 0) {
        memcpy(plan_text, fresh, sizeof plan_text);
        parse_plan();
    }
}

// The action for one call of `operation` on `path`, counting it against the rules.
static struct rule decide(const char *operation, const char *path) {
    struct rule chosen = {.action = ACT_NONE};
    if (!getenv("HYPENCODER_FAULT_PLAN") || !path) return chosen;
    pthread_mutex_lock(&lock);
    refresh_plan();
    for (int i = 0; i < rule_count; i++) {
        struct rule *r = &rules[i];
        if (strcmp(r->operation, operation) || !strstr(path, r->pattern)) continue;
        r->seen++;
        if (chosen.action == ACT_NONE && r->seen > r->skip && (r->times < 0 || r->fired < r->times)) {
            r->fired++;
            chosen = *r;
        }
    }
    pthread_mutex_unlock(&lock);
    if (chosen.action == ACT_CRASH) kill(getpid(), SIGKILL);
    return chosen;
}

static const char *fd_path(int fd, char *buffer, size_t size) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buffer, size - 1);
    if (n < 0) return NULL;
    buffer[n] = 0;
    return buffer;
}

// The libc function this one wraps, looked up once.
#define REAL(name) \
    static __typeof__(&name) real_##name; \
    if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static struct rule decide_fd(const char *operation, int fd) {
    if (!getenv("HYPENCODER_FAULT_PLAN")) return (struct rule){.action = ACT_NONE};
    char path[4096];
    return decide(operation, fd_path(fd, path, sizeof path));
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite);
    struct rule r = decide_fd("write", fd);
    if (r.action == ACT_ERRNO) return errno = r.error, -1;
    if (r.action == ACT_SHORT && count > 1) count /= 2;
    return real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) { return pwrite(fd, buf, count, offset); }

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    if (fd > 2) {  // never the daemon's own log lines on stdout/stderr
        struct rule r = decide_fd("write", fd);
        if (r.action == ACT_ERRNO) return errno = r.error, -1;
        if (r.action == ACT_SHORT && count > 1) count /= 2;
    }
    return real_write(fd, buf, count);
}

int fsync(int fd) {
    REAL(fsync);
    struct rule r = decide_fd("fsync", fd);
    if (r.action == ACT_ERRNO) return errno = r.error, -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    struct rule r = decide_fd("fsync", fd);
    if (r.action == ACT_ERRNO) return errno = r.error, -1;
    return real_fdatasync(fd);
}

int rename(const char *from, const char *to) {
    REAL(rename);
    struct rule r = decide("rename", to);
    if (r.action == ACT_ERRNO) return errno = r.error, -1;
    return real_rename(from, to);
}

int unlink(const char *path) {
    REAL(unlink);
    struct rule r = decide("unlink", path);
    if (r.action == ACT_ERRNO) return errno = r.error, -1;
    return real_unlink(path);
}

int posix_fallocate(int fd, off_t offset, off_t length) {
    REAL(posix_fallocate);
    struct rule r = decide_fd("fallocate", fd);
    if (r.action == ACT_ERRNO) return r.error;  // returns the error, does not set errno
    return real_posix_fallocate(fd, offset, length);
}

int posix_fallocate64(int fd, off_t offset, off_t length) { return posix_fallocate(fd, offset, length); }

int ftruncate(int fd, off_t length) {
    REAL(ftruncate);
    struct rule r = decide_fd("ftruncate", fd);
    if (r.action == ACT_ERRNO) return errno = r.error, -1;
    return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off_t length) { return ftruncate(fd, length); }

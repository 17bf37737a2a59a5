// libuv from Debian (libuv1-dev). Only the loop thread may call into libuv, except
// uv_async_send (DESIGN.md §5).
#pragma once
#include <uv.h>
#include <sys/socket.h>

/// The peer of a connected Unix socket, as the kernel recorded it at connect() time.
/// Same layout as glibc's `struct ucred`, which Swift cannot see without _GNU_SOURCE.
typedef struct {
    int pid;
    unsigned int uid;
    unsigned int gid;
} hc_peer_credentials;

/// SO_PEERCRED through getsockopt. Returns 0 on success, -1 with errno set otherwise.
static inline int hc_get_peer_credentials(int fd, hc_peer_credentials *out) {
    socklen_t length = sizeof *out;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, &length);
}

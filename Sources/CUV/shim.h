// libuv from Debian (libuv1-dev). Only the loop thread may call into libuv, except
// uv_async_send (DESIGN.md §5).
#pragma once
#include <uv.h>

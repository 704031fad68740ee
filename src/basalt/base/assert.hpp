// BASALT_ASSERT: for bugs only, never reachable from user input. Aborts in debug builds, throws
// ErrorException(kInternal) in release so that the request ends with a 500 instead of the process.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "basalt/base/error.hpp"

#ifdef NDEBUG
#define BASALT_ASSERT(cond)                                                              \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            throw ::basalt::ErrorException(::basalt::Internal("assertion failed: " #cond)); \
        }                                                                                \
    } while (false)
#else
#define BASALT_ASSERT(cond)                                                          \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                            \
        }                                                                            \
    } while (false)
#endif

#define BASALT_UNREACHABLE() BASALT_ASSERT(false && "unreachable")

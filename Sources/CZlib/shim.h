#include <zlib.h>

// zlib's init macros are not visible to Swift; these wrap them.
static inline int czlib_inflate_init2(z_streamp stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}

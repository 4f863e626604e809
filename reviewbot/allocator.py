"""The C allocator of a long run: big blocks handed back to the system when freed.

glibc's malloc maps a block of 128 KiB or more on its own, but each time such a
block is freed it raises that threshold to the block's size (up to 32 MiB). After
the first mail of a few MiB, the next ones' copies (the text, its UTF-8 for
SQLite, the parser's lines) come from the heap, which keeps them after they are
freed: importing 40 mails at the 4 MiB message bound peaked at 250 MiB against
200 MiB with the threshold fixed at 1 MiB (bench/bench_bounds.py's NUL case).
Blocks that large are rare in ordinary mail, so fixing it costs them nothing.
"""

from __future__ import annotations

import ctypes

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
BIG_BLOCK = 1 << 20


def return_big_blocks() -> bool:
    """Have this process's C allocator map every block of BIG_BLOCK bytes or more on
    its own, so freeing it returns the memory; False where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False  # not glibc (macOS, musl builds without it)
    return bool(mallopt(_M_MMAP_THRESHOLD, BIG_BLOCK))

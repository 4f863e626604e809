"""allocator: big blocks go back to the system when freed (glibc's mallopt)."""

from __future__ import annotations

import platform

import pytest

from reviewbot.allocator import return_big_blocks


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_threshold_is_set_where_glibc_is() -> None:
    assert return_big_blocks() is True

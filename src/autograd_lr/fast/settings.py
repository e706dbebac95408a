r"""The fused kernel's settings, computed from the caches of the machine it runs on.

The single-pass kernel (:mod:`autograd_lr.fast.kernel`) reads each block of X from
memory once and uses it a second time from cache. Which cache, and how big a block may
be, depends on the CPU, so nothing here is a number measured on one machine: every
setting is a rule applied to what the machine reports.

The rules
---------
``segment_bytes``: one memory page (``os.sysconf("SC_PAGE_SIZE")``, 4 KiB on x86 and
    most ARM Linux). A block of ``X (n_x, m)`` stored row by row is n_x separate row
    segments of B entries; hardware prefetchers track a stream within one page and
    start afresh at each page boundary, so a segment of one page is the longest run a
    prefetcher can follow from start to end, and a shorter one spends a larger share of
    its time in the prefetcher's warm-up. B = segment_bytes / itemsize.
``block_bytes``: the most bytes one block may hold so that its second use still comes
    from cache. While a thread computes ``dw`` from block k (in cache), block k + 1
    streams in: two blocks per thread are live at once, so a block may take half of the
    thread's share of the last-level cache (``llc_bytes`` divided among the CPUs that
    share it). Wider X (n_x large) gets a narrower block, never below one cache line per
    row (``min_block_bytes``).
``min_block_bytes``: one cache line (``coherency_line_size``, 64 bytes on x86 and most
    ARM). A segment shorter than a line would load bytes it does not use.
``fused_min_bytes``: the switch-over to the single pass, for X stored row by row (C
    order). Below the size of the last-level cache, X stays in that cache between two
    reads, so reading it twice costs little, and two streaming passes split by rows
    (whole rows per thread) beat blocks of short row segments; at or above it, a second
    read would come from memory, and the single pass wins.
``fused_min_bytes_examples``: one per-core L2 cache, where the package's own passes
    take over from the formula: X stored column by column (F order, scikit-learn's rows
    transposed) has each example contiguous, so the kernel reads it once at any size,
    and row-major X takes the two passes. Below one L2, the formula's two reads are both
    in L2, and the threads' start-up would be a visible share of the time.

Where the numbers come from
---------------------------
Linux: ``/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size,
coherency_line_size,shared_cpu_list}``. Elsewhere (or if sysfs is unreadable): glibc's
``os.sysconf("SC_LEVEL2_CACHE_SIZE")`` and friends. If neither reports a value, the
documented :data:`FALLBACK`: 64-byte lines, 32 KiB L1d, 256 KiB L2 and 8 MiB shared
last-level cache, the smallest caches of x86-64 and ARM server and desktop CPUs of the
last decade, so that a block sized by them fits in cache on any of those machines (a
bigger cache only makes the fallback conservative, never wrong). Reading sysfs takes
well under a millisecond and writes nothing, so nothing is cached on disk and a
read-only machine behaves like any other.

The settings are computed once per process (:func:`machine_settings`); ``make bench``
prints them with every table.
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SYSFS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Caches:
    """What the machine reports about cpu0's data caches, in bytes.

    ``llc_sharing``: how many CPUs share the last-level cache; ``source``: where the
    numbers came from ("sysfs", "sysconf" or "fallback"; a mix lists each).
    """

    line_bytes: int
    l1d_bytes: int
    l2_bytes: int
    llc_bytes: int
    llc_sharing: int
    page_bytes: int
    source: str

    @property
    def llc_share_bytes(self) -> int:
        """``llc_bytes / llc_sharing``, the share of the last-level cache each CPU has."""
        return self.llc_bytes // max(1, self.llc_sharing)


# The documented fallback (see the module docstring): the smallest caches of current
# x86-64 and ARM desktop and server CPUs, so that anything sized by them fits anywhere.
FALLBACK = Caches(
    line_bytes=64,
    l1d_bytes=32 * KIB,
    l2_bytes=256 * KIB,
    llc_bytes=8 * MIB,
    llc_sharing=1,
    page_bytes=4 * KIB,
    source="fallback",
)


@dataclass(frozen=True)
class KernelSettings:
    """The kernel's settings for one machine (see the module docstring for each rule)."""

    segment_bytes: int
    block_bytes: int
    min_block_bytes: int
    fused_min_bytes: int
    fused_min_bytes_examples: int
    caches: Caches

    def as_dict(self) -> dict[str, Any]:
        """Plain values for reports and JSON."""
        return asdict(self)


def _parse_size(text: str) -> int | None:
    """sysfs sizes: ``"32K"``, ``"1024K"``, ``"32M"``, ``"512"`` -> bytes (None if unreadable)."""
    text = text.strip().upper()
    factor = {"K": KIB, "M": MIB, "G": 1024 * MIB}.get(text[-1:], 1)
    digits = text[:-1] if text[-1:] in "KMG" else text
    try:
        value = int(digits) * factor
    except ValueError:
        return None
    return value if value > 0 else None


def _count_cpus(cpu_list: str) -> int | None:
    """``"0-3,8"`` -> 5 (sysfs ``shared_cpu_list``)."""
    count = 0
    try:
        for part in cpu_list.strip().split(","):
            lo, _, hi = part.partition("-")
            count += int(hi or lo) - int(lo) + 1
    except ValueError:
        return None
    return count if count > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return None


def read_sysfs(root: Path = SYSFS_CACHE) -> dict[str, int]:
    """The cache values cpu0's sysfs directory reports (missing or unreadable ones left out).

    Keys: ``line_bytes``, ``l1d_bytes``, ``l2_bytes``, ``llc_bytes``, ``llc_sharing``.
    The last level is the highest ``level`` of a data or unified cache.
    """
    found: dict[str, int] = {}
    caches = []
    for index in sorted(root.glob("index*")) if root.is_dir() else []:
        level_text, kind = _read(index / "level"), (_read(index / "type") or "").strip()
        size = _parse_size(_read(index / "size") or "")
        if level_text is None or size is None or kind not in ("Data", "Unified"):
            continue
        try:
            level = int(level_text)
        except ValueError:
            continue
        caches.append((level, size, index))
        line = _parse_size(_read(index / "coherency_line_size") or "")
        if line is not None and "line_bytes" not in found:
            found["line_bytes"] = line
    for level, size, _ in caches:
        if level == 1:
            found["l1d_bytes"] = size
        elif level == 2:
            found["l2_bytes"] = size
    if caches:
        level, size, index = max(caches, key=lambda c: c[0])
        if level >= 2:
            found["llc_bytes"] = size
            sharing = _count_cpus(_read(index / "shared_cpu_list") or "")
            if sharing is not None:
                found["llc_sharing"] = sharing
    return found


def read_sysconf() -> dict[str, int]:
    """The same values from glibc's ``sysconf`` (0 or absent means "not reported")."""
    names = {
        "line_bytes": "SC_LEVEL1_DCACHE_LINESIZE",
        "l1d_bytes": "SC_LEVEL1_DCACHE_SIZE",
        "l2_bytes": "SC_LEVEL2_CACHE_SIZE",
        "llc_bytes": "SC_LEVEL3_CACHE_SIZE",
    }
    found = {}
    for key, name in names.items():
        try:
            value = os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
        if value > 0:
            found[key] = int(value)
    if "llc_bytes" not in found and "l2_bytes" in found:
        found["llc_bytes"] = found["l2_bytes"]  # no L3 reported: L2 is the last level
    return found


def _page_bytes() -> int | None:
    try:
        value = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return int(value) if value > 0 else None


def detect_caches(root: Path = SYSFS_CACHE) -> Caches:
    """cpu0's caches: sysfs first, then ``sysconf``, then :data:`FALLBACK`, value by value."""
    sources: list[str] = []
    values: dict[str, int] = {}
    for name, found in (("sysfs", read_sysfs(root)), ("sysconf", read_sysconf())):
        new = {k: v for k, v in found.items() if k not in values}
        if new:
            values.update(new)
            sources.append(name)
    page = _page_bytes()
    if page is not None:
        values["page_bytes"] = page
    fallback = asdict(FALLBACK)
    if any(k not in values for k in fallback if k != "source"):
        sources.append("fallback")
    merged = {k: values.get(k, fallback[k]) for k in fallback if k != "source"}
    if merged["llc_bytes"] < merged["l2_bytes"]:  # an inconsistent report: trust the larger
        merged["llc_bytes"] = merged["l2_bytes"]
    return Caches(**merged, source="+".join(sources))


def settings_for(caches: Caches) -> KernelSettings:
    """The kernel's settings from the caches, by the rules of the module docstring."""
    return KernelSettings(
        segment_bytes=caches.page_bytes,
        block_bytes=max(caches.line_bytes, caches.llc_share_bytes // 2),
        min_block_bytes=caches.line_bytes,
        fused_min_bytes=caches.llc_bytes,
        fused_min_bytes_examples=caches.l2_bytes,
        caches=caches,
    )


@functools.cache
def machine_settings() -> KernelSettings:
    """:func:`settings_for` of :func:`detect_caches` for this machine, computed once per process."""
    return settings_for(detect_caches())

r"""The processes of a run, seen from outside through ``/proc`` (Linux).

:func:`table` reads every process's parent, start time and resident memory; :func:`tree`
is a run's process and its descendants (in the fallback also the orphans re-parented to
the grader, which :func:`become_subreaper` makes their parent); :func:`alive` tells a
process from a later one that reuses its pid (by its start time). The sandbox uses
them for its watchdog (processes and memory of a run) and to prove, after the kill,
that nothing of the run survived.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import threading
from collections.abc import Iterator

ACTIVE: set[int] = set()  # pids of runs in progress (fallback: orphans of others are theirs)
OWNED: dict[int, int] = {}  # pid -> the run that saw it first (an orphan stays its run's)
ACTIVE_LOCK = threading.Lock()


@functools.cache
def become_subreaper() -> bool:
    """Make orphans of the runs children of this process, so they can be found and reaped
    (the fallback's detached processes, bwrap's child when bwrap is killed)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _each(name: str) -> Iterator[tuple[int, str]]:
    """``(pid, text of /proc/<pid>/<name>)`` for every process that can be read now."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/{name}", "rb") as f:
                yield int(entry), f.read().decode(errors="replace")
        except OSError:
            continue


def table() -> dict[int, tuple[int, str, int]]:
    """Every live process (zombies left out): pid -> (ppid, start time, resident bytes)."""
    page = os.sysconf("SC_PAGE_SIZE")
    out = {}
    for pid, stat in _each("stat"):
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) < 22 or fields[0] == "Z":
            continue
        out[pid] = (int(fields[1]), fields[19], int(fields[21]) * page)
    return out


def tree(root: int, processes: dict[int, tuple[int, str, int]], orphans: bool) -> set[int]:
    """``root`` and its descendants (with ``orphans``: the grader's children that no other
    run is, or saw first); the descendants found are recorded as ``root``'s."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    start = [root]
    if orphans:
        with ACTIVE_LOCK:
            others = ACTIVE - {root}
            start += [
                p
                for p in children.get(os.getpid(), [])
                if p not in others and p != root and OWNED.get(p, root) == root
            ]
    found, stack = set(), [p for p in start if p in processes]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack += children.get(pid, [])
    with ACTIVE_LOCK:
        for pid in found:
            OWNED.setdefault(pid, root)
    return found


# memory-backed files a process may hold without any of it counting in its resident memory:
# a memfd (memfd_create) and a file of /dev/shm (shm_open); written with write(), never
# mapped or touched, their pages are nobody's RSS
SHARED_FILES = ("/memfd:", "/dev/shm/")


def _shared_held(pid: int, objects: dict[tuple[int, int], int]) -> bool:
    """Record in ``objects`` ((device, inode) -> allocated bytes) the memory-backed files
    ``pid`` holds open or mapped; whether it holds any. A mapping whose descriptor was
    closed is reached through ``/proc/<pid>/map_files`` (readable by root only)."""
    paths = []
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(SHARED_FILES):
                    paths.append(f"/proc/{pid}/fd/{fd}")
    with contextlib.suppress(OSError), open(f"/proc/{pid}/maps", "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith(SHARED_FILES):
                paths.append(f"/proc/{pid}/map_files/{fields[0]}")
    for path in paths:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            objects[(info.st_dev, info.st_ino)] = info.st_blocks * 512
    return bool(paths)


def _rss_shmem(pid: int) -> int:
    """Bytes of shared memory ``pid`` has resident (``RssShmem``), already in its RSS."""
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/status", "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            if line.startswith("RssShmem:"):
                return int(line.split()[1]) * 1024
    return 0


def shared_memory(pids: set[int]) -> int:
    r"""Bytes of memfds and ``/dev/shm`` files that ``pids`` hold, each counted once, beyond
    what their resident memory already counts of them (``RssShmem``): the memory a run
    holds that no RSS shows (a 4 GiB memfd written and never mapped)."""
    objects: dict[tuple[int, int], int] = {}
    holders = [pid for pid in pids if _shared_held(pid, objects)]
    if not objects:
        return 0
    return max(0, sum(objects.values()) - sum(_rss_shmem(pid) for pid in holders))


def release(root: int) -> None:
    """Forget the processes recorded as ``root``'s (after its run is over)."""
    with ACTIVE_LOCK:
        for pid in [p for p, r in OWNED.items() if r == root]:
            del OWNED[pid]


def of_user(uid: int) -> list[int]:
    """The live processes (zombies left out) whose real, effective, saved or file-system
    uid is ``uid``, read from ``/proc/<pid>/status`` (the owner of ``/proc/<pid>`` is root
    for a process that changed its uid, so it cannot tell)."""
    found = []
    for pid, status in _each("status"):
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uids = fields.get("Uid", "").split()
        if str(uid) in uids and not fields.get("State", "").strip().startswith("Z"):
            found.append(pid)
    return found


def alive(pid: int, started: str) -> bool:
    """``pid`` still runs and is the process that started at ``started`` (not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return False
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] == started and fields[0] != "Z"


SYSV_SHM = "/proc/sysvipc/shm"
IPC_RMID = 0


def sysv_segments(uid: int) -> dict[int, int]:
    """SysV shared memory segments that ``uid`` created or owns: shmid -> bytes they hold
    (resident plus swapped, where the kernel shows them; else their size). Outside an IPC
    namespace a segment outlives its processes, and none of it is in their resident size
    once detached."""
    try:
        with open(SYSV_SHM) as f:
            header, *rows = f.read().splitlines()
    except (OSError, ValueError):
        return {}
    names = header.split()
    found = {}
    for row in rows:
        fields = dict(zip(names, row.split(), strict=False))
        with contextlib.suppress(KeyError, ValueError):
            if str(uid) in (fields["uid"], fields["cuid"]):
                held = (
                    int(fields["rss"]) + int(fields["swap"])
                    if "rss" in fields and "swap" in fields
                    else int(fields["size"])
                )
                found[int(fields["shmid"])] = held
    return found


def remove_sysv_segments(uid: int) -> int:
    """Remove the SysV shared memory segments of ``uid`` (:func:`sysv_segments`; the
    grader being root); how many. Called once every process of the uid is dead."""
    libc = ctypes.CDLL(None, use_errno=True)
    removed = 0
    for shmid in sysv_segments(uid):
        if libc.shmctl(ctypes.c_int(shmid), ctypes.c_int(IPC_RMID), None) == 0:
            removed += 1
    return removed

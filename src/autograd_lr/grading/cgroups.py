r"""One control group per run, where the machine lets the grader make one (Linux, root).

A memory cgroup counts every page a run's processes are charged for (their heap, the
memfds, tmpfs files and SysV shared memory segments they fill, kernel memory) and the
kernel stops the run at the limit with its OOM killer, with no watchdog's tenth of a
second in between; a pids cgroup caps the processes and threads the run may have at once.

Two layouts, found from ``/proc/self/mounts`` and ``/proc/self/cgroup``, under the
grader's own cgroup (never above it):

* **cgroup v2**: the grader's cgroup has the ``memory`` and ``pids`` controllers enabled
  for its children (``cgroup.subtree_control``); a run's cgroup gets ``memory.max``,
  ``memory.swap.max = 0`` and ``memory.oom.group = 1`` when the kernel offers them, and
  ``pids.max``; an OOM kill shows in ``memory.events`` (``oom_kill N``).
* **cgroup v1**: a ``memory`` and a ``pids`` hierarchy, one folder of each per run:
  ``memory.limit_in_bytes`` and, when swap is accounted, ``memory.memsw.limit_in_bytes``
  (so swap is no way around the limit), ``pids.max``; an OOM kill shows in
  ``memory.oom_control`` (``oom_kill N``).

The run's first process enters its cgroup itself, before it executes anything else
(:meth:`RunGroup.enter`: a shell that writes its own pid into ``cgroup.procs`` and
``exec``\ s the run's command), so every process of the run, the submission's first
line among them, is born inside. The folders and their files are root's: the run's own
uid cannot move itself out. After the run :meth:`RunGroup.close` kills every process
left inside and removes the folders. ``AUTOGRAD_LR_CGROUP=none`` in the grader's
environment makes no cgroup (the watchdog alone counts memory and processes).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import shlex
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "autograd-lr-run-"  # a run's folder: PREFIX<grader's pid>-<n>
SWITCH = "AUTOGRAD_LR_CGROUP"  # "none": no cgroup even where one could be made
# the run's own processes beyond the submission's: bwrap and the init of its PID
# namespace (prlimit and setpriv exec into the next program, and add none)
WRAPPERS = 2
KILL_WAIT = 5.0  # seconds to wait for a cgroup to empty and be removed
_COUNTER = itertools.count()
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Hierarchy:
    """Where a run's cgroups are made: v2, one folder for both controllers; v1, the
    grader's own folder in the memory and in the pids hierarchy."""

    version: int
    memory: Path
    pids: Path

    def bases(self) -> list[Path]:
        return [self.memory] if self.version == 2 else [self.memory, self.pids]


def _mounts(mounts: str) -> tuple[str, dict[str, str]]:
    """The cgroup2 mount point ("" if none) and v1 controller -> mount point."""
    unified, v1 = "", dict[str, str]()
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point, kind, options = fields[1], fields[2], fields[3].split(",")
        if kind == "cgroup2" and not unified:
            unified = point
        elif kind == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options:
                    v1.setdefault(controller, point)
    return unified, v1


def find(mounts: str, own: str) -> Hierarchy | str:
    """The hierarchy a run's cgroups can be made in, from the text of ``/proc/self/mounts``
    and ``/proc/self/cgroup``; or why none can (a sentence)."""
    unified, v1 = _mounts(mounts)
    paths: dict[str, str] = {}
    for line in own.splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if number == "0" and controllers == "":
            paths["unified"] = path
        for controller in controllers.split(","):
            if controller in ("memory", "pids"):
                paths[controller] = path
    if unified and "unified" in paths:
        base = Path(unified + paths["unified"].rstrip("/"))
        try:
            enabled = (base / "cgroup.subtree_control").read_text().split()
        except OSError:
            enabled = []
        if {"memory", "pids"} <= set(enabled):
            return Hierarchy(2, base, base)
    if "memory" in v1 and "pids" in v1 and "memory" in paths and "pids" in paths:
        memory = Path(v1["memory"] + paths["memory"].rstrip("/"))
        pids = Path(v1["pids"] + paths["pids"].rstrip("/"))
        if (memory / "memory.limit_in_bytes").exists() and pids.is_dir():
            return Hierarchy(1, memory, pids)
    if unified:
        return (
            f"the grader's cgroup v2 ({unified}) does not delegate the memory and pids "
            "controllers to its children, and there is no cgroup v1 memory and pids hierarchy"
        )
    return "no cgroup v2 and no cgroup v1 memory and pids hierarchy is mounted"


@functools.cache
def hierarchy() -> Hierarchy | str:
    """The hierarchy of this machine for this grader (tried once per process: a cgroup
    made and removed), or why there is none."""
    if os.environ.get(SWITCH, "") == "none":
        return f"{SWITCH}=none"
    if os.geteuid() != 0:
        return "the grader is not root"
    try:
        with open("/proc/self/mounts") as f, open("/proc/self/cgroup") as g:
            found = find(f.read(), g.read())
    except OSError as exc:
        return f"cannot read the process's cgroups ({exc.strerror})"
    if isinstance(found, str):
        return found
    _remove_stale(found)
    try:
        probe = RunGroup.make(found, 2**30, 8)
    except OSError as exc:
        return f"cannot make a cgroup in {found.memory} ({exc.strerror})"
    if not probe.close():
        return f"cannot remove a cgroup made in {found.memory}"
    return found


def available() -> bool:
    return not isinstance(hierarchy(), str)


def _remove_stale(found: Hierarchy) -> None:
    """Remove the empty run folders of graders that are no longer running (killed before
    they could remove their own)."""
    for base in found.bases():
        with contextlib.suppress(OSError):
            for entry in os.scandir(base):
                pid = entry.name[len(PREFIX) :].partition("-")[0]
                if entry.name.startswith(PREFIX) and pid.isdigit() and not _alive(int(pid)):
                    with contextlib.suppress(OSError):
                        os.rmdir(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:  # a cgroup file takes one write
        f.write(value)


def _count(path: Path, key: str) -> int:
    """The number after ``key`` in a flat-keyed cgroup file (0 if absent)."""
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


@dataclass
class RunGroup:
    """The cgroup (v2) or cgroups (v1: memory and pids) of one run."""

    version: int
    folders: list[Path]

    @classmethod
    def make(cls, found: Hierarchy, memory: int, processes: int) -> RunGroup:
        r"""Make the run's folders with their limits: ``memory`` bytes in all (no swap
        beyond it), ``processes`` (+ :data:`WRAPPERS`) processes and threads at once.
        ``OSError`` when the kernel refuses (nothing is left behind)."""
        with _LOCK:
            name = f"{PREFIX}{os.getpid()}-{next(_COUNTER)}"
        group = cls(found.version, [base / name for base in found.bases()])
        try:
            for folder in group.folders:
                os.mkdir(folder, 0o755)
            group._limit(found, memory, processes + WRAPPERS)
        except OSError:
            group.close()
            raise
        return group

    def _limit(self, found: Hierarchy, memory: int, tasks: int) -> None:
        """Write the limits; a file the grader's own cgroup lacks is one the kernel does
        not offer (swap not accounted, an older kernel), and is left out."""
        if self.version == 2:
            folder = self.folders[0]
            _write(folder / "memory.max", str(memory))
            if (found.memory / "memory.swap.max").exists():
                _write(folder / "memory.swap.max", "0")
            if (found.memory / "memory.oom.group").exists():
                _write(folder / "memory.oom.group", "1")  # the whole run is killed at once
            _write(folder / "pids.max", str(tasks))
            return
        memory_folder, pids_folder = self.folders
        # the memory limit first: memsw (memory + swap) may not be set below it
        _write(memory_folder / "memory.limit_in_bytes", str(memory))
        if (found.memory / "memory.memsw.limit_in_bytes").exists():
            _write(memory_folder / "memory.memsw.limit_in_bytes", str(memory))
        _write(pids_folder / "pids.max", str(tasks))

    def enter(self, shell: str) -> list[str]:
        """The prefix of a command that starts inside this cgroup: ``shell`` writes its own
        pid into each ``cgroup.procs`` (exit 125 if the kernel refuses) and ``exec``\\ s
        the command, so nothing of the run ever runs outside."""
        writes = " && ".join(
            f"echo $$ > {shlex.quote(str(f / 'cgroup.procs'))}" for f in self.folders
        )
        return [shell, "-c", f'{writes} || exit 125; exec "$@"', "sh"]

    def oom_kills(self) -> int:
        """How many of the run's processes the kernel killed at the memory limit."""
        if self.version == 2:
            return _count(self.folders[0] / "memory.events", "oom_kill")
        return _count(self.folders[0] / "memory.oom_control", "oom_kill")

    def members(self) -> set[int]:
        """The pids inside (any of) the run's folders."""
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
        return found

    def close(self) -> bool:
        """Kill every process left inside and remove the folders; whether they are gone."""
        deadline = time.monotonic() + KILL_WAIT
        while True:
            left = self.members()
            if self.version == 2 and left:
                with contextlib.suppress(OSError):  # kills all at once, forks included
                    _write(self.folders[0] / "cgroup.kill", "1")
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            for folder in self.folders:
                with contextlib.suppress(OSError):  # busy while a process is still inside
                    os.rmdir(folder)
            if not any(f.exists() for f in self.folders):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

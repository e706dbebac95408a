r"""Run the submission's process in a bubblewrap sandbox (or, failing that, apart), with limits.

**Never as host root.** When the grader runs as root (a lab server, Gradescope's
container), every run gets an unprivileged uid and gid of its own (:class:`Identity`,
from :data:`SANDBOX_ID_BASE`), and the submission's code runs under it: it owns no file
of the host, cannot signal, trace or read the grader (``/proc/<pid>/environ`` is the
grader's, mode 0400), cannot write a kernel setting (``/proc/sys`` belongs to host root),
and every process of that uid is killed after the run (``kill(-1)`` sent as that uid).
Owning nothing is what protects: a uid 0 without capabilities still owns
``/proc/sys/kernel/core_pattern``, which the kernel runs as root on a crash.

**bwrap** (`bubblewrap <https://github.com/containers/bubblewrap>`_, always
:data:`BWRAP`, a root-owned path, never looked up on ``PATH``): new PID, network, IPC,
UTS and cgroup namespaces (no network at all), ``--die-with-parent --new-session``; the
system (``/usr`` and its symlinks) and the Python installation bound read-only, the
grader's own package and any ``--forbid-imports`` package hidden under an empty tmpfs;
the submission's private copy at ``/submission``, a tmpfs of :attr:`Limits.disk` bytes
(the total it may write there) with the prepared file bound read-only in it; an empty
``/tmp`` and ``/dev/shm`` of bounded size, the rest of a fresh ``/dev`` read-only; a
fresh ``/proc`` whose ``sys``, ``sysrq-trigger``, ``irq`` and ``bus`` are bound
read-only; a fixed environment (:data:`ENVIRONMENT`), nothing
inherited. Killing bwrap kills its PID namespace, so nothing the submission started
survives the run. Started by root, bwrap makes no user namespace (it would map the
sandbox to host uid 0): it mounts as root, keeps only the capabilities to change user,
and :data:`SETPRIV` turns the process into the run's uid with no capability, an empty
bounding set and ``no_new_privs`` before the interpreter starts. Started by another
user, bwrap maps that user into a user namespace of its own, as bubblewrap documents for
unprivileged callers.

**process** (the fallback when bwrap is missing or cannot create namespaces): ``python -I``
in a new session, the same fixed environment and limits, the working directory a private
copy; after the run the session, every process seen in the tree and every orphan
re-parented to the grader (a child subreaper) is killed. As root the child program
(:mod:`.child`) imports what it needs, then becomes the run's uid (no groups, no
capability, ``no_new_privs``) before it loads the submission. Not as root, it cannot stop
the submission from reading or writing whatever the grader's user may: see the threat
model in ``docs/grading.md``.

Limits in both (:class:`Limits`): ``RLIMIT_DATA`` for memory (an address-space limit,
``RLIMIT_AS``, would break the large virtual reservations of jax or numba, which
``RLIMIT_DATA`` does not count), CPU seconds, file size, open files, processes (per user:
a run's own uid makes it the run's count; the watchdog also counts the processes of the
run and the memory they hold, resident or in memfds and ``/dev/shm`` files that no
resident size shows, and kills the run past either limit), and a wall-clock timeout.
Where the grader can make one (root, :mod:`.cgroups`), each run has a cgroup of its own,
entered by its first process (:data:`SHELL`) before anything else runs: the kernel counts
every page charged to the run and kills it at the memory limit, and caps its processes;
the watchdog then counts processes only. :func:`enforced_by` says which of them enforces
each limit. As root, the fallback removes what the run's uid left in the host's ``/tmp``,
``/var/tmp`` and ``/dev/shm``, and its SysV shared memory segments. Standard output and error keep their first :attr:`Limits.output` bytes and count
the rest; the answer pipe is capped at :data:`MAX_ANSWER_BYTES`.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import grp
import json
import os
import pwd
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from autograd_lr.grading import cgroups, processes

Isolation = Literal["bwrap", "process"]
# the interpreter by an absolute path without "..": inside the sandbox only the bound
# directories exist, so a path through the current directory would not resolve
PYTHON = os.path.normpath(os.path.abspath(sys.executable))
Mode = Literal["auto", "require", "none"]

MAX_ANSWER_BYTES = 16 * 2**20  # a few calls' outputs are kilobytes; far more is not an answer
WATCH_INTERVAL = 0.1  # seconds between two looks at the run's processes (all of /proc)
READ_INTERVAL = 0.05  # seconds the pipes are waited on at a time
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux
PIPE_BYTES = 2**20
KILL_WAIT = 5.0  # seconds to wait for a killed process to be reaped
SCRATCH = "/submission"  # where the submission's private copy appears in the sandbox
# /proc entries bound read-only over the sandbox's fresh /proc, as bubblewrap does for a
# caller without a user namespace: kernel settings (ns_last_pid is writable by anyone in
# a PID namespace), the magic SysRq key, interrupts, buses
PROC_COVERED = ("sys", "sysrq-trigger", "irq", "bus")
ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": SCRATCH,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",  # one core per job: the grader runs --jobs of them side by side
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "JAX_PLATFORMS": "cpu",
}
# Programs at fixed, root-owned paths (Debian's bubblewrap and util-linux): a program found
# on PATH could be one a submission planted for a later run. AUTOGRAD_LR_BWRAP names
# another place for bwrap (a system that installs it elsewhere); it must be root's alone
# all the same (trusted_program).
BWRAP = os.environ.get("AUTOGRAD_LR_BWRAP", "/usr/bin/bwrap")
SETPRIV = "/usr/bin/setpriv"
PRLIMIT = "/usr/bin/prlimit"
KILL = "/bin/kill"
SHELL = "/bin/sh"  # enters the run's cgroup, then execs the run (cgroups.RunGroup.enter)
# The runs' own uids and gids when the grader is root: above any distribution's user
# ranges (Debian's end at 60000, systemd's dynamic users at 65519), one block of
# RUNS_PER_PROCESS per grader process (by its pid), so that two graders never share one.
SANDBOX_ID_BASE = 1_900_000_000
RUNS_PER_PROCESS = 32
PID_BLOCKS = 2**22  # Linux's largest pid_max: base + 2**22 * 32 stays below 2**31
FIX = "install bubblewrap (`apt install bubblewrap`, the command /usr/bin/bwrap)"
FIX_NAMESPACES = (
    "let bwrap create user namespaces (`sysctl -w kernel.unprivileged_userns_clone=1`, or a "
    "container started with --privileged or a seccomp profile that allows them)"
)


class SandboxUnavailableError(RuntimeError):
    """``--sandbox require`` and bwrap cannot run here."""


@dataclass(frozen=True)
class Identity:
    """The unprivileged uid and gid one run's submission runs as (the grader being root)."""

    uid: int
    gid: int

    def setpriv(self) -> list[str]:
        """The :data:`SETPRIV` prefix that becomes this identity: no groups, no capability
        left (inheritable, ambient, bounding), ``no_new_privs`` (no setuid program helps)."""
        return [
            SETPRIV,
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--ambient-caps=-all",
            "--bounding-set=-all",
            "--",
        ]


_IDS_LOCK = threading.Lock()
_IDS_IN_USE: set[int] = set()


def _id_is_free(uid: int) -> bool:
    """No user or group of the system has this id and no process runs as it."""
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
        except KeyError:
            continue
        return False
    return not processes.of_user(uid)


@contextlib.contextmanager
def identity() -> Iterator[Identity | None]:
    """A uid and gid of its own for one run when the grader is root (``None`` otherwise:
    the grader's own user is already unprivileged), released after the run."""
    if os.geteuid() != 0:
        yield None
        return
    base = SANDBOX_ID_BASE + (os.getpid() % PID_BLOCKS) * RUNS_PER_PROCESS
    with _IDS_LOCK:
        free = [
            base + k
            for k in range(RUNS_PER_PROCESS)
            if base + k not in _IDS_IN_USE and _id_is_free(base + k)
        ]
        if not free:
            raise RuntimeError(
                f"no free uid for the run in {base}..{base + RUNS_PER_PROCESS - 1}: "
                f"more than {RUNS_PER_PROCESS} runs at once, or processes of earlier runs left"
            )
        uid = free[0]
        _IDS_IN_USE.add(uid)
    try:
        yield Identity(uid, uid)
    finally:
        with _IDS_LOCK:
            _IDS_IN_USE.discard(uid)


def trusted_program(path: str) -> str:
    """Why ``path`` cannot be trusted as a program the grader starts ("" when it can): it
    must exist and it and every folder above it must be root's and writable by no one else."""
    here = Path(path)
    for part in [here, *here.parents]:
        try:
            info = part.stat()
        except OSError:
            return f"{path} does not exist"
        if info.st_uid != 0 or info.st_mode & 0o022:
            return f"{part} is not root's alone (owner uid {info.st_uid}, mode {info.st_mode & 0o7777:o})"
    return ""


@dataclass(frozen=True)
class Limits:
    """What one run of a submission may use."""

    timeout: float = 60.0  # wall-clock seconds for the whole run
    memory: int = 2 * 2**30  # bytes of data segment per process, and resident in total
    cpu_seconds: int = 120  # CPU seconds per process
    file_size: int = 64 * 2**20  # bytes of any file it writes
    processes: int = 64  # processes and threads of the run
    open_files: int = 256
    output: int = 64 * 2**10  # bytes of stdout (and of stderr) kept
    tmp_size: int = 128 * 2**20  # bytes of its /tmp (memory-backed, in the sandbox)
    disk: int = (
        128 * 2**20
    )  # bytes its private copy may hold in all (memory-backed, in the sandbox)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "disk_bytes": self.disk,
            "tmp_bytes": self.tmp_size,
            "timeout_seconds": self.timeout,
            "memory_bytes": self.memory,
            "cpu_seconds": self.cpu_seconds,
            "file_size_bytes": self.file_size,
            "processes": self.processes,
            "open_files": self.open_files,
            "output_bytes": self.output,
        }


@functools.cache
def cgroup_problem() -> str:
    """Why no run gets a cgroup of its own here ("" when every run does)."""
    found = cgroups.hierarchy()
    if isinstance(found, str):
        return found
    return trusted_program(SHELL)


def enforced_by(isolation: Isolation, root: bool, cgroup: bool = False) -> dict[str, list[str]]:
    """What enforces each limit of :meth:`Limits.to_dict` in this isolation (an empty
    list: nothing does); ``root``: the grader is root (the fallback runs as a uid of its own);
    ``cgroup``: each run has a cgroup of its own (:mod:`.cgroups`)."""
    # the cgroup counts every page charged to the run; without it, the watchdog: resident
    # memory, memfds, shm files, and (as root, in the fallback) SysV segments
    memory = ["RLIMIT_DATA", "cgroup" if cgroup else "watchdog"]
    tmpfs = ["tmpfs"] if isolation == "bwrap" else []
    return {
        "timeout_seconds": ["grader"],
        "memory_bytes": memory,
        "cpu_seconds": ["RLIMIT_CPU"],
        "file_size_bytes": ["RLIMIT_FSIZE"],
        # RLIMIT_NPROC counts a user's processes and binds no root: the grader's own user
        # (not root) shares its count with the grader
        "processes": (["RLIMIT_NPROC"] if root or isolation == "bwrap" else [])
        + (["cgroup"] if cgroup else [])
        + ["watchdog"],
        "open_files": ["RLIMIT_NOFILE"],
        "output_bytes": ["grader"],
        "disk_bytes": tmpfs,
        "tmp_bytes": tmpfs,
    }


@dataclass
class Stream:
    """The first ``Limits.output`` bytes of a stream, and how many bytes there were."""

    kept: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes, cap: int) -> None:
        room = cap - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.total += len(chunk)

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


@dataclass
class Run:
    """What happened in one run, seen from outside."""

    isolation: Isolation
    answer: bytes = b""
    answer_too_large: bool = False
    stdout: Stream = field(default_factory=Stream)
    stderr: Stream = field(default_factory=Stream)
    returncode: int | None = None
    stopped: str = ""  # "timeout", "memory" or "processes" when the grader ended the run
    seconds: float = 0.0
    peak_processes: int = 0
    left_running: int = 0  # processes of the run still alive after the cleanup (should be 0)
    leftovers: int = 0  # files and folders it left in the host's /tmp, /dev/shm (removed)


# --- which isolation -----------------------------------------------------------------------------


def _python_roots() -> list[str]:
    """The directories the child's interpreter and its site-packages need, outside /usr."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        str(Path(PYTHON).parent.parent),
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(os.path.realpath(sys.executable)).parent.parent),
    }
    roots: list[str] = []
    for path in sorted(os.path.realpath(c) for c in candidates):
        if path.startswith("/usr/") or path == "/usr" or not os.path.isdir(path):
            continue
        if not any(path == r or path.startswith(r + "/") for r in roots):
            roots.append(path)
    return roots


def _hidden(roots: list[str], modules: tuple[str, ...]) -> list[str]:
    """Directories of ``modules`` (and the grader's own package) inside the bound roots."""
    import importlib.util

    out = [str(Path(__file__).resolve().parent.parent)]  # autograd_lr itself
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            out += [os.path.realpath(p) for p in spec.submodule_search_locations]
        elif spec is not None and spec.origin and os.path.isfile(spec.origin):
            out.append(os.path.realpath(spec.origin))
    bound = ["/usr", *roots]
    return sorted({p for p in out if any(p.startswith(r + "/") for r in bound)})


def _folders_above(path: str) -> list[str]:
    """``/a``, ``/a/b`` for ``/a/b/c``: the folders bwrap must create to bind ``path``."""
    parents = [str(p) for p in Path(path).parents if str(p) != "/"]
    return parents[::-1]


def bwrap_command(
    scratch: Path,
    limits: Limits,
    hide: tuple[str, ...] = (),
    become: Identity | None = None,
    info_fd: int | None = None,
) -> list[str]:
    """The ``bwrap`` arguments that run a command in the sandbox around ``scratch``; with
    ``become``, the command after them starts as that identity (:meth:`Identity.setpriv`);
    with ``info_fd``, bwrap writes there the pid of its child (``{"child-pid": N}``)."""
    command = [BWRAP, "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if info_fd is not None:
        command += ["--info-fd", str(info_fd)]
    if become is None:  # an unprivileged caller: bwrap's own user namespace maps it
        command += ["--unshare-all", "--cap-drop", "ALL"]
    else:  # root: no user namespace (it would map the sandbox to host uid 0)
        command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        command += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        command += ["--cap-add", "CAP_SETPCAP"]  # for setpriv's empty bounding set
    command += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"):
        if os.path.exists(name):
            command += ["--ro-bind", name, name]
    # The empty /tmp first, the interpreter's folders after: a checkout (and its .venv)
    # under /tmp, as CI may have, must stay visible on top of the empty tmpfs.
    command += ["--size", str(limits.tmp_size), "--tmpfs", "/tmp"]
    roots = _python_roots()
    made = {"/tmp"}
    for root in roots:
        # the folders above a root (/root of /root/.pyenv/...) made traversable: bwrap
        # would make them 0700, closed to the run's own uid
        for folder in _folders_above(root):
            if folder not in made and not any(folder.startswith(r + "/") for r in roots):
                made.add(folder)
                command += ["--perms", "0755", "--dir", folder]
        command += ["--ro-bind", root, root]
    for hidden in _hidden(roots, hide):
        if os.path.isdir(hidden):
            command += ["--tmpfs", hidden, "--remount-ro", hidden]
        else:
            command += ["--ro-bind", "/dev/null", hidden]
    command += ["--proc", "/proc", "--dev", "/dev"]
    # /dev read-only (an unprivileged caller's user namespace owns it: a writable tmpfs of
    # half the machine's memory) and its /dev/shm a tmpfs of its own, capped like /tmp
    command += ["--remount-ro", "/dev"]
    command += ["--perms", "01777", "--size", str(limits.tmp_size), "--tmpfs", "/dev/shm"]
    for name in PROC_COVERED:  # the kernel's settings, read-only whatever the uid
        command += ["--ro-bind-try", f"/proc/{name}", f"/proc/{name}"]
    # the private copy: a tmpfs of its own size, so the total written there is capped
    # (RLIMIT_FSIZE caps one file only), open to the run's uid alone in the sandbox; the
    # prepared files bound read-only into it
    command += ["--perms", "01777", "--size", str(limits.disk), "--tmpfs", SCRATCH]
    for name in sorted(os.listdir(scratch)):
        command += ["--ro-bind", str(scratch / name), f"{SCRATCH}/{name}"]
    command += ["--clearenv"]
    if become is None:  # root's chdir cannot enter the run's 0700 copy: the child does it
        command += ["--chdir", SCRATCH]
    for key, value in ENVIRONMENT.items():
        command += ["--setenv", key, value]
    return command + (become.setpriv() if become else [])


@functools.cache
def bwrap_problem() -> str:
    """Why bwrap cannot be used here ("" when it works): tried once per process, as a run
    would be (as root: with a run's own uid, through :data:`SETPRIV`)."""
    programs = [BWRAP, SETPRIV] if os.geteuid() == 0 else [BWRAP]
    for program in programs:
        if not os.path.exists(program):
            return f"{program} is not installed"
        distrust = trusted_program(program)
        if distrust:
            return f"{program} cannot be trusted ({distrust})"
    with tempfile.TemporaryDirectory(prefix="autograd-lr-probe-") as scratch, identity() as who:
        if who is not None:
            os.chown(scratch, who.uid, who.gid)
        processes.become_subreaper()
        info_read, info_write = os.pipe()
        command = bwrap_command(Path(scratch), Limits(), become=who, info_fd=info_write)
        probe = [*command, PYTHON, "-I", "-B", "-c", "pass"]
        try:
            done = subprocess.run(
                probe, capture_output=True, timeout=30, env=ENVIRONMENT, pass_fds=(info_write,)
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap could not start ({exc})"
        finally:
            os.close(info_write)
            _reap_bwrap_child(info_read)
            if who is not None:
                kill_user(who)
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()
        return f"bwrap cannot create its namespaces here ({last[-1] if last else 'no message'})"
    return ""


def choose(mode: Mode) -> tuple[Isolation, str]:
    """The isolation for ``--sandbox mode`` and, for the fallback, why (with the fix)."""
    if mode == "none":
        return "process", "--sandbox none"
    problem = bwrap_problem()
    if not problem:
        return "bwrap", ""
    fix = FIX if not os.path.exists(BWRAP) else FIX_NAMESPACES
    if mode == "require":
        raise SandboxUnavailableError(f"--sandbox require: {problem}; {fix}")
    return "process", f"{problem}; {fix}"


def kill_user(who: Identity) -> int:
    """Kill every process of ``who``'s uid (``kill(-1)`` sent as that uid: the kernel
    signals them all at once, so a fork cannot outrun it); how many were left after."""
    deadline = time.monotonic() + KILL_WAIT
    while True:
        left = processes.of_user(who.uid)
        if not left or time.monotonic() > deadline:
            return len(left)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(
                [*who.setpriv(), KILL, "-KILL", "-1"],
                env=ENVIRONMENT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=KILL_WAIT,
            )
        time.sleep(0.01)


# The host's world-writable folders, which a fallback run (no mount namespace) may write
# to as its own uid: what it leaves there is removed after the run, and what it holds in
# /dev/shm (memory, not disk) counts against its memory limit while it runs.
SHARED_FOLDERS = ("/dev/shm", "/tmp", "/var/tmp")
SHM = "/dev/shm"


def _entries_of(uid: int, folder: str) -> list[str]:
    """The entries directly in ``folder`` that ``uid`` owns (links not followed)."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    found.append(entry.path)
    return found


def _allocated(paths: list[str]) -> int:
    """Bytes allocated to ``paths`` and everything below them (links not followed)."""
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):
            total += os.lstat(path).st_blocks * 512
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
    return total


def remove_leftovers(who: Identity, keep: Path) -> int:
    """Remove what ``who``'s uid left in :data:`SHARED_FOLDERS` (``keep``, the private copy
    the grader removes itself, aside); how many entries. Called once every process of the
    uid is dead, so nothing can swap an entry for a link while it is removed."""
    removed = 0
    for folder in SHARED_FOLDERS:
        for path in _entries_of(who.uid, folder):
            if os.path.realpath(path) == os.path.realpath(keep):
                continue
            with contextlib.suppress(OSError):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
                removed += 1
    return removed


def _give(scratch: Path, who: Identity) -> None:
    """Make the private copy the run's own (its uid may write there and nowhere else)."""
    for folder, _, files in os.walk(scratch):
        os.chown(folder, who.uid, who.gid, follow_symlinks=False)
        for name in files:
            os.chown(os.path.join(folder, name), who.uid, who.gid, follow_symlinks=False)


# --- the run -------------------------------------------------------------------------------------


def _limits_prefix(prlimit: str, limits: Limits) -> list[str]:
    r"""``prlimit --data=N:N ...``: the limits set between fork and exec by a program, not by
    Python code in a forked child of a threaded grader (which may deadlock)."""
    values = {
        "data": limits.memory,
        "cpu": limits.cpu_seconds,
        "fsize": limits.file_size,
        "nofile": limits.open_files,
        "nproc": limits.processes,
        "core": 0,
    }
    return [prlimit, *(f"--{k}={v}:{v}" for k, v in values.items()), "--"]


def _preexec(limits: Limits) -> None:
    import resource

    for kind, value in (
        (resource.RLIMIT_DATA, limits.memory),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_size),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(kind, (value, value))


def run(
    argv: list[str],
    request: bytes,
    scratch: Path,
    limits: Limits,
    isolation: Isolation,
    hide: tuple[str, ...] = (),
) -> Run:
    """Run ``argv`` (a Python command whose last argument is the child program) isolated.

    ``request`` goes to its standard input; the answer is read from the pipe whose number
    the command receives in ``request``'s ``result_fd`` (filled in here).
    """
    with identity() as who:
        return _run(argv, request, scratch, limits, isolation, hide, who)


def _run(
    argv: list[str],
    request: bytes,
    scratch: Path,
    limits: Limits,
    isolation: Isolation,
    hide: tuple[str, ...],
    who: Identity | None,
) -> Run:
    result_read, result_write = os.pipe()
    payload = json.loads(request)
    payload["result_fd"] = result_write
    if who is not None:
        _give(scratch, who)
        if isolation == "process":  # the child becomes ``who`` once it has imported
            payload["become"] = [who.uid, who.gid]
    data = json.dumps(payload).encode()
    # orphans of the run become the grader's children, to be found and reaped: the
    # fallback's detached processes, and bwrap's child when bwrap itself is killed
    processes.become_subreaper()
    info_read, info_write = os.pipe() if isolation == "bwrap" else (-1, -1)
    if isolation == "bwrap":
        command = bwrap_command(scratch, limits, hide, become=who, info_fd=info_write) + argv
    else:
        command = argv
    prlimit = PRLIMIT if os.path.exists(PRLIMIT) and not trusted_program(PRLIMIT) else None
    if prlimit:
        command = _limits_prefix(prlimit, limits) + command
    group = None
    if not cgroup_problem():
        group = cgroups.RunGroup.make(_hierarchy(), limits.memory, limits.processes)
        command = group.enter(SHELL) + command
    outcome = Run(isolation)
    start = time.perf_counter()
    # started and registered under one lock: another run's watchdog (which counts the
    # grader's unregistered children as its own orphans) never sees this one unregistered
    with processes.ACTIVE_LOCK:
        try:
            process = subprocess.Popen(
                command,
                cwd=scratch,
                env=ENVIRONMENT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(result_write,) if info_write < 0 else (result_write, info_write),
                start_new_session=True,
                preexec_fn=None if prlimit else (lambda: _preexec(limits)),
            )
        except BaseException:
            if group is not None:
                group.close()
            raise
        finally:
            os.close(result_write)
            if info_write >= 0:
                os.close(info_write)
        processes.ACTIVE.add(process.pid)
    seen: dict[int, str] = {}
    shm_owner = who.uid if who is not None and isolation == "process" else None
    try:
        _pump(process, data, result_read, limits, outcome, seen, shm_owner, group)
    finally:
        os.close(result_read)
        if who is not None:  # every process of the run's uid, wherever it hid
            kill_user(who)
            if isolation == "process":
                outcome.leftovers = remove_leftovers(who, scratch)
                outcome.leftovers += processes.remove_sysv_segments(who.uid)
        _end(process, isolation, outcome, seen)
        if info_read >= 0:
            _reap_bwrap_child(info_read)
        if group is not None:
            # killed by the kernel at the memory limit (the run ended, or ended badly, then)
            if group.oom_kills() and outcome.stopped in ("", "memory"):
                outcome.stopped = "memory"
            if not group.close():
                outcome.left_running += len(group.members())
        with processes.ACTIVE_LOCK:
            processes.ACTIVE.discard(process.pid)
        processes.release(process.pid)
        if who is not None:
            outcome.left_running += len(processes.of_user(who.uid))
    outcome.seconds = time.perf_counter() - start
    return outcome


def _reap_bwrap_child(info_read: int) -> None:
    r"""Reap bwrap's child (the init of the run's PID namespace), whose pid bwrap wrote
    on its info pipe. Killed, bwrap leaves that child to the nearest subreaper, this
    process: unreaped, it would stay a ``[bwrap]`` zombie for every run."""
    info = b""
    try:
        os.set_blocking(info_read, False)
        with contextlib.suppress(BlockingIOError):
            info = os.read(info_read, 4096)
    finally:
        os.close(info_read)
    try:
        pid = int(json.loads(info)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return  # bwrap was killed before it made its child
    deadline = time.monotonic() + KILL_WAIT
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # bwrap reaped it itself, on a normal exit
            return
        if done:
            return
        # our own child, not yet reaped, so its pid cannot belong to another process
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def _feed(pipe: object, data: bytes) -> None:
    try:
        pipe.write(data)  # type: ignore[attr-defined]
        pipe.close()  # type: ignore[attr-defined]
    except OSError:  # the child died before reading everything
        pass


def _pump(
    process: subprocess.Popen[bytes],
    data: bytes,
    result_read: int,
    limits: Limits,
    outcome: Run,
    seen: dict[int, str],
    shm_owner: int | None = None,
    group: cgroups.RunGroup | None = None,
) -> None:
    """Read the three pipes within the limits until the run ends (or is ended); with
    ``shm_owner``, the files and SysV segments that uid owns in /dev/shm count as the run's
    memory; with ``group``, the run's cgroup counts its memory instead of the watchdog."""
    threading.Thread(target=_feed, args=(process.stdin, data), daemon=True).start()
    assert process.stdout is not None and process.stderr is not None
    selector = selectors.DefaultSelector()
    streams = {process.stdout.fileno(): outcome.stdout, process.stderr.fileno(): outcome.stderr}
    for fd in (*streams, result_read):
        os.set_blocking(fd, False)
        with contextlib.suppress(OSError):  # 1 MiB pipes: 16x fewer wake-ups for a flood
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
        selector.register(fd, selectors.EVENT_READ)
    answer = bytearray()
    try:
        _loop(
            process, selector, streams, result_read, answer, limits, outcome, seen, shm_owner, group
        )
    finally:
        outcome.answer = bytes(answer)
        selector.close()


def _loop(
    process: subprocess.Popen[bytes],
    selector: selectors.BaseSelector,
    streams: dict[int, Stream],
    result_read: int,
    answer: bytearray,
    limits: Limits,
    outcome: Run,
    seen: dict[int, str],
    shm_owner: int | None,
    group: cgroups.RunGroup | None,
) -> None:
    deadline = time.monotonic() + limits.timeout
    next_look = 0.0
    open_fds = len(streams) + 1
    exited_at = None
    while open_fds:
        now = time.monotonic()
        if now > deadline:
            outcome.stopped = "timeout"
            return
        if now >= next_look:
            next_look = now + WATCH_INTERVAL
            table = processes.table()
            tree = processes.tree(process.pid, table, outcome.isolation == "process")
            for pid in tree:
                seen.setdefault(pid, table[pid][1])
            outcome.peak_processes = max(outcome.peak_processes, len(tree))
            if len(tree) > limits.processes + 2:  # + prlimit/bwrap's own two
                outcome.stopped = "processes"
                return
            if group is not None:  # the kernel counts and kills; the rest of the run goes too
                if group.oom_kills():
                    outcome.stopped = "memory"
                    return
            elif _held(tree, table, shm_owner) > limits.memory:
                outcome.stopped = "memory"
                return
            if process.poll() is not None:
                exited_at = exited_at or now
                # the main process is gone; a detached descendant may hold the pipes open
                if now - exited_at > 0.5:
                    return
        for key, _ in selector.select(timeout=READ_INTERVAL):
            fd = int(key.fd)
            try:
                chunk = os.read(fd, PIPE_BYTES)
            except BlockingIOError:
                continue
            if not chunk:
                selector.unregister(fd)
                open_fds -= 1
            elif fd == result_read:
                if len(answer) + len(chunk) > MAX_ANSWER_BYTES:
                    outcome.answer_too_large = True
                else:
                    answer += chunk
            else:
                streams[fd].add(chunk, limits.output)


def _held(tree: set[int], table: dict[int, tuple[int, str, int]], shm_owner: int | None) -> int:
    """The watchdog's count of the run's memory: the resident memory of its processes, the
    memfds and /dev/shm files they hold, and (``shm_owner``) that uid's files in /dev/shm
    and its SysV segments."""
    held = sum(table[p][2] for p in tree) + processes.shared_memory(tree)
    if shm_owner is not None:
        held += _allocated(_entries_of(shm_owner, SHM))
        held += sum(processes.sysv_segments(shm_owner).values())
    return held


def _hierarchy() -> cgroups.Hierarchy:
    found = cgroups.hierarchy()
    assert not isinstance(found, str), found
    return found


def _end(
    process: subprocess.Popen[bytes], isolation: Isolation, outcome: Run, seen: dict[int, str]
) -> None:
    """Kill everything of the run, reap it, and count what (if anything) survived."""
    if isolation == "process":  # what appeared since the last look, orphans included
        table = processes.table()
        for pid in processes.tree(process.pid, table, True):
            seen.setdefault(pid, table[pid][1])
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # bwrap (and with it its PID namespace)
    for pid, started in seen.items():
        if pid != process.pid and processes.alive(pid, started):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=KILL_WAIT)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    outcome.returncode = process.returncode
    deadline = time.monotonic() + KILL_WAIT
    survivors = [p for p, s in seen.items() if p != process.pid]
    while survivors and time.monotonic() < deadline:
        for pid in survivors:  # an orphan re-parented to us: reap it (only it, by pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        survivors = [p for p in survivors if processes.alive(p, seen[p])]
        if survivors:
            time.sleep(0.01)
    outcome.left_running = len(survivors)
    for pid in seen:  # the orphans that died while we looked: reap their zombies too
        if pid != process.pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)

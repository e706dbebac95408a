"""Links and special files in a class folder, through the real CLI: refused, never read.

A class folder holds, beside one correct submission, a symbolic link to that classmate's
file, links to a ``KEY=value`` file and to ``/etc/passwd``, a hard link to a file outside
the folder, a FIFO, a socket, a character device (where the machine lets us make one) and
a link to a folder outside. Every one must be a ``cannot_load`` row that says what it is,
and nothing of any target may appear in any output: not the secret, not ``/etc/passwd``,
not the outside folder's submission.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader_schema import validate

SUBMISSIONS = Path(__file__).parent / "submissions"
RIGHT = (SUBMISSIONS / "class" / "alice.py").read_text()
SECRET = "planted-link-secret-4b9e"
PASSWD_FIRST_LINE = Path("/etc/passwd").read_text().splitlines()[0]
pytestmark = [pytest.mark.xdist_group(name="grader_links"), pytest.mark.slow]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _class_with_links(root: Path) -> dict[str, str]:
    """The class folder ``root/cls``; returns each refused entry -> the kind it must name."""
    cls, outside = root / "cls", root / "outside"
    cls.mkdir()
    outside.mkdir()
    (cls / "alice.py").write_text(RIGHT)
    (root / "secrets.env").write_text(f"API_KEY={SECRET}\n")
    (outside / "eve.py").write_text(RIGHT)
    (outside / "copied.py").write_text(RIGHT)
    kinds = {
        "mallory.py": "a symbolic link",
        "leak.py": "a symbolic link",
        "leak.ipynb": "a symbolic link",
        "hard.py": "a hard link",
        "pipe.py": "a FIFO",
        "socket.py": "a socket",
        "elsewhere": "a symbolic link",
    }
    (cls / "mallory.py").symlink_to("alice.py")
    (cls / "leak.py").symlink_to(root / "secrets.env")
    (cls / "leak.ipynb").symlink_to("/etc/passwd")
    os.link(outside / "copied.py", cls / "hard.py")
    os.mkfifo(cls / "pipe.py")
    # a socket's path must be short: bound in a short folder, then moved into the class
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        server = socket.socket(socket.AF_UNIX)
        server.bind(os.path.join(short, "s"))
        server.close()
        os.rename(os.path.join(short, "s"), cls / "socket.py")
    (cls / "elsewhere").symlink_to(outside, target_is_directory=True)
    try:
        os.mknod(cls / "device.py", 0o644 | 0o020000, os.makedev(1, 3))  # a copy of /dev/null
        kinds["device.py"] = "a character device"
    except OSError:  # no CAP_MKNOD here: the other special files still stand
        pass
    return kinds


def _no_target_in(text: str) -> None:
    assert SECRET not in text
    assert PASSWD_FIRST_LINE not in text
    assert "eve.py" not in text


def test_grade_refuses_links_and_special_files_and_reads_none(tmp_path: Path) -> None:
    kinds = _class_with_links(tmp_path)
    done = _cli("grade", "cls", "--out", "book", "--no-progress", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    rows = {
        r["file"]: r
        for r in csv.DictReader((tmp_path / "book" / "gradebook.csv").read_text().splitlines())
    }
    assert set(rows) == {"cls/alice.py", *(f"cls/{name}" for name in kinds)}
    assert rows["cls/alice.py"]["outcome"] == "pass"
    for name, kind in kinds.items():
        row = rows[f"cls/{name}"]
        assert row["outcome"] == "cannot_load", (name, row)
        assert row["error"].startswith(f"refused: cls/{name} is") and kind in row["error"]
    book_text = (tmp_path / "book" / "gradebook.json").read_text()
    validate(json.loads(book_text), "gradebook")
    for text in (done.stdout, done.stderr, book_text):
        _no_target_in(text)


@pytest.mark.parametrize(
    ("mode", "target"), [("require", "cls/leak.ipynb"), ("none", "cls/leak.py")]
)
def test_check_refuses_a_link_and_still_writes_its_report(
    tmp_path: Path, mode: str, target: str
) -> None:
    _class_with_links(tmp_path)
    done = _cli(
        "check", f"{target}:propagate", "--sandbox", mode, "--output", "r.json", cwd=tmp_path
    )
    assert done.returncode == 2, done.stdout + done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    validate(report, "report")
    assert report["outcome"] == "cannot_load"
    assert report["error"].startswith(f"refused: {target} is a symbolic link")
    for text in (done.stdout, done.stderr, json.dumps(report)):
        _no_target_in(text)

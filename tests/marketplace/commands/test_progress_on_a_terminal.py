"""The bulk commands' progress on a real pseudo-terminal: a bar that closes, or plain lines.

The command runs in a subprocess whose stdin, stdout and stderr are the slave side of a pty with
a window size set by ``TIOCSWINSZ``, so tqdm, ``isatty`` and the terminal width see what they see
in a user's terminal. The rows are committed (``transaction=True``) because the subprocess reads
the test database over its own connection.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.dburl import database_url

ROOT = Path(__file__).resolve().parents[3]
ITEMS = 5
# Runs manage.py's entry point after setting the progress-line interval (argv[1]), so a short run
# still shows the periodic lines of a terminal without a width.
LAUNCHER = (
    "import os, sys\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    "import config.bulk_command\n"
    "config.bulk_command.PROGRESS_INTERVAL_SECONDS = float(sys.argv[1])\n"
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(['manage.py', *sys.argv[2:]])\n"
)

pytestmark = pytest.mark.django_db(transaction=True)


def run_on_pty(*args: str, cols: int, interval: float = 5.0, timeout: float = 120.0) -> str:
    """Run a management command on a fresh pty of ``cols`` columns; return all it printed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES"}}
    env |= {"DATABASE_URL": database_url(), "TERM": "xterm", "PYTHONUNBUFFERED": ""}
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", LAUNCHER, str(interval), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer of the slave side has closed it
                break
            if not chunk:
                break
            output += chunk
        else:
            proc.kill()
            pytest.fail(f"timed out; output so far: {bytes(output)!r}")
        assert proc.wait(timeout=30) == 0, bytes(output)
    finally:
        os.close(master)
    return output.decode()


ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours (Django's style on a tty), cursor moves


def screen(output: str) -> list[str]:
    """The lines as a terminal shows them: ``\r`` returns to the first column and what follows
    overwrites; colours are dropped. A summary glued to a bar shows as one line ``100%|…|selected``.
    """
    lines = []
    for raw in ESCAPE.sub("", output).replace("\r\n", "\n").split("\n"):
        cells: list[str] = []
        column = 0
        for char in raw:
            if char == "\r":
                column = 0
                continue
            if column < len(cells):
                cells[column] = char
            else:
                cells.append(char)
            column += 1
        lines.append("".join(cells).rstrip())
    return lines


@pytest.fixture
def items(org, owner, make_item) -> list:
    return [make_item(owner, name=f"p{i}") for i in range(ITEMS)]


def publish(org, *extra: str, cols: int, interval: float = 5.0) -> str:
    return run_on_pty(
        "publish_items",
        "--organization",
        org.slug,
        "--all",
        "--item-type",
        "prompt",
        "--batch-size",
        "1",
        *extra,
        cols=cols,
        interval=interval,
    )


def summary_line(lines: list[str]) -> str:
    found = [line for line in lines if f"selected {ITEMS}," in line]
    assert len(found) == 1, lines
    return found[0]


def test_on_a_terminal_the_bar_closes_before_the_summary_which_starts_its_own_line(org, items):
    output = publish(org, cols=100)
    lines = screen(output)

    assert summary_line(lines).startswith(f"selected {ITEMS}, published {ITEMS}, "), output
    bars = [line for line in lines if "100%|" in line]
    assert len(bars) == 1, output  # one bar, completed once: no second bar after the summary
    assert lines.index(bars[0]) < lines.index(summary_line(lines))
    assert [line for line in lines if line][-1] == summary_line(lines), output


def test_dry_run_lines_do_not_break_into_the_bar(org, items):
    output = publish(org, "--dry-run", "-v", "2", cols=100)
    lines = screen(output)

    would_be = [line for line in lines if "would be published: prompt " in line]
    assert len(would_be) == ITEMS, output
    assert all(line.startswith("would be published: prompt ") for line in would_be), output
    assert summary_line(lines).startswith("DRY RUN (nothing written): selected"), output
    assert len([line for line in lines if "100%|" in line]) == 1, output


def test_a_terminal_without_a_width_gets_the_periodic_progress_lines(org, items):
    output = publish(org, cols=0, interval=0.0)
    lines = screen(output)

    assert "%|" not in output, output  # no bar
    progress = [line for line in lines if line.startswith("progress: ")]
    assert progress, output
    assert progress[-1].startswith(f"progress: {ITEMS}/{ITEMS} items ({ITEMS} published"), output
    assert summary_line(lines).startswith(f"selected {ITEMS}, published {ITEMS}, "), output

"""`hoist --version`, every command's --help with examples, and bash completion driven by bash."""

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hoist import __version__
from hoist.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "hoist", *args], capture_output=True, text=True,
                          timeout=60, **kwargs)


def test_version_names_the_package_version():
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hoist {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


@pytest.mark.parametrize("command", [*COMMANDS, "completion"])
def test_every_command_help_has_examples(command):
    done = run(command, "--help")
    assert done.returncode == 0
    examples = done.stdout.split("examples:\n", 1)[1]
    assert f"hoist {command}" in examples or "hoist completion" in examples
    # RawDescriptionHelpFormatter keeps one example a line
    assert len([line for line in examples.splitlines() if line.strip()]) >= 1


def _complete(script: str, words: list[str]) -> list[str]:
    """What bash offers after typing ``words`` (the last one is being completed)."""
    quoted = " ".join(shlex.quote(w) for w in words)
    program = "\n".join([script, f"COMP_WORDS=({quoted})", f"COMP_CWORD={len(words) - 1}",
                         "_hoist", 'printf "%s\\n" "${COMPREPLY[@]}"'])
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True,
                          timeout=30, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_offers_commands_options_and_files():
    done = run("completion", "bash")
    assert done.returncode == 0
    script = done.stdout
    assert "complete -o filenames -o bashdefault -F _hoist hoist" in script
    assert set(_complete(script, ["hoist", "up"])) == {"upload"}
    assert {"cancel", "cleanup", "completion"} <= set(_complete(script, ["hoist", "c"]))
    assert set(_complete(script, ["hoist", "upload", "--conc"])) == {"--concurrency"}
    assert set(_complete(script, ["hoist", "upload", "--sse"])) == {
        "--sse", "--sse-kms-key-id", "--sse-c-key-file"}
    assert "--dry-run" in _complete(script, ["hoist", "cleanup", "--d"])
    # after `upload`, a plain word completes file names (README.md is in the checkout's root)
    assert "README.md" in _complete(script, ["hoist", "upload", "READ"])
    assert _complete(script, ["hoist", "completion", ""]) == ["bash"]


def test_completion_knows_every_option_of_the_parser():
    from hoist.completion import bash_completion
    script = bash_completion(build_parser())
    for flag in ("--part-size", "--bwlimit", "--adopt", "--older-than", "--json", "--version"):
        assert flag in script


@pytest.mark.parametrize("command", ["download", "watch"])
def test_download_and_watch_help_say_what_they_do_not_upload(command):
    """Their options were first written for upload: the help says download (or the watch)."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    text = " ".join(sub.choices[command].format_help().split())
    assert "upload" not in re.sub(r"`hoist upload[^`]*`", "", text).lower()
    if command == "download":
        assert "kept with each download" in text
        assert "fail the downloads instead of waiting" in text
        assert "decrypt with this SSE-C key" in text
    else:
        assert "kept with the watch" in text

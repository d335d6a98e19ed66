"""The command's help and version, and `graphgrad train --dataset mnist|fashion_mnist` against a local mirror."""

import dataclasses
import pathlib
import subprocess
import sys
import tomllib

import pytest
from idx_server import Server, fake_mnist, gz_files, sha256s
from test_cli import run_main

import graphgrad
from graphgrad import cli
from graphgrad.datasets import mnist as mnist_mod

ROOT = pathlib.Path(__file__).resolve().parent.parent


def subparser(name):
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return parser, sub.choices[name]


@pytest.mark.parametrize("command", ["train", "demo"])
def test_every_option_has_a_one_line_help_with_its_default(command):
    _, parser = subparser(command)
    code, out, _ = run_main([command, "--help"])
    assert code == 0
    for action in parser._actions:
        if action.dest in ("help", "version"):
            continue
        assert action.help and "\n" not in action.help, action.dest
        assert "default" in action.help, f"{action.option_strings} does not say its default"
        assert action.option_strings[0] in out


def test_top_level_help_lists_the_commands_and_version():
    code, out, _ = run_main(["--help"])
    assert code == 0
    for word in ("train", "demo", "inspect-checkpoint", "--version", "runs `graphgrad train`"):
        assert word in out


@pytest.mark.parametrize("argv", [["--version"], ["train", "--version"]])
def test_version(argv):
    code, out, _ = run_main(argv)
    assert code == 0 and out == f"graphgrad {graphgrad.__version__}\n"


def test_version_matches_the_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == graphgrad.__version__


@pytest.mark.host_process("runs the installed command's module in a new process")
def test_version_through_the_real_command():
    out = subprocess.run([sys.executable, "-m", "graphgrad", "train", "--version"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.returncode == 0 and out.stdout == f"graphgrad {graphgrad.__version__}\n", out.stderr


@pytest.fixture
def mirror(monkeypatch, tmp_path):
    """MNIST and Fashion-MNIST come from a local server of small made-up files; the data folder is tmp_path."""
    files = gz_files(fake_mnist(n_train=300, n_test=100))
    with Server(files) as s:
        for key in ("mnist", "fashion_mnist"):
            local = dataclasses.replace(mnist_mod.SOURCES[key], mirrors=(s.url(key),), sha256=sha256s(files))
            monkeypatch.setattr(mnist_mod, key.upper(), local)
        monkeypatch.setenv("GRAPHGRAD_DATA_DIR", str(tmp_path / "data"))
        yield s


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_train_on_a_downloaded_data_set(mirror, tmp_path, dataset):
    code, out, err = run_main(["train", "--dataset", dataset, "--no-logdir", "--epochs", "3", "--hidden", "32"])
    assert code == 0, err
    last = out.strip().splitlines()[-1]
    assert last.startswith(f"{dataset}: train loss") and float(last.split("test loss")[1].split()[2]) >= 0.9, out
    assert f"downloading {mnist_mod.TRAIN_IMAGES}" in err   # the download's progress bar
    assert sorted(p.name for p in (tmp_path / "data" / dataset).iterdir()) == sorted(mnist_mod.FILES)
    code, out, err = run_main(["train", "--dataset", dataset, "--no-logdir", "--epochs", "1", "--no-progress"])
    assert code == 0 and err == "" and len(mirror.requests) == 4   # the second run reads the cache


def test_a_failed_download_exits_1_with_one_line(mirror, tmp_path):
    mirror.faults["mnist"] = "404"
    code, out, err = run_main(["train", "--dataset", "mnist", "--logdir", str(tmp_path / "run"), "--no-progress"])
    assert code == 1 and out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"graphgrad train: error: cannot download {mnist_mod.TRAIN_IMAGES}: ")
    assert "HTTP 404" in err and "To work offline, copy the file to" in err
    assert not (tmp_path / "run").exists()

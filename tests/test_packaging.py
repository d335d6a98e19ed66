"""pyproject.toml says what is true: the license file, a lean base install, extras the docs name, package data."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_license_is_declared_and_shipped():
    assert PROJECT["license"] == "MIT"
    for name in PROJECT["license-files"]:
        assert (ROOT / name).is_file(), name
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])   # SPDX form forbids them
    assert PROJECT["authors"] == [{"name": "graphgrad developers"}]


def test_base_install_is_numpy_tqdm_tensorboardx_threadpoolctl_the_tfrecord_pair_and_absl():
    """protobuf comes with tensorboardX anyway (named because graphgrad/io builds TF's Example messages with it);
    google-crc32c is a 36 KB wheel for TFRecord checksums; absl-py (pure Python) is tf.flags and tf.app.run, as
    in TensorFlow."""
    names = {re.split(r"[<>=!~ \[]", d)[0].lower() for d in PROJECT["dependencies"]}
    assert names == {"numpy", "tqdm", "tensorboardx", "threadpoolctl", "protobuf", "google-crc32c", "absl-py"}


def test_every_extra_the_docs_name_exists():
    extras = set(PROJECT["optional-dependencies"])
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for name in re.findall(r"\.\[([\w-]+)\]", doc.read_text(encoding="utf-8")):
            assert name in extras, f"{doc.name} names the extra [{name}], which pyproject.toml does not have"


def test_package_data_exists():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        folder = ROOT / package.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"{package}: {pattern}"

"""runtime/numba_cache.py: the runtime's Numba cache files are deleted when its compiled sources change."""
import pytest

numba_cache = pytest.importorskip("graphgrad.runtime.numba_cache")


def test_a_changed_source_clears_the_cache_once(tmp_path, monkeypatch):
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    stale = [cache / "recurrent._forward-41.py311.nbi", cache / "recurrent._forward-41.py311.1.nbc"]
    for f in stale:
        f.write_bytes(b"old code")
    (cache / "jitlib.cpython-311.pyc").write_bytes(b"not Numba's")
    (cache / "graphgrad_numba_sources.sha1").write_text("the digest of older sources")
    numba_cache.digest()  # of the real sources, before they are looked for in tmp_path
    monkeypatch.setattr(numba_cache, "_HERE", str(tmp_path))
    assert numba_cache.refresh.__wrapped__() is True
    assert not any(f.exists() for f in stale) and (cache / "jitlib.cpython-311.pyc").exists()
    assert (cache / "graphgrad_numba_sources.sha1").read_text() == numba_cache.digest()
    stale[0].write_bytes(b"code of these sources")
    assert numba_cache.refresh.__wrapped__() is False  # the same sources: the cache stays
    assert stale[0].exists()


def test_islands_are_named_by_the_runtimes_sources_too(monkeypatch):
    from graphgrad.runtime import jit
    names = []
    monkeypatch.setattr(jit, "_cache_dir", lambda: None)
    real = numba_cache.digest()
    monkeypatch.setattr(jit, "compile", lambda src, name, mode: names.append(name) or compile(src, name, mode),
                        raising=False)
    src = "def island():\n    return 1\n"
    jit.load(src)
    monkeypatch.setattr(numba_cache, "digest", lambda: real + "changed")
    jit.load(src)
    assert len(set(names)) == 2

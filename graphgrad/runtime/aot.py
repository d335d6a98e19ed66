"""Islands built ahead of time: a plan's islands (runtime/jit.py) compiled by Numba in a child process into one
extension module, which the training process imports like any other, so that it never loads Numba or LLVM.

Numba and its LLVM cost a process about 130 MiB of resident memory once they compile or load anything (its
import 54 MiB, LLVM's library and the compiler's state the rest): W2 peaked at 439 MiB against NumPy by hand's
280. The islands' machine code itself is a few hundred KiB. So where a C compiler and Python's headers are at
hand (Numba's `pycc` links the module with them), a plan that compiles its islands while Numba is not loaded yet
(`GRAPHGRAD_JIT_AOT`, default `auto`) does it this way:

1. One run with a recorder in place of each island: the run goes through the ops' kernels, and each recorder
   notes the types of the values its island is called with (dtype, rank and layout of each array, the type of
   each scalar).
2. A child process (`python -m graphgrad.runtime.aot`) imports the islands' sources, has Numba type them for
   those arguments, and compiles them all with `numba.pycc` into one module (the code for this machine's CPU,
   Numba's "numpy" error model as in-process), written to the islands' cache folder under a name hashed from the
   sources, the types, the runtime's compiled sources, Python's and Numba's versions and the CPU. Seconds, once:
   a later process imports the cached module in milliseconds.
   The build runs in a background thread while the plan goes on through its kernels, and its next run after
   the build installs the islands (`GRAPHGRAD_JIT_WAIT=1`: the run that starts it waits, as benchmarks and tests
   do; `Plan.wait_for_islands()` waits for one plan). Meanwhile the BLAS runs on one thread fewer
   (`core_for_child`): its threads would otherwise wait on each other for the core the compiler holds.
3. The plan calls the module's functions through a guard: an extension module built by `pycc` does not check
   its arguments (a float64 array where float32 was compiled reads garbage or crashes), so each call first
   checks every argument against the recorded types, and a mismatch (a feed that is a strided view this once)
   runs the island's ops through their kernels for that run, as an island that raises does.

Where the child fails (no compiler after all, a construct `pycc` refuses), the plan compiles its islands in
this process as before. `GRAPHGRAD_JIT_AOT=0` never builds ahead; `1` builds ahead even where Numba is loaded
(tests); `auto` builds ahead unless Numba is already in the process (the GEMM pool's workers load it: a plan
with big products or convolutions then compiles its islands in-process, which is quicker to compile).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading

import numpy as np

ENV_VAR = "GRAPHGRAD_JIT_AOT"
WAIT_VAR = "GRAPHGRAD_JIT_WAIT"
#: Seconds a child may take to build a plan's islands before the plan compiles them in-process instead.
BUILD_TIMEOUT_S = 600


class Probe(Exception):
    """Raised by an island's recorder: the run goes through the island's kernels (its types are noted)."""


class Mismatch(Exception):
    """An argument of a built island is not of the type it was built for: this run uses the kernels."""


def waits() -> bool:
    """GRAPHGRAD_JIT_WAIT=1: a plan waits for its islands' build (seconds when cold) instead of running its
    kernels meanwhile, so that a benchmark's warm-up or a test knows they are in place after the run that starts
    it."""
    return os.environ.get(WAIT_VAR, "0").strip().lower() in ("1", "true", "yes", "on")


def mode() -> str:
    """"0" (never), "1" (where possible) or "auto" (where possible and Numba is not loaded yet)."""
    v = os.environ.get(ENV_VAR, "auto").strip().lower()
    return "0" if v in ("0", "false", "no", "off") else "1" if v in ("1", "true", "yes", "on") else "auto"


def wanted() -> bool:
    """Whether a plan compiling its islands now builds them ahead of time (module docstring)."""
    m = mode()
    return m != "0" and (m == "1" or "numba" not in sys.modules) and available()


@functools.cache
def available() -> bool:
    """Numba with its `pycc`, setuptools, a C compiler, Python's headers and a cache folder (without importing
    Numba: that is what building ahead saves)."""
    from . import jit
    spec = importlib.util.find_spec("numba")
    if spec is None or not spec.submodule_search_locations or importlib.util.find_spec("setuptools") is None:
        return False
    if not os.path.exists(os.path.join(spec.submodule_search_locations[0], "pycc", "__init__.py")):
        return False
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    headers = os.path.join(sysconfig.get_paths()["include"], "Python.h")
    return bool(cc) and shutil.which(cc[0]) is not None and os.path.exists(headers) and jit._cache_dir() is not None


# --- the types of an island's arguments, and the guard that checks them -----------------------------------------

def spec(value):
    """The type of an argument as Numba would type it: ("a", dtype, ndim, layout) for an aligned native array,
    ("s", dtype, "py") for a Python bool, int or float, ("s", dtype, "np") for a NumPy scalar; None for anything
    else (the island is then not built)."""
    if isinstance(value, np.ndarray):
        if not value.flags.aligned or value.dtype.name not in _NUMBA_TYPES or not value.dtype.isnative:
            return None
        layout = "C" if value.flags.c_contiguous else "F" if value.flags.f_contiguous else "A"
        return ("a", value.dtype.name, value.ndim, layout)
    if type(value) in (bool, int, float):
        if type(value) is int and not -(1 << 63) <= value < (1 << 63):
            return None
        return ("s", {bool: "bool", int: "int64", float: "float64"}[type(value)], "py")
    if isinstance(value, np.generic) and value.dtype.name in _NUMBA_TYPES:
        return ("s", value.dtype.name, "np")
    return None


_NUMBA_TYPES = {"float32": "float32", "float64": "float64", "int32": "int32", "int64": "int64", "bool": "boolean",
                "int8": "int8", "uint8": "uint8", "int16": "int16", "uint16": "uint16", "uint32": "uint32",
                "uint64": "uint64"}
_PY_SCALARS = {"bool": "bool", "int64": "int", "float64": "float"}


def guarded(fn, specs, k, owned=()):
    """`fn` (a built island) behind a check of its arguments against `specs` (`spec`); raises Mismatch(k)
    instead of calling it when one differs.

    Arguments at the positions `owned` are the session's own variable buffers: the same array objects run after
    run, which no user code holds. Once checked, each is remembered, and a run that passes the same objects
    skips their checks (~0.2 µs an array: W1F's island reads six weights and biases). A new object (a variable
    assigned a buffer of another shape) is checked again; an object's type, dtype, rank and layout do not change
    while it lives, except by assigning its `shape` or `strides`, which graphgrad never does to a buffer."""
    ns = {"_f": fn, "_nd": np.ndarray, "_Mismatch": Mismatch, "_k": k}
    params, conds = [], []
    owned = sorted(i for i in owned if i < len(specs) and specs[i][0] == "a")
    for i, s in enumerate(specs):
        a = f"a{i}"
        params.append(a)
        if s[0] == "a":
            _, dtype, ndim, layout = s
            ns[f"_d{i}"] = np.dtype(dtype)
            # (dtypes compare by value: an array that Numba made has a dtype object of its own)
            cond = f"isinstance({a}, _nd) and {a}.dtype == _d{i} and {a}.ndim == {ndim} and "
            if layout == "A":
                cond += f"{a}.flags.aligned"
            else:  # carray / farray: contiguous, aligned and writeable, one lookup (a read-only array: the rest)
                c = "c" if layout == "C" else "f"
                cond += f"({a}.flags.{c}array or ({a}.flags.aligned and {a}.flags.{c}_contiguous))"
        elif s[2] == "py":
            cond = f"type({a}) is {_PY_SCALARS[s[1]]}"
        else:
            ns[f"_t{i}"] = np.dtype(s[1]).type
            cond = f"type({a}) is _t{i}"
        conds.append(cond)
    args = ", ".join(params)
    check = " and ".join(f"({c})" for i, c in enumerate(conds) if i not in owned) or "True"
    source = f"def island({args}):\n"
    if owned:  # the remembered buffers (`_m`, as one list: a run replaces it whole once its members passed)
        ns["_m"] = [None] * len(owned)
        new = " or ".join(f"a{i} is not _m[{j}]" for j, i in enumerate(owned))
        source += (f"    if {new}:\n        if not ({' and '.join(f'({conds[i]})' for i in owned)}):\n"
                   f"            raise _Mismatch(_k)\n        _m[:] = [{', '.join(f'a{i}' for i in owned)}]\n")
    source += f"    if {check}:\n        return _f({args})\n    raise _Mismatch(_k)\n"
    exec(compile(source, f"<graphgrad built island {k}>", "exec"), ns)  # noqa: S102 - our own generated code
    island = ns["island"]
    island.specs, island.source = specs, source
    return island


class Recorder:
    """Stands in for an island in the recording run: notes its arguments' types (`specs`, None where one has no
    Numba type) and raises Probe, so that the run goes through the island's kernels."""

    def __init__(self, k, owned=()):
        self.k, self.specs, self.seen, self.owned = k, None, False, frozenset(owned)

    def __call__(self, *args):
        if not self.seen:
            self.seen = True
            specs = [spec(a) for a in args]
            self.specs = None if None in specs else specs
        raise Probe(self.k)


# --- building (the child) and loading (the plan's process) --------------------------------------------------------

def build(items, owned=None):
    """The guarded functions of islands `items` ([(island source, specs)]) built into one extension module, or
    None where the child failed (its error output is kept in the cache folder as `<module>.log`). `owned`: for
    each island, the positions of its arguments that are the session's variable buffers (`guarded`)."""
    from . import jit
    base = jit._cache_dir()
    request = _request(items)
    name = module_name(request)
    path = _built(base, name)
    if path is None:
        work = tempfile.mkdtemp(dir=base, prefix=name + ".")
        try:
            with open(os.path.join(work, "request.json"), "w") as f:
                json.dump(request, f)
            try:
                root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
                path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
                with core_for_child():
                    done = subprocess.run([sys.executable, "-m", "graphgrad.runtime.aot", work, name], cwd=work,
                                          capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                                          env={**_opt(items), **os.environ, "PYTHONWARNINGS": "ignore",
                                               "PYTHONPATH": path})
                failed = done.returncode != 0 and done.stderr
            except (OSError, subprocess.TimeoutExpired) as e:
                failed = repr(e)
            if failed or _built(base, name) is None:   # the child moved it there (`_publish`)
                with open(os.path.join(base, name + ".log"), "w") as f:
                    f.write(failed or "the child wrote no module")
                return None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        path = _built(base, name)
    module = sys.modules.get(name)
    if module is None:
        loader = importlib.machinery.ExtensionFileLoader(name, path)
        module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
        loader.exec_module(module)
        sys.modules[name] = module
    owned = owned or [()] * len(items)
    return [guarded(getattr(module, f"island_{k}"), specs, k, own) for k, ((_, specs), own)
            in enumerate(zip(items, owned))]


_lending = {"builds": 0, "threads": None}  # children compiling now; the BLAS's thread count before the first
_lending_lock = threading.Lock()


@contextlib.contextmanager
def core_for_child():
    """Within, the bound BLAS (runtime/blas.py) runs on one thread fewer, so that a compiling child has a core of
    its own: on two cores OpenBLAS's two threads waited on each other for the core the compiler held, and a
    Keras MLP's epochs took 2.1-4.8 s instead of 1.1-1.3 while the child compiled, 1.4-1.5 now (`python -m
    bench.keras_fit --cold`). The count is given back when the last child ends, unless someone changed it
    meanwhile or the GEMM pool started (which keeps the BLAS at one thread, and gives back the count from before
    the children: `lent_threads`)."""
    from . import blas
    fns = blas.raw_functions()
    if fns is None:
        yield
        return
    get, put = fns[2], fns[3]
    with _lending_lock:
        if _lending["builds"] == 0:
            before = get()
            _lending["threads"] = before if before > 1 else None
            if before > 1:
                put(before - 1)
        _lending["builds"] += 1
    try:
        yield
    finally:
        with _lending_lock:
            _lending["builds"] -= 1
            before = _lending["threads"]
            if _lending["builds"] == 0 and before is not None:
                from . import gemm_pool
                if get() == before - 1 and not gemm_pool.started():
                    put(before)
                _lending["threads"] = None


def lent_threads():
    """The BLAS's thread count from before `core_for_child` lowered it, while it is lowered; else None."""
    return _lending["threads"]


_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def _opt(items):
    """The child's NUMBA_OPT where an island has arrays of rank 3 or more (runtime/jit.py ISLAND_OPT), else none."""
    from . import jit
    deep = any(s is not None and s[0] == "a" and s[2] >= 3 for _, specs in items for s in specs)
    return {"NUMBA_OPT": str(jit.ISLAND_OPT)} if deep else {}


def _request(items):
    return [[source, [list(s) for s in specs]] for source, specs in items]


def module_name(request):
    """The built module's name for a request (islands' sources and argument types) in this environment."""
    return "graphgrad_aot_" + hashlib.sha1((json.dumps(request) + _environment()).encode()).hexdigest()[:20]


def _publish(work, name):
    """The child's last step: the module it built in `work` moved into the cache folder (work's parent) under its
    final name, and `work` removed. The child does it, not the program that started it: the build runs in a
    background thread, and a program that exits first leaves the child running to the end, whose module must
    still serve the program's next run (when the program moved it, such a run started the build again: the
    30-60 s compile of a CNN's islands, on one of two cores, every time)."""
    built = [f for f in os.listdir(work) if f.startswith(name + ".") and f.endswith(_SUFFIX)]
    if built:
        os.replace(os.path.join(work, built[0]), os.path.join(os.path.dirname(os.path.abspath(work)), name + _SUFFIX))
    shutil.rmtree(work, ignore_errors=True)


def _built(base, name):
    path = os.path.join(base, name + _SUFFIX)
    return path if os.path.exists(path) else None


@functools.cache
def _environment():
    """What a built module depends on beyond its sources' text: the runtime's Numba-compiled files, Python's,
    Numba's and NumPy's versions, and the CPU (the code is compiled for this one's instruction set)."""
    from . import numba_cache
    cpu = platform.machine() + platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu += next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        pass
    return "|".join((numba_cache.digest(), sys.version, importlib.metadata.version("numba"), np.__version__, cpu))


def _numba_type(s):
    from numba import types
    if s[0] == "a":
        return types.Array(getattr(types, _NUMBA_TYPES[s[1]]), s[2], s[3])
    return getattr(types, _NUMBA_TYPES[s[1]])


def main(work, name):
    """The child: type each island of `work`/request.json for its arguments and compile them all into the
    extension module `name` in `work`."""
    import warnings
    warnings.simplefilter("ignore")  # pycc is marked for deprecation; its replacement is not released yet
    import numba.pycc.compiler as pycc_compiler
    from numba.pycc import CC
    plain = pycc_compiler.Flags

    def flags():  # as the islands' `njit`: the "numpy" error model (no check per division, so loops with one
        f = plain()  # vectorize) and the GIL released while they run
        f.error_model = "numpy"
        f.release_gil = True
        return f
    pycc_compiler.Flags = flags
    with open(os.path.join(work, "request.json")) as f:
        request = json.load(f)
    cc = CC(name)
    cc.output_dir = work
    cc.target_cpu = "host"
    cc.verbose = False
    from . import jit
    for k, (source, specs) in enumerate(request):
        module = jit.load_module(source, "graphgrad_island_")  # the file the in-process islands use
        args = tuple(_numba_type(s) for s in specs)
        cc.export(f"island_{k}", _return_type(module.island, args)(*args))(module.island.py_func)
    cc.compile()
    _publish(work, name)


def _return_type(dispatcher, args):
    """What an island returns for `args`: typed and lowered but not compiled to machine code (half the time of a
    full compile: W2's six islands 1.6 s against 3.3), or compiled where that internal path fails."""
    from numba.core import compiler, registry
    try:
        flags = compiler.Flags()
        flags.nrt, flags.no_compile, flags.error_model = True, True, "numpy"
        flags.no_cpython_wrapper = flags.no_cfunc_wrapper = True
        target = registry.cpu_target
        return compiler.compile_extra(target.typing_context, target.target_context, dispatcher.py_func, args,
                                      None, flags, {}).signature.return_type
    except Exception:  # noqa: BLE001 - Numba's internals move between versions: its public way, at full cost
        dispatcher.compile(args)
        return dispatcher.overloads[args].signature.return_type


if __name__ == "__main__":
    main(*sys.argv[1:])

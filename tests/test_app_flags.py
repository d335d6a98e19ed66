"""tf.app.run and tf.flags (absl's, with TF1's old keyword names and parsing on first read)."""
import subprocess
import sys
import textwrap

import pytest

import graphgrad as tf

PROGRAM = textwrap.dedent("""
    import sys
    import graphgrad as tf

    flags = tf.app.flags
    flags.DEFINE_integer("steps", 100, "training steps")
    flags.DEFINE_float("learning_rate", 0.1, "step size")
    flags.DEFINE_boolean("fake_data", False, "use fake data")
    tf.flags.DEFINE_string(flag_name="data_dir", default_value="/tmp/data", docstring="where the data is")
    tf.flags.DEFINE_list("layers", ["64", "32"], "hidden sizes")
    tf.flags.DEFINE_enum("optimizer", "sgd", ["sgd", "adam"], "optimizer")
    FLAGS = tf.flags.FLAGS

    def main(argv):
        print(FLAGS.steps, FLAGS.learning_rate, FLAGS.fake_data, FLAGS.data_dir, FLAGS.layers, FLAGS.optimizer)
        print(argv[1:])
        return FLAGS.steps % 7

    if sys.argv[1:2] == ["--read-first"]:
        print(FLAGS.steps)          # read before any parse: sys.argv is parsed then, as in TF1
    else:
        tf.app.run()
""")


def _run(*args):
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.host_process("tf.app.run parses the process's own argv and exits it")
def test_app_run_parses_flags_from_argv_and_passes_the_rest_to_main():
    out = _run("--steps=12", "--learning_rate", "0.5", "--fake_data", "--layers=8,4", "--optimizer=adam",
               "--undefined=1", "positional")
    assert out.returncode == 12 % 7, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "12 0.5 True /tmp/data ['8', '4'] adam"
    assert lines[1] == "['--undefined=1', 'positional']"  # flags nobody defined are left to main
    assert "deprecated" in out.stderr  # the old keyword names still work, with TF's warning


@pytest.mark.host_process("tf.app.run parses the process's own argv and exits it")
def test_defaults_bad_values_and_parsing_on_first_read():
    out = _run()
    assert out.returncode == 100 % 7 and out.stdout.splitlines()[0] == "100 0.1 False /tmp/data ['64', '32'] sgd"
    bad = _run("--optimizer=rmsprop")
    assert bad.returncode == 1 and "value should be one of <sgd|adam>" in bad.stderr
    assert _run("--read-first", "--steps=3").returncode != 0  # --read-first is no flag: absl refuses it
    first = subprocess.run([sys.executable, "-c", PROGRAM.replace('["--read-first"]', '["--steps=3"]'), "--steps=3"],
                           capture_output=True, text=True, timeout=120)
    assert first.stdout.strip() == "3", first.stderr


def test_the_modules_are_absl_flags():
    from absl import flags as absl_flags

    assert tf.flags is tf.app.flags
    assert tf.flags.FlagValues is absl_flags.FlagValues
    assert tf.flags.FLAGS.__dict__["__wrapped"] is absl_flags.FLAGS
    fv = tf.flags.FlagValues()
    tf.flags.DEFINE_integer("n", 1, "a number", flag_values=fv)
    fv(["prog", "--n=4"])
    assert fv.n == 4

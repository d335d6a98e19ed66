"""`tf.app`: TF1's `tf.app.run(main=None, argv=None)` — absl's `app.run`, parsing the flags of `tf.flags` from
`argv` (default `sys.argv`) while leaving flags nobody defined to `main`, which gets the remaining arguments and
whose return value becomes the exit status."""
import sys as _sys

from absl.app import run as _run

from . import flags


def _parse_flags_tolerate_undef(argv):
    """Parse the defined flags out of `argv`; unknown ones stay in the list `main` receives."""
    return flags.FLAGS(_sys.argv if argv is None else argv, known_only=True)


def run(main=None, argv=None):
    """Parse the flags, then `sys.exit(main(remaining argv))`; `main` defaults to the `main` function of the
    program being run (`__main__.main`)."""
    main = main or _sys.modules["__main__"].main
    _run(main=main, argv=argv, flags_parser=_parse_flags_tolerate_undef)


__all__ = ["run", "flags"]

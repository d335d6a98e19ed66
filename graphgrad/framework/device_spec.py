"""TF's device strings as parts (job, replica, task, device type and index): parsed, merged and printed as TF's
DeviceSpec does, for device functions (`tf.train.replica_device_setter`) and the device scopes around them."""
from __future__ import annotations

__all__ = ["DeviceSpec", "merge_device"]


class DeviceSpec:
    """The parts of a TF device string ("/job:ps/replica:0/task:1/device:GPU:0", "/gpu:0"), as TF's DeviceSpec
    parses, merges and prints them (what replica_device_setter needs)."""

    _FIELDS = ("job", "replica", "task", "device_type", "device_index")

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job, self.replica, self.task = job, replica, task
        self.device_type, self.device_index = device_type, device_index

    @classmethod
    def from_string(cls, spec):
        out = cls()
        for part in (spec or "").split("/"):
            if not part:
                continue
            fields = part.split(":")
            key = fields[0].lower()
            if key in ("job", "replica", "task") and len(fields) == 2:
                setattr(out, key, fields[1] if key == "job" else int(fields[1]))
            elif key in ("cpu", "gpu") and len(fields) in (1, 2):
                out.device_type, out.device_index = key.upper(), _index(fields[1:])
            elif key == "device" and len(fields) in (2, 3):
                kind = fields[1]
                out.device_type = kind.upper() if kind.lower() in ("cpu", "gpu") else kind
                out.device_index = _index(fields[2:])
            else:
                raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
        return out

    def replace(self, **kw):
        return DeviceSpec(**{f: kw.get(f, getattr(self, f)) for f in self._FIELDS})

    def make_merged_spec(self, dev):
        """This spec with `dev`'s fields where `dev` sets them."""
        return DeviceSpec(**{f: getattr(dev, f) if getattr(dev, f) is not None else getattr(self, f)
                             for f in self._FIELDS})

    def to_string(self):
        out = []
        if self.job is not None:
            out.append(f"/job:{self.job}")
        if self.replica is not None:
            out.append(f"/replica:{self.replica}")
        if self.task is not None:
            out.append(f"/task:{self.task}")
        if self.device_type is not None:
            out.append(f"/device:{self.device_type}:{'*' if self.device_index is None else self.device_index}")
        return "".join(out)


def _index(fields):
    return None if not fields or fields[0] == "*" else int(fields[0])


def merge_device(current, spec):
    """The device of an op built under `tf.device(spec)` whose outer scopes gave it `current`, as TF merges them:
    the fields `spec` sets win; `None` (`tf.device(None)`) clears the device."""
    if spec is None:
        return ""
    if not spec:
        return current
    return DeviceSpec.from_string(current).make_merged_spec(DeviceSpec.from_string(spec)).to_string()

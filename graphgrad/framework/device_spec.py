"""`tf.DeviceSpec`: a device name's parts (`/job:ps/replica:0/task:3/device:GPU:1`), parsed, merged and printed
as TensorFlow does. graphgrad places a whole session on one device (`tf.device`, docs/devices.md); the job,
replica and task parts are kept and printed, as a cluster spec names them."""
from __future__ import annotations

__all__ = ["DeviceSpec", "merge_device"]

_FIELDS = ("job", "replica", "task", "device_type", "device_index")


class DeviceSpec:
    """TF1's mutable `tf.DeviceSpec`: `parse_from_string`, `merge_from`, `to_string`, and TF 2's
    `from_string`, `replace`, `make_merged_spec`. Unset parts are None; `to_string` leaves them out."""

    __slots__ = ("job", "replica", "task", "device_type", "device_index")

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job = None if job is None else str(job)
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = _device_type(device_type)
        self.device_index = None if device_index is None else int(device_index)

    @classmethod
    def from_string(cls, spec):
        return cls().parse_from_string(spec)

    def parse_from_string(self, spec):
        """Sets the parts `spec` names ("/job:w/task:1/device:GPU:0", "/gpu:1", "CPU:0"); returns self."""
        for part in (spec or "").split("/"):
            if not part:
                continue
            y = part.split(":")
            key = y[0].lower()
            if len(y) == 2 and key in ("job", "replica", "task"):
                setattr(self, key, y[1] if key == "job" else int(y[1]))
            elif len(y) in (2, 3) and key == "device":
                self.device_type = _device_type(y[1])
                if len(y) == 3 and y[2] != "*":
                    self.device_index = int(y[2])
            elif len(y) in (1, 2) and key in ("cpu", "gpu", "tpu"):
                self.device_type = key.upper()
                if len(y) == 2 and y[1] != "*":
                    self.device_index = int(y[1])
            else:
                raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
        return self

    def merge_from(self, dev):
        """The parts `dev` sets replace this spec's (in place)."""
        for f in _FIELDS:
            v = getattr(dev, f)
            if v is not None:
                setattr(self, f, v)

    def make_merged_spec(self, dev):
        """A new spec: this one with the parts `dev` sets replaced."""
        out = self.replace()
        out.merge_from(dev)
        return out

    def replace(self, **kwargs):
        parts = {f: getattr(self, f) for f in _FIELDS}
        parts.update(kwargs)
        return DeviceSpec(**parts)

    def to_string(self):
        out = []
        if self.job is not None:
            out.append(f"/job:{self.job}")
        if self.replica is not None:
            out.append(f"/replica:{self.replica}")
        if self.task is not None:
            out.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            out.append(f"/device:{self.device_type}:{index}")
        return "".join(out)

    def __str__(self):
        return self.to_string()

    def __repr__(self):
        return f"<DeviceSpec {self.to_string()!r}>"

    def __eq__(self, other):
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self):
        return hash(self.to_string())


def _device_type(t):
    """TF upper-cases the known device types and keeps others as given."""
    if t is None:
        return None
    return t.upper() if t.upper() in ("CPU", "GPU", "TPU") else t


def merge_device(current, spec):
    """The device of an op built under `tf.device(spec)` whose outer scopes gave it `current`, as TF merges them
    (for device functions, `tf.train.replica_device_setter`, and the scopes around them): the parts `spec` sets
    win; `None` (`tf.device(None)`) clears the device."""
    if spec is None:
        return ""
    if not spec:
        return current
    return DeviceSpec.from_string(current).make_merged_spec(DeviceSpec.from_string(spec)).to_string()

"""Protobuf message classes built at import time from field lists: TensorFlow's messages that tensorboardX does not
ship (MetaGraphDef, SavedModel, RunOptions, StepStats, ...), with TF's field numbers and types so the bytes are
what TensorFlow reads and writes, and without protoc as a dependency. graph_io/protos.py and
runtime/run_metadata.py describe their messages; this builds them."""
from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto
_TYPES = {"string": F.TYPE_STRING, "bytes": F.TYPE_BYTES, "int64": F.TYPE_INT64, "int32": F.TYPE_INT32,
          "uint32": F.TYPE_UINT32, "uint64": F.TYPE_UINT64, "float": F.TYPE_FLOAT, "bool": F.TYPE_BOOL}


def message_classes(file_name, package, messages, dependencies=(), oneofs=None, enums=None):
    """{top-level message name: class} of the messages described, registered once in the default pool.

    `messages`: {"Msg" or "Msg.Nested": [(field, number, type, repeated)]}, a type being a scalar name above,
    ".Msg" (a message of this file; names starting ".tensorboardX." or ".google." are other files'), or
    "enum:.Msg.Enum". A nested message named "...Entry" is a map entry. `oneofs`: {"Msg": (name, {fields})};
    `enums`: {"Msg": (enum name, [value names numbered from 0]), or a list of such}; `dependencies`: the _pb2
    modules of the other files named."""
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(file_name)
    except KeyError:
        pool.Add(_file(file_name, package, messages, dependencies, oneofs or {}, enums or {}))
    return {path: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.{path}"))
            for path in messages if "." not in path}


def _file(file_name, package, messages, dependencies, oneofs, enums):
    def type_name(t):
        return t if t.startswith((".tensorboardX.", ".google.")) else f".{package}{t}"

    fd = descriptor_pb2.FileDescriptorProto(name=file_name, package=package, syntax="proto3",
                                            dependency=[m.DESCRIPTOR.name for m in dependencies])
    made = {}
    for path, fields in messages.items():
        *outer, name = path.split(".")
        parent = made[".".join(outer)].nested_type if outer else fd.message_type
        msg = made[path] = parent.add(name=name)
        if outer and name.endswith("Entry"):  # a nested "...Entry" is a map entry (not tfprof's OpLogEntry)
            msg.options.map_entry = True
        declared = enums.get(path, [])
        for enum_name, values in [declared] if isinstance(declared, tuple) else declared:
            enum = msg.enum_type.add(name=enum_name)
            for number, value in enumerate(values):
                enum.value.add(name=value, number=number)
        oneof, members = oneofs.get(path, (None, ()))
        if oneof:
            msg.oneof_decl.add(name=oneof)
        for fname, number, ftype, repeated in fields:
            f = msg.field.add(name=fname, number=number, label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if ftype.startswith("."):
                f.type, f.type_name = F.TYPE_MESSAGE, type_name(ftype)
            elif ftype.startswith("enum:"):
                f.type, f.type_name = F.TYPE_ENUM, type_name(ftype[5:])
            else:
                f.type = _TYPES[ftype]
            if fname in members:
                f.oneof_index = 0
    return fd

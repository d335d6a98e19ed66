"""tf.io.decode_proto / encode_proto with the other descriptor sources: the process's own pool ("local://") and a
FileDescriptorSet file; batch shapes of any rank. Values and errors against TF: conformance `proto_decode_encode`."""
import numpy as np
from google.protobuf import descriptor_pb2

import graphgrad as tf


def test_local_pool_and_descriptor_file(tmp_path):
    protos = [descriptor_pb2.FileDescriptorProto(name=f"f{i}.proto", package="p" * i, dependency=["x"] * i)
              for i in range(4)]
    data = tf.constant(np.array([p.SerializeToString() for p in protos], object).reshape(2, 2))
    sizes, (names, deps) = tf.io.decode_proto(data, "google.protobuf.FileDescriptorProto", ["name", "dependency"],
                                              [tf.string, tf.string])
    path = tmp_path / "set.pb"
    path.write_bytes(descriptor_pb2.FileDescriptorSet(file=[_descriptor_file()]).SerializeToString())
    sizes2, (packages,) = tf.io.decode_proto(data, "google.protobuf.FileDescriptorProto", ["package"], [tf.string],
                                             descriptor_source=str(path))
    again = tf.io.encode_proto(sizes, [names, deps], ["name", "dependency"], "google.protobuf.FileDescriptorProto")
    assert sizes.shape.as_list() == [2, 2, 2] and names.shape.as_list() == [2, 2, None]
    with tf.Session() as s:
        sz, n, d, p, e = s.run([sizes, names, deps, packages, again])
    assert sz.tolist() == [[[1, 0], [1, 1]], [[1, 2], [1, 3]]]
    assert n[..., 0].tolist() == [[b"f0.proto", b"f1.proto"], [b"f2.proto", b"f3.proto"]]
    assert d[1, 1].tolist() == [b"x"] * 3 and d[0, 1].tolist() == [b"x", b"", b""]
    assert p[1, 1, 0] == b"ppp" and p[0, 0, 0] == b""
    rebuilt = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in e.ravel().tolist()]
    assert [(x.name, list(x.dependency)) for x in rebuilt] == [(x.name, list(x.dependency)) for x in protos]


def _descriptor_file():
    """descriptor.proto itself, as a FileDescriptorProto."""
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor_pb2.DESCRIPTOR.CopyToProto(proto)
    return proto

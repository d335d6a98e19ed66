"""tf.signal, tf.spectral and complex tensors: gradients against finite differences (float64), including the
transform lengths whose gradients TF itself cannot build (rfft with a cropped or padded input, irfft of a
spectrum of another length, RFFT3D), perfect reconstruction through stft / inverse_stft, and the DCTs against
SciPy. Values, errors and TF's own gradients are compared in tests/test_tf1_conformance.py (signal_and_complex)."""
import numpy as np
import pytest
import scipy.fft
from gradcheck import check_gradients

import graphgrad as tf

RNG = np.random.default_rng(2)
sg = tf.signal


def _power(z):
    """A real function of a complex tensor that depends on both parts (and on their phase)."""
    return tf.real(z) * 0.7 + tf.imag(z) * tf.imag(z) - tf.abs(z)


@pytest.mark.parametrize("build, shape", [
    (lambda a, b: _power(sg.fft(tf.complex(a, b))), (2, 5)),
    (lambda a, b: _power(sg.ifft(tf.complex(a, b))), (2, 5)),
    (lambda a, b: _power(sg.fft2d(tf.complex(a, b))), (2, 3, 4)),
    (lambda a, b: _power(sg.ifft3d(tf.complex(a, b))), (2, 2, 3)),
    (lambda a, b: _power(tf.complex(a, b) * tf.conj(tf.complex(b, a)) / tf.complex(a * a + 1.0, b)), (3,)),
    (lambda a, b: tf.angle(tf.complex(a, b)) + tf.abs(tf.reduce_mean(tf.square(tf.complex(a, b)))), (4,)),
])
def test_complex_gradients(build, shape):
    check_gradients(build, [RNG.standard_normal(shape), RNG.standard_normal(shape)], rtol=1e-5)


@pytest.mark.parametrize("build, shape", [
    (lambda x: _power(sg.rfft(x)), (2, 6)),
    (lambda x: _power(sg.rfft(x, [9])), (2, 6)),          # zero-padded input
    (lambda x: _power(sg.rfft(x, [4])), (2, 6)),          # cropped input (TF's gradient fails here)
    (lambda x: sg.irfft(tf.complex(x, x * 0.5), [7]), (2, 6)),   # a spectrum longer than 7 // 2 + 1 (TF fails)
    (lambda x: sg.irfft(tf.complex(x, -x), [12]), (2, 4)),       # a shorter one, zero-padded
    (lambda x: sg.irfft(tf.complex(x, x * 0.3)), (2, 5)),
    (lambda x: _power(sg.rfft2d(x, [3, 4])), (2, 3, 5)),
    (lambda x: _power(sg.rfft3d(x)), (2, 3, 4)),          # TF has no RFFT3D gradient
    (lambda x: sg.irfft3d(tf.complex(x, x)[..., :3], [2, 3, 4]), (2, 3, 4)),
])
def test_real_transform_gradients(build, shape):
    check_gradients(build, [RNG.standard_normal(shape)], rtol=1e-5)


def test_framing_overlap_add_and_mfcc_gradients():
    x = RNG.standard_normal((2, 30))
    check_gradients(lambda s: sg.frame(s, 7, 4, pad_end=True), [x])
    check_gradients(lambda s: sg.overlap_and_add(tf.reshape(s, [2, 5, 6]), 4), [x])
    def mfcc(s):
        mel = sg.linear_to_mel_weight_matrix(5, 9, 8000, 100.0, 3900.0, dtype=tf.float64)
        return sg.mfccs_from_log_mel_spectrograms(tf.log(tf.tensordot(tf.abs(sg.stft(s, 16, 8)), mel, 1) + 1e-2))
    check_gradients(mfcc, [x], rtol=1e-4)


def test_stft_inverse_reconstructs_the_signal():
    x = RNG.standard_normal((3, 256))
    with tf.Session() as s:
        back = s.run(sg.inverse_stft(sg.stft(x, 64, 16), 64, 16, window_fn=sg.inverse_stft_window_fn(16)))
    np.testing.assert_allclose(back[:, 48:208], x[:, 48:208], atol=1e-10)  # away from the half-covered ends


@pytest.mark.parametrize("kind", [1, 2, 3, 4])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_matches_scipy_and_idct_inverts(kind, norm):
    if kind == 1 and norm == "ortho":
        pytest.skip("TF has no orthonormal type-I DCT")
    x = RNG.standard_normal((3, 8))
    with tf.Session() as s:
        ours, back = s.run([sg.dct(x, type=kind, norm=norm), sg.idct(sg.dct(x, type=kind, norm=norm), type=kind,
                                                                       norm=norm)])
    np.testing.assert_allclose(ours, scipy.fft.dct(x, type=kind, norm="ortho" if norm else None), atol=1e-12)
    scale = 1.0 if norm else (2 * (8 - 1) if kind == 1 else 2 * 8)
    np.testing.assert_allclose(back, x * scale, atol=1e-10)


def test_complex_graphs_round_trip_through_graph_defs():
    """A graph with complex constants and FFTs writes as a GraphDef (DT_COMPLEX64 = 8) and imports back."""
    x = tf.placeholder(tf.float32, [1, 64])
    spec = tf.abs(tf.signal.stft(x, 16, 8))
    y = tf.real(tf.constant(np.array([1 + 2j, 3 - 1j], np.complex64)) * tf.complex(1.0, 1.0))
    graph_def = tf.get_default_graph().as_graph_def()
    wave = np.sin(np.arange(64, dtype=np.float32))[None]
    with tf.Session() as s:
        expected = s.run([spec, y], {x: wave})
    with tf.Graph().as_default() as g:
        tf.import_graph_def(graph_def, name="")
        with tf.Session() as s:
            got = s.run([spec.name, y.name], {x.name: wave})
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], [-1.0, 4.0])
    assert g.get_tensor_by_name(spec.name).dtype == tf.float32
    assert tf.abs(np.array([3 + 4j], np.complex64)).dtype == tf.float32

"""tf.test.TestCase: a program's own graph unit tests run under graphgrad as under TF1."""
import unittest

import graphgrad as tf


class _Square(tf.test.TestCase):
    __test__ = False  # run by the tests below through unittest, two of them meant to fail
    def testSquare(self):
        with self.test_session():
            self.assertAllEqual(tf.square([2, 3]).eval(), [4, 9])

    def testCachedSessionKeepsVariables(self):
        v = tf.Variable(3.0)
        with self.cached_session() as s:
            s.run(v.initializer)
        with self.cached_session():
            self.assertAllClose(v, 3.0)
            self.assertEqual(tf.get_default_graph().seed, 87654321)

    def testWrong(self):
        with self.session():
            self.assertAllEqual(tf.square([2, 3]), [4, 10])

    def testWrongShape(self):
        self.assertAllClose(tf.constant([1.0, 2.0]), [[1.0, 2.0]])


def _run():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(_Square)
    return unittest.TextTestRunner(stream=open("/dev/null", "w")).run(suite)


def test_passing_and_failing_tests_are_told_apart():
    result = _run()
    failed = sorted(t.id().rsplit(".", 1)[1] for t, _ in result.failures)
    assert failed == ["testWrong", "testWrongShape"]
    assert not result.errors
    # unittest collects `test_session` by its name; TF1 skips that run
    assert [t.id().rsplit(".", 1)[1] for t, _ in result.skipped] == ["test_session"]
    assert result.testsRun == 5


def test_each_test_starts_from_a_fresh_default_graph():
    tf.constant(1.0)
    case = _Square("testSquare")
    case.setUp()
    assert tf.get_default_graph().get_operations() == []
    case.tearDown()


def test_evaluate_runs_nested_fetches():
    case = _Square("testSquare")
    case.setUp()
    out = case.evaluate({"a": tf.constant([1, 2]), "b": (tf.constant(2.0),)})
    assert out["a"].tolist() == [1, 2] and out["b"][0] == 2.0
    case.tearDown()

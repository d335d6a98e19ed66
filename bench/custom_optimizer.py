"""A custom optimizer written the TF1 way (`tf.assign_sub(v, lr * g)` per variable) against the built-in
GradientDescentOptimizer on a W2-sized MLP: run order v2 runs every product before the first write, so the plan
takes no rollback snapshot (before it, the products created between the updates made it copy every variable).

    python -m bench.custom_optimizer
"""
import timeit, numpy as np, graphgrad as tf
rng = np.random.default_rng(0)
X = rng.normal(size=(128, 784)).astype(np.float32); Y = rng.integers(0, 10, 128).astype(np.int32)
def build(custom):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 784)); y = tf.placeholder(tf.int32, (None,))
        h = x; sizes = [784, 256, 256, 10]; ws = []
        for i in range(3):
            w = tf.Variable(rng.normal(size=sizes[i:i+2]).astype(np.float32) * 0.05); b = tf.Variable(np.zeros(sizes[i+1], np.float32))
            ws += [w, b]; h = tf.matmul(h, w) + b
            if i < 2: h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        if custom:
            grads = tf.gradients(loss, ws)
            train = tf.group(*[tf.assign_sub(v, 0.01 * gr) for v, gr in zip(ws, grads)])
        else:
            train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        s = tf.Session(); s.run(tf.global_variables_initializer())
    f = s.make_callable([train, loss], [x, y]); f(X, Y)
    return min(timeit.repeat(lambda: f(X, Y), number=50, repeat=5)) / 50 * 1e3
b, c = build(False), build(True)
print(f"built-in {b:.2f} ms, custom assign_sub {c:.2f} ms, ratio {c/b:.2f}")
g = tf.Graph()
with g.as_default():
    v1 = tf.Variable(np.ones((500, 500), np.float32)); v2 = tf.Variable(np.ones((500, 500), np.float32))
    loss = tf.reduce_sum(v1 * v2)
    g1, g2 = tf.gradients(loss, [v1, v2])
    train = tf.group(tf.assign_sub(v1, 0.01 * g1), tf.assign_sub(v2, 0.01 * g2))
    s = tf.Session(); s.run(tf.global_variables_initializer())
    s.run(train)
    p = [p for p, _ in s._plans.values()][-1]
    print("needs_snapshot", p.needs_snapshot)

"""Peer implementations of the benchmark workloads.

Interface of a peer module (graphgrad's ``graphgrad_peer`` included):

- ``make_step(workload, params, data, *, threads=None, forward_only=False) -> step``: ``params`` is a list of
  ``(W (fan_in, fan_out), b)`` float32 NumPy arrays (the peer's own copy), ``data`` is ``{"x", "y"}`` from
  ``bench.workloads.make_data``; each ``step()`` trains on the next mini-batch of ``workloads.batches``
  (cycling) and returns the loss (float, 0-d array, or anything ``float(np.asarray(...))`` takes after an
  optional ``block_until_ready()``). ``threads`` and ``forward_only`` are passed only if accepted.
- optional ``make_matmul(n, *, threads=None) -> mm``: one float32 ``n x n @ n x n`` product per call.
- optional ``LIBRARY`` and ``VERSION`` strings for the report header.
"""

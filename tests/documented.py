"""The document's outputs, as MXNet 1.9.1 prints them (tests/data holds the spec itself).

The spec's layout whitespace (``Out[N]:`` indents, trailing spaces, the double
spaces of In[6]'s X) is typesetting; ``test_documented.test_spec_tokens``
checks that these strings carry exactly the spec's characters otherwise.
"""


def printed(*reprs):
    """What ``print(a, b)`` writes: the reprs joined by a space, then a newline."""
    return ' '.join(reprs) + '\n'


# Out[3]: corr2d(X, K) on the 3x3 sanity example.
OUT3 = """
[[19. 25.]
 [37. 43.]]
<NDArray 2x2 @cpu(0)>"""

# Out[5]: the stripe image X.
OUT5 = """
[[1. 1. 0. 0. 0. 0. 1. 1.]
 [1. 1. 0. 0. 0. 0. 1. 1.]
 [1. 1. 0. 0. 0. 0. 1. 1.]
 [1. 1. 0. 0. 0. 0. 1. 1.]
 [1. 1. 0. 0. 0. 0. 1. 1.]
 [1. 1. 0. 0. 0. 0. 1. 1.]]
<NDArray 6x8 @cpu(0)>"""

# In[6]: print(X, Y).
IN6 = printed(OUT5, """
[[ 0.  1.  0.  0.  0. -1.  0.]
 [ 0.  1.  0.  0.  0. -1.  0.]
 [ 0.  1.  0.  0.  0. -1.  0.]
 [ 0.  1.  0.  0.  0. -1.  0.]
 [ 0.  1.  0.  0.  0. -1.  0.]
 [ 0.  1.  0.  0.  0. -1.  0.]]
<NDArray 6x7 @cpu(0)>""")

# In[7]: print(X.T, z).
IN7 = printed("""
[[1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 1. 1. 1.]
 [0. 0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0. 0.]
 [1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 1. 1. 1.]]
<NDArray 8x6 @cpu(0)>""", """
[[0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]
 [0. 0. 0. 0. 0.]]
<NDArray 8x5 @cpu(0)>""")

# In[8]: the training log.
IN8 = """batch 2, loss 4.949
batch 4, loss 0.831
batch 6, loss 0.140
batch 8, loss 0.024
batch 10, loss 0.004
"""

# Out[9]: the learned kernel, reshaped to (1, 2).
OUT9 = """
[[ 0.9895    -0.9873705]]
<NDArray 1x2 @cpu(0)>"""

"""glassgrad's command line, on top of engine, nn, viz and playground: where training, files and pictures come
together.

``glassgrad train`` (the main job: a dataset, a network, a training run and the files it leaves),
``glassgrad graph`` (an expression's forward and backward graph, drawn), ``glassgrad playground`` (the
playground's web server, ``playground.server``) and ``glassgrad demo`` (backpropagation through one neuron,
printed), also as ``python -m glassgrad``.
"""

import os

# The commands' arrays are small (a layer's weights, a batch of a few hundred rows): numpy's BLAS on one thread is
# faster there than on every core, and leaves the other cores to the playground's server and training thread. Set
# before numpy is first imported; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

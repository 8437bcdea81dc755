"""glassgrad's command line, on top of engine, nn, viz and playground: where training, files and pictures come
together.

``glassgrad train`` (the main job: a dataset, a network, a training run and the files it leaves),
``glassgrad graph`` (an expression's forward and backward graph, drawn), ``glassgrad playground`` (the
playground's web server, ``playground.server``) and ``glassgrad demo`` (backpropagation through one neuron,
printed), also as ``python -m glassgrad``.
"""

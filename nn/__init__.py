"""glassgrad's neural-network library: neurons, layers and MLPs built from engine Values.

    from nn import MLP, fit
    from nn.data import make_moons
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 2], activation="relu", seed=0)
    history = fit(model, X, y, loss="cross_entropy", optimizer="adam", epochs=50)
"""

from nn.module import Module
from nn.network import MLP, Layer, Neuron
from nn.train import DivergenceError, History, fit

__all__ = ["MLP", "DivergenceError", "History", "Layer", "Module", "Neuron", "fit"]

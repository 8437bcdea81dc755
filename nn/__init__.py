"""glassgrad's neural-network library (neurons, layers, MLPs), built from engine Values."""

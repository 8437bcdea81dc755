"""glassgrad's diagrams of the forward and backward graph."""

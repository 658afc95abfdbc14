"""Units, layers, adjacency and indicators: loading, validation and the array model."""

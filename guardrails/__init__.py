"""Safety layer: policy data, input and output checks, finalization of every reply."""

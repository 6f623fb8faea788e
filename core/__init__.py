"""The shared vocabulary every layer may import: types, errors and text normalisation. It imports
nothing from the project above it (knowledge/, guardrails/, assistant/, ui/, evals/)."""

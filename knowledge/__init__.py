"""The clinic knowledge base: load, clean, structure, chunk, embed and store documents."""

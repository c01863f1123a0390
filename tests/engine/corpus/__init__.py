"""A corpus of diagrams written in code: the shapes other modelers export and hostile files."""

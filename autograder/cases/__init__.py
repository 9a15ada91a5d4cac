"""Hidden-test inputs and typical mistakes, one module per chapter."""

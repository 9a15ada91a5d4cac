"""Reference implementations, one module per chapter (the one source of solution code)."""

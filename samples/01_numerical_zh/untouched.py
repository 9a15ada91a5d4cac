# The Chinese edition's student notebook as generated, nothing answered: zero, and the batch goes on.
# base: blank
# loses: *

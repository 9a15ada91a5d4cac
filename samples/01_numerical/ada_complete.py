# Every exercise answered with the reference solution, and the written answer.
# base: solution

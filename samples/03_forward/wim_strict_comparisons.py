# <= and >= written as strict comparisons: Dual(1, 5) <= Dual(1, -5) is False.
# base: solution
# loses: Dual
# %% Dual: edit
- return self.value <= (other.value if isinstance(other, Dual) else other)
+ return self.value < (other.value if isinstance(other, Dual) else other)
@@
- return self.value >= (other.value if isinstance(other, Dual) else other)
+ return self.value > (other.value if isinstance(other, Dual) else other)

# tape_memory measures both peaks but returns them as (checkpointed, full).
# base: solution
# loses: tape_memory
# %% tape_memory: edit
-     return full, checkpointed
+     return checkpointed, full

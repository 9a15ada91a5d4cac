# A recursive topological sort: right, until a graph is deeper than Python's recursion limit.
# base: solution
# loses: backward
# %% backward: edit
- order, seen, stack = [], {output}, [(output, iter(output.parents))]
- while stack:
-     node, parents = stack[-1]
-     for parent, _ in parents:
-         if parent not in seen:
-             seen.add(parent)
-             stack.append((parent, iter(parent.parents)))
-             break
-     else:
-         stack.pop()
-         order.append(node)
+ order, seen = [], {output}
+
+ def visit(node):  # as deep as the graph
+     for parent, _ in node.parents:
+         if parent not in seen:
+             seen.add(parent)
+             visit(parent)
+     order.append(node)
+ visit(output)

"""The security boundary: what a graded kernel may do, and how it is held to it.

Everything a student's code runs inside is set up here, and nothing here depends on
the rest of the grader (review it on its own):

- `confine`: the policy (`Policy`: rlimits, the user, capabilities, the environment,
  what may be read and written, the tmpfs quota, the namespaces), entering it
  (`enter`), the launcher a kernel starts through without the fork server, and the
  probe that reports which protections this machine really gives (`probe`);
- `landlock`: the file-system and TCP rules (Landlock), applied by `confine.enter`;
- `seccomp`: the kernels' system-call filter (Unix sockets, which Landlock leaves open);
- `forkserver`: the warm server every kernel is forked from, already confined;
- `warmup`: what the fork server does once so that each kernel draws its first plot fast;
- `kernel`: `SandboxKernelManager`, the jupyter_client kernel manager that starts each
  graded kernel inside the sandbox (`autograder.execute.SealedExecute` uses it).
"""

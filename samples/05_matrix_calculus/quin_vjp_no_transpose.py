# vjp_matmul returns G B for dL/dA (the transpose of B is missing). Its grad_mlp uses it, so the
# visible test of grad_mlp fails too; the hidden test of grad_mlp runs it with the reference
# vjp_matmul and keeps its points.
# base: solution
# loses: vjp_matmul, test_grad_mlp_visible
# %% vjp_matmul
def vjp_matmul(A, B, G):
    return G @ B, A.T @ G

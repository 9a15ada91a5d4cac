# Backpropagation through the network forgets tanh': the hidden layer is treated as linear.
# base: solution
# loses: grad_mlp
# %% grad_mlp
def grad_mlp(params, X, Y):
    H = np.tanh(X @ params["W1"] + params["b1"])
    dP = (H @ params["W2"] + params["b2"] - Y) / len(X)
    dH, dW2 = vjp_matmul(H, params["W2"], dP)
    _, dW1 = vjp_matmul(X, params["W1"], dH)
    return {"W1": dW1, "b1": unbroadcast(dH, np.shape(params["b1"])),
            "W2": dW2, "b2": unbroadcast(dP, np.shape(params["b2"]))}

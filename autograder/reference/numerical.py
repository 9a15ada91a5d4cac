"""Reference answers of chapter 01_numerical: numerical differentiation.

This module is the one source of truth for the chapter's solution code: `autograder
build` copies each function below into the matching solution cell of
`solutions/01_numerical/numerical.ipynb` (the body between nbgrader's solution
markers), and a test checks that the notebook is up to date.

Error orders, for a smooth f and step h, with machine epsilon eps ~ 2.2e-16:

    forward difference   truncation O(h)     round-off O(eps/h)    best h ~ sqrt(eps)
    central difference   truncation O(h^2)   round-off O(eps/h)    best h ~ cbrt(eps)
    Richardson           truncation O(h^4)   round-off O(eps/h)    best h ~ eps^(1/5)
    complex step         truncation O(h^2)   no subtractive cancellation: any tiny h
"""
import numpy as np


def forward_difference(f, x, h=1e-6):
    """Forward difference (f(x + h) - f(x)) / h, an O(h) estimate of f'(x).

    Works elementwise when x is an array and f acts elementwise. x is not modified.
    """
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h=1e-5):
    """Central difference (f(x + h) - f(x - h)) / (2h), an O(h^2) estimate of f'(x).

    The h^2 term cancels because the Taylor expansions of f(x + h) and f(x - h) have
    the same even-order terms. x is not modified.
    """
    return (f(x + h) - f(x - h)) / (2 * h)


def complex_step(f, x, h=1e-20):
    """Complex-step derivative Im f(x + ih) / h of a real-analytic f.

    f(x + ih) = f(x) + ih f'(x) - h^2 f''(x) / 2 + O(h^3), so the imaginary part
    divided by h is f'(x) up to O(h^2), with no subtraction and hence no
    cancellation: h can be as small as 1e-20. f must accept complex input.
    """
    return np.imag(f(x + 1j * h)) / h


def richardson(f, x, h=1e-3):
    """Richardson extrapolation of the central difference D: (4 D(h/2) - D(h)) / 3.

    D(h) = f'(x) + c h^2 + O(h^4); the combination cancels the h^2 term and leaves
    an O(h^4) error.
    """
    return (4 * central_difference(f, x, h / 2) - central_difference(f, x, h)) / 3


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function f at an array x of any shape.

    Returns an array of x's shape whose entry at index i is
    (f(x + h e_i) - f(x - h e_i)) / (2h). Costs 2 n evaluations of f for n entries.
    x is not modified (the function works on a float copy).
    """
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        f_plus = f(x)
        x[i] = saved - h
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_jacobian(f, x, h=1e-5):
    """Central-difference Jacobian of f: R^n -> R^m at a 1-D x of length n.

    Returns the (m, n) array J with J[i, j] = d f_i / d x_j: column j is the central
    difference of f along the j-th unit vector. x is not modified.
    """
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(columns, axis=1)


def directional_difference(f, x, v, h=1e-5):
    """Central difference of f along v, (f(x + h v) - f(x - h v)) / (2h): an O(h^2)
    estimate of the directional derivative J(x) v (the gradient's dot product with v when
    f is scalar), from two evaluations of f whatever the size of x. x and v are arrays of
    the same shape; neither is modified.
    """
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    return (np.asarray(f(x + h * v)) - np.asarray(f(x - h * v))) / (2 * h)


def numerical_hessian(f, x, h=1e-4):
    """Central-difference Hessian of a scalar f at a 1-D x of length n: the (n, n) array

        H[i, j] = (f(x + h e_i + h e_j) - f(x + h e_i - h e_j)
                   - f(x - h e_i + h e_j) + f(x - h e_i - h e_j)) / (4 h^2)

    for every i and j (the diagonal too: there the steps add up to 2h), symmetric by
    construction. Truncation O(h^2), round-off O(eps / h^2): the best step is about
    eps^(1/4) ~ 1e-4. x is not modified.
    """
    x = np.asarray(x, dtype=float)
    steps = h * np.eye(x.size)
    H = np.empty((x.size, x.size))
    for i in range(x.size):
        for j in range(i, x.size):
            a, b = steps[i], steps[j]
            H[i, j] = H[j, i] = (f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b)) / (4 * h * h)
    return H


def relative_error(a, b, floor=1e-8):
    """Largest elementwise relative error max |a - b| / max(|a|, |b|, floor), as a float.

    Symmetric in a and b. The floor keeps the ratio finite where both are zero.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / scale))


def gradient_check(f, grad_f, x, h=1e-5):
    """Relative error between an analytic gradient grad_f(x) and the numerical one.

    As in CS231n: values around 1e-7 or below mean the analytic gradient is right;
    1e-2 or above means it is wrong. Uses `relative_error` and `numerical_gradient`.
    """
    return relative_error(grad_f(x), numerical_gradient(f, x, h))


def step_errors(f, df, x, hs, method):
    """Absolute errors |method(f, x, h) - df(x)| for each step h in hs, as an array.

    Plotted against h on log-log axes this is the V-shaped error curve: truncation
    error falls with h, round-off error grows as h shrinks.
    """
    exact = df(x)
    return np.array([np.abs(method(f, x, h) - exact) for h in hs])

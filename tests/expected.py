"""What the sample classes must be graded as, beyond each sample's own `# loses:` line:
the samples whose right answers are written differently, and the words the feedback of
the typical mistakes must hold. Checked for every sample over the loopback bridge
(tests/autograder/test_samples_graded.py) and, for the samples of `THROUGH_NBGRADER`,
through the whole pipeline (tests/test_pipeline.py)."""
from __future__ import annotations

#: Samples whose answers are right but written differently: full marks.
ALTERNATIVES = {"01_numerical": ("kim_alternative", "lea_warnings"),
                "02_symbolic": ("kai_alternative",),
                "03_forward": ("jade_alternative", "ola_pow_by_exp_log", "wes_depth_tags"),
                "04_reverse": ("lia_alternative", "pat_wraps_numbers", "ivy_micrograd"),
                "05_matrix_calculus": ("nora_alternative",),
                "06_tensor_autodiff": ("kai_alternative",),
                "07_nonsmooth": ("kai_alternative",),
                "08_higher_order": ("kai_alternative", "lia_alternative"),
                "09_frameworks": ("kai_alternative", "lia_alternative", "ivy_jax_arrays"),
                "01_numerical_zh": ("mei_chinese_names",)}


FEEDBACK = {
    "01_numerical": [
        ("cleo_one_sided", "a one-sided difference (f(x+h) - f(x)) / h was used"),
        ("gia_transposed", "the result is transposed"),
        ("hugo_in_place", "modified its argument 2 in place"),
        ("iris_no_floor", "the floor was left out"),
        ("erin_complex", "was not divided by h"),
        ("finn_richardson_swapped", "the weights are swapped"),
        ("jack_signed_errors", "absolute values (np.abs) are expected"),
        ("lin_hessian_denominator", "the denominator is 4 h^2 (each of the two differences spans 2h), not 2 h^2"),
        ("mo_directional_jacobian", "a directional difference needs 2, at x + h v and x - h v"),
        ("uma_default_step", "the default step must be h=1e-05, as the exercise states"),
        ("untouched", "is not answered yet"),
    ],
    "02_symbolic": [
        ("ana_no_chain", "the chain rule is missing"),
        ("bo_sympy", "sympy is not available while this notebook is graded"),
        ("cy_product_rule", "the product rule was taken as (u v)' = u' v'"),
        ("eli_lazy_simplify", "larger than what the rules give"),
        ("gus_shared_once", "was counted once"),
        ("hal_off_by_one", "one step too many"),
        ("zoe_evaluates", "the answer called adcourse.expressions.evaluate"),
        ("ivy_variable_order", "the variables were taken in alphabetical order"),
        ("ria_general_power", "a number exponent went through the general power rule"),
        ("sol_python_operators", "raised ZeroDivisionError"),
        ("tom_math_folding", "raised ValueError: math domain error"),
        ("untouched", "is not answered yet"),
    ],
    "03_forward": [
        ("dora_rpow", "lost the factor log(number)"),
        ("eve_no_chain", "the chain rule is missing"),
        ("finn_value", "the value f(x) was returned"),
        ("hana_transposed", "the result is transposed"),
        ("ian_first_derivative", "the first derivative was returned"),
        ("quin_general_power", "went through the general power rule"),
        ("nia_vector_transposed", "the Jacobian is transposed: row i of the output's tangent is the gradient"),
        ("vera_default_tangent", "Dual(value) is a constant: its default tangent is 0.0"),
        ("wim_strict_comparisons", "<= and >= are by value"),
        ("pia_no_tags", "perturbation confusion: every call used the same tag (or none)"),
        ("rex_one_tag", "perturbation confusion: every call used the same tag (or none)"),
        ("sam_tag_ignored", "the tangent of f's result was read whatever its tag"),
        ("tom_left_outer", "the left operand was made the outer dual number whatever the tags"),
        ("uma_older_outer", "the older tag was made the outer dual number"),
        ("untouched", "is not answered yet"),
    ],
    "04_reverse": [
        ("max_overwrite", "overwritten instead of accumulated"),
        ("ned_recursive", "recursion"),
        ("ola_paths", "follows every path instead of visiting each node once"),
        ("oli_max_tie", "at a tie the gradient was routed to one operand"),
        ("pia_rtruediv", "number / Var has the wrong sign"),
        ("quin_grad_order", "the partial derivatives are in the wrong order"),
        ("rae_relu", "relu'(0) is 0 in this course"),
        ("sam_twice", "backward called twice changed the gradients"),
        ("ada_running_sum", "the gradients of earlier steps were added into each step's"),
        ("dot_loss_after", "each loss was recorded after its step"),
        ("gil_neuron_order", "the parameters were read neuron by neuron"),
        ("jon_by_hand", "called backward 0 times"),
        ("untouched", "is not answered yet"),
    ],
    "05_matrix_calculus": [
        ("liam_logdet_inverse", "X^-1 was returned, the transpose of the gradient"),
        ("mia_symmetric_quadratic", "2 A X holds only for a symmetric A"),
        ("noah_half_least_squares", "off by a factor of 2"),
        ("olga_transposed_softmax", "transposed"),
        ("pia_logistic_sum", "the loss is their mean"),
        ("quin_vjp_no_transpose", "dL/dA = G B was returned; it is G B^T"),
        ("ruth_unbroadcast_no_keepdims", "the values are right but the shape is not"),
        ("sam_mlp_no_tanh_prime", "tanh' is missing"),
        ("untouched", "is not answered yet"),
    ],
    "06_tensor_autodiff": [
        ("ana_no_unbroadcast", "broadcasting was not undone"),
        ("ben_matmul_transpose", "the matmul VJP misses a transpose"),
        ("cleo_overwrite", "a gradient was overwritten instead of accumulated"),
        ("dan_keepdims", "removed the summed axes"),
        ("eva_division_sign", "the division VJP for the denominator has the wrong sign"),
        ("rex_relu_at_zero", "relu's VJP at 0 is 0 in this course"),
        ("ugo_accumulates", "the gradients were accumulated across calls"),
        ("vic_recursive", "backward recursed deeper than Python allows"),
        ("wes_every_path", "backward called the graph's vector-Jacobian products"),
        ("finn_relu", "the relu VJP must multiply g by the step"),
        ("gus_loss_tensors", "the losses must be floats"),
        ("xia_likelihood", "a loss is negative"),
        ("yan_squared_error", "the losses are not the mean binary cross-entropy"),
        ("zed_recursion_limit", "backward recursed deeper than Python allows"),
        ("untouched", "is not answered yet"),
    ],
    "07_nonsmooth": [
        ("ana_nan_kink", "x / abs(x) is 0/0 = nan there"),
        ("fay_half_lam", "with s_k = subgradient_abs(x_k)"),
        ("ben_shrink", "none is set to 0"),
        ("ben_shrink", "never sets one to 0"),
        ("cleo_threshold_lam", "the threshold is lam; the proximal step of ISTA"),
        ("dan_step_norm", "the step is 1 / norm(A, 2); 1/L is 1 / norm(A, 2)**2"),
        ("eve_gradient_sign", "the gradient's sign is flipped"),
        ("cal_backtracking", "a backtracking line search was used when no step is given"),
        ("yan_k_momentum", "the momentum (k - 2) / (k + 1) is another accelerated method's"),
        ("finn_momentum", "the momentum is computed from the extrapolated points"),
        ("gia_fixed_step", "the step is fixed at step0"),
        ("hugo_frobenius", "the Frobenius norm"),
        ("untouched", "is not answered yet"),
    ],
    "08_higher_order": [
        ("ada_gradient", "the gradient was returned: the values of the grads, not their tangents"),
        ("cy_two_gradients", "called f 2 times: forward over reverse calls f once"),
        ("dan_same_column", "every column is hvp(f, x, ones): column j is H e_j"),
        ("eve_ridge_hessian", "the ridge was left out of the Hessian"),
        ("fay_p_weights", "the Hessian's weights are p, not p (1 - p)"),
        ("hal_full_tape", "held 101 states at once for n = 100, every = 10"),
        ("jo_wrong_state", "dstep was applied at x_(k+1): the VJP of step k is taken at its input x_k"),
        ("mo_tape_copies", "(copies of states count too)"),
        ("nia_swapped_peaks", "the pair is (full, checkpointed)"),
        ("untouched", "is not answered yet"),
    ],
    "09_frameworks": [
        ("al_loop_rows", "a Python loop over the rows"),
        ("bo_summed_grad", "the gradient of the total loss over all rows, repeated for every row"),
        ("cy_naive_softplus", "softplus and its derivative are finite for every float"),
        ("dan_rule_without_tangent", "the rule returns sigmoid(x) without multiplying by the tangent"),
        ("eve_adjoint_untransposed", "u = solve(A, g), not solve(A.T, g)"),
        ("fay_unrolled", "calling them at every iterate unrolls the iteration"),
        ("gus_one_step", "the derivative of one step, not of the fixed point"),
        ("hal_pinv", "pinv(A): the least-squares solution's derivative"),
        ("untouched", "is not answered yet"),
    ],
    # The Chinese edition: the same diagnoses, said in Chinese (translations/zh_CN/).
    "01_numerical_zh": [
        ("lei_sign_flipped", "可能的错误：符号反了"),
        ("hua_half_forward", "相差 2 倍（是期望值的一半）"),
        ("untouched", "尚未作答"),
    ],
}


#: The samples each chapter's pipeline test grades through nbgrader (besides the
#: instructor's notebook and the untouched one): an alternative right answer and a
#: mistake (in 02_symbolic the one the sandbox's library ban catches); the other
#: samples' losses and feedback are checked over the loopback bridge.
THROUGH_NBGRADER = {
    "01_numerical": ("kim_alternative", "lea_warnings", "cleo_one_sided"),
    "02_symbolic": ("kai_alternative", "bo_sympy"),
    "03_forward": ("ola_pow_by_exp_log", "dora_rpow"),
    "04_reverse": ("lia_alternative", "max_overwrite"),
    "05_matrix_calculus": ("nora_alternative", "liam_logdet_inverse"),
    "06_tensor_autodiff": ("kai_alternative", "ana_no_unbroadcast"),
    "07_nonsmooth": ("kai_alternative", "ana_nan_kink"),
    "08_higher_order": ("kai_alternative", "hal_full_tape"),
    "09_frameworks": ("kai_alternative", "dan_rule_without_tangent"),
    "01_numerical_zh": ("mei_chinese_names", "lei_sign_flipped"),
}

#: Feedback that only a graded kernel gives: SymPy cannot be loaded there, while the
#: loopback's kernel end (this process) has it, and its watch names it instead.
IN_A_KERNEL_ONLY = {("02_symbolic", "bo_sympy"): "the answer was computed with sympy"}

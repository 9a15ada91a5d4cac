# Right answers in the Chinese edition, written with Chinese names and comments (Python
# identifiers may be any letters): they must get full marks.
# base: solution
# %% forward_difference
def forward_difference(f, x, h=1e-6):
    # 前向差分：只用 f 在 x 与 x + h 的值
    增量 = f(x + h) - f(x)
    return 增量 / h
# %% central_difference
def central_difference(f, x, h=1e-5):
    """中心差分，误差为 O(h^2)。"""
    左, 右 = f(x - h), f(x + h)
    return (右 - 左) / (2 * h)
# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    点 = np.array(x, dtype=float)
    梯度 = np.zeros_like(点)
    for 下标 in np.ndindex(点.shape):
        单位 = np.zeros_like(点)
        单位[下标] = h
        梯度[下标] = (f(点 + 单位) - f(点 - 单位)) / (2 * h)
    return 梯度

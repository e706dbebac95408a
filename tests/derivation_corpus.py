r"""The corpus of derivation steps as learners write them: correct forms and wrong ones.

Each :class:`Form` is one step, written as on the lecture's slides, in the course's
notebooks, in textbooks or in numpy; it is checked after the true earlier steps of
:data:`CONTEXT`, so that its verdict is its own. Every ``CORRECT`` form must be read
and judged ``ok``; every ``WRONG`` form must be read and judged ``wrong`` at its own
step (the first wrong step of its derivation), and named by the slip :data:`SLIPS`
records for it (or not named, where it records None). :func:`measure` gives the
figures the docs page quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from autograd_lr import check_derivation
from autograd_lr.teaching.report import DerivationReport

L2 = 0.7  # the λ of the forms with an L2 term


@dataclass(frozen=True)
class Form:
    """One step written as a learner writes it, checked with ``lambd``."""

    step: str
    text: str
    lambd: float = 0.0


# The true per-example steps before each step: a form may use the names of earlier steps.
CONTEXT = {"da": "-y/a + (1-y)/(1-a)", "da_dz": "a*(1-a)", "dz": "a - y", "dw": "x*dz", "db": "dz"}


def _forms(step: str, texts: list[str], lambd: float = 0.0) -> list[Form]:
    return [Form(step, text, lambd) for text in texts]


CORRECT: tuple[Form, ...] = tuple(
    _forms("da", [
        "-y/a + (1-y)/(1-a)", "-(y/a) + (1-y)/(1-a)", "(a-y)/(a*(1-a))", "(a - y)/(a - a**2)",
        "(1-y)/(1-a) - y/a", "-(y/a - (1-y)/(1-a))", "-y*a**-1 + (1-y)*(1-a)**-1",
        "-y/a - (1-y)/(a-1)", "-y*(1 + exp(-z)) + (1 - y)*(1 + exp(z))", "−y/a + (1−y)/(1−a)",
        r"-\frac{y}{a} + \frac{1-y}{1-a}", r"-\frac{y}{a}+\frac{1-y}{1-a}",
        r"\frac{1-y}{1-a} - \frac{y}{a}", r"-\left(\frac{y}{a} - \frac{1-y}{1-a}\right)",
        r"\frac{a-y}{a(1-a)}", r"\frac{a - y}{a\,(1 - a)}", r"-\dfrac{y}{a} + \dfrac{1-y}{1-a}",
        r"-\tfrac{y}{a} + \tfrac{1-y}{1-a}", r"-\frac{y}{\hat{y}} + \frac{1-y}{1-\hat{y}}",
        r"-\frac y a + \frac{1-y}{1-a}", r"\frac{-y}{a} + \frac{1-y}{1-a}", r"\frac{a-y}{a-a^2}",
        r"-y\cdot\frac{1}{a} + (1-y)\cdot\frac{1}{1-a}", r"-y a^{-1} + (1-y)(1-a)^{-1}",
        r"-y(1+e^{-z}) + (1-y)(1+e^{z})",
        r"\frac{\partial}{\partial a}\left(-y\log a-(1-y)\log(1-a)\right)",
        r"\frac{d}{da}[-y\log a-(1-y)\log(1-a)]",
        r"\frac{\partial}{\partial a}\left(-(y\ln a + (1-y)\ln(1-a))\right)",
        r"\frac{\mathrm{d}}{\mathrm{d}a}\left(-y\log(a) - (1-y)\log(1-a)\right)",
        r"\frac{∂}{∂a}\Bigl(-y\log a - (1-y)\log(1-a)\Bigr)",
    ])
    + _forms("da_dz", [
        "a*(1-a)", "a(1-a)", "a - a**2", "(1-a)*a", "(1 - a)a", "a*(1.0 - a)",
        "sigma(z)*(1-sigma(z))", "sigma(z)(1-sigma(z))", "sigmoid(z)*(1 - sigmoid(z))",
        "np.exp(-z)/(1+np.exp(-z))**2", "exp(z)/(1 + exp(z))**2",
        r"a\left(1-a\right)", r"a\,(1-a)", r"a\cdot(1-a)", r"a - a^{2}", r"\sigma(z)(1-\sigma(z))",
        r"\sigma(z)\left(1-\sigma(z)\right)", r"\sigma(z)\cdot(1-\sigma(z))", r"\sigma'(z)",
        r"\sigma^{\prime}(z)", "σ′(z)", "σ(z)(1 − σ(z))", r"\hat{y}(1-\hat{y})",
        r"\frac{e^{-z}}{(1+e^{-z})^2}", r"\frac{e^{z}}{(1+e^{z})^{2}}",
        r"\frac{\exp(-z)}{(1+\exp(-z))^2}", r"\frac{d}{dz}\sigma(z)",
        r"\frac{\partial}{\partial z}\left(\frac{1}{1+e^{-z}}\right)",
        r"\frac{1}{1+e^{-z}}\left(1-\frac{1}{1+e^{-z}}\right)",
        r"\operatorname{sigmoid}(z)(1-\operatorname{sigmoid}(z))",
    ])
    + _forms("dz", [
        "a - y", "-(y - a)", "da * da_dz", "da*a*(1-a)", "da_dz * da", "sigma(z) - y",
        "sigmoid(z) - y", "1/(1 + np.exp(-z)) - y", "(-y/a + (1-y)/(1-a)) * a*(1-a)",
        r"-\left(y - a\right)", r"\hat{y} - y", r"da \cdot da_dz", r"\frac{dL}{da}\cdot\frac{da}{dz}",
        r"\frac{\partial L}{\partial a}\frac{\partial a}{\partial z}", r"da\cdot\sigma'(z)",
        r"da \cdot a(1-a)", r"\mathrm{d}a \cdot a(1-a)", r"\sigma(z) - y",
        r"\sigma(w^{T}x + b) - y", r"\sigma(w^Tx+b) - y", r"\sigma(w^\top x + b) - y",
        r"\sigma(\mathbf{w}^T\mathbf{x} + b) - y", r"\sigma(w^\intercal x+b)-y",
        r"\frac{1}{1+e^{-z}} - y", r"\left(-\frac{y}{a}+\frac{1-y}{1-a}\right)a(1-a)",
        "σ(z) − y", r"\frac{d}{dz}\left[\log(1+e^{z}) - yz\right]",
        r"\frac{\partial}{\partial z}\left(-y\log(\sigma(z)) - (1-y)\log(1-\sigma(z))\right)",
        r"da\,\sigma(z)(1-\sigma(z))", "1/(1 + exp(-(w*x + b))) - y", "σ(wᵀx + b) − y",
    ])
    + _forms("dw", [
        "x * dz", "x*dz", "dz * x", "x*(a - y)", "x * (sigma(z) - y)", "x*da*da_dz",
        "x_j * dz", "(a-y)*x", r"x\,dz", r"x \cdot dz", r"x_j\,dz", "x_1 dz", r"x_j dz",
        r"x^{(i)} dz^{(i)}", r"dz\,x", r"x(a-y)", r"x_j(a - y)", r"x\left(\sigma(z)-y\right)",
        r"x \cdot (\hat{y} - y)", r"x_{j}\,dz", r"x\cdot\frac{dL}{dz}",
        r"\frac{\partial L}{\partial z} x", r"x\,da\cdot a(1-a)", "xdz", "x dz", "x·dz",
        r"x\times dz", r"x_j \cdot \left(a - y\right)",
        r"\frac{\partial}{\partial w}\left(\log(1+e^{wx+b}) - y(wx+b)\right)",
        r"x\,(\sigma(w^Tx + b) - y)",
    ])
    + _forms("db", [
        "dz", "a - y", "1*dz", "sigma(z) - y", "da * da_dz", "dz * 1", r"dz^{(i)} \cdot 1",
        r"\frac{dL}{dz}", r"\frac{\partial L}{\partial z}", r"\hat{y} - y",
        r"\sigma(w^Tx + b) - y", r"1 \cdot dz", r"dz \cdot 1",
        r"\frac{\partial}{\partial b}\left(\log(1+e^{wx+b}) - y(wx+b)\right)", r"a-y",
        r"\sigma(z)-y", r"da\cdot\sigma'(z)", r"\mathrm{d}z", r"dz^{(i)}",
        r"\frac{1}{1+e^{-z}}-y", "σ(z) − y", r"\frac{\partial}{\partial b}\left(-y\log(\sigma(wx+b)) - (1-y)\log(1-\sigma(wx+b))\right)",
    ])
    + _forms("dJ_dw", [
        "X @ dZ.T / m", "np.dot(X, dZ.T) / m", "X.dot(dZ.T)/m", "(1/m) * np.dot(X, dZ.T)",
        "1/m * X @ (A - Y).T", "np.dot(X, (A - Y).T) / m",
        "np.sum(X * dZ, axis=1, keepdims=True) / m",
        "np.mean(X * (A - Y), axis=1, keepdims=True)", "np.mean(X * dZ, axis=1, keepdims=True)",
        "X @ np.transpose(dZ) / m", "np.matmul(X, dZ.T) / m", "(X @ (A - Y).T) / m",
        "X.dot((A - Y).T) / m", "np.dot(X, (sigmoid(np.dot(w.T, X) + b) - Y).T) / m",
        "X @ (sigma(w.T @ X + b) - Y).T / m", "np.dot(dZ, X.T).T / m", "(dZ @ X.T).T / m",
        "X.dot(dZ.transpose()) / m", "np.sum(X * dZ, 1, keepdims=True) / m",
        r"\frac{1}{m} X dZ^T", r"\frac{1}{m} X\,dZ^T", r"\frac{1}{m} X dZ'", r"\frac1m X dZ^T",
        r"\frac{1}{m}XdZ^T", r"\frac{1}{m}X d\mathbf{Z}^T",
        r"\frac{1}{m}\mathbf{X}(\mathbf{A}-\mathbf{Y})^T", r"\frac{1}{m}X (\hat{Y} - Y)^T",
        r"\frac{1}{m}X(\sigma(w^TX+b)-Y)^T", r"\frac{1}{m} X (A - Y)^\top",
        r"\frac{1}{m} X (A-Y)^{\intercal}", r"\frac{1}{m}X\,dZ^{\top}",
        r"\frac{1}{m}\sum_{i=1}^{m} x^{(i)} dz^{(i)}",
        r"\frac{1}{m}\sum_{i=1}^m x^{(i)}(a^{(i)} - y^{(i)})", r"\frac{1}{m}\sum_i x_i dz_i",
        r"\frac{X dZ^T}{m}", r"X dZ^T / m", r"\frac{1}{m}\boldsymbol{X}\,d\boldsymbol{Z}^{\top}",
        r"m^{-1} X dZ^T", r"\frac{1}{m}X\cdot dZ^T", r"\frac{1}{m} X (A - Y)'",
        r"\frac{1}{m}X\left[A-Y\right]^\intercal",
        r"\frac{1}{m}X\left(\sigma(w^{\top}X+b)-Y\right)^{\top}", r"X dZ' / m",
        r"\frac1m\, \mathbf X\, d\mathbf Z^T", r"\dfrac{1}{m} X dZ^T",
        r"\frac{1}{m} X \cdot (A - Y)^T", r"\frac{1}{m}XdZ'", r"\frac{1}{m} (dZ X^T)^T",
        "X dZ'/m", "1/m X dZ'", "(1/m) X (A - Y)ᵀ",
    ])
    + _forms("dJ_dw", [
        "X @ dZ.T / m + lambd / m * w", "(X @ dZ.T + lambd * w) / m",
        "np.dot(X, dZ.T)/m + (lambd/m)*w", "X.dot(dZ.T)/m + lambd*w/m",
        "np.mean(X * dZ, axis=1, keepdims=True) + lambd / m * w", "λ/m * w + X @ dZ.T / m",
        r"\frac{1}{m} X dZ^T + \frac{\lambda}{m} w", r"\frac{1}{m}\left(X dZ^T + \lambda w\right)",
        r"\frac{1}{m}XdZ^T + \frac{\lambda}{m}\mathbf{w}", r"\frac1m X dZ' + \frac{\lambda}{m}w",
        r"\frac{1}{m}X(A-Y)^\top+\frac{\lambda w}{m}",
        r"\frac{1}{m}\left(\mathbf{X}(\mathbf{A}-\mathbf{Y})^T + \lambda\mathbf{w}\right)",
    ], L2)
    + _forms("dJ_db", [
        "np.sum(dZ) / m", "dZ.sum()/m", "np.mean(dZ)", "np.mean(A - Y)", "np.sum(A - Y) / m",
        "1/m * np.sum(dZ)", "np.sum(dZ, axis=1, keepdims=True) / m",
        "np.mean(dZ, axis=1, keepdims=True)", "dZ.mean()", "(A - Y).sum() / m",
        "np.sum(dZ, axis=1) / m", "(A - Y).mean()",
        r"\frac{1}{m}\sum_{i=1}^{m} dZ", r"\frac{1}{m}\sum_{i=1}^{m} dZ_i",
        r"\frac{1}{m}\sum_{i=1}^{m} dz^{(i)}", r"\frac{1}{m}\sum_i (a^{(i)} - y^{(i)})",
        r"\frac1m\sum dZ", r"\frac{1}{m}\sum (A - Y)",
        r"\frac{1}{m}\sum_{i=1}^{m}\left(a^{(i)}-y^{(i)}\right)", r"\frac{1}{m}\sum_{i} dz_{i}",
        r"\frac{1}{m}\sum_{i=1}^{m}(\hat{y}^{(i)} - y^{(i)})",
        r"\frac{1}{m}\sum\left(\mathbf{A}-\mathbf{Y}\right)",
        r"\frac{1}{m} \sum_{i=1}^{m} \left(\sigma(z^{(i)}) - y^{(i)}\right)",
    ])
    + _forms("dJ_db", ["np.sum(dZ) / m", r"\frac{1}{m}\sum_{i=1}^{m} dZ_i"], L2)
    + _forms("d2J_dw2", [
        "X @ np.diag(A * (1 - A)) @ X.T / m", "np.dot(X * (A * (1 - A)), X.T) / m",
        "(X * A * (1 - A)) @ X.T / m", "np.dot(np.dot(X, np.diag(A*(1-A))), X.T) / m",
        r"\frac{1}{m} X \operatorname{diag}(A(1 - A)) X^T",
        r"\frac{1}{m} X \operatorname{diag}\bigl(A(1 - A)\bigr) X^{\top}",
        r"\frac1m X\,\mathrm{diag}(A(1-A))\,X^\top",
        r"\frac{1}{m}\mathbf{X}\,\operatorname{diag}(\mathbf{A}(1-\mathbf{A}))\,\mathbf{X}^T",
        r"\frac{1}{m} X \operatorname{diag}(\sigma'(Z)) X^T",
        r"\frac{1}{m} X\,\operatorname{diag}(\sigma(Z)(1-\sigma(Z)))\,X'",
    ])
    + _forms("d2J_dw2", [
        "X @ np.diag(A * (1 - A)) @ X.T / m + lambd / m * np.eye(n_x)",
        "X @ np.diag(A * (1 - A)) @ X.T / m + lambd / m * I",
        r"\frac{1}{m} X \operatorname{diag}(A(1 - A)) X^T + \frac{\lambda}{m} I",
        r"\frac{1}{m}\left(X\,\mathrm{diag}(A(1-A))\,X^\top + \lambda I\right)",
    ], L2)
)  # fmt: skip

WRONG: tuple[Form, ...] = tuple(
    _forms("da", [
        "y/a - (1-y)/(1-a)", "-y/a", "-y/a - (1-y)/(1-a)", r"\frac{y}{a} - \frac{1-y}{1-a}",
        r"-\frac{y}{a}", r"\frac{\partial}{\partial a}\left(y\log a + (1-y)\log(1-a)\right)",
        r"\frac{y-a}{a(1-a)}", r"-\frac{y}{a} + \frac{1}{1-a}",
    ])
    + _forms("da_dz", [
        r"\sigma'(z)(1-\sigma'(z))", "a", "1 - a", "a(1+a)", r"\sigma(z)",
        r"a^2(1-a)^2", r"-a(1-a)", "sigma(z)*(1+sigma(z))", r"\frac{e^{-z}}{1+e^{-z}}",
    ])
    + _forms("dz", [
        "y - a", "a(1-a)(a-y)", "da", r"\frac{dL}{da}", r"da\cdot\sigma(z)", r"\sigma(z) + y",
        r"\sigma(w^Tx) - y", r"da \cdot da_dz \cdot a(1-a)", r"da\cdot\sigma'(z)\cdot\sigma'(z)",
    ])
    + _forms("dw", [
        "dz", "x * a", r"x(y - a)", r"x\,da", r"x^2 dz", r"w\,dz", r"x_1 (a - y) a(1-a)",
        r"\frac{\partial}{\partial w}\left(\log(1+e^{wx+b})\right)",
    ])
    + _forms("db", ["x dz", "-dz", "da", "y - a", r"\sigma(z)", r"x_1\,dz"])
    + _forms("dJ_dw", [
        "X @ dZ.T", r"\frac{1}{m} dZ X^T", r"\frac{1}{m} X^T dZ", "np.sum(X * dZ) / m",
        "np.sum(X * dZ, axis=0, keepdims=True) / m", "np.mean(X * dZ)", r"\frac{1}{m} dZ' X",
        r"\frac{1}{m} X (Y - A)^T", r"-\frac{1}{m} X dZ^T", "X.dot(dZ)/m",
        r"X\,dZ^T", "np.sum(X * dZ, axis=1) / m",
    ])
    + _forms("dJ_dw", [
        "X @ dZ.T / m + lambd * w", "X @ dZ.T / m", r"\frac{1}{m}XdZ^T - \frac{\lambda}{m}w",
        r"\frac{1}{m}X dZ' + \lambda w",
    ], L2)
    + _forms("dJ_db", [
        "np.sum(dZ)", "np.sum(X * dZ) / m", r"\sum_{i=1}^m dZ_i", r"\frac{1}{m}\sum (Y - A)",
        "dZ.sum()", "np.mean(Y - A)",
    ])
    + _forms("dJ_db", ["np.sum(dZ)/m + lambd/m*b", r"\frac{1}{m}\sum dZ + \lambda b"], L2)
    + _forms("d2J_dw2", [
        "X @ np.diag(A * (1 - A)) @ X.T", r"\frac{1}{m} X \operatorname{diag}(A) X^T",
        r"\frac{1}{m} X X^T",
    ])
    + _forms("d2J_dw2", [
        r"\frac{1}{m} X \operatorname{diag}(A(1-A)) X^T",
        "X @ np.diag(A * (1 - A)) @ X.T / m + lambd * np.eye(n_x)",
    ], L2)
)  # fmt: skip


# The slip each wrong form is named by: the error model's rule whose correction makes it
# right (autograd_lr.teaching.slips), or None where no correction of the error model does
# (the report then says where the step is wrong, not why).
SLIPS: dict[tuple[str, str], str | None] = {
    ('da', 'y/a - (1-y)/(1-a)'): 'flip_sign',
    ('da', '-y/a'): 'add_one_minus_y_term',
    ('da', '-y/a - (1-y)/(1-a)'): 'flip_sign',
    ('da', '\\frac{y}{a} - \\frac{1-y}{1-a}'): 'flip_sign',
    ('da', '-\\frac{y}{a}'): 'add_one_minus_y_term',
    ('da', '\\frac{\\partial}{\\partial a}\\left(y\\log a + (1-y)\\log(1-a)\\right)'): 'flip_sign',
    ('da', '\\frac{y-a}{a(1-a)}'): 'flip_sign',
    ('da', '-\\frac{y}{a} + \\frac{1}{1-a}'): 'add_one_minus_y_term',
    ('da_dz', "\\sigma'(z)(1-\\sigma'(z))"): None,
    ('da_dz', 'a'): 'add_sigma_prime',
    ('da_dz', '1 - a'): None,
    ('da_dz', 'a(1+a)'): 'flip_sign',
    ('da_dz', '\\sigma(z)'): 'add_sigma_prime',
    ('da_dz', 'a^2(1-a)^2'): 'remove_sigma_prime',
    ('da_dz', '-a(1-a)'): 'flip_sign',
    ('da_dz', 'sigma(z)*(1+sigma(z))'): 'flip_sign',
    ('da_dz', '\\frac{e^{-z}}{1+e^{-z}}'): None,
    ('dz', 'y - a'): 'flip_sign',
    ('dz', 'a(1-a)(a-y)'): 'remove_sigma_prime',
    ('dz', 'da'): 'add_sigma_prime',
    ('dz', '\\frac{dL}{da}'): 'add_sigma_prime',
    ('dz', 'da\\cdot\\sigma(z)'): 'add_sigma_prime',
    ('dz', '\\sigma(z) + y'): 'flip_sign',
    ('dz', '\\sigma(w^Tx) - y'): 'add_bias',
    ('dz', 'da \\cdot da_dz \\cdot a(1-a)'): 'remove_sigma_prime',
    ('dz', "da\\cdot\\sigma'(z)\\cdot\\sigma'(z)"): 'remove_sigma_prime',
    ('dw', 'dz'): 'add_input',
    ('dw', 'x * a'): None,
    ('dw', 'x(y - a)'): 'flip_sign',
    ('dw', 'x\\,da'): 'add_sigma_prime',
    ('dw', 'x^2 dz'): 'remove_input',
    ('dw', 'w\\,dz'): 'swap_variable',
    ('dw', 'x_1 (a - y) a(1-a)'): 'remove_sigma_prime',
    ('dw', '\\frac{\\partial}{\\partial w}\\left(\\log(1+e^{wx+b})\\right)'): None,
    ('db', 'x dz'): 'remove_input',
    ('db', '-dz'): 'flip_sign',
    ('db', 'da'): 'add_sigma_prime',
    ('db', 'y - a'): 'flip_sign',
    ('db', '\\sigma(z)'): None,
    ('db', 'x_1\\,dz'): 'remove_input',
    ('dJ_dw', 'X @ dZ.T'): 'add_mean',
    ('dJ_dw', '\\frac{1}{m} dZ X^T'): 'transpose_operand',
    ('dJ_dw', '\\frac{1}{m} X^T dZ'): 'operand_order',
    ('dJ_dw', 'np.sum(X * dZ) / m'): 'change_axis',
    ('dJ_dw', 'np.sum(X * dZ, axis=0, keepdims=True) / m'): 'change_axis',
    ('dJ_dw', 'np.mean(X * dZ)'): 'change_axis',
    ('dJ_dw', "\\frac{1}{m} dZ' X"): 'operand_order',
    ('dJ_dw', '\\frac{1}{m} X (Y - A)^T'): 'flip_sign',
    ('dJ_dw', '-\\frac{1}{m} X dZ^T'): 'flip_sign',
    ('dJ_dw', 'X.dot(dZ)/m'): 'transpose_operand',
    ('dJ_dw', 'X\\,dZ^T'): 'add_mean',
    ('dJ_dw', 'np.sum(X * dZ, axis=1) / m'): 'change_axis',
    ('dJ_dw', 'X @ dZ.T / m + lambd * w'): 'divide_l2_by_m',
    ('dJ_dw', 'X @ dZ.T / m'): 'add_l2_term',
    ('dJ_dw', '\\frac{1}{m}XdZ^T - \\frac{\\lambda}{m}w'): 'flip_sign',
    ('dJ_dw', "\\frac{1}{m}X dZ' + \\lambda w"): 'divide_l2_by_m',
    ('dJ_db', 'np.sum(dZ)'): 'add_mean',
    ('dJ_db', 'np.sum(X * dZ) / m'): 'remove_input',
    ('dJ_db', '\\sum_{i=1}^m dZ_i'): 'add_mean',
    ('dJ_db', '\\frac{1}{m}\\sum (Y - A)'): 'flip_sign',
    ('dJ_db', 'dZ.sum()'): 'add_mean',
    ('dJ_db', 'np.mean(Y - A)'): 'flip_sign',
    ('dJ_db', 'np.sum(dZ)/m + lambd/m*b'): 'unregularize_bias',
    ('dJ_db', '\\frac{1}{m}\\sum dZ + \\lambda b'): 'unregularize_bias',
    ('d2J_dw2', 'X @ np.diag(A * (1 - A)) @ X.T'): 'add_mean',
    ('d2J_dw2', '\\frac{1}{m} X \\operatorname{diag}(A) X^T'): 'add_sigma_prime',
    ('d2J_dw2', '\\frac{1}{m} X X^T'): None,
    ('d2J_dw2', '\\frac{1}{m} X \\operatorname{diag}(A(1-A)) X^T'): 'add_l2_term',
    ('d2J_dw2', 'X @ np.diag(A * (1 - A)) @ X.T / m + lambd * np.eye(n_x)'): 'divide_l2_by_m',

}  # fmt: skip


def steps_of(form: Form) -> dict[str, str]:
    """The derivation that checks ``form``: the true earlier steps, then ``form``."""
    if form.step not in CONTEXT:
        return {form.step: form.text}
    earlier = list(CONTEXT)[: list(CONTEXT).index(form.step)]
    return {**{name: CONTEXT[name] for name in earlier}, form.step: form.text}


def check(form: Form) -> DerivationReport:
    """The report on ``form`` after the true earlier steps."""
    return check_derivation(steps_of(form), form.lambd)


@dataclass(frozen=True)
class Figures:
    """How the checker does on the corpus: forms read, judged right, caught, and the misses."""

    correct: int
    read: int
    judged_right: int
    marked_wrong: list[Form] = field(default_factory=list)
    unread: list[Form] = field(default_factory=list)
    wrong: int = 0
    caught: int = 0
    missed: list[Form] = field(default_factory=list)
    named: int = 0  # wrong forms named by the slip SLIPS expects
    located_only: int = 0  # wrong forms without a name, as SLIPS expects
    wrong_name: list[tuple[Form, str | None]] = field(default_factory=list)  # and the name given

    @property
    def read_share(self) -> float:
        return self.read / self.correct


@cache
def measure() -> Figures:
    """Check every form of the corpus once (about 20 s) and count."""
    unread, marked_wrong, missed = [], [], []
    judged_right = 0
    for form in CORRECT:
        verdict = check(form)[form.step].verdict
        judged_right += verdict == "ok"
        if verdict == "unparsed":
            unread.append(form)
        elif verdict != "ok":
            marked_wrong.append(form)
    caught = named = located_only = 0
    wrong_name = []
    for form in WRONG:
        report = check(form)
        first = report.first_wrong
        if first is not None and first.name == form.step and first.verdict == "wrong":
            caught += 1
        else:
            missed.append(form)
        mistake = report[form.step].mistake
        if mistake != SLIPS[form.step, form.text]:
            wrong_name.append((form, mistake))
        elif mistake is None:
            located_only += 1
        else:
            named += 1
    return Figures(
        correct=len(CORRECT), read=len(CORRECT) - len(unread), judged_right=judged_right,
        marked_wrong=marked_wrong, unread=unread, wrong=len(WRONG), caught=caught, missed=missed,
        named=named, located_only=located_only, wrong_name=wrong_name,
    )  # fmt: skip

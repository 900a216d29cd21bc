"""The network and its training: standardised inputs, a PCA basis for U(r), k-fold ensemble.

Output representation: the network predicts the leading principal-component scores
of the training potentials (whitened), not 1500 table values.  Every prediction is
then a combination of smooth database potentials, so it is as smooth as they are
(IBI smooths every update); truncating the basis removes their residual noise.
The loss is the squared error of the squashed U(r) (see :func:`squash`), counted only
where the sample's g(r) is non-zero: inside the core nothing is sampled and the table there is a
constructed wall (added back at prediction time, see ``predict.py``).
"""

from __future__ import annotations

import numpy as np

from mobcg_core.contract.units import kT_kjmol

from .dataset import TrainingSet

# Inputs that barely vary in training (g(r) deep in the core) must not be blown up by
# standardisation: a tiny difference at prediction time would become a huge input.
X_STD_FLOOR = 0.01
STD_FLOOR = 1e-6


def _torch():
    import torch

    return torch


def squash(u: np.ndarray, cap: float) -> np.ndarray:
    """U ≤ 0 unchanged, U > 0 → cap·tanh(U/cap): smooth (C²), monotonic, invertible.

    The learning window reaches into the cores of the larger molecules, where the tables
    hold steep walls of hundreds of kJ/mol that nothing samples; squashed, they no longer
    dominate the basis and the loss, while the sampled range (U ≲ 5 kT) is barely changed.
    """
    u = np.asarray(u, float)
    return np.where(u > 0, cap * np.tanh(np.maximum(u, 0) / cap), u)


def unsquash(t: np.ndarray, cap: float) -> np.ndarray:
    t = np.asarray(t, float)
    inside = np.clip(t / cap, None, 0.999)
    return np.where(t > 0, cap * np.arctanh(np.maximum(inside, 0)), t)


class Basis:
    """Standardisation of inputs and the PCA basis of the (squashed) outputs (arrays, no torch)."""

    def __init__(self, ts: TrainingSet, train_idx: np.ndarray, n_components: int, r_lo_nm: float,
                 cap_kjmol: float, g_components: int = 0):
        g = ts.x[train_idx][:, 2:]
        self.g_mean = g.mean(0)
        if g_components:  # g(r) enters as its leading principal-component scores
            self.g_basis = np.linalg.svd(g - self.g_mean, full_matrices=False)[2][:g_components]
        else:  # every point as is (no matrix stored)
            self.g_basis = np.zeros((0, g.shape[1]))
        x = self.project(ts.x[train_idx])
        self.x_mean, self.x_std = x.mean(0), np.maximum(x.std(0), X_STD_FLOOR)
        self.r_lo_nm = float(r_lo_nm)
        self.cap_kjmol = float(cap_kjmol)
        self.window = ts.potential_r_nm >= self.r_lo_nm
        y = squash(ts.u_kjmol[train_idx][:, self.window], self.cap_kjmol)
        self.u_mean = y.mean(0)
        _, s, vt = np.linalg.svd(y - self.u_mean, full_matrices=False)
        k = int(min(n_components, len(train_idx) - 1, vt.shape[0])) or 1
        self.components = vt[:k]
        scores = (y - self.u_mean) @ self.components.T
        self.score_std = np.maximum(scores.std(0), STD_FLOOR)

    def project(self, x: np.ndarray) -> np.ndarray:
        """Network features of input rows [ln m, ln D, g(r)]: [ln m, ln D, g's basis scores]."""
        if not len(self.g_basis):
            return x
        return np.column_stack([x[:, :2], (x[:, 2:] - self.g_mean) @ self.g_basis.T])

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("x_mean", "x_std", "r_lo_nm", "cap_kjmol", "window", "u_mean",
                                              "components", "score_std", "g_mean", "g_basis")}

    @classmethod
    def from_dict(cls, d: dict) -> "Basis":
        b = cls.__new__(cls)
        for k, v in d.items():
            setattr(b, k, float(v) if k in ("r_lo_nm", "cap_kjmol") else np.asarray(v))
        if not hasattr(b, "g_basis"):  # model files from before g_components: g enters as is
            b.g_mean, b.g_basis = np.zeros(len(b.x_mean) - 2), np.zeros((0, len(b.x_mean) - 2))
        return b


def n_features(basis: Basis) -> int:
    """Network inputs: ln m, ln D and the g(r) points or their basis scores."""
    return 2 + (len(basis.g_basis) or len(basis.g_mean))


def learning_window_start(ts: TrainingSet, opts: dict) -> float:
    """Smallest r (nm) the model learns: a margin inside the smallest core of the database."""
    return float(max(ts.core_nm.min() - opts["core_margin_nm"], ts.potential_r_nm[1]))


def make_net(n_in: int, n_out: int, hidden: list[int], activation: str):
    torch = _torch()
    act = {"leaky_relu": torch.nn.LeakyReLU, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh,
           "silu": torch.nn.SiLU}[activation]
    layers, width = [], n_in
    for h in hidden:
        layers += [torch.nn.Linear(width, h), act()]
        width = h
    layers.append(torch.nn.Linear(width, n_out))
    return torch.nn.Sequential(*layers)


class Decoder:
    """Network output (whitened scores) -> squashed U(r) on the learning window, differentiably."""

    def __init__(self, basis: Basis, device):
        torch = _torch()
        t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32, device=device)  # noqa: E731
        self.x_mean, self.x_std = t(basis.x_mean), t(basis.x_std)
        self.g_mean, self.g_basis_t = t(basis.g_mean), t(basis.g_basis.T)
        self.u_mean, self.comp_scaled = t(basis.u_mean), t(basis.score_std[:, None] * basis.components)

    def inputs(self, x: np.ndarray):
        torch = _torch()
        return self.features(torch.as_tensor(x, dtype=torch.float32, device=self.x_mean.device))

    def features(self, x):
        """Standardised network features of raw input rows (a tensor, see :meth:`Basis.project`)."""
        torch = _torch()
        if self.g_basis_t.shape[1]:
            x = torch.cat([x[:, :2], (x[:, 2:] - self.g_mean) @ self.g_basis_t], dim=1)
        return (x - self.x_mean) / self.x_std

    def potential(self, z):
        return self.u_mean + z @ self.comp_scaled


def loss_mask(ts: TrainingSet, basis: Basis, idx: np.ndarray) -> np.ndarray:
    r = ts.potential_r_nm[basis.window]
    return (r[None, :] >= ts.core_nm[idx, None]).astype(np.float32)


def train_one(ts: TrainingSet, train_idx, val_idx, opts: dict, seed: int, device) -> tuple[dict, Basis, dict]:
    """Train one network; return its state dict, basis and validation metrics (kJ/mol)."""
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    basis = Basis(ts, train_idx, opts["n_components"], learning_window_start(ts, opts),
                  opts["cap_kT"] * kT_kjmol(ts.temperature_K), opts.get("g_components", 0))
    dec = Decoder(basis, device)
    net = make_net(n_features(basis), len(basis.components), opts["hidden_layers"],
                   opts["activation"]).to(device)
    optim = torch.optim.Adam(net.parameters(), lr=opts["learning_rate"], weight_decay=opts["weight_decay"])
    # The learning rate decays by lr_decay over the run (the paper: Adam with a decaying rate).
    sched = torch.optim.lr_scheduler.ExponentialLR(optim, gamma=opts["lr_decay"] ** (1.0 / opts["epochs"]))
    xt = torch.as_tensor(ts.x[train_idx], dtype=torch.float32, device=device)  # raw: noise goes on g(r)
    yt = torch.as_tensor(squash(ts.u_kjmol[train_idx][:, basis.window], basis.cap_kjmol), dtype=torch.float32,
                         device=device)
    mt = torch.as_tensor(loss_mask(ts, basis, train_idx), device=device)
    noise = StructureNoise(opts.get("g_noise", 0.0), opts.get("g_noise_width_nm", 0.03), ts, basis, device)
    batch = min(opts["batch_size"], len(train_idx))
    history = []
    for _ in range(opts["epochs"]):
        order = rng.permutation(len(train_idx))
        total = 0.0
        for start in range(0, len(order), batch):
            b = torch.as_tensor(order[start:start + batch], device=device)
            err = (dec.potential(net(dec.features(noise(xt[b])))) - yt[b]) ** 2 * mt[b]
            loss = err.sum() / mt[b].sum()
            optim.zero_grad()
            loss.backward()
            optim.step()
            total += loss.item() * len(b)
        sched.step()
        history.append(total / len(order))
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    metrics = {"train_mse_kjmol2": history[-1], "loss_first": history[0], "loss_last": history[-1]}
    if len(val_idx):
        pred = predict_window(state, basis, opts, ts.x[val_idx])
        metrics.update(score(pred, ts.u_kjmol[val_idx][:, basis.window], loss_mask(ts, basis, val_idx)))
    return state, basis, metrics


class StructureNoise:
    """Smooth random changes of g(r) (rms ``amplitude``, correlation ``width_nm``) added to the
    training inputs.

    Potentials whose g(r) differ by less than a structure tolerance cannot be told apart by
    g(r) alone; with this noise the network has to take them as equal in structure and use
    D (and the mass) to choose among them, which is the mobility-preserving question
    "which potential gives about this g(r) *and* this D?".  0 switches it off.
    """

    def __init__(self, amplitude: float, width_nm: float, ts: TrainingSet, basis: Basis, device):
        torch = _torch()
        self.amplitude = float(amplitude)
        if self.amplitude <= 0:
            return
        dr = float(ts.rdf_r_nm[1] - ts.rdf_r_nm[0])
        half = max(1, int(round(3 * width_nm / dr)))
        k = np.exp(-0.5 * (np.arange(-half, half + 1) * dr / width_nm) ** 2)
        self.kernel = torch.as_tensor(k / np.sqrt(np.sum(k ** 2)), dtype=torch.float32, device=device)[None, None]
        # Only where g(r) is sampled in the training set (outside every core); in g units.
        scale = (ts.x[:, 2:].max(0) > 0.05).astype(float)
        self.scale = torch.as_tensor(scale, dtype=torch.float32, device=device)
        self.pad = half

    def __call__(self, x):
        if self.amplitude <= 0:
            return x
        torch = _torch()
        white = torch.randn(x.shape[0], 1, x.shape[1] - 2 + 2 * self.pad, device=x.device)
        smooth = torch.nn.functional.conv1d(white, self.kernel)[:, 0, :]
        return torch.cat([x[:, :2], x[:, 2:] + self.amplitude * smooth * self.scale], dim=1)


def predict_window(state: dict, basis: Basis, opts: dict, x: np.ndarray) -> np.ndarray:
    """U(r) on the basis window (kJ/mol) for input rows ``x``, on the CPU."""
    torch = _torch()
    net = make_net(n_features(basis), len(basis.components), opts["hidden_layers"], opts["activation"])
    net.load_state_dict(state)
    net.eval()
    dec = Decoder(basis, "cpu")
    with torch.no_grad():
        return unsquash(dec.potential(net(dec.inputs(x))).numpy().astype(float), basis.cap_kjmol)


def score(pred: np.ndarray, true: np.ndarray, mask: np.ndarray) -> dict:
    """R² and mean absolute error (kJ/mol) over the masked (sampled) part of U(r)."""
    m = mask.astype(bool)
    res = pred[m] - true[m]
    ss_tot = float(np.sum((true[m] - true[m].mean()) ** 2))
    return {"r2": 1.0 - float(np.sum(res ** 2)) / ss_tot if ss_tot > 0 else float("nan"),
            "mae_kjmol": float(np.mean(np.abs(res))), "n_val": int(pred.shape[0])}

"""MLP predictor plugin (``[predictor] name = "mlp"``): (mass, g(r), D) -> U(r) with PyTorch.

The options schema is final; training and prediction arrive with the database
stage that feeds them.
"""

from __future__ import annotations

from pathlib import Path

from mobcg_core.config.schema import Option
from mobcg_core.engine_support import missing_module
from mobcg_core.errors import PluginError
from mobcg_core.hookspecs import Predictor, hookimpl

__version__ = "0.1.0"


class MLPPredictor(Predictor):
    name = "mlp"
    version = __version__
    options = {
        "hidden_layers": Option(list, [512, 512, 512, 512], "units per hidden layer", item_type=int, min=1),
        "activation": Option(str, "leaky_relu", "activation", choices=("leaky_relu", "relu", "tanh", "silu")),
        "weight_decay": Option(float, 1e-5, "L2 regularisation", min=0.0),
        "learning_rate": Option(float, 1e-3, "Adam learning rate", min=0.0, exclusive_min=True),
        "epochs": Option(int, 500, "training epochs", min=1),
        "folds": Option(int, 5, "k-fold cross-validation / ensemble size", min=2),
        "device": Option(str, "auto", "torch device", choices=("auto", "cpu", "cuda")),
    }

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return missing_module("torch", "pip install torch")

    def train(self, database: Path, model_path: Path, seed: int = 0) -> dict:
        raise PluginError("predictor 'mlp': training needs a database, which the 'database' stage "
                          "does not produce yet in this version")

    def predict(self, model_path, mass_gmol, rdf, diffusion_nm2_ps):
        raise PluginError("predictor 'mlp': no trained model format exists yet in this version")


@hookimpl
def mobcg_predictors():
    return [MLPPredictor]

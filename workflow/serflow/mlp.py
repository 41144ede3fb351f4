"""Small PyTorch heads for frozen features, as scikit-learn estimators: a classifier and a
regressor that share one network and one training loop.

:class:`MLPClassifier` is the ``mlp`` classifier of the benchmark, :class:`MLPRegressor` the
``mlp_regressor`` of task dimensional (one continuous dimension per model, as every regressor
here). Both are fully connected hidden layers (ReLU, dropout) and a linear output, trained with
Adam (the classifier on the cross-entropy, optionally class balanced; the regressor on the mean
squared error of standardised targets) and stopped early on a validation part drawn **by
speaker** from the training rows they are given: ``fit(X, y, groups=speakers)``, scored by UAR
(classifier) or CCC (regressor). So in a grid search the validation speakers are training
speakers of the inner fold, and in the refit training speakers of the outer fold; no test
speaker decides when training stops (the searches check it,
:func:`serflow.leakage.check_early_stopping`).

With ``n_layers`` > 1 the rows are the per-layer pooled embeddings of an SSL encoder, layer after
layer (``n_layers`` blocks of equal width), and the head first takes their softmax-weighted sum
with one learned weight per layer: SUPERB's weighted sum of hidden layers. Mean pooling is linear,
so the weighted sum of the pooled means is the pooled weighted sum of the frame-level layers.

Training is seeded and runs on one torch thread with deterministic algorithms, so that the same
data give bit-identical predictions on the same machine. The fitted network lives as plain numpy
arrays (``weights_``), which :mod:`serflow.bundle` stores as safetensors.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from serflow.metrics import ccc, uar


def _torch():
    import torch

    return torch


class TorchHead(BaseEstimator):
    """What the PyTorch heads share: parameters, network, speaker-grouped early stopping,
    training loop and prediction. Subclasses say what the targets are (:meth:`_encode`), the
    loss (:meth:`_loss`), the validation score (:meth:`_validation_score`) and how the
    network's outputs become predictions (:meth:`_finish`).

    Parameters
    ----------
    hidden_layers
        Widths of the hidden layers; ``[]`` is a linear head (SUPERB's).
    dropout
        Dropout before every linear layer but the first input one.
    weight_decay, learning_rate
        Adam's (decoupled: AdamW) weight decay and learning rate.
    max_epochs
        Most passes over the training rows.
    patience
        Epochs without a better validation score before training stops; the weights of the best
        epoch are kept. ``None``: no early stopping (all ``max_epochs``, no validation part).
    validation_fraction
        Share of the training speakers (at least one) held out for early stopping.
    batch_size
        Rows per step.
    n_layers
        Layers the features hold (SSL all-layers table), weighted by learned softmax weights.
    device
        ``cpu``, ``cuda`` or ``auto`` (CUDA when available).
    random_state
        Seed of the initial weights, the validation speakers, batches and dropout.
    """

    _parameter_constraints: dict = {
        "hidden_layers": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }
    #: The key of the validation score in ``history_``.
    validation_key = "validation_score"

    def __init__(
        self,
        hidden_layers: list[int] | tuple[int, ...] = (256,),
        dropout: float = 0.2,
        weight_decay: float = 1e-4,
        learning_rate: float = 1e-3,
        max_epochs: int = 100,
        patience: int | None = 10,
        validation_fraction: float = 0.2,
        batch_size: int = 64,
        n_layers: int = 1,
        device: str = "cpu",
        random_state: int = 0,
    ) -> None:
        self.hidden_layers = hidden_layers
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.n_layers = n_layers
        self.device = device
        self.random_state = random_state

    def _validate_params(self) -> None:
        """scikit-learn's checks, and every hidden width a positive integer."""
        super()._validate_params()
        widths = list(self.hidden_layers)
        if not all(isinstance(w, Integral) and not isinstance(w, bool) and w > 0 for w in widths):
            from sklearn.utils._param_validation import InvalidParameterError

            raise InvalidParameterError(
                f"The 'hidden_layers' parameter of {type(self).__name__} must be a list of "
                f"positive integers (layer widths). Got {self.hidden_layers!r} instead."
            )

    # -- what the classifier and the regressor define ---------------------------------------

    def _encode(self, y: Any) -> np.ndarray:
        """The targets as the loss takes them; sets the fitted target state (``classes_``...)."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        """Width of the network's output layer."""
        raise NotImplementedError

    def _training_targets(self, targets: np.ndarray) -> np.ndarray:
        """The training rows' targets as the loss's tensor takes them."""
        raise NotImplementedError

    def _loss(self, targets: np.ndarray, device: Any) -> Any:
        """The loss function, given the training rows' targets."""
        raise NotImplementedError

    def _validation_score(self, targets: np.ndarray, outputs: Any) -> float:
        """Score (higher is better) of the network's outputs on the validation rows."""
        raise NotImplementedError

    def _finish(self, outputs: Any) -> Any:
        """The network's outputs (a tensor) as the scores that prediction reads."""
        raise NotImplementedError

    # -- the network ------------------------------------------------------------------------

    def _network(self, n_features: int, n_outputs: int):
        torch = _torch()
        from torch import nn

        width = n_features // self.n_layers
        layers: list[nn.Module] = []
        for hidden in self.hidden_layers:
            layers += [nn.Linear(width, int(hidden)), nn.ReLU(), nn.Dropout(self.dropout)]
            width = int(hidden)
        layers.append(nn.Linear(width, n_outputs))
        head = nn.Sequential(*layers)

        class Net(nn.Module):
            def __init__(self, n_layers: int) -> None:
                super().__init__()
                self.n_layers = n_layers
                if n_layers > 1:  # SUPERB initialises the layer weights equal
                    self.layer_logits = nn.Parameter(torch.zeros(n_layers))
                self.head = head

            def forward(self, x):
                if self.n_layers > 1:
                    x = x.reshape(x.shape[0], self.n_layers, -1)
                    x = (torch.softmax(self.layer_logits, 0)[None, :, None] * x).sum(1)
                return self.head(x)

        return Net(self.n_layers)

    def _check_width(self, n_features: int) -> None:
        if n_features % self.n_layers:
            raise ValueError(
                f"{n_features} features do not split into n_layers={self.n_layers} equal layers"
            )

    def _validation_rows(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Rows of the speakers held out for early stopping (a seeded draw of whole speakers)."""
        speakers = np.unique(groups)
        if self.patience is None or len(speakers) < 2:
            return np.zeros(len(groups), dtype=bool)
        count = min(len(speakers) - 1, max(1, round(self.validation_fraction * len(speakers))))
        held = rng.choice(speakers, size=count, replace=False)
        return np.isin(groups, held)

    def fit(self, X: Any, y: Any, groups: Any = None) -> TorchHead:
        """Train on ``X``, ``y``; ``groups`` (the rows' speakers) decide the validation part.

        Without ``groups`` every row is its own group (then validation rows are not speaker
        independent: the benchmark always passes the speakers).
        """
        self._validate_params()
        torch = _torch()
        from serflow.torch_runtime import resolve_device, torch_threads

        x = np.asarray(X, dtype=np.float32)
        targets = self._encode(y)
        self.n_features_in_ = x.shape[1]
        self._check_width(x.shape[1])
        groups = np.arange(len(x)) if groups is None else np.asarray(groups)
        rng = np.random.default_rng(self.random_state)
        held = self._validation_rows(groups, rng)
        self.validation_speakers_ = sorted(str(s) for s in np.unique(groups[held]))
        device = resolve_device(self.device)
        deterministic = torch.are_deterministic_algorithms_enabled()
        with torch_threads(1), torch.random.fork_rng(devices=[]):
            # CUDA kernels without a deterministic version only warn: bit-identity is on the CPU
            torch.use_deterministic_algorithms(True, warn_only=device.type != "cpu")
            try:
                torch.manual_seed(self.random_state)
                self._train(x, targets, held, device, rng)
            finally:
                torch.use_deterministic_algorithms(deterministic)
        return self

    def _train(self, x, targets, held, device, rng) -> None:
        torch = _torch()
        net = self._network(x.shape[1], self._n_outputs()).to(device)
        train_x = torch.from_numpy(x[~held]).to(device)
        train_y = torch.from_numpy(self._training_targets(targets[~held])).to(device)
        valid_x = torch.from_numpy(x[held]).to(device)
        loss_fn = self._loss(targets[~held], device)
        optimiser = torch.optim.AdamW(
            net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        history, best, best_epoch, best_state, waited = [], -np.inf, 0, None, 0
        n = len(train_y)
        for epoch in range(1, self.max_epochs + 1):
            net.train()
            order = torch.from_numpy(rng.permutation(n)).to(device)
            total = 0.0
            for start in range(0, n, self.batch_size):
                rows = order[start : start + self.batch_size]
                optimiser.zero_grad()
                loss = loss_fn(net(train_x[rows]), train_y[rows])
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * len(rows)
            record = {"epoch": epoch, "train_loss": total / n}
            if held.any():
                net.eval()
                with torch.no_grad():
                    outputs = net(valid_x).cpu()
                score = self._validation_score(targets[held], outputs)
                record[self.validation_key] = score
                if score > best:  # a NaN score (constant truth and prediction) never is
                    best, best_epoch, waited = score, epoch, 0
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    waited += 1
            history.append(record)
            if held.any() and waited >= self.patience:
                break
        if best_state is not None:
            net.load_state_dict(best_state)
        else:
            best_epoch = len(history)
        self.history_ = history
        self.best_epoch_ = best_epoch
        self.stopped_early_ = len(history) < self.max_epochs
        self.weights_ = {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}

    # -- prediction -------------------------------------------------------------------------

    def _scores(self, X: Any) -> np.ndarray:
        """The fitted network's outputs on ``X``, finished (:meth:`_finish`), as float64."""
        torch = _torch()
        from sklearn.utils.validation import check_is_fitted

        from serflow.torch_runtime import torch_threads

        check_is_fitted(self, "weights_")
        x = np.asarray(X, dtype=np.float32)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {x.shape[1]} features; the model has {self.n_features_in_}")
        net = self._network(x.shape[1], self._n_outputs())
        net.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in self.weights_.items()})
        net.eval()
        with torch_threads(1), torch.no_grad():
            return self._finish(net(torch.tensor(x))).numpy().astype(np.float64)

    @property
    def layer_weights_(self) -> np.ndarray | None:
        """The learned softmax weight of each layer (``None`` with ``n_layers`` 1)."""
        if self.n_layers < 2:
            return None
        logits = np.asarray(self.weights_["layer_logits"], dtype=np.float64)
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    def training_record(self) -> dict[str, Any]:
        """What ``best_params.json`` says about the training: early stopping and its epochs."""
        record = {
            "epochs_run": len(self.history_),
            "best_epoch": int(self.best_epoch_),
            "stopped_early": bool(self.stopped_early_),
            "validation_speakers": self.validation_speakers_,
        }
        if self.layer_weights_ is not None:
            record["layer_weights"] = [float(w) for w in self.layer_weights_]
        return record


class MLPClassifier(ClassifierMixin, TorchHead):
    """The ``mlp`` classifier: cross-entropy, early stopping by validation UAR.

    Parameters are :class:`TorchHead`'s and ``class_weight``: ``balanced`` weighs each class
    in the loss inversely to its frequency.
    """

    _parameter_constraints: dict = {
        **TorchHead._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), None],
    }
    validation_key = "validation_uar"

    def __init__(
        self,
        hidden_layers: list[int] | tuple[int, ...] = (256,),
        dropout: float = 0.2,
        weight_decay: float = 1e-4,
        learning_rate: float = 1e-3,
        max_epochs: int = 100,
        patience: int | None = 10,
        validation_fraction: float = 0.2,
        batch_size: int = 64,
        class_weight: str | None = None,
        n_layers: int = 1,
        device: str = "cpu",
        random_state: int = 0,
    ) -> None:
        super().__init__(
            hidden_layers=hidden_layers,
            dropout=dropout,
            weight_decay=weight_decay,
            learning_rate=learning_rate,
            max_epochs=max_epochs,
            patience=patience,
            validation_fraction=validation_fraction,
            batch_size=batch_size,
            n_layers=n_layers,
            device=device,
            random_state=random_state,
        )
        self.class_weight = class_weight

    def _encode(self, y: Any) -> np.ndarray:
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        return codes

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _training_targets(self, targets: np.ndarray) -> np.ndarray:
        return targets.astype(np.int64)

    def _loss(self, targets: np.ndarray, device: Any) -> Any:
        torch = _torch()
        weight = None
        if self.class_weight == "balanced":
            n_classes = len(self.classes_)
            counts = np.bincount(targets, minlength=n_classes).astype(np.float64)
            balanced = len(targets) / (n_classes * np.maximum(counts, 1.0))
            weight = torch.tensor(balanced, dtype=torch.float32, device=device)
        return torch.nn.CrossEntropyLoss(weight=weight)

    def _validation_score(self, targets: np.ndarray, outputs: Any) -> float:
        return uar(targets, outputs.argmax(1).numpy())

    def _finish(self, outputs: Any) -> Any:
        return _torch().softmax(outputs, 1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        return self._scores(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[self._scores(X).argmax(1)]


class MLPRegressor(RegressorMixin, TorchHead):
    """The ``mlp_regressor`` of task dimensional: one continuous target (one dimension).

    The network learns the target standardised by the mean and standard deviation of its
    training rows (``target_mean_``, ``target_scale_``; the validation speakers' rows are not
    among them) with the mean squared error, and stops early on the CCC
    (:func:`serflow.metrics.ccc`) of its validation speakers. Predictions are on the target's
    own scale. Parameters are :class:`TorchHead`'s.
    """

    validation_key = "validation_ccc"

    def _encode(self, y: Any) -> np.ndarray:
        targets = np.asarray(y, dtype=np.float64)
        if targets.ndim != 1:
            raise ValueError(
                f"MLPRegressor fits one dimension at a time: y must be 1-D, got shape "
                f"{targets.shape}"
            )
        return targets

    def _n_outputs(self) -> int:
        return 1

    def _training_targets(self, targets: np.ndarray) -> np.ndarray:
        self.target_mean_ = float(targets.mean())
        spread = float(targets.std())
        self.target_scale_ = spread if spread > 0 else 1.0
        standard = (targets - self.target_mean_) / self.target_scale_
        return standard.astype(np.float32)[:, None]

    def _loss(self, targets: np.ndarray, device: Any) -> Any:
        return _torch().nn.MSELoss()

    def _validation_score(self, targets: np.ndarray, outputs: Any) -> float:
        return ccc(targets, self._unstandardise(outputs[:, 0].numpy()))

    def _finish(self, outputs: Any) -> Any:
        return outputs[:, 0]

    def _unstandardise(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64) * self.target_scale_ + self.target_mean_

    def predict(self, X: Any) -> np.ndarray:
        """The value predicted for each row, on the target's own scale."""
        return self._unstandardise(self._scores(X))
